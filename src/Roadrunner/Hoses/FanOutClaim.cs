using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A guest's zero-copy claim on an in-process fan-out: every target is checked and holds a reserved queue slot before
/// the regions are claimed; a commit offers the same regions to every target through the delivery seam (idle receivers
/// map them, the others queue a reference), so N receivers cost no copy at all.
/// </summary>
internal sealed class FanOutClaim(InboxWriter[] targets, InboxReservation[] slots, RegionPayload payload) : RegionTicket(payload)
{
    public static HoseStatus TryClaim(InboxWriter[] targets, RegionPool pool, long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket)
    {
        ticket = null;
        foreach (InboxWriter target in targets)
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
        HoseStatus status = FanOutSender.ReserveSlots(targets, wait: true, deadline, cancellationToken, out InboxReservation[] slots);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        // Rented from the first target's pool, which every target shares.
        status = targets[0].Rent(length, new InboxWait(deadline, cancellationToken), out RegionPayload regions, claimer);
        if (status != HoseStatus.Ok)
        {
            AbortSlots(targets, slots, 0);
            return status;
        }

        ticket = new FanOutClaim(targets, slots, regions);
        return HoseStatus.Ok;
    }

    protected override HoseStatus CommitCore()
    {
        var tally = new FanOutTally();
        try
        {
            for (int i = 0; i < targets.Length; i++)
            {
                if (tally.Failed)
                {
                    targets[i].Abort(slots[i]);
                    continue;
                }

                Payload.AddReference(); // the target's own, released by the seam or by whoever takes it from the queue
                tally.Record(targets[i].Commit(slots[i].WithRegions(Payload)));
            }

            return tally.Outcome;
        }
        finally
        {
            Payload.Release(); // the claim's own
        }
    }

    protected override void AbortCore()
    {
        Payload.Release();
        AbortSlots(targets, slots, 0);
    }

    private static void AbortSlots(InboxWriter[] targets, InboxReservation[] slots, int from)
    {
        for (int i = from; i < targets.Length; i++)
        {
            targets[i].Abort(slots[i]);
        }
    }
}
