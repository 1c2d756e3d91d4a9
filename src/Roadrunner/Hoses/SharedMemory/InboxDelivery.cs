using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// How a ring receiver hands payloads to its function's inbox: straight into an idle receiver, or queued, waiting for
/// an inbox slot or for local room in bounded slices while the sender lives and the receiver runs.
/// </summary>
internal sealed class InboxDelivery(SharedMemoryEndpoint endpoint, InProcessHose inbox, RingReceiver receiver, PeerIdentity sender)
{
    /// <summary>The descriptor being delivered: transport, path and the sender's trace context.</summary>
    public RoadrunnerActivity.Inbound From { get; set; }

    /// <summary>
    /// Hands <paramref name="bytes"/> straight to an idle receiver of the inbox. True when that settled the payload
    /// (delivered, or refused: recorded as a fault); false when it must be queued.
    /// </summary>
    public bool TryDirect(ReadOnlySpan<byte> bytes)
    {
        HoseStatus status = inbox.TryDirect(bytes, From);
        if (status is not HoseStatus.Ok and not HoseStatus.WouldBlock)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(endpoint.Log, receiver.Name, status);
        }

        return status != HoseStatus.WouldBlock;
    }

    /// <summary>Queues a payload in the inbox (taking it over), waiting for a slot while the sender lives; false when dropped.</summary>
    public bool Enqueue(RegionPayload payload)
    {
        while (!inbox.ReserveSlot(endpoint.Options.InboxWaitSlice, CancellationToken.None))
        {
            if (receiver.IsStopping || !sender.IsAlive())
            {
                payload.Release();
                if (!receiver.IsStopping)
                {
                    RoadrunnerLog.SharedMemoryPayloadDropped(endpoint.Log, receiver.Name);
                    endpoint.OnPeerDied();
                }

                return false;
            }
        }

        HoseStatus status = inbox.Enqueue(payload, From);
        if (status != HoseStatus.Ok)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(endpoint.Log, receiver.Name, status);
        }

        return true;
    }

    /// <summary>Rents local room for a payload copied out of the ring, waiting while the sender lives.</summary>
    /// <returns>The room; null with an <paramref name="error"/> when there is none to be had, or with none when the
    /// receiver stops or the sender died.</returns>
    public RegionPayload? RentLocal(long length, out string? error)
    {
        error = null;
        while (true)
        {
            HoseStatus status;
            RegionPayload local;
            try
            {
                status = endpoint.HostPool.Rent(length, endpoint.Options.InboxWaitSlice, CancellationToken.None, out local);
            }
            catch (ObjectDisposedException)
            {
                status = HoseStatus.Closed;
                local = null!;
            }

            if (status == HoseStatus.Ok)
            {
                return local;
            }

            if (status != HoseStatus.TimedOut)
            {
                error = $"no room for a streamed payload of {length} bytes ({status})";
                return null;
            }

            if (receiver.IsStopping || !sender.IsAlive())
            {
                return null;
            }
        }
    }

    /// <summary>Rents local room without waiting; null when none is free now.</summary>
    public RegionPayload? TryRentLocal(long length) => endpoint.HostPool.TryRent(length, out RegionPayload? local) ? local : null;

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
