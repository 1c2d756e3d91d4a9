using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>A claim is written in place and committed: the receiver reads the very same bytes, nothing is copied.</summary>
public class ClaimTests : FolderTest
{
    [TestCase(1)]
    [TestCase(4000)]
    [TestCase(TestPool.Small + 1)]
    [TestCase(TestPool.Large)]
    public async Task CommittedClaimIsReceivedInPlaceWithNoCopy(int length)
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        byte[] expected = Payloads.Random(length, length);

        HoseClaim claim = await hose.ClaimAsync(length, Ct);
        expected.CopyTo(claim.Span);
        nint written = AddressOf(claim.Span);
        Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
        claim.Dispose();

        using HoseLease lease = await hose.ReceiveAsync(Ct);
        Assert.Multiple(() =>
        {
            Assert.That(lease.IsSingleSegment, Is.True);
            Assert.That(AddressOf(lease.Memory.Span), Is.EqualTo(written), "the lease must show the claimed bytes in place");
            Assert.That(MemoryMarshal.TryGetMemoryManager(lease.Memory, out MappedRegion? region), Is.True, "the bytes live in a mapped region");
            Assert.That(region!.Length, Is.EqualTo(pool.FootprintOf(length)));
            Assert.That(Payloads.Diff(lease.Memory.Span, expected), Is.Empty);
        });
    }

    [Test]
    public async Task ClaimIsExactlyTheRequestedLength()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);

        using HoseClaim claim = await hose.ClaimAsync(1234, Ct);

        Assert.Multiple(() =>
        {
            Assert.That(claim.Memory.Length, Is.EqualTo(1234));
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small));
        });
    }

    [Test]
    public async Task EmptyClaimDeliversAnEmptyPayload()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);

        using (HoseClaim claim = await hose.ClaimAsync(0, Ct))
        {
            Assert.That(claim.Memory.IsEmpty, Is.True);
            Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
        }

        using HoseLease lease = await hose.ReceiveAsync(Ct);
        Assert.That(lease.Length, Is.Zero);
    }

    [Test]
    public async Task ClaimDisposedWithoutCommitFreesBudgetAndSlot()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 });
        HoseClaim claim = await hose.ClaimAsync(TestPool.Large, Ct);
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Large));
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.WouldBlock), "the claim holds the only slot");
        });

        claim.Dispose();
        claim.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero);
            Assert.That(hose.QueuedCount, Is.Zero, "nothing was delivered");
            Assert.That(hose.TryPeekLength(out _), Is.False);
            Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok), "the slot is free again");
            Assert.That(() => claim.Memory, Throws.TypeOf<ObjectDisposedException>());
            Assert.That(() => claim.Commit(), Throws.InvalidOperationException);
        });
    }

    [Test]
    public async Task ClaimCanBeCommittedOnlyOnce()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        using HoseClaim claim = await hose.ClaimAsync(10, Ct);

        Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Ok));
        Assert.That(() => claim.Commit(), Throws.InvalidOperationException);
        Assert.That(hose.QueuedCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ClaimLargerThanTheLargestRegionIsTooLarge()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);

        Assert.That(async () => await hose.ClaimAsync(TestPool.Large + 1, Ct),
            Throws.TypeOf<HoseException>().With.Property(nameof(HoseException.Status)).EqualTo(HoseStatus.TooLarge));
        Assert.That(pool.LeasedBytes, Is.Zero);
        using HoseClaim ok = await hose.ClaimAsync(TestPool.Large, Ct);
        Assert.That(ok.Memory.Length, Is.EqualTo(TestPool.Large));
    }

    [Test]
    public async Task NegativeClaimThrows()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);

        Assert.That(async () => await hose.ClaimAsync(-1, Ct), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public async Task ClaimWaitsForPoolBytesAndIsCancellable()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        await using var hose = new InProcessHose("h", pool);
        HoseClaim first = await hose.ClaimAsync(TestPool.Large, Ct);
        using var cts = new CancellationTokenSource();

        Task<HoseClaim> cancelled = hose.ClaimAsync(100, cts.Token).AsTask();
        Task<HoseClaim> waiting = hose.ClaimAsync(100, Ct).AsTask();
        Assert.That(cancelled.IsCompleted || waiting.IsCompleted, Is.False);
        cts.Cancel();
        Assert.That(async () => await Within(cancelled), Throws.InstanceOf<OperationCanceledException>());

        first.Dispose();
        using HoseClaim second = await Within(waiting);
        Assert.Multiple(() =>
        {
            Assert.That(second.Memory.Length, Is.EqualTo(100));
            Assert.That(pool.LeasedBytes, Is.EqualTo(TestPool.Small));
        });
    }

    [Test]
    public async Task ClaimCommittedAfterCompleteIsRefusedAndFreed()
    {
        using RegionPool pool = CreatePool();
        await using var hose = new InProcessHose("h", pool);
        HoseClaim claim = await hose.ClaimAsync(100, Ct);

        hose.Complete();

        Assert.That(claim.Commit(), Is.EqualTo(HoseStatus.Closed));
        claim.Dispose();
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [TestCase(false, TestName = "ClaimsCancelledAtRandomWhileWaitingForTheBudgetGiveEverythingBack")]
    [TestCase(true, TestName = "ClaimsCancelledAtRandomWhileWaitingForAQueueSlotGiveEverythingBack")]
    public async Task ClaimsCancelledAtRandomGiveEverythingBack(bool slotBound)
    {
        const int Held = 4;
        using RegionPool pool = CreatePool(maxLeased: slotBound ? 64L * TestPool.Large : Held * TestPool.Large);
        await using var hose = new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = Held });
        var random = new Random(7);
        int cancelled = 0;
        var held = new List<HoseClaim>();
        for (int i = 0; i < Held; i++)
        {
            held.Add(await Within(hose.ClaimAsync(TestPool.Large, Ct).AsTask()));
        }

        for (int round = 0; round < 50; round++)
        {
            // Room is full; claims wait with tokens firing 0-2 ms later while the room is freed under them.
            Task<HoseClaim?>[] waiting = [.. Enumerable.Range(0, 8).Select(_ => ClaimOrCancelAsync(hose, random.Next(0, 3), () => Interlocked.Increment(ref cancelled)))];
            held.ForEach(c => c.Dispose());
            held = [.. (await Within(Task.WhenAll(waiting))).OfType<HoseClaim>()];
            while (held.Count < Held)
            {
                held.Add(await Within(hose.ClaimAsync(TestPool.Large, Ct).AsTask())); // a leak makes this wait forever
            }
        }

        held.ForEach(c => c.Dispose());
        Assert.Multiple(() =>
        {
            Assert.That(cancelled, Is.Positive, "claims were cancelled while they waited");
            Assert.That(pool.LeasedBytes, Is.Zero, "every region came back");
            Assert.That(hose.QueuedCount, Is.Zero);
        });
        HoseClaim[] again = await Within(Task.WhenAll(Enumerable.Range(0, Held).Select(_ => hose.ClaimAsync(TestPool.Large, Ct).AsTask())));
        Assert.That(again.Select(c => c.Commit()), Is.All.EqualTo(HoseStatus.Ok), "every slot and byte can be held and committed again");
    }

    /// <summary>A claim whose token fires after <paramref name="cancelAfterMs"/>; null when it was cancelled.</summary>
    private static async Task<HoseClaim?> ClaimOrCancelAsync(InProcessHose hose, int cancelAfterMs, Action onCancelled)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(cancelAfterMs));
        try
        {
            return await hose.ClaimAsync(TestPool.Large, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            onCancelled();
            return null;
        }
    }

    private static unsafe nint AddressOf(ReadOnlySpan<byte> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
