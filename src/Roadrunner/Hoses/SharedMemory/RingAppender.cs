using System.Diagnostics;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Appends payloads to a ring, one way per send kind: inline in the slot, in regions of the pool (one descriptor per
/// region, all published at once), streamed one region at a time, or borrowed from the sending guest's memory. Each
/// holds the slots' gate for the whole post (<see cref="SendSlots.Enter"/>), so descriptors of one payload are never interleaved with another's.
/// </summary>
internal sealed unsafe class RingAppender(RingSender sender, SharedMemoryEndpoint endpoint, RingHeader ring, SendSlots slots)
{
    /// <summary>A small (or empty) payload written into its slot: no region to rent, fill and get back.</summary>
    public HoseStatus PostInline(SendSource source, in SendWait wait)
    {
        if (!slots.Enter(wait))
        {
            return HoseStatus.WouldBlock; // a send waiting for room holds the ring (TrySend never waits behind it)
        }

        try
        {
            HoseStatus failure = sender.CurrentFailure();
            return failure != HoseStatus.Ok ? failure : WriteInline(source, wait);
        }
        finally
        {
            slots.Exit();
        }
    }

    /// <summary>
    /// Posts every chunk of <paramref name="payload"/> (one descriptor each) and publishes them. Room for all of them
    /// is had first, so a wait that ends (deadline, cancellation) leaves nothing half-posted and the hose usable.
    /// </summary>
    public HoseStatus Post(RegionPayload payload, in SendWait wait)
    {
        if (!slots.Enter(wait))
        {
            return HoseStatus.WouldBlock; // a send waiting for room holds the ring (TrySend never waits behind it)
        }

        try
        {
            HoseStatus failure = sender.CurrentFailure(); // under the gate: a closed hose's ring may be unmapped
            if (failure != HoseStatus.Ok)
            {
                return failure; // e.g. a claim committed after the receiver or the endpoint closed: not sent
            }

            RegionPayload.Chunk[] chunks = payload.Chunks;
            if (chunks.Length == 0)
            {
                return WriteInline(new SendSource(ReadOnlySpan<byte>.Empty), wait);
            }

            if (chunks.Length > slots.Count)
            {
                return HoseStatus.TooLarge; // could never be posted whole
            }

            HoseStatus room = slots.WaitForSlots(chunks.Length, wait);
            if (room != HoseStatus.Ok)
            {
                return room;
            }

            for (int i = 0; i < chunks.Length; i++)
            {
                int more = i < chunks.Length - 1 ? RingLayout.MoreChunks : 0;
                WriteChunk(chunks[i], more, payload.Length, payload);
            }

            slots.Publish();
            return HoseStatus.Ok;
        }
        finally
        {
            slots.Exit();
        }
    }

    /// <summary>A payload above the bytes in flight: one region at a time, each posted as soon as it is full.</summary>
    public HoseStatus Stream(SendSource source, in SendWait wait)
    {
        if (!wait.Wait)
        {
            return HoseStatus.WouldBlock; // a streamed payload needs the receiver to drain while we write
        }

        long length = source.Length;
        int chunk = endpoint.Pool.LargestRegion;
        if (!slots.Enter(wait))
        {
            return HoseStatus.WouldBlock; // a send waiting for room holds the ring (TrySend never waits behind it)
        }

        try
        {
            HoseStatus failure = sender.CurrentFailure();
            if (failure != HoseStatus.Ok)
            {
                return failure;
            }

            long sent = 0;
            while (sent < length)
            {
                int size = (int)Math.Min(chunk, length - sent);
                HoseStatus rented = slots.RentRegions(size, wait, out RegionPayload? part);
                if (rented != HoseStatus.Ok)
                {
                    // The receiver drops a stream that never ends; fail the hose so nothing half-sent is completed.
                    return FailMidStream(rented, sent);
                }

                try
                {
                    source.FillSlice(part!, sent, size);
                    HoseStatus room = slots.WaitForSlots(1, wait);
                    if (room != HoseStatus.Ok)
                    {
                        return FailMidStream(room, sent);
                    }

                    bool last = sent + size == length;
                    WriteChunk(part!.Chunks[0], RingLayout.Streamed | (last ? 0 : RingLayout.MoreChunks), length, part);
                }
                finally
                {
                    part!.Release();
                }

                slots.Publish();
                sent += size;
            }

            return HoseStatus.Ok;
        }
        finally
        {
            slots.Exit();
        }
    }

    /// <summary>
    /// Posts bytes that stay in the sending guest's memory file and waits until the receiver has copied them out. At
    /// the deadline (or on cancellation, or when the receiver failed) a descriptor the receiver has not taken yet is
    /// withdrawn, so the guest may reuse its buffer at once and the status tells truly that nothing was sent; one being
    /// copied is waited for, at most one peer-check interval more, and then reported as sent (or as
    /// <see cref="HoseStatus.PeerFailed"/>, unknown), never as timed out. <paramref name="stillBorrowed"/> is true when
    /// the call returns while the receiver may still be reading the bytes (it gave up on a receiver that was taking them).
    /// </summary>
    public HoseStatus SendBorrowed(long memory, long memorySize, long offset, int length, in SendWait wait, out bool stillBorrowed)
    {
        stillBorrowed = false;
        if (!slots.Enter(wait))
        {
            return HoseStatus.WouldBlock; // a send waiting for room holds the ring (TrySend never waits behind it)
        }

        try
        {
            HoseStatus status = sender.CurrentFailure();
            status = status != HoseStatus.Ok ? status : slots.WaitForSlots(1, wait);
            if (status != HoseStatus.Ok)
            {
                return status;
            }

            long sequence = slots.Next;
            long* mark = ring.ReleasedMark(sequence);
            Volatile.Write(ref *mark, RingLayout.BorrowPending(sequence));
            slots.Append(new Descriptor(sequence, memory, 0, (int)(uint)offset, length, RingLayout.Borrowed, length, memorySize, TraceContext.Current), null);
            slots.Publish();

            long lastProgress = Environment.TickCount64;
            long graceEnd = 0;
            // The receiver needs at least the time of one copy (at 4 GB/s, at most a millisecond): poll through that
            // rather than sleep on the futex, whose wake-up costs tens of microseconds on top.
            IWaitStrategy.YieldFor(mark, sequence + 1, Stopwatch.Frequency * Math.Min(length, 4_000_000) / 4_000_000_000);
            while (Volatile.Read(ref *mark) != sequence + 1)
            {
                status = slots.CheckWait(wait, ref lastProgress);
                if (status != HoseStatus.Ok)
                {
                    long found = Interlocked.CompareExchange(ref *mark, RingLayout.BorrowRevoked(sequence), RingLayout.BorrowPending(sequence));
                    if (found == RingLayout.BorrowPending(sequence))
                    {
                        return status; // withdrawn: the receiver will skip it and never read the guest's bytes
                    }

                    if (found == sequence + 1)
                    {
                        break; // copied out meanwhile: sent
                    }

                    if (status != HoseStatus.TimedOut)
                    {
                        stillBorrowed = true;
                        return HoseStatus.PeerFailed; // the receiver failed while copying it: delivered or not, unknown
                    }

                    graceEnd = graceEnd == 0 ? Environment.TickCount64 + (long)endpoint.Options.PeerCheckInterval.TotalMilliseconds : graceEnd;
                    if (Environment.TickCount64 >= graceEnd && Volatile.Read(ref *mark) != sequence + 1)
                    {
                        sender.FailDead(); // it started copying and never finished: not a receiver to trust
                        stillBorrowed = true;
                        return HoseStatus.PeerFailed;
                    }
                }

                slots.WaitForRelease(graceEnd != 0 ? Deadline.Infinite : wait.Deadline);
            }

            slots.ReclaimLocked();
            endpoint.OnDirectRead();
            return HoseStatus.Ok;
        }
        finally
        {
            slots.Exit();
        }
    }

    /// <summary>Waits (under the gate) for a slot, writes the payload into it and publishes it.</summary>
    private HoseStatus WriteInline(SendSource source, in SendWait wait)
    {
        HoseStatus room = slots.WaitForSlots(1, wait);
        if (room != HoseStatus.Ok)
        {
            return room;
        }

        long sequence = slots.Next;
        int length = (int)source.Length;
        source.CopyTo(ring.InlineBytes(sequence, length));
        slots.Append(new Descriptor(sequence, 0, 0, 0, length, RingLayout.Inline, length, Trace: TraceContext.Current), null);
        slots.Publish();
        return HoseStatus.Ok;
    }

    /// <summary>Writes one region's descriptor (not yet published); the slot takes a reference on the payload.</summary>
    private void WriteChunk(RegionPayload.Chunk chunk, int flags, long payloadLength, RegionPayload payload)
    {
        long number = RendezvousFolder.RegionNumberOf(chunk.Region.Path); // rr-<tag>-<n>.region
        slots.Append(new Descriptor(slots.Next, number, chunk.Region.Length, 0, chunk.Length, flags, payloadLength, Trace: TraceContext.Current), payload);
    }

    private HoseStatus FailMidStream(HoseStatus status, long sent)
    {
        if (sent > 0)
        {
            sender.Fail(HoseStatus.Internal);
            sender.Complete();
        }

        return status;
    }
}
