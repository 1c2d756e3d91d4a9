using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// One sender, N receivers. Idle direct receivers get their copy straight from the sender's memory; all the others
/// share one copy in pooled regions (reference counted), so a payload is copied into regions at most once.
/// </summary>
internal sealed class FanOutSender : FanOutBase, IRegionClaimTarget, IPageSender
{
    private readonly InProcessHose[] _targets;
    private readonly RegionPool _pool;

    public FanOutSender(string name, IReadOnlyList<InProcessHose> targets)
        : base(name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (targets.Count == 0)
        {
            throw new ArgumentException("A fan-out needs at least one target.", nameof(targets));
        }

        _targets = [.. targets];
        _pool = _targets[0].Pool;
        if (_targets.Any(t => t.Pool != _pool))
        {
            throw new ArgumentException("Fan-out targets must share one region pool.", nameof(targets));
        }
    }

    public override void Complete()
    {
        foreach (InProcessHose target in _targets)
        {
            target.Complete();
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

    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        Diagnostics.RoadrunnerActivity.Ended(
            Diagnostics.RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode), SendCore(payload, pages, wait: true, timeout, cancellationToken));

    private HoseStatus SendCore(ReadOnlySpan<byte> payload, FilePages pages, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (InProcessHose target in _targets)
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

        Deadline deadline = Deadline.After(timeout);
        HoseStatus reserved = ReserveSlots(_targets, wait, deadline, cancellationToken);
        return reserved != HoseStatus.Ok ? reserved : DeliverToAll(payload, pages, wait, deadline.Remaining, cancellationToken);
    }

    public HoseStatus TryClaim(long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket) =>
        FanOutClaim.TryClaim(_targets, _pool, length, claimer, timeout, cancellationToken, out ticket);

    /// <summary>A queue slot in every target (waiting up to the deadline when <paramref name="wait"/>), or none at all.</summary>
    internal static HoseStatus ReserveSlots(InProcessHose[] targets, bool wait, Deadline deadline, CancellationToken cancellationToken)
    {
        int reserved = 0;
        try
        {
            for (; reserved < targets.Length; reserved++)
            {
                if (!(wait ? targets[reserved].ReserveSlot(deadline.Remaining, cancellationToken) : targets[reserved].TryReserveSlot()))
                {
                    return wait ? HoseStatus.TimedOut : HoseStatus.WouldBlock;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }
        finally
        {
            if (reserved < targets.Length)
            {
                for (int i = 0; i < reserved; i++)
                {
                    targets[i].ReleaseSlot();
                }
            }
        }

        return HoseStatus.Ok;
    }

    /// <inheritdoc cref="FanOutBase.Outcome"/>
    internal static HoseStatus OutcomeOf(HoseStatus failure, int handedOver) => Outcome(failure, handedOver);

    /// <summary>Delivers to every target, each holding a reserved slot that it uses or gives back.</summary>
    private HoseStatus DeliverToAll(ReadOnlySpan<byte> payload, FilePages pages, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        RegionPayload? shared = null;
        int handedOver = 0;
        HoseStatus failure = HoseStatus.Ok;
        try
        {
            for (int i = 0; i < _targets.Length; i++)
            {
                InProcessHose target = _targets[i];
                if (failure != HoseStatus.Ok)
                {
                    target.ReleaseSlot();
                    continue;
                }

                HoseStatus status = target.TryDirect(payload, pages);
                if (status == HoseStatus.WouldBlock)
                {
                    // Once a target has the payload, cancellation can no longer withdraw it (SendOutcome): only the deadline holds.
                    status = EnqueueShared(target, payload, wait, timeout, handedOver == 0 ? cancellationToken : CancellationToken.None, ref shared); // uses the slot
                }
                else
                {
                    target.ReleaseSlot();
                }

                if (status == HoseStatus.Ok)
                {
                    handedOver++;
                }
                else
                {
                    failure = status;
                }
            }

            return Outcome(failure, handedOver);
        }
        finally
        {
            // Drop the reference this method held; each queued target holds its own.
            shared?.Release();
        }
    }

    /// <summary>Queues the shared regions (rented and filled on first need) in a target whose slot is reserved.</summary>
    private HoseStatus EnqueueShared(InProcessHose target, ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken, ref RegionPayload? shared)
    {
        if (shared is null)
        {
            HoseStatus rented;
            RegionPayload? regions = null;
            try
            {
                rented = wait
                    ? _pool.Rent(payload.Length, timeout, cancellationToken, out regions)
                    : _pool.TryRent(payload.Length, out regions) ? HoseStatus.Ok : HoseStatus.WouldBlock;
            }
            catch (OperationCanceledException)
            {
                rented = HoseStatus.TimedOut;
            }

            if (rented != HoseStatus.Ok || regions is null)
            {
                target.ReleaseSlot();
                return rented;
            }

            regions.Fill(payload);
            shared = regions;
        }

        shared.AddReference();
        return target.Enqueue(shared);
    }
}
