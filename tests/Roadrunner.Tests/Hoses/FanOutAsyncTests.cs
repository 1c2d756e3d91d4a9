using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>
/// An in-process fan-out's asynchronous sends wait for queue slots and budget on awaitables (the slots' semaphore, the
/// pool's rent queue), keep their order, and a cancelled one gives back what it took.
/// </summary>
public class FanOutAsyncTests : FolderTest
{
    private const int Waiting = 24;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Test]
    public async Task WaitingSendsAllArriveInOrderOnceRoomAppears()
    {
        using RegionPool pool = CreatePool(maxLeased: 64L * 1024 * 1024);
        var options = new HoseOptions { MaxQueuedPayloads = 1 };
        InProcessHose a = Track(new InProcessHose("a", pool, options));
        InProcessHose b = Track(new InProcessHose("b", pool, options));
        var fanOut = new FanOutSender("both", [a, b]);
        await fanOut.SendAsync(Payloads.Numbered(0, 1000), Ct); // fills both queues

        Task[] sends = [.. Enumerable.Range(1, Waiting).Select(i => fanOut.SendAsync(Payloads.Numbered(i, 1000), Ct).AsTask())];
        Assert.That(sends.Any(s => s.IsCompleted), Is.False, "every send waits for a slot");

        // Both drained at once: each send waits for a slot in a, then in b.
        await Task.WhenAll(DrainAsync(a), DrainAsync(b)).WaitAsync(Guard, Ct);
        await Task.WhenAll(sends).WaitAsync(Guard, Ct);
        Assert.That(pool.LeasedBytes, Is.Zero, "every shared copy was given back");
    }

    [Test]
    public async Task ACancelledWaitingSendTakesNothingAndReachesNoTarget()
    {
        using RegionPool pool = CreatePool(maxLeased: 64L * 1024 * 1024);
        var options = new HoseOptions { MaxQueuedPayloads = 1 };
        InProcessHose a = Track(new InProcessHose("a", pool));
        InProcessHose b = Track(new InProcessHose("b", pool, options));
        var fanOut = new FanOutSender("both", [a, b]);
        await fanOut.SendAsync(Payloads.Numbered(0, 1000), Ct); // b is full; a has room
        long leased = pool.LeasedBytes;

        using var cancel = new CancellationTokenSource();
        Task send = fanOut.SendAsync(Payloads.Numbered(1, 1000), cancel.Token).AsTask();
        Assert.That(send.IsCompleted, Is.False, "waits for b's slot");
        await cancel.CancelAsync();
        Assert.That(async () => await send.WaitAsync(Guard, Ct), Throws.InstanceOf<OperationCanceledException>());

        Assert.Multiple(() =>
        {
            Assert.That(a.QueuedCount, Is.EqualTo(1), "a did not get the cancelled payload");
            Assert.That(b.QueuedCount, Is.EqualTo(1));
            Assert.That(pool.LeasedBytes, Is.EqualTo(leased), "nothing rented for the cancelled send");
        });

        // a's slot taken for the cancelled send was given back: a second payload fits again.
        Assert.That(a.TrySend(Payloads.Numbered(2, 10)), Is.EqualTo(HoseStatus.Ok));
    }

    private async Task DrainAsync(InProcessHose target)
    {
        for (int i = 0; i <= Waiting; i++)
        {
            using HoseLease lease = await target.ReceiveAsync(Ct);
            Assert.That(Payloads.Diff(lease.Bytes(), Payloads.Numbered(i, 1000)), Is.Empty, $"{target.Name}, message {i}");
        }
    }
}
