using System.Diagnostics;
using System.Runtime.InteropServices;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>The futex and every wait mode, between two endpoints of this process (same rings as across processes).</summary>
[CancelAfter(60_000)]
public class WaitStrategyTests : SharedMemoryTest
{
    [Test]
    public unsafe void FutexWaitReturnsWhenWokenAndOtherwiseAfterItsTimeout()
    {
        Assume.That(Futex.IsSupported, "Linux only");
        int* word = (int*)NativeMemory.AllocZeroed(64);
        try
        {
            var timer = Stopwatch.StartNew();
            Futex.Wait(word, 0, 20_000);
            Assert.That(timer.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a timed wait is bounded");

            Futex.Wait(word, 1, 10_000_000); // the word is not 1: returns at once
            Assert.That(timer.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));

            nint address = (nint)word;
            var ready = new ManualResetEventSlim();
            var woken = new Thread(() =>
            {
                ready.Set();
                Futex.Wait((int*)address, 0, 30_000_000); // returns at once if the word already changed
            });
            woken.Start();
            Assert.That(ready.Wait(TimeSpan.FromSeconds(10)), Is.True);
            Volatile.Write(ref *word, 1);
            Futex.WakeAll(word);
            Assert.That(woken.Join(TimeSpan.FromSeconds(10)), Is.True, "woken long before its 30 s timeout");
            ready.Dispose();
        }
        finally
        {
            NativeMemory.Free(word);
        }
    }

    [TestCase(SharedMemoryWaitMode.SpinThenFutex)]
    [TestCase(SharedMemoryWaitMode.Futex)]
    [TestCase(SharedMemoryWaitMode.Poll)]
    public async Task EveryWaitModeDeliversInOrderThroughAFullRing(SharedMemoryWaitMode mode)
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        SharedMemoryOptions Options()
        {
            SharedMemoryOptions options = ShmSupport.Options(Folder);
            options.WaitMode = mode;
            options.RingSlots = 4;
            return options;
        }

        await using FunctionHost serverHost = NewHost();
        await using SharedMemoryEndpoint server = serverHost.StartSharedMemoryEndpoint(Options());
        var seen = new List<int>();
        using var done = new SemaphoreSlim(0);
        server.Serve("counter", payload =>
        {
            lock (seen)
            {
                seen.Add(BitConverter.ToInt32(payload));
            }

            done.Release();
        });
        await using FunctionHost clientHost = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint client = clientHost.StartSharedMemoryEndpoint(Options());
        Assert.That(client.TryResolve("counter", out IHoseSender? sender), Is.True);
        for (int i = 0; i < 300; i++)
        {
            Assert.That(sender!.Send(BitConverter.GetBytes(i), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        for (int i = 0; i < 300; i++)
        {
            Assert.That(await done.WaitAsync(TimeSpan.FromSeconds(30), token), Is.True);
        }

        Assert.That(seen, Is.EqualTo(Enumerable.Range(0, 300)));
        Assert.That(Logs.Problems, Is.Empty, Logs.ToString());
    }

    [Test]
    public async Task AHandlerInAChildProcessReadsTimestampedPayloadsInPlace()
    {
        CancellationToken token = TestContext.CurrentContext.CancellationToken;
        await using FunctionHost host = ShmSupport.NewHost(Folder);
        await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(ShmSupport.Options(Folder));
        await using Roadrunner.Workloads.PeerProcess peer = await ShmSupport.StartPeerAsync(Folder, token, "--latency", "stamp");
        Assert.That(endpoint.TryResolve("stamp", out IHoseSender? sender), Is.True);
        for (int i = 0; i < 50; i++)
        {
            Assert.That(sender!.Send(BitConverter.GetBytes(Stopwatch.GetTimestamp()), TimeSpan.FromSeconds(30), token), Is.EqualTo(HoseStatus.Ok));
        }

        string[] figures = (await peer.RequestAsync("latency 50", token)).Split(' ');
        Assert.That(figures, Has.Length.EqualTo(4), "median p99 min p10");
        Assert.That(double.Parse(figures[0], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
    }
}
