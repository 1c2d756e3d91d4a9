using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Acts on the <see cref="PayloadAssembler"/>'s decisions for one ring receiver: maps the sender's regions or guest
/// memory, copies out or leases in place, and hands each payload to the inbox. Runs on the receive thread; any failure
/// fails the hose through its receiver.
/// </summary>
internal sealed unsafe class RingDelivery(RingReceiver receiver, RingHeader ring, PayloadAssembler assembler, PeerRegionCache cache, InboxDelivery delivery)
{
    private readonly RingReceiver _receiver = receiver;
    private readonly RingHeader _ring = ring;
    private readonly PayloadAssembler _assembler = assembler;
    private readonly PeerRegionCache _cache = cache;
    private readonly InboxDelivery _delivery = delivery;
    private RegionPayload? _stream; // the streamed payload being filled

    /// <summary>The hose ended: a stream in progress is dropped.</summary>
    public void Reset()
    {
        _stream?.Release();
        _stream = null;
    }

    /// <summary>Acts on the assembler's decision for a descriptor; false when the hose ends.</summary>
    public bool Handle(in Descriptor d, AssemblyDecision step)
    {
        _delivery.From = new RoadrunnerActivity.Inbound(RoadrunnerActivity.CrossProcess, d.IsInline ? RoadrunnerActivity.Inline : d.IsBorrowed ? RoadrunnerActivity.Borrowed : d.IsStreamed ? RoadrunnerActivity.Streamed : RoadrunnerActivity.Regions, d.Trace);
        _cache.EvictUnusedWhenFull(); // here, never while a payload's regions are being gathered

        return step.Step switch
        {
            AssemblyStep.Inline => HandleInline(d),
            AssemblyStep.Borrowed => HandleBorrowed(d),
            AssemblyStep.StreamChunk => HandleStreamed(d, step),
            AssemblyStep.Regions => HandleRegions(d.PayloadLength, step.InPlace),
            _ => true, // a chunk: wait for the rest
        };
    }

    /// <summary>A complete region payload: one region straight to an idle receiver, else leased in place or copied out.</summary>
    private bool HandleRegions(long payloadLength, bool inPlace)
    {
        ReadOnlySpan<Descriptor> pending = _assembler.Pending;
        long first = pending[0].Sequence;
        var chunks = new RegionPayload.Chunk[pending.Length];
        for (int i = 0; i < chunks.Length; i++)
        {
            MappedRegion? region = Map(pending[i]);
            if (region is null)
            {
                return false;
            }

            chunks[i] = new RegionPayload.Chunk(region, pending[i].Length);
        }

        if (chunks.Length == 1)
        {
            // One region: an idle push receiver takes it straight from the sender's region (mapped where it takes
            // payloads that way and the bytes start on a page, else one copy; no lease either way).
            var bytes = new ReadOnlySpan<byte>(chunks[0].Region.Pointer + pending[0].Offset, pending[0].Length);
            FilePages pages = pending[0].Offset % Environment.SystemPageSize == 0
                ? new FilePages(chunks[0].Region.File.SafeFileHandle, pending[0].Offset, pending[0].Length)
                : default;
            if (_delivery.TryDirect(bytes, pages))
            {
                _receiver.MarkReleased(first, chunks.Length);
                return true;
            }
        }

        RegionPayload payload;
        if (inPlace)
        {
            payload = new RegionPayload(_receiver, chunks, payloadLength, 0);
            _receiver.Lease(payload, first, chunks.Length);
        }
        else
        {
            // Offsets inside regions cannot be leased in place: copy out to the host's pool (one extra copy).
            RegionPayload? local = RentLocal(payloadLength);
            if (local is null)
            {
                return false;
            }

            long position = 0;
            foreach (Descriptor c in pending)
            {
                InboxDelivery.CopyInto(local, position, new ReadOnlySpan<byte>(_cache[c.RegionNumber].Pointer + c.Offset, c.Length));
                position += c.Length;
            }

            _receiver.MarkReleased(first, chunks.Length);
            payload = local;
        }

        return _delivery.Enqueue(payload);
    }

