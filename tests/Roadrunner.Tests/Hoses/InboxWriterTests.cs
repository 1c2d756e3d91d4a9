using System.Buffers;
using System.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses;

/// <summary>
/// The inbox writer, the one seam every transport delivers through: direct into an idle receiver, or reserve → fill →
/// commit; an abort, a deadline, a cancellation or a closed inbox leaves nothing held.
/// </summary>
public class InboxWriterTests : FolderTest
{
    [Test]
    public void TryDirectHandsTheBytesToAnIdleReceiverWithNoRegion()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        var receiver = new Recorder();
        hose.DirectReceiver = receiver;

        Assert.That(hose.Writer.TryDirect([1, 2, 3]), Is.EqualTo(HoseStatus.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Spans, Has.Count.EqualTo(1));
            Assert.That(receiver.Spans[0], Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(hose.QueuedCount, Is.Zero);
            Assert.That(pool.LeasedBytes, Is.Zero, "a direct delivery uses no region");
        });
    }

    [Test]
    public void TryDirectWithAWriterProducesTheBytesInTheReceiver()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        var receiver = new Recorder();
        hose.DirectReceiver = receiver;

        Assert.That(hose.Writer.TryDirect(4, destination => destination.Fill(9)), Is.EqualTo(HoseStatus.Ok));
        Assert.That(receiver.Spans.Single(), Is.EqualTo(new byte[] { 9, 9, 9, 9 }));
    }

    [Test]
    public void TryDirectAsksForQueueingWhenNoReceiverIsIdleOrSomethingIsQueued()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.Writer.TryDirect([1]), Is.EqualTo(HoseStatus.WouldBlock), "no direct receiver");

        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        var receiver = new Recorder();
        hose.DirectReceiver = receiver;
        Assert.Multiple(() =>
        {
            Assert.That(hose.Writer.TryDirect([2]), Is.EqualTo(HoseStatus.WouldBlock), "payloads queued earlier go first");
            Assert.That(receiver.Spans, Is.Empty);
        });
        DrainAll(hose);
    }

    [Test]
    public void TryDirectRefusesWhatTheInboxCannotTake()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxPayloadBytes = 2 }));
        hose.DirectReceiver = new Recorder();
        Assert.That(hose.Writer.TryDirect([1, 2, 3]), Is.EqualTo(HoseStatus.TooLarge));
        hose.Complete();
        Assert.That(hose.Writer.TryDirect([1]), Is.EqualTo(HoseStatus.Closed));
    }

    [Test]
    public void ReserveFillCommitQueuesThePayload()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        byte[] bytes = Payloads.Random(TestPool.Small + 5, 1);

        Assert.That(hose.Writer.Reserve(bytes.Length, new InboxWait(Deadline.After(WaitLimit)), out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        Assert.That(reservation.Regions!.Length, Is.EqualTo(bytes.Length));
        Assert.That(pool.LeasedBytes, Is.EqualTo(pool.FootprintOf(bytes.Length)), "the regions are rented at reserve");
        Assert.That(hose.QueuedCount, Is.Zero, "nothing is published before the commit");
        reservation.Regions.Fill(bytes);

        Assert.That(hose.Writer.Commit(reservation), Is.EqualTo(HoseStatus.Ok));
        Assert.That(DrainAll(hose), Is.EqualTo(new[] { bytes }));
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void ASlotTakesRegionsTheTransportBrings()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.Writer.ReserveSlot(new InboxWait(Deadline.After(WaitLimit)), out InboxReservation slot), Is.EqualTo(HoseStatus.Ok));
        Assert.That(slot.Regions, Is.Null);
        Assert.That(pool.TryRent(3, out RegionPayload own), Is.True);
        own.Fill([7, 8, 9]);

        Assert.That(hose.Writer.Commit(slot.WithRegions(own)), Is.EqualTo(HoseStatus.Ok));
        Assert.That(DrainAll(hose), Is.EqualTo(new[] { new byte[] { 7, 8, 9 } }));
    }

    [Test]
    public void CommittingASlotWithoutRegionsIsRefused()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.Writer.TryReserveSlot(out InboxReservation slot), Is.EqualTo(HoseStatus.Ok));
        Assert.That(() => hose.Writer.Commit(slot), Throws.InvalidOperationException);
        hose.Writer.Abort(slot);
    }

    [Test]
    public void AbortGivesTheSlotAndTheBytesBack()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        long before = pool.LeasedBytes;

        Assert.That(hose.Writer.TryReserve(TestPool.Large, out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.EqualTo(before + TestPool.Large));
            Assert.That(hose.Writer.TryReserve(1, out _), Is.EqualTo(HoseStatus.WouldBlock), "the one slot is held");
        });

        hose.Writer.Abort(reservation);
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.EqualTo(before), "the bytes came back");
            Assert.That(hose.QueuedCount, Is.Zero);
        });

        Assert.That(hose.Writer.TryReserve(1, out InboxReservation again), Is.EqualTo(HoseStatus.Ok), "the slot came back");
        hose.Writer.Abort(again);
        hose.Writer.Abort(default); // holds nothing: gives nothing back
        Assert.That(hose.Writer.TryReserve(1, out again), Is.EqualTo(HoseStatus.Ok));
        Assert.That(hose.Writer.TryReserve(1, out _), Is.EqualTo(HoseStatus.WouldBlock), "aborting a default reservation made no slot up");
        hose.Writer.Abort(again);
    }

    [Test]
    public void TryReserveTellsTooLargeFromNoRoomNow()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.Writer.TryReserve(TestPool.Large + 1, out _), Is.EqualTo(HoseStatus.TooLarge));

        Assert.That(hose.Writer.TryReserve(TestPool.Large, out InboxReservation all), Is.EqualTo(HoseStatus.Ok));
        Assert.That(hose.Writer.TryReserve(1, out _), Is.EqualTo(HoseStatus.WouldBlock), "the budget is taken");
        hose.Writer.Abort(all);
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void AWaitForASlotEndsAtTheDeadlineWithNothingHeld()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.Writer.TryReserve(1, out InboxReservation held), Is.EqualTo(HoseStatus.Ok));
        long leased = pool.LeasedBytes;

        var clock = Stopwatch.StartNew();
        Assert.That(hose.Writer.Reserve(1, new InboxWait(Deadline.After(TimeSpan.FromMilliseconds(100))), out InboxReservation late), Is.EqualTo(HoseStatus.TimedOut));
        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(90)).And.LessThan(WaitLimit));
            Assert.That(late.HoldsSlot, Is.False);
            Assert.That(pool.LeasedBytes, Is.EqualTo(leased), "the timed-out reserve rented nothing");
        });
        hose.Writer.Abort(held);
    }

    [Test]
    public void AWaitForRegionsEndsAtTheDeadlineAndGivesTheSlotBack()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 2 }));
        Assert.That(hose.Writer.TryReserve(TestPool.Large, out InboxReservation all), Is.EqualTo(HoseStatus.Ok));

        Assert.That(hose.Writer.Reserve(1, new InboxWait(Deadline.After(TimeSpan.FromMilliseconds(50))), out _), Is.EqualTo(HoseStatus.TimedOut));
        Assert.That(hose.Writer.TryReserveSlot(out InboxReservation slot), Is.EqualTo(HoseStatus.Ok), "the second slot was given back");
        hose.Writer.Abort(slot);
        hose.Writer.Abort(all);
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void CancellationWhileWaitingQueuesNothing()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.TrySend([1]), Is.EqualTo(HoseStatus.Ok));
        long leased = pool.LeasedBytes;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var clock = Stopwatch.StartNew();
        Assert.That(hose.Writer.Reserve(1, new InboxWait(Deadline.After(WaitLimit), cancel.Token), out _), Is.EqualTo(HoseStatus.TimedOut));
        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.LessThan(WaitLimit), "the token ended the wait, not the deadline");
            Assert.That(hose.QueuedCount, Is.EqualTo(1), "nothing more was queued");
            Assert.That(pool.LeasedBytes, Is.EqualTo(leased), "nothing more is held");
        });
        Assert.That(DrainAll(hose), Is.EqualTo(new[] { new byte[] { 1 } }));
    }

    [Test]
    public void ATransportThatStopsWaitingGetsTimedOutAfterASlice()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.Writer.TryReserveSlot(out InboxReservation held), Is.EqualTo(HoseStatus.Ok));
        int asked = 0;
        var wait = new InboxWait(Deadline.Infinite) { Slice = TimeSpan.FromMilliseconds(10), KeepWaiting = () => ++asked < 3 };

        Assert.That(hose.Writer.ReserveSlot(wait, out _), Is.EqualTo(HoseStatus.TimedOut), "an infinite deadline, ended by the transport");
        Assert.That(asked, Is.EqualTo(3), "asked after each slice until it said stop");
        hose.Writer.Abort(held);
    }

    [Test]
    public void ACommitIntoAClosedInboxSaysClosedAndLeaksNothing()
    {
        using RegionPool pool = CreatePool(maxLeased: TestPool.Large);
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.Writer.TryReserve(TestPool.Large, out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        hose.Complete();

        Assert.That(hose.Writer.Commit(reservation), Is.EqualTo(HoseStatus.Closed));
        Assert.Multiple(() =>
        {
            Assert.That(pool.LeasedBytes, Is.Zero, "the regions came back");
            Assert.That(hose.QueuedCount, Is.Zero);
            Assert.That(hose.Writer.TryReserve(TestPool.Large, out InboxReservation again), Is.EqualTo(HoseStatus.Ok), "slot and budget are free again");
            hose.Writer.Abort(again);
        });
    }

    [Test]
    public void AFailedInboxAnswersItsReason()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        Assert.That(hose.Writer.TryReserve(4, out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        hose.Fail(HoseStatus.PeerFailed);
        Assert.Multiple(() =>
        {
            Assert.That(hose.Writer.Terminal, Is.EqualTo(HoseStatus.PeerFailed));
            Assert.That(hose.Writer.Commit(reservation), Is.EqualTo(HoseStatus.PeerFailed));
            Assert.That(pool.LeasedBytes, Is.Zero);
        });
    }

    [Test]
    public void ReserveAsyncHoldsNothingWhenCancelled()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool, new HoseOptions { MaxQueuedPayloads = 1 }));
        Assert.That(hose.Writer.TryReserveSlot(out InboxReservation held), Is.EqualTo(HoseStatus.Ok));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.That(async () => await hose.Writer.ReserveAsync(1, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
        hose.Writer.Abort(held);
        Assert.That(hose.Writer.TryReserve(1, out InboxReservation again), Is.EqualTo(HoseStatus.Ok), "the cancelled wait took no slot");
        hose.Writer.Abort(again);
        Assert.That(pool.LeasedBytes, Is.Zero);
    }

    [Test]
    public void ACommitOffersTheRegionsToAReceiverThatTakesThemAsTheyAre()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        var receiver = new Recorder { TakesRegions = true };
        hose.DirectReceiver = receiver;
        Assert.That(hose.Writer.TryReserve(3, out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        reservation.Regions!.Fill([4, 5, 6]);

        Assert.That(hose.Writer.Commit(reservation), Is.EqualTo(HoseStatus.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(receiver.Regions.Single(), Is.EqualTo(new byte[] { 4, 5, 6 }));
            Assert.That(hose.QueuedCount, Is.Zero, "taken by the receiver, not queued");
            Assert.That(pool.LeasedBytes, Is.Zero, "the writer released its reference after the hand-over");
            Assert.That(hose.Writer.TryReserveSlot(out InboxReservation slot), Is.EqualTo(HoseStatus.Ok));
            hose.Writer.Abort(slot);
        });
    }

    [Test]
    public void ACommitQueuesWhenTheReceiverDoesNotTakeRegions()
    {
        using RegionPool pool = CreatePool();
        var hose = Track(new InProcessHose("h", pool));
        var receiver = new Recorder();
        hose.DirectReceiver = receiver;
        Assert.That(hose.Writer.TryReserve(1, out InboxReservation reservation), Is.EqualTo(HoseStatus.Ok));
        reservation.Regions!.Fill([1]);

        Assert.That(hose.Writer.Commit(reservation), Is.EqualTo(HoseStatus.Ok));
        Assert.Multiple(() =>
        {
            Assert.That(hose.QueuedCount, Is.EqualTo(1), "today's receivers copy: the payload waits in the queue");
            Assert.That(receiver.Queued, Is.EqualTo(1), "the receiver was told");
        });
        DrainAll(hose);
    }

    private static List<byte[]> DrainAll(InProcessHose hose)
    {
        var all = new List<byte[]>();
        while (hose.TryReceive(out HoseLease? lease))
        {
            using (lease)
            {
                all.Add(lease.Payload.ToArray());
            }
        }

        return all;
    }

    /// <summary>An always idle direct receiver that records what it took.</summary>
    private sealed class Recorder : IDirectReceiver
    {
        public List<byte[]> Spans { get; } = [];

        public List<byte[]> Regions { get; } = [];

        public bool TakesRegions { get; init; }

        public int Queued { get; private set; }

        public HoseStatus TryDeliver(ReadOnlySpan<byte> payload)
        {
            Spans.Add(payload.ToArray());
            return HoseStatus.Ok;
        }

        public HoseStatus TryDeliver(int length, PayloadWriter write)
        {
            byte[] bytes = new byte[length];
            write(bytes);
            Spans.Add(bytes);
            return HoseStatus.Ok;
        }

        public HoseStatus TryDeliver(RegionPayload payload, out bool mapped)
        {
            mapped = false;
            if (!TakesRegions)
            {
                return HoseStatus.WouldBlock;
            }

            byte[] bytes = new byte[payload.Length];
            payload.CopyTo(bytes);
            Regions.Add(bytes);
            return HoseStatus.Ok;
        }

        public void OnQueued() => Queued++;
    }
}
