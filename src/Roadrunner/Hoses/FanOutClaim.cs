using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A guest's zero-copy claim on an in-process fan-out: every target is checked and holds a reserved queue slot before
/// the regions are claimed; a commit offers the same regions to every target (idle receivers map them, the others
/// queue a reference), so N receivers cost no copy at all.
/// </summary>
internal sealed class FanOutClaim(InProcessHose[] targets, RegionPayload payload) : RegionTicket(payload)
{
    public static HoseStatus TryClaim(InProcessHose[] targets, RegionPool pool, long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket)
    {
        ticket = null;
        foreach (InProcessHose target in targets)
        {
            HoseStatus admitted = target.Admits(length);
            if (admitted != HoseStatus.Ok)
            {
                return admitted;
            }
        }

        if (pool.FootprintOf(length) > pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge;
        }

        Deadline deadline = Deadline.After(timeout);
        HoseStatus reserved = FanOutSender.ReserveSlots(targets, wait: true, deadline, cancellationToken);
        if (reserved != HoseStatus.Ok)
        {
            return reserved;
        }

        HoseStatus rented;
        RegionPayload? payload = null;
        try
        {
            rented = pool.Rent(length, deadline.Remaining, cancellationToken, out payload, claimer);
        }
        catch (OperationCanceledException)
        {
            rented = HoseStatus.TimedOut;
        }

        if (rented != HoseStatus.Ok || payload is null)
        {
            ReleaseSlots(targets, 0);
            return rented;
        }

        ticket = new FanOutClaim(targets, payload);
        return HoseStatus.Ok;
    }

    protected override HoseStatus CommitCore()
    {
        int handedOver = 0;
        HoseStatus failure = HoseStatus.Ok;
        try
        {
            for (int i = 0; i < targets.Length; i++)
            {
                if (failure != HoseStatus.Ok)
                {
                    targets[i].ReleaseSlot();
                    continue;
                }

                Payload.AddReference(); // the target's own reference, released by Deliver or by whoever takes it from the queue
                HoseStatus status = InboxClaim.Deliver(targets[i], Payload);
                if (status == HoseStatus.Ok)
                {
                    handedOver++;
                }
                else
                {
                    failure = status;
                }
            }

            return FanOutSender.OutcomeOf(failure, handedOver);
        }
        finally
        {
            Payload.Release(); // the claim's reference
        }
    }

    protected override void AbortCore()
    {
        Payload.Release();
        ReleaseSlots(targets, 0);
    }

    private static void ReleaseSlots(InProcessHose[] targets, int from)
    {
        for (int i = from; i < targets.Length; i++)
        {
            targets[i].ReleaseSlot();
        }
    }
}
