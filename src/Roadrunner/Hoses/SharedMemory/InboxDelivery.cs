using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// How a ring receiver hands payloads to its function's inbox, through the inbox's <see cref="InboxWriter"/>: straight
/// into an idle receiver, or queued, waiting for an inbox slot or for local room in slices of
/// <see cref="SharedMemoryOptions.InboxWaitSlice"/> for as long as the sender lives and the receiver runs.
/// </summary>
internal sealed class InboxDelivery
{
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly InboxWriter _inbox;
    private readonly RingReceiver _receiver;
    private readonly InboxWait _wait;

    public InboxDelivery(SharedMemoryEndpoint endpoint, InboxWriter inbox, RingReceiver receiver, PeerIdentity sender)
    {
        _endpoint = endpoint;
        _inbox = inbox;
        _receiver = receiver;
        _wait = new InboxWait(Deadline.Infinite)
        {
            KeepWaiting = () => !receiver.IsStopping && sender.IsAlive(),
            Slice = endpoint.Options.InboxWaitSlice,
        };
    }

    /// <summary>The descriptor being delivered: transport, path and the sender's trace context.</summary>
    public RoadrunnerActivity.Inbound From { get; set; }

    /// <summary>
    /// Hands <paramref name="bytes"/> straight to an idle receiver of the inbox. True when that settled the payload
    /// (delivered, or refused: recorded as a fault); false when it must be queued.
    /// </summary>
    /// <param name="bytes">The payload.</param>
    /// <param name="pages">Where the bytes also lie in a file (a peer's region): a receiver that takes payloads mapped maps them.</param>
    public bool TryDirect(ReadOnlySpan<byte> bytes, FilePages pages = default)
    {
        HoseStatus status = _inbox.TryDirect(bytes, pages, From);
        if (status is not HoseStatus.Ok and not HoseStatus.WouldBlock)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(_endpoint.Log, _receiver.Name, status);
        }

        return status != HoseStatus.WouldBlock;
    }

    /// <summary>Queues a payload in the inbox (taking it over), waiting for a slot while the sender lives; false when dropped.</summary>
    public bool Enqueue(RegionPayload payload)
    {
        if (_inbox.ReserveSlot(_wait, out InboxReservation slot) != HoseStatus.Ok)
        {
            payload.Release();
            if (!_receiver.IsStopping)
            {
                RoadrunnerLog.SharedMemoryPayloadDropped(_endpoint.Log, _receiver.Name);
                _endpoint.OnPeerDied();
            }

            return false;
        }

        HoseStatus status = _inbox.Commit(slot.WithRegions(payload), From);
        if (status != HoseStatus.Ok)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(_endpoint.Log, _receiver.Name, status);
        }

        return true;
    }

    /// <summary>Rents local room for a payload copied out of the ring, waiting while the sender lives.</summary>
    /// <returns>The room; null with an <paramref name="error"/> when there is none to be had, or with none when the
    /// receiver stops or the sender died.</returns>
    public RegionPayload? RentLocal(long length, out string? error)
    {
        HoseStatus status = _inbox.Rent(length, _wait, out RegionPayload local);
        error = status is HoseStatus.Ok or HoseStatus.TimedOut ? null : $"no room for a streamed payload of {length} bytes ({status})";
        return status == HoseStatus.Ok ? local : null;
    }

    /// <summary>Rents local room without waiting; null when none is free now.</summary>
    public RegionPayload? TryRentLocal(long length) => _inbox.TryRent(length, out RegionPayload local) == HoseStatus.Ok ? local : null;

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> at <paramref name="position"/>.</summary>
    public static void CopyInto(RegionPayload destination, long position, ReadOnlySpan<byte> source)
    {
        foreach (RegionPayload.Chunk chunk in destination.Chunks)
        {
            if (source.IsEmpty)
            {
                return;
            }

            if (position >= chunk.Length)
            {
                position -= chunk.Length;
                continue;
            }

            int take = (int)Math.Min(chunk.Length - position, source.Length);
            source[..take].CopyTo(chunk.Region.GetSpan().Slice((int)position, take));
            source = source[take..];
            position = 0;
        }
    }
}
