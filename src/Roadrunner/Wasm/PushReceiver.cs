using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Pushes payloads into a guest that exports <c>rr_alloc</c> and <c>rr_on_message</c>: ask it for a buffer, check the
/// buffer lies in its memory, copy once, call the handler. Straight from the sender's memory when the guest is idle;
/// from the regions of its inbox, in order, when it was busy.
/// </summary>
internal sealed class PushReceiver(RoadrunnerGuest guest, Func<int, int> alloc, Action<int, int> onMessage) : IDirectReceiver
{
    private int _drainScheduled;

    public HoseStatus TryDeliver(ReadOnlySpan<byte> payload) => TryDeliverCore(payload.Length, new SpanCopy(payload));

    public HoseStatus TryDeliver(int length, PayloadWriter write) => TryDeliverCore(length, new WriterCopy(write));

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
    private HoseStatus TryDeliverCore<TCopy>(int length, TCopy copy)
        where TCopy : IPayloadCopy, allows ref struct
    {
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
            if (!TryAllocate(length, out int address, out Span<byte> destination))
            {
                RoadrunnerMetrics.RefusedBy(guest.Name, direct: true);
                RoadrunnerLog.PushRefused(guest.Logger, guest.Name, length, "direct");
                return RoadrunnerActivity.Ended(span, HoseStatus.PeerFailed);
            }

            copy.CopyTo(destination);
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

    /// <summary>Pushes a queued payload: region → guest memory, one copy. A refused payload is dropped.</summary>
    private void Deliver(RegionPayload payload)
    {
        using System.Diagnostics.Activity? span = RoadrunnerActivity.StartQueuedDeliver(guest.Name, payload);
        if (payload.Length > int.MaxValue || !TryAllocate((int)payload.Length, out int address, out Span<byte> destination))
        {
            RoadrunnerMetrics.RefusedBy(guest.Name, direct: false);
            RoadrunnerLog.PushRefused(guest.Logger, guest.Name, payload.Length, "queued");
            RoadrunnerActivity.Ended(span, HoseStatus.PeerFailed);
            return;
        }

        payload.CopyTo(destination);
        RoadrunnerActivity.Ended(span, Handle(address, (int)payload.Length));
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
        void CopyTo(Span<byte> destination);
    }

    private readonly ref struct SpanCopy(ReadOnlySpan<byte> source) : IPayloadCopy
    {
        private readonly ReadOnlySpan<byte> _source = source;

        public void CopyTo(Span<byte> destination) => _source.CopyTo(destination);
    }

    private readonly struct WriterCopy(PayloadWriter write) : IPayloadCopy
    {
        public void CopyTo(Span<byte> destination) => write(destination);
    }
}
