using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>Complete ends sending: receivers drain what was sent, then see Closed.</summary>
public class CompletionTests : FolderTest
{
    [Test]
    public async Task ReceiversDrainThenReceiveAsyncThrowsClosed()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        for (byte i = 0; i < 3; i++)
        {
            await hose.SendAsync(new[] { i }, Ct);
        }

        hose.Complete();

        Assert.That(hose.IsDrainedAndClosed, Is.False);
        for (byte i = 0; i < 3; i++)
        {
            Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(new[] { i }));
        }

        Assert.Multiple(() =>
        {
            Assert.That(hose.IsDrainedAndClosed, Is.True);
            Assert.That(async () => await hose.ReceiveAsync(Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
            Assert.That(hose.TryReceive(out _), Is.False);
            Assert.That(hose.TryPeekLength(out _), Is.False);
        });
    }

    [Test]
    public async Task SendsAfterCompleteAreClosed()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        hose.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Closed));
            Assert.That(hose.Send([1], WaitLimit), Is.EqualTo(HoseStatus.Closed));
            Assert.That(async () => await hose.SendAsync(new byte[] { 1 }, Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
            Assert.That(async () => await hose.ClaimAsync(1, Ct), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public async Task PendingReceiveIsWokenByComplete()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        Task<HoseLease> receiving = hose.ReceiveAsync(Ct).AsTask();
        Assert.That(receiving.IsCompleted, Is.False);

        hose.Complete();

        Assert.That(async () => await Within(receiving), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
    }

    [Test]
    public async Task PendingReceiveIsWokenByASend()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        Task<HoseLease> receiving = hose.ReceiveAsync(Ct).AsTask();
        Assert.That(receiving.IsCompleted, Is.False);

        Assert.That(hose.TrySend([42]), Is.EqualTo(HoseStatus.Ok));

        using HoseLease lease = await Within(receiving);
        Assert.That(lease.Bytes(), Is.EqualTo(new byte[] { 42 }));
    }

    [Test]
    public async Task ReceiveAsyncIsCancellable()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        using var cts = new CancellationTokenSource();
        Task<HoseLease> receiving = hose.ReceiveAsync(cts.Token).AsTask();

        cts.Cancel();

        Assert.That(async () => await Within(receiving), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        Assert.That(await ReceiveBytesAsync(hose), Is.EqualTo(new byte[] { 1 }), "a cancelled receive takes nothing");
    }

    [Test]
    public void CompleteTwiceIsHarmless()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));

        hose.Complete();
        hose.Complete();

        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Closed));
    }

    [Test]
    public async Task DisposingAHoseDropsQueuedPayloadsAndFreesTheirBytes()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        for (int i = 0; i < 5; i++)
        {
            Assert.That(hose.TrySend(new byte[TestPool.Small + 1]), Is.EqualTo(HoseStatus.Ok));
        }

        Assert.That(pool.LeasedBytes, Is.EqualTo(5L * TestPool.Large));

        await hose.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Closed));
        });
    }

    [Test]
    public void FailedHoseReportsItsReasonAndDropsQueuedPayloads()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.TrySend([1, 2, 3]), Is.EqualTo(HoseStatus.Ok));

        hose.Fail(HoseStatus.PeerFailed);

        Assert.Multiple(() =>
        {
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.PeerFailed));
            Assert.That(hose.QueuedCount, Is.Zero);
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(hose.IsDrainedAndClosed, Is.True);
        });
    }

    [Test]
    public async Task DisposingAHoseWakesASenderWaitingForRoomWithClosed()
    {
        using RegionPool pool = CreatePool();
        var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 });
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        Task waiting = hose.SendAsync(new byte[] { 2 }, Ct).AsTask();
        Assert.That(waiting.IsCompleted, Is.False);

        await hose.DisposeAsync();

        Assert.That(async () => await Within(waiting), Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.Closed));
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public async Task DisposingAHoseWakesABlockingSenderWithClosed()
    {
        using RegionPool pool = CreatePool();
        var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 });
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<HoseStatus> waiting = Task.Run(() =>
        {
            started.SetResult();
            return hose.Send([2], Timeout.InfiniteTimeSpan);
        });
        await Within(started.Task);

        await hose.DisposeAsync();

        Assert.That(await Within(waiting), Is.EqualTo(HoseStatus.Closed));
        Assert.That(pool.LeasedBytes, Is.Zero);
    }
}
