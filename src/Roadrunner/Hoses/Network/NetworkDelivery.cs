using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Delivers the messages of one served connection into their targets: straight from the socket into an idle push
/// guest's memory (below <see cref="NetworkOptions.MappedReceiveThresholdBytes"/>), else into rented regions handed to
/// an idle receiver (mapped when it takes windows) or queued in the target's inbox, or, for any other target, into regions that
/// are then handed on. Each delivery is bounded by <see cref="NetworkOptions.DeliveryTimeout"/> and by the connection's
/// share of the region budget; nothing stays held when it fails.
/// </summary>
/// <param name="options">The endpoint's options.</param>
/// <param name="pool">The host's pool, for targets that are not an inbox.</param>
/// <param name="share">The connection's share of the region budget.</param>
/// <param name="stop">Cancelled when the connection closes: a delivery in progress gives back what it held.</param>
internal sealed class NetworkDelivery(NetworkOptions options, RegionPool pool, ReceiveShare share, CancellationToken stop)
{
    private readonly NetworkOptions _options = options;
    private readonly RegionPool _pool = pool;
    private readonly ReceiveShare _share = share;
    private readonly CancellationToken _stop = stop;

    /// <summary>Delivers <paramref name="message"/> to <paramref name="hose"/>'s target; returns the status its Ack carries.</summary>
    public HoseStatus Deliver(ServedHose hose, IncomingMessage message)
    {
        try
        {
            // Over this endpoint's limit (a sender that ignored the Welcome): refused, skipped, the connection kept.
            return message.Length > _options.MaxPayloadBytes ? HoseStatus.TooLarge
                : hose.Target is IInboxTarget inbox ? DeliverToInbox(inbox.Writer, message)
                : RoadrunnerActivity.Ended(RoadrunnerActivity.StartForwarded(hose.Name, message.Length, new(RoadrunnerActivity.Network, null, message.Trace)), DeliverToSender(hose.Target, message));
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.Closed;
        }
    }

    private HoseStatus DeliverToInbox(InboxWriter inbox, IncomingMessage message)
    {
        // 1. Straight from the socket into an idle push guest's memory: one copy, no region (unless configured to map).
        HoseStatus status;
        if (message.Length < _options.MappedReceiveThresholdBytes)
        {
            status = inbox.TryDirect((int)message.Length, message.Read, new RoadrunnerActivity.Inbound(RoadrunnerActivity.Network, RoadrunnerActivity.Streamed, message.Trace));
            if (status != HoseStatus.WouldBlock)
            {
                return status;
            }
        }

        // 2. Into regions (read from the socket straight into the mapping, within this connection's share), then queued.
        var deadline = Deadline.After(_options.DeliveryTimeout);
        if (inbox.ReserveSlot(new InboxWait(deadline, _stop), out InboxReservation slot) != HoseStatus.Ok)
        {
            _stop.ThrowIfCancellationRequested(); // the connection closes: Closed, as for every wait it cuts short
            return HoseStatus.TimedOut;
        }

        bool committed = false;
        try
        {
            status = ReadIntoRegions(inbox.Pool, message, deadline, out RegionPayload payload);
            if (status != HoseStatus.Ok)
            {
                return status;
            }

            committed = true; // Commit takes the slot over, whatever it answers
            return inbox.Commit(slot.WithRegions(payload), new RoadrunnerActivity.Inbound(RoadrunnerActivity.Network, RoadrunnerActivity.Queued, message.Trace));
        }
        finally
        {
            if (!committed)
            {
                inbox.Abort(slot);
            }
        }
    }

    /// <summary>The message into regions, within this connection's share of the budget; nothing stays held on failure.</summary>
    private HoseStatus ReadIntoRegions(RegionPool pool, IncomingMessage message, Deadline deadline, out RegionPayload payload)
    {
        payload = null!;
        if (!_share.Enter(pool.FootprintOf(message.Length), deadline.Remaining, _stop))
        {
            return HoseStatus.TimedOut;
        }

        try
        {
            return message.ReadIntoRegions(pool, deadline, _stop, out payload);
        }
        finally
        {
            _share.Exit();
        }
    }

    /// <summary>
    /// Any other target (a route, a .NET sink): read into regions from the pool (so memory stays within its budget),
    /// then hand the bytes on.
    /// </summary>
    private HoseStatus DeliverToSender(IHoseSender target, IncomingMessage message)
    {
        HoseStatus rented = ReadIntoRegions(_pool, message, Deadline.After(_options.DeliveryTimeout), out RegionPayload payload);
        if (rented != HoseStatus.Ok)
        {
            return rented;
        }

        try
        {
            if (payload.Chunks.Length <= 1)
            {
                Span<byte> bytes = payload.Chunks.Length == 0 ? [] : payload.Chunks[0].Region.AsSpan(payload.Chunks[0].Length);
                return target.Send(bytes, _options.DeliveryTimeout, _stop);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
            timeout.CancelAfter(_options.DeliveryTimeout);
            try
            {
                target.SendAsync(payload.AsSequence(), timeout.Token).AsTask().GetAwaiter().GetResult();
                return HoseStatus.Ok;
            }
            catch (HoseException e)
            {
                return e.Status;
            }
            catch (OperationCanceledException)
            {
                return HoseStatus.TimedOut;
            }
        }
        finally
        {
            payload.Release();
        }
    }
}
