using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Pushes payloads into a guest that exports <c>rr_alloc</c> and <c>rr_on_message</c>: ask it for a buffer, check the
/// buffer lies in its memory, copy once, call the handler. Straight from the sender's memory when the guest is idle;
/// from the regions of its inbox, in order, when it was busy. A payload in regions at or above the mapping threshold
/// is mapped instead of copied when the guest also exports <c>rr_alloc_window</c> (<paramref name="windows"/>).
/// </summary>
internal sealed class PushReceiver(RoadrunnerGuest guest, Func<int, int> alloc, Action<int, int> onMessage, MappedDelivery? windows = null) : IDirectReceiver
{
    private int _drainScheduled;

    public HoseStatus TryDeliver(ReadOnlySpan<byte> payload) => TryDeliverCore(payload.Length, new SpanCopy(payload, default), out _);

    public HoseStatus TryDeliver(ReadOnlySpan<byte> payload, FilePages pages, out bool mapped)
    {
        mapped = false;
        return TryDeliverCore(payload.Length, new SpanCopy(payload, pages), out mapped);
    }

    public HoseStatus TryDeliver(int length, PayloadWriter write) => TryDeliverCore(length, new WriterCopy(write), out _);

    /// <summary>
    /// The seam's zero-copy hook: takes a payload in regions straight in only when it would be mapped (this guest
    /// exports rr_alloc_window, the payload is at or above the threshold, its chunks map); otherwise WouldBlock, and the
    /// payload is queued and pushed as before.
    /// </summary>
    public HoseStatus TryDeliver(RegionPayload payload, out bool mapped)
    {
        mapped = false;
        return windows is null || !windows.CanMap(payload.Length) || PageMapping.PiecesOf(payload) is null
            ? HoseStatus.WouldBlock
            : TryDeliverCore((int)payload.Length, new RegionsCopy(payload), out mapped);
    }

    public void OnQueued() => ScheduleDrain();

    /// <summary>Queues one drain on the thread pool unless one is already pending.</summary>
    public void ScheduleDrain()
    {
        if (Interlocked.CompareExchange(ref _drainScheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Drain(), this, preferLocal: false);
        }
    }

    private void Drain()
    {
        Volatile.Write(ref _drainScheduled, 0);
        if (!guest.TryEnter())
        {
            return; // whoever is inside drains when it leaves
        }

        try
        {
            DrainHeld(int.MaxValue);
        }
        finally
        {
            guest.Exit();
        }
    }

    /// <summary>Pushes up to <paramref name="count"/> queued payloads, in order; the caller is inside the guest.</summary>
    public void DrainHeld(int count)
    {
        for (int i = 0; i < count && !guest.IsFaulted && !guest.IsDisposing && guest.InboxHose.TryTake(out RegionPayload? payload); i++)
        {
            long outer = guest.ArmPushDeadline();
            try
            {
                Deliver(payload);
            }
            finally
            {
                guest.ClearDeadline(outer);
                payload.Release();
            }
        }
    }

    /// <summary>
    /// Delivers now if the guest is idle and nothing is queued before this payload: rr_alloc, one copy (or the
    /// writer filling guest memory straight from a socket), rr_on_message — all under the push time limit.
    /// </summary>
    private HoseStatus TryDeliverCore<TCopy>(int length, TCopy copy, out bool mapped)
        where TCopy : IPayloadCopy, allows ref struct
    {
        mapped = false;
        if (guest.IsFaulted)
        {
            return HoseStatus.PeerFailed;
        }

        // Sent from inside a push handler with less time left than this push may take: queue it, so the sending
        // handler's own deadline holds.
        if (guest.OuterPushEndsSooner() || !guest.TryEnter())
        {
            return HoseStatus.WouldBlock;
        }

        long outer = 0;
        bool armed = false;
        try
        {
            // Payloads queued earlier go first: keep the order.
            if (guest.InboxHose.QueuedCount != 0)
            {
                return HoseStatus.WouldBlock;
            }

            outer = guest.ArmPushDeadline();
            armed = true;
            using System.Diagnostics.Activity? span = RoadrunnerActivity.StartDirectDeliver(guest.Name, length);
            if (copy.Regions is { } regions)
            {
                return RoadrunnerActivity.Ended(span, DeliverRegions(regions, direct: true, span, out mapped));
            }

            if (!copy.Pages.IsEmpty && windows is not null && windows.CanMap(length))
            {
                HoseStatus? outcome = TryDeliverMapped([copy.Pages], length, direct: true, span, payload: null, out mapped);
                if (outcome is { } status)
                {
                    return RoadrunnerActivity.Ended(span, status);
                }
            }

            if (!TryAllocate(length, out int address, out Span<byte> destination))
            {
                return RoadrunnerActivity.Ended(span, Refused(length, direct: true));
            }

            copy.CopyTo(destination);
            span?.SetTag("roadrunner.transfer", "copied");
            RoadrunnerMetrics.Transferred(guest.Name, mapped: false);
            return RoadrunnerActivity.Ended(span, Handle(address, length));
        }
        finally
        {
            if (armed)
            {
                guest.ClearDeadline(outer);
            }

            guest.Exit();
        }
    }

