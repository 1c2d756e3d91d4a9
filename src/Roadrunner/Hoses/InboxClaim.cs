using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A guest's zero-copy claim on an in-process inbox: a queue slot and the regions are taken at claim time (so a commit
/// never waits), and a commit offers the regions to an idle receiver (which maps them) before queueing them.
/// </summary>
internal static class InboxClaim
{
    public static HoseStatus TryClaim(InProcessHose inbox, long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket)
    {
        ticket = null;
        HoseStatus admitted = inbox.Admits(length);
        if (admitted != HoseStatus.Ok)
        {
            return admitted;
        }

        if (inbox.Pool.FootprintOf(length) > inbox.Pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge;
        }

        Deadline deadline = Deadline.After(timeout);
        try
        {
            if (!inbox.ReserveSlot(timeout, cancellationToken))
            {
                return HoseStatus.TimedOut;
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        HoseStatus rented;
        RegionPayload? payload = null;
        try
        {
            rented = inbox.Pool.Rent(length, deadline.Remaining, cancellationToken, out payload, claimer);
        }
        catch (OperationCanceledException)
        {
            rented = HoseStatus.TimedOut;
        }

        if (rented != HoseStatus.Ok || payload is null)
        {
            inbox.ReleaseSlot();
            return rented;
        }

        ticket = new Ticket(inbox, payload);
        return HoseStatus.Ok;
    }

    /// <summary>Hands the payload over exactly as a send of the same bytes would: straight in if the receiver is idle, else queued.</summary>
    public static HoseStatus Deliver(InProcessHose inbox, RegionPayload payload)
    {
        HoseStatus status = inbox.TryDirect(payload);
        if (status == HoseStatus.WouldBlock)
        {
            return inbox.Enqueue(payload); // uses the claimed slot and takes over the reference
        }

        inbox.ReleaseSlot();
        payload.Release();
        return status;
    }

    private sealed class Ticket(InProcessHose inbox, RegionPayload payload) : RegionTicket(payload)
    {
        protected override HoseStatus CommitCore() => Deliver(inbox, Payload);

        protected override void AbortCore()
        {
            Payload.Release();
            inbox.ReleaseSlot();
        }
    }
}
