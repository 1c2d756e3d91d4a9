using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// One sender, N receivers. Idle direct receivers get their copy straight from the sender's memory; all the others
/// share one copy in pooled regions (reference counted), so a payload is copied into regions at most once.
/// </summary>
internal sealed class FanOutSender : FanOutBase, IRegionClaimTarget, IPageSender
{
    private readonly InboxWriter[] _targets;
    private readonly RegionPool _pool;

    public FanOutSender(string name, IReadOnlyList<IInboxTarget> targets)
        : base(name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (targets.Count == 0)
        {
            throw new ArgumentException("A fan-out needs at least one target.", nameof(targets));
        }

        _targets = [.. targets.Select(t => t.Writer)];
        _pool = _targets[0].Pool;
        if (_targets.Any(t => t.Pool != _pool))
        {
            throw new ArgumentException("Fan-out targets must share one region pool.", nameof(targets));
        }
    }

    public override void Complete()
    {
        foreach (InboxWriter target in _targets)
        {
            target.Close(HoseStatus.Closed);
        }
    }

    /// <summary>
    /// Two phases, so that what can be refused cleanly is refused before any target has the payload: every target's
    /// limits and state, then a queue slot in every target (waiting up to the timeout); only then delivery, straight
    /// into idle receivers and into shared regions for the others. A failure after that (a receiver refusing, the pool
    /// out of room) comes after some targets took the payload and reads PeerFailed.
    /// </summary>
    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendCore(payload, default, wait, timeout, cancellationToken);

