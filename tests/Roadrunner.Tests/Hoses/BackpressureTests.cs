using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>A hose is bounded by its queue slots and by the pool's bytes: senders wait or are told to come back.</summary>
public class BackpressureTests : FolderTest
{
    [Test]
    public void TrySendWouldBlockWhenTheQueueSlotsAreFull()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 2 }));

        Assert.Multiple(() =>
        {
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
            Assert.That(hose.TrySend([2]), Is.EqualTo(HoseStatus.Ok));
            Assert.That(hose.TrySend([3]), Is.EqualTo(HoseStatus.WouldBlock));
            Assert.That(hose.QueuedCount, Is.EqualTo(2));
            Assert.That(pool.LeasedBytes, Is.EqualTo(2L * TestPool.Small), "a refused payload takes no bytes");
        });

        Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
        lease!.Dispose();
        Assert.That(hose.TrySend([3]), Is.EqualTo(HoseStatus.Ok));
        DrainAll(hose);
    }

    [Test]
    public void TrySendWouldBlockWhenThePoolBudgetIsFull()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.TrySend(new byte[TestPool.Large]), Is.EqualTo(HoseStatus.Ok));

        Assert.Multiple(() =>
        {
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.WouldBlock));
            Assert.That(hose.QueuedCount, Is.EqualTo(1), "the refused payload must not hold a queue slot");
        });

        Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.WouldBlock), "the lease still holds the bytes");
        lease!.Dispose();
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        DrainAll(hose);
    }

    [Test]
    public void SendTimesOutWhenTheQueueIsFullThenSucceedsAfterAReceive()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));

        Assert.That(hose.Send([2], TimeSpan.FromMilliseconds(50)), Is.EqualTo(HoseStatus.TimedOut));
        Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small), "the timed-out send took nothing");

        Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
        lease!.Dispose();
        Assert.That(hose.Send([2], TimeSpan.FromMilliseconds(50)), Is.EqualTo(HoseStatus.Ok));
        Assert.That(DrainAll(hose), Is.EqualTo(new[] { new byte[] { 2 } }));
    }

    [Test]
    public void SendTimesOutWhenThePoolIsFullThenSucceedsAfterALeaseIsDisposed()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.TrySend(new byte[TestPool.Large]), Is.EqualTo(HoseStatus.Ok));

        Assert.That(hose.Send([7], TimeSpan.FromMilliseconds(50)), Is.EqualTo(HoseStatus.TimedOut));
        Assert.That(hose.QueuedCount, Is.EqualTo(1), "the timed-out send gave its slot back");

        Assert.That(hose.TryReceive(out HoseLease? lease), Is.True);
        lease!.Dispose();
        Assert.That(hose.Send([7], TimeSpan.FromMilliseconds(50)), Is.EqualTo(HoseStatus.Ok));
        DrainAll(hose);
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void CancelledSendReportsTimedOutAndTakesNothing()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.That(hose.Send([2], WaitLimit, cts.Token), Is.EqualTo(HoseStatus.TimedOut));
        Assert.That(hose.QueuedCount, Is.EqualTo(1));
        DrainAll(hose);
    }

    [Test]
    public async Task BlockingSendWakesWhenAReceiveFreesASlot()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<HoseStatus> sender = Task.Run(() =>
        {
            started.SetResult();
            return hose.Send([2], WaitLimit);
        });
        await Within(started.Task);

        Assert.That((await ReceiveBytesAsync(hose))[0], Is.EqualTo(1));

        Assert.That(await Within(sender), Is.EqualTo(HoseStatus.Ok));
        Assert.That((await ReceiveBytesAsync(hose))[0], Is.EqualTo(2));
    }

    [Test]
    public async Task SendAsyncWaitsForASlotAndCompletesAfterAReceive()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 });
        await hose.SendAsync(new byte[] { 1 }, Ct);

        Task sending = hose.SendAsync(new byte[] { 2 }, Ct).AsTask();
        Assert.That(sending.IsCompleted, Is.False);

        Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(new byte[] { 1 }));
        await Within(sending);

        Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(new byte[] { 2 }));
    }

    [Test]
    public async Task SendAsyncWaitsForPoolBytesAndCompletesAfterALeaseIsDisposed()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        await using var hose = new InProcessHose("h", pool);
        await hose.SendAsync(new byte[TestPool.Large], Ct);
        HoseLease first = await hose.ReceiveAsync(Ct);

        Task sending = hose.SendAsync(new byte[] { 9 }, Ct).AsTask();
        Assert.That(sending.IsCompleted, Is.False);

        first.Dispose();
        await Within(sending);
        Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(new byte[] { 9 }));
    }

    [Test]
    public void SendAsyncWaitingForRoomIsCancellable()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        using var cts = new CancellationTokenSource();
        Task sending = hose.SendAsync(new byte[] { 2 }, cts.Token).AsTask();

        cts.Cancel();

        Assert.That(async () => await Within(sending), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(DrainAll(hose), Has.Count.EqualTo(1), "the cancelled payload was not queued");
        Assert.That(hose.TrySend([3]), Is.EqualTo(HoseStatus.Ok), "and its slot is free");
        DrainAll(hose);
    }

    [Test]
    public void PayloadOverMaxPayloadBytesIsTooLargeOnEveryPath()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxPayloadBytes = 100 }));

        Assert.Multiple(() =>
        {
            Assert.That(hose.TrySend(new byte[101]), Is.EqualTo(HoseStatus.TooLarge));
            Assert.That(hose.Send(new byte[101], WaitLimit), Is.EqualTo(HoseStatus.TooLarge));
            Assert.That(async () => await hose.SendAsync(new byte[101], Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.TooLarge));
            Assert.That(async () => await hose.ClaimAsync(101, Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.TooLarge));
            Assert.That(hose.QueuedCount, Is.Zero);
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(hose.TrySend(new byte[100]), Is.EqualTo(HoseStatus.Ok), "exactly the limit is accepted");
        });
        DrainAll(hose);
    }

    [Test]
    public void PayloadLargerThanThePoolCanEverHoldIsTooLargeNotWouldBlock()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool));
        byte[] payload = new byte[TestPool.Large + 1];

        Assert.Multiple(() =>
        {
            Assert.That(hose.Send(payload, WaitLimit), Is.EqualTo(HoseStatus.TooLarge));
            Assert.That(hose.TrySend(payload), Is.EqualTo(HoseStatus.TooLarge), "retrying can never succeed");
            Assert.That(async () => await hose.SendAsync(payload, Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.TooLarge));
            Assert.That(hose.QueuedCount, Is.Zero);
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok), "slots were given back");
        });
        DrainAll(hose);
    }

    [Test]
    public void InvalidHoseOptionsThrow()
    {
        using RegionPool pool = CreatePool();

        Assert.Multiple(() =>
        {
            Assert.That(() => Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 0 })), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => Track(new InProcessHose("h", pool, new HoseOptions { MaxPayloadBytes = -1 })), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => Track(new InProcessHose("", pool)), Throws.ArgumentException);
        });
    }

    private static List<byte[]> DrainAll(InProcessHose hose)
    {
        var received = new List<byte[]>();
        while (hose.TryReceive(out HoseLease? lease))
        {
            using (lease)
            {
                received.Add(lease.Bytes());
            }
        }

        return received;
    }
}
