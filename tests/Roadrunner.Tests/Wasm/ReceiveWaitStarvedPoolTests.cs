using System.Diagnostics;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Wasm;

/// <summary>The guest imports' waits keep their limits and wake promptly whatever the thread pool is doing.</summary>
public class ReceiveWaitStarvedPoolTests : FolderTest
{
    private const int Buffer = 8192;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1); // 10 ms waits; generous for a loaded machine, far below the 10 s a pool-bound wait takes here

    // The starved parts run before the test's first await, on NUnit's own thread, not a pool thread.
    [Test]
    public async Task ReceiveWaitTimesOutOnTimeWhileThePoolIsStarved()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        Func<int, int, int, int> receiveWait = puller.Function.Instance.GetFunction<int, int, int, int>("receive_wait")!;
        puller.ReceiveWait(Buffer, 100, 1); // warm up outside the starved window

        int result;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            var clock = Stopwatch.StartNew();
            result = puller.Function.Run(_ => receiveWait(Buffer, 100, 10));
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That(elapsed, Is.LessThan(Prompt), "a 10 ms wait must not wait for a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
    }

    [Test]
    public async Task ReceiveWaitWakesForAPayloadWhileThePoolIsStarved()
    {
        await using FunctionHost host = CreateHost();
        var puller = new GuestCalls(host.LoadText("puller", Guests.Caller));
        Func<int, int, int, int> receiveWait = puller.Function.Instance.GetFunction<int, int, int, int>("receive_wait")!;
        IHoseSender toPuller = host.Open("puller");
        using var waiting = new ManualResetEventSlim();
        HoseStatus sent = HoseStatus.Internal;
        var sender = new Thread(() =>
        {
            waiting.Wait(Guard);
            sent = toPuller.Send(new byte[] { 5, 6, 7 }, Guard);
        });

        int result;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            sender.Start();
            var clock = Stopwatch.StartNew();
            result = puller.Function.Run(_ =>
            {
                waiting.Set();
                return receiveWait(Buffer, 100, 8000);
            });
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        sender.Join(Guard);
        Assert.Multiple(() =>
        {
            Assert.That(sent, Is.EqualTo(HoseStatus.Ok));
            Assert.That(result, Is.EqualTo(3));
            Assert.That(elapsed, Is.LessThan(Prompt), "woken by the payload, without a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
        Assert.That(puller.Read(Buffer, 3), Is.EqualTo(new byte[] { 5, 6, 7 }));
    }

    [Test]
    public async Task SendWaitingForRoomTimesOutOnTimeWhileThePoolIsStarved()
    {
        await using FunctionHost host = CreateHost(o =>
        {
            o.Guest.Inbox.MaxQueuedPayloads = 1;
            o.Guest.SendTimeout = TimeSpan.FromMilliseconds(20);
        });
        var sender = new GuestCalls(host.LoadText("sender", Guests.Caller));
        host.LoadText("full", Guests.Sink);
        int handle = sender.Open("full");
        Assert.That(sender.Send(handle, new byte[] { 1 }), Is.EqualTo((int)HoseStatus.Ok), "fills the inbox");
        Func<int, int, int, int> send = sender.Function.Instance.GetFunction<int, int, int, int>("send")!;

        int result;
        TimeSpan elapsed;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            var clock = Stopwatch.StartNew();
            result = sender.Function.Run(_ => send(handle, GuestCalls.DataOffset, 1));
            elapsed = clock.Elapsed;
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo((int)HoseStatus.TimedOut));
            Assert.That(elapsed, Is.LessThan(Prompt));
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
    }
}