    /// <summary>As a send; idle receivers that can map <paramref name="pages"/> map them instead of copying.</summary>
    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode), SendCore(payload, pages, wait: true, timeout, cancellationToken));

    public HoseStatus TryClaim(long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket) =>
        FanOutClaim.TryClaim(_targets, _pool, length, claimer, timeout, cancellationToken, out ticket);

    /// <summary>A queue slot in every target (waiting up to the deadline when <paramref name="wait"/>), or none at all.</summary>
    internal static HoseStatus ReserveSlots(InboxWriter[] targets, bool wait, Deadline deadline, CancellationToken cancellationToken, out InboxReservation[] slots)
    {
        slots = new InboxReservation[targets.Length];
        for (int reserved = 0; reserved < targets.Length; reserved++)
        {
            InboxWriter target = targets[reserved];
            HoseStatus status = wait ? target.ReserveSlot(new InboxWait(deadline, cancellationToken), out slots[reserved]) : target.TryReserveSlot(out slots[reserved]);
            if (status != HoseStatus.Ok)
            {
                for (int i = 0; i < reserved; i++)
                {
                    targets[i].Abort(slots[i]);
                }

                return status;
            }
        }

        return HoseStatus.Ok;
    }

    private HoseStatus SendCore(ReadOnlySpan<byte> payload, FilePages pages, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (InboxWriter target in _targets)
        {
            HoseStatus admitted = target.Admits(payload.Length);
            if (admitted != HoseStatus.Ok)
            {
                return admitted;
            }
        }

        if (!wait && _pool.FootprintOf(payload.Length) > _pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge; // would never fit: retrying cannot help (Send says the same)
        }

        var deadline = Deadline.After(timeout);
        HoseStatus reserved = ReserveSlots(_targets, wait, deadline, cancellationToken, out InboxReservation[] slots);
        return reserved != HoseStatus.Ok ? reserved : DeliverToAll(payload, pages, slots, wait, deadline, cancellationToken);
    }

    /// <summary>
    /// The same two phases as <see cref="SendCore(ReadOnlySpan{byte}, bool, TimeSpan, CancellationToken)"/>, waiting on
    /// the slots' and the pool's awaitables instead of a thread: a slot in every target first (cancellation gives back
    /// what was taken and throws), then delivery.
    /// </summary>
    protected override ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        RoadrunnerActivity.Traced(RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode), SendQueuedAsync(payload, cancellationToken));

    private async ValueTask SendQueuedAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        string what = $"Fan-out send to '{Name}'";
        foreach (InboxWriter target in _targets)
        {
            HoseException.ThrowIfFailed(target.Admits(payload.Length), what);
        }

        var slots = new InboxReservation[_targets.Length];
        int reserved = 0;
        try
        {
            for (; reserved < _targets.Length; reserved++)
            {
                slots[reserved] = await _targets[reserved].ReserveSlotAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            for (int i = 0; i < reserved; i++)
            {
                _targets[i].Abort(slots[i]);
            }

            throw;
        }

        HoseStatus status = await DeliverToAllAsync(payload, slots, cancellationToken).ConfigureAwait(false);
        SendOutcome.ThrowIfNotSent(status, what, cancellationToken);
    }

    /// <summary>
    /// <see cref="DeliverToAll"/> for the async path: the shared regions are rented without waiting when room is free,
    /// else awaited (cancellable only while no target has the payload).
    /// </summary>
    private async ValueTask<HoseStatus> DeliverToAllAsync(ReadOnlyMemory<byte> payload, InboxReservation[] slots, CancellationToken cancellationToken)
    {
        RegionPayload? shared = null;
        var tally = new FanOutTally();
        try
        {
            for (int i = 0; i < _targets.Length; i++)
            {
                InboxWriter target = _targets[i];
                if (tally.Failed)
                {
                    target.Abort(slots[i]);
                    continue;
                }

                HoseStatus status = target.TryDirect(payload.Span);
                if (status != HoseStatus.WouldBlock)
                {
                    target.Abort(slots[i]);
                }
                else
                {
                    if (shared is null)
                    {
                        (status, shared) = await RentSharedAsync(target, payload, tally.HandedOver == 0 ? cancellationToken : CancellationToken.None).ConfigureAwait(false);
                    }

                    if (shared is null)
                    {
                        target.Abort(slots[i]);
                    }
                    else
                    {
                        shared.AddReference();
                        status = target.Commit(slots[i].WithRegions(shared));
                    }
                }

                tally.Record(status);
            }

            return tally.Outcome;
        }
        finally
        {
            shared?.Release();
        }
    }

    /// <summary>The shared copy: rented (now if room is free, else awaited) and filled; a status when none could be had.</summary>
    private static async ValueTask<(HoseStatus Status, RegionPayload? Regions)> RentSharedAsync(InboxWriter target, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        HoseStatus rented = target.TryRent(payload.Length, out RegionPayload regions);
        if (rented == HoseStatus.WouldBlock)
        {
            try
            {
                regions = await target.RentAsync(payload.Length, cancellationToken).ConfigureAwait(false);
                rented = HoseStatus.Ok;
            }
            catch (OperationCanceledException)
            {
                rented = HoseStatus.TimedOut;
            }
            catch (HoseException e)
            {
                rented = e.Status;
            }
            catch (ObjectDisposedException)
            {
                rented = HoseStatus.Closed;
            }
        }

        if (rented != HoseStatus.Ok)
        {
            return (rented, null);
        }

        regions.Fill(payload.Span);
        return (HoseStatus.Ok, regions);
    }

    /// <summary>Delivers to every target, each holding a reserved slot that it uses or gives back.</summary>
    private HoseStatus DeliverToAll(ReadOnlySpan<byte> payload, FilePages pages, InboxReservation[] slots, bool wait, Deadline deadline, CancellationToken cancellationToken)
    {
        RegionPayload? shared = null;
        var tally = new FanOutTally();
        try
        {
            for (int i = 0; i < _targets.Length; i++)
            {
                InboxWriter target = _targets[i];
                if (tally.Failed)
                {
                    target.Abort(slots[i]);
                    continue;
                }

                HoseStatus status = target.TryDirect(payload, pages);
                if (status == HoseStatus.WouldBlock)
                {
                    // Once a target has the payload, cancellation can no longer withdraw it (SendOutcome): only the deadline holds.
                    var room = new InboxWait(deadline, tally.HandedOver == 0 ? cancellationToken : CancellationToken.None);
                    status = EnqueueShared(target, slots[i], payload, wait, room, ref shared); // uses the slot
                }
                else
                {
                    target.Abort(slots[i]);
                }

                tally.Record(status);
            }

            return tally.Outcome;
        }
        finally
        {
            // Drop the reference this method held; each queued target holds its own.
            shared?.Release();
        }
    }

    /// <summary>Queues the shared regions (rented and filled on first need) in a target whose slot is reserved.</summary>
    private static HoseStatus EnqueueShared(InboxWriter target, in InboxReservation slot, ReadOnlySpan<byte> payload, bool wait, in InboxWait room, ref RegionPayload? shared)
    {
        if (shared is null)
        {
            // Rented from this target's pool, which every target shares.
            HoseStatus rented = wait ? target.Rent(payload.Length, room, out RegionPayload regions) : target.TryRent(payload.Length, out regions);
            if (rented != HoseStatus.Ok)
            {
                target.Abort(slot);
                return rented;
            }

            regions.Fill(payload);
            shared = regions;
        }

        shared.AddReference();
        return target.Commit(slot.WithRegions(shared));
    }
}