    /// <summary>Pushes a queued payload: mapped, or region → guest memory, one copy. A refused payload is dropped.</summary>
    private void Deliver(RegionPayload payload)
    {
        using System.Diagnostics.Activity? span = RoadrunnerActivity.StartQueuedDeliver(guest.Name, payload);
        RoadrunnerActivity.Ended(span, DeliverRegions(payload, direct: false, span, out _));
    }

    /// <summary>
    /// Delivers a payload in regions: mapped into a window when the guest takes it that way, else copied into the
    /// buffer rr_alloc returns. The caller is inside the guest with the push deadline armed.
    /// </summary>
    private HoseStatus DeliverRegions(RegionPayload payload, bool direct, System.Diagnostics.Activity? span, out bool mapped)
    {
        mapped = false;
        if (payload.Length > int.MaxValue)
        {
            return Refused(payload.Length, direct);
        }

        int length = (int)payload.Length;
        if (windows is not null && windows.CanMap(length) && PageMapping.PiecesOf(payload) is { } pieces)
        {
            HoseStatus? outcome = TryDeliverMapped(pieces, length, direct, span, payload, out mapped);
            if (outcome is { } status)
            {
                return status;
            }
        }

        if (!TryAllocate(length, out int address, out Span<byte> destination))
        {
            return Refused(length, direct);
        }

        payload.CopyTo(destination);
        span?.SetTag("roadrunner.transfer", "copied");
        RoadrunnerMetrics.Transferred(guest.Name, mapped: false);
        return Handle(address, length);
    }

    /// <summary>
    /// Maps the pages into the window rr_alloc_window returns and runs the handler; null when the guest declined
    /// (copy instead). Its own pages are back over the window before this returns, whatever the handler did.
    /// </summary>
    private HoseStatus? TryDeliverMapped(ReadOnlySpan<FilePages> pieces, int length, bool direct, System.Diagnostics.Activity? span, RegionPayload? payload, out bool mapped)
    {
        mapped = false;
        switch (windows!.TryOpen(pieces, length, out uint start, out nuint size))
        {
            case MappedDelivery.Outcome.Refused:
                return Refused(length, direct);
            case MappedDelivery.Outcome.Mapped:
                mapped = true;
                span?.SetTag("roadrunner.transfer", "mapped");
                RoadrunnerMetrics.Transferred(guest.Name, mapped: true);
                try
                {
                    return Handle((int)start, length);
                }
                finally
                {
                    windows.Close(start, size, payload);
                }

            default:
                return null;
        }
    }

    /// <summary>Counts and logs a refused payload; the sender of a direct one gets PeerFailed.</summary>
    private HoseStatus Refused(long length, bool direct)
    {
        RoadrunnerMetrics.RefusedBy(guest.Name, direct);
        RoadrunnerLog.PushRefused(guest.Logger, guest.Name, length, direct ? "direct" : "queued");
        return HoseStatus.PeerFailed;
    }

    /// <summary>
    /// Asks the guest for a buffer and checks it; a trap or a bad pointer faults or refuses. An empty payload needs no
    /// buffer: rr_alloc is not called (C's <c>malloc(0)</c> may answer 0, which would read as a refusal) and the
    /// handler gets <c>(0, 0)</c>.
    /// </summary>
    private bool TryAllocate(int length, out int address, out Span<byte> destination)
    {
        destination = default;
        if (length == 0)
        {
            address = 0;
            return true;
        }

        try
        {
            address = alloc(length);
        }
        catch (WasmtimeException e)
        {
            address = 0;
            guest.Fault($"rr_alloc({length}) trapped: {e.Message}");
            return false;
        }

        // Re-read the memory after the call: rr_alloc may have grown it.
        return address != 0 && guest.Memory.TryGetSpan(address, length, out destination);
    }

    private HoseStatus Handle(int address, int length)
    {
        try
        {
            onMessage(address, length);
            return HoseStatus.Ok;
        }
        catch (WasmtimeException e)
        {
            guest.Fault($"rr_on_message trapped: {e.Message}");
            return HoseStatus.PeerFailed;
        }
    }

    /// <summary>Something that writes a payload into the guest buffer rr_alloc returned.</summary>
    private interface IPayloadCopy
    {
        /// <summary>The payload's regions when it is already in regions (it may be mapped then), else null.</summary>
        RegionPayload? Regions { get; }

        /// <summary>Where the bytes also live in a file (a sender's memory), else empty.</summary>
        FilePages Pages { get; }

        void CopyTo(Span<byte> destination);
    }

    private readonly ref struct SpanCopy(ReadOnlySpan<byte> source, FilePages pages) : IPayloadCopy
    {
        private readonly ReadOnlySpan<byte> _source = source;

        public RegionPayload? Regions => null;

        public FilePages Pages => pages;

        public void CopyTo(Span<byte> destination) => _source.CopyTo(destination);
    }

    private readonly struct WriterCopy(PayloadWriter write) : IPayloadCopy
    {
        public RegionPayload? Regions => null;

        public FilePages Pages => default;

        public void CopyTo(Span<byte> destination) => write(destination);
    }

    private readonly struct RegionsCopy(RegionPayload payload) : IPayloadCopy
    {
        public RegionPayload? Regions => payload;

        public FilePages Pages => default;

        public void CopyTo(Span<byte> destination) => payload.CopyTo(destination);
    }
}
