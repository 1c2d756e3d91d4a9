using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// Asynchronous network sends hold no pool thread: they are written by the hose's writer thread and completed from the
/// Ack; a send cancelled before it is published throws, sends nothing and holds no credit.
/// </summary>
public class NetworkAsyncSendTests
{
    private const int Waiting = 8;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5); // far below the starver's 10 s guard, generous for a loaded machine

    // The starved part runs before the test's first await, on NUnit's own thread, not a pool thread.
    [Test]
    public async Task SendsWaitingForTheirAcksCompleteWhileThePoolIsStarved()
    {
        await using var bed = SinkBed.Start();
        IHoseSender sender = bed.Open("sink");
        Assert.That(sender.Send(SinkBed.Payload(100, 10), Guard), Is.EqualTo(HoseStatus.Ok), "connected and open");
        bed.Sink.Entered.Reset();
        bed.Sink.Gate.Reset(); // the receiver's handler holds the first message: no Ack until the gate opens

        Task[] sends;
        bool entered;
        bool noneDoneBeforeTheAck;
        bool allDone;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            sends = [.. Enumerable.Range(0, Waiting).Select(i => sender.SendAsync(SinkBed.Payload(i, 1000)).AsTask())];
            entered = bed.Sink.Entered.Wait(Prompt);
            noneDoneBeforeTheAck = !sends.Any(s => s.IsCompleted);
            bed.Sink.Gate.Set();
            allDone = Task.WaitAll(sends, Prompt);
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(entered, Is.True, "the first message was written and reached the handler without a pool thread");
            Assert.That(noneDoneBeforeTheAck, Is.True, "every send waited for its Ack");
            Assert.That(allDone, Is.True, "the Acks completed the sends without a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
        await Task.WhenAll(sends);
        Assert.That(bed.Sink.Got.Select(r => r.Id), Is.EqualTo(new[] { 100 }.Concat(Enumerable.Range(0, Waiting))), "each arrived once, in the order sent");
    }

    [Test]
    public async Task FanOutSendsCompleteWhileThePoolIsStarved()
    {
        await using var first = NetworkTestbed.Start();
        await using var second = NetworkTestbed.Start();
        NetworkOptions options = NetworkTestbed.Options();
        options.Directory = new StaticNetworkDirectory().Add("pull", first.ServerAddress, second.ServerAddress);
        await using var client = new NetworkEndpoint(first.Server.Directory, first.ClientPool, options);
        Assert.That(client.TryResolve("pull", out IHoseSender? sender), Is.True);
        Assert.That(sender!.Send(new byte[] { 1 }, Guard), Is.EqualTo(HoseStatus.Ok), "both nodes connected");
        Assert.That(first.TakeFrom("pull"), Is.Not.Null);
        Assert.That(second.TakeFrom("pull"), Is.Not.Null);
        byte[][] payloads = [.. Enumerable.Range(0, 4).Select(i => Payloads.Random(i % 2 == 0 ? 100 : 300_000, i))];

        Task[] sends;
        bool allDone;
        bool probeRan;
        using (var starver = PoolStarver.Start(Guard))
        {
            sends = [.. payloads.Select(p => sender.SendAsync(p).AsTask())];
            allDone = Task.WaitAll(sends, Prompt);
            probeRan = starver.ProbeRan;
        }

        Assert.Multiple(() =>
        {
            Assert.That(allDone, Is.True, "every node's Ack completed the fan-out sends without a pool thread");
            Assert.That(probeRan, Is.False, "the pool was starved during the wait");
        });
        await Task.WhenAll(sends);
        foreach (byte[] payload in payloads)
        {
            Assert.That(first.TakeFrom("pull"), Is.EqualTo(payload));
            Assert.That(second.TakeFrom("pull"), Is.EqualTo(payload));
        }
    }

    [Test]
    public async Task SendsCancelledBeforeTheyArePublishedThrowSendNothingAndHoldNoCredit()
    {
        await using var bed = SinkBed.Start(client: o => o.HoseWindowBytes = 2000); // two 1000-byte messages in flight
        IHoseSender sender = bed.Open("sink");
        CreditWindow window = ((NetworkSender)sender).Window;
        bed.Sink.Gate.Reset();
        Task first = sender.SendAsync(SinkBed.Payload(1, 1000)).AsTask();
        Task second = sender.SendAsync(SinkBed.Payload(2, 1000)).AsTask();
        Assert.That(bed.Sink.Entered.Wait(Guard), Is.True);
        Assert.That(Eventually(() => window.InFlight == 2000), Is.True, "both are published and hold the whole window");

        using var cancel = new CancellationTokenSource();
        Task[] cancelled = [.. Enumerable.Range(3, 6).Select(i => sender.SendAsync(SinkBed.Payload(i, 1000), cancel.Token).AsTask())];
        Assert.That(cancelled.Any(t => t.IsCompleted), Is.False, "they wait for credit");
        await cancel.CancelAsync();
        foreach (Task task in cancelled)
        {
            Assert.That(async () => await task.WaitAsync(Guard), Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.That(window.InFlight, Is.EqualTo(2000), "the cancelled sends took no credit");
        bed.Sink.Gate.Set();
        await first.WaitAsync(Guard);
        await second.WaitAsync(Guard);
        Assert.That(Eventually(() => window.InFlight == 0), Is.True, "the Acks gave the credit back");
        await sender.SendAsync(SinkBed.Payload(9, 1000)).AsTask().WaitAsync(Guard);
        Assert.That(bed.Sink.Got.Select(r => r.Id), Is.EqualTo(new[] { 1, 2, 9 }), "no cancelled send arrived; the hose still sends");
    }

    private static bool Eventually(Func<bool> condition) => SpinWait.SpinUntil(condition, Guard);
}