    /// <summary>A chunk of a payload larger than the bytes in flight: copy it out now and give the region back.</summary>
    private bool HandleStreamed(in Descriptor d, AssemblyDecision step)
    {
        if (step.StartsStream)
        {
            _stream = RentLocal(d.PayloadLength);
            if (_stream is null)
            {
                return false;
            }
        }

        if (d.Length > 0)
        {
            MappedRegion? region = Map(d);
            if (region is null)
            {
                return false;
            }

            InboxDelivery.CopyInto(_stream!, step.Position, new ReadOnlySpan<byte>(region.Pointer + d.Offset, d.Length));
        }

        _receiver.MarkReleased(d.Sequence, 1);
        if (!step.EndsStream)
        {
            return true;
        }

        RegionPayload whole = _stream!;
        _stream = null;
        if (whole.Chunks.Length == 1)
        {
            if (_delivery.TryDirect(whole.Chunks[0].Memory.Span))
            {
                whole.Release();
                return true;
            }
        }

        return _delivery.Enqueue(whole);
    }

    /// <summary>
    /// A payload in the slot itself: copied out first (the slot goes back to the sender at once), then handed straight
    /// to an idle receiver, or queued in a local region.
    /// </summary>
    private bool HandleInline(in Descriptor d)
    {
        Span<byte> bytes = stackalloc byte[RingLayout.MaxInlineBytes];
        bytes = bytes[..d.Length];
        _ring.InlineBytes(d.Sequence, d.Length).CopyTo(bytes);
        _receiver.MarkReleased(d.Sequence, 1);
        if (_delivery.TryDirect(bytes))
        {
            return true;
        }

        RegionPayload? local = RentLocal(d.Length);
        if (local is null)
        {
            return false;
        }

        local.Fill(bytes);
        return _delivery.Enqueue(local);
    }

    /// <summary>
    /// Bytes borrowed from the sending guest's memory, whose send waits for them: copied straight into an idle push
    /// receiver (the one copy between the guests), else into local memory and queued. While no room can be had the
    /// descriptor goes back to pending, so the sender may withdraw it at its deadline instead of waiting on us.
    /// </summary>
    private bool HandleBorrowed(in Descriptor d)
    {
        long sequence = d.Sequence;
        PeerMemoryView? memory = _cache.MapMemory(d, out string? error);
        if (memory is null)
        {
            return _receiver.Fail(error!);
        }

        ReadOnlySpan<byte> bytes = memory.Slice(d.Start, d.Length);
        long* mark = _ring.ReleasedMark(sequence);
        RegionPayload? local = null;
        while (true)
        {
            long found = Interlocked.CompareExchange(ref *mark, RingLayout.BorrowTaking(sequence), RingLayout.BorrowPending(sequence));
            if (found == RingLayout.BorrowRevoked(sequence))
            {
                local?.Release();
                _receiver.MarkReleased(sequence, 1);
                return true; // the sender gave up on it: skipped, as it was told
            }

            if (found != RingLayout.BorrowPending(sequence))
            {
                local?.Release();
                return _receiver.Fail($"descriptor {sequence}: borrowed bytes in state {found}");
            }

            if (local is null)
            {
                // The sender waits in its send until this is released, so a receiver that takes payloads mapped may
                // map the borrowed pages instead of copying them (when they start on a page: a committed window).
                FilePages pages = d.Start % Environment.SystemPageSize == 0 ? new FilePages(memory.File, d.Start, d.Length) : default;
                if (_delivery.TryDirect(bytes, pages))
                {
                    _receiver.MarkReleased(sequence, 1);
                    return true;
                }

                local = _delivery.TryRentLocal(d.Length);
            }

            if (local is not null)
            {
                local.Fill(bytes);
                _receiver.MarkReleased(sequence, 1);
                return _delivery.Enqueue(local);
            }

            Volatile.Write(ref *mark, RingLayout.BorrowPending(sequence));
            local = RentLocal(d.Length);
            if (local is null)
            {
                return false;
            }
        }
    }

    private MappedRegion? Map(in Descriptor d)
    {
        MappedRegion? region = _cache.Map(d, out string? error);
        if (region is null)
        {
            _receiver.Fail(error!);
        }

        return region;
    }

    private RegionPayload? RentLocal(long length)
    {
        RegionPayload? local = _delivery.RentLocal(length, out string? error);
        if (error is not null)
        {
            _receiver.Fail(error);
        }

        return local;
    }
}
