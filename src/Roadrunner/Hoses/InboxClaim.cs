namespace Roadrunner.Hoses;

/// <summary>
/// A guest's zero-copy claim on an in-process inbox: a queue slot and the regions are reserved at claim time (so a
/// commit never waits), and the commit goes through the delivery seam, which offers the regions to an idle receiver
/// (it maps them) before queueing them.
/// </summary>
internal static class InboxClaim
{
    public static HoseStatus TryClaim(InboxWriter inbox, long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket)
    {
        ticket = null;
        HoseStatus status = inbox.Admits(length);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        if (inbox.Pool.FootprintOf(length) > inbox.Pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge;
        }

        status = inbox.Reserve(length, new InboxWait(Deadline.After(timeout), cancellationToken), out InboxReservation reservation, claimer);
        if (status == HoseStatus.Ok)
        {
            ticket = new Ticket(inbox, reservation);
        }

        return status;
    }

    private sealed class Ticket(InboxWriter inbox, InboxReservation reservation) : RegionTicket(reservation.Regions!)
    {
        protected override HoseStatus CommitCore() => inbox.Commit(reservation);

        protected override void AbortCore() => inbox.Abort(reservation);
    }
}
