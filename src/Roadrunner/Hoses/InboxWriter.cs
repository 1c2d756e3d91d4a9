using System.Threading.Channels;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// The one way a payload enters an inbox, used by every transport (an in-process send, a fan-out, a claim, the ring
/// receiver, the network server). Two paths, tried in this order:
/// <list type="number">
/// <item><b>Direct</b> (<see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/>): straight into an
/// idle <see cref="IDirectReceiver"/>, only while nothing is queued (payloads queued earlier go first).</item>
/// <item><b>Reserve → fill → commit</b>: <see cref="Reserve"/> takes a queue slot and rents regions from the inbox's
/// pool (or <see cref="ReserveSlot"/> a slot alone, the transport bringing its own regions), the caller fills them,
/// <see cref="Commit"/> queues them; <see cref="Abort"/> gives everything back.</item>
/// </list>
/// Waits follow an <see cref="InboxWait"/> (deadline, cancellation, and a transport's own "keep waiting?"); sync results
/// are <see cref="HoseStatus"/> values, never exceptions. A wait can be cancelled only before <see cref="Commit"/>:
/// after it the payload is published and the outcome is the delivery's (<see cref="SendOutcome"/>).
/// </summary>
internal sealed class InboxWriter
{
    private readonly RegionPool _pool;
    private readonly HoseOptions _options;
    private readonly Channel<RegionPayload> _queue;
    private readonly InboxSlots _slots;
    private readonly BlockingReadWait _readers;
    private volatile IDirectReceiver? _direct;
    private volatile int _terminal; // 0 while open, else the status every send now gets

    /// <param name="name">The inbox's name (metrics, traces).</param>
    /// <param name="pool">Where queued payloads live.</param>
    /// <param name="options">The inbox's limits (validated).</param>
    /// <param name="queue">The queue the inbox's receivers read.</param>
    /// <param name="slots">The queue's slots; a receiver gives one back for each payload it takes out.</param>
    /// <param name="readers">Woken when a payload is queued or the inbox closes.</param>
    public InboxWriter(string name, RegionPool pool, HoseOptions options, Channel<RegionPayload> queue, InboxSlots slots, BlockingReadWait readers)
    {
        Name = name;
        _pool = pool;
        _options = options;
        _queue = queue;
        _slots = slots;
        _readers = readers;
    }

    public string Name { get; }

    /// <summary>The pool queued payloads live in (a transport renting its own regions rents here).</summary>
    public RegionPool Pool => _pool;

    /// <summary>The receiver that takes payloads straight from the sender when idle, if any.</summary>
    public IDirectReceiver? DirectReceiver
    {
        get => _direct;
        set => _direct = value;
    }

    /// <summary>The largest payload the inbox takes, in bytes (<see cref="HoseOptions.MaxPayloadBytes"/>).</summary>
    public long MaxPayloadBytes => _options.MaxPayloadBytes;

    /// <summary>The status every send gets now the inbox is closed, or <see cref="HoseStatus.Ok"/> while it is open.</summary>
    public HoseStatus Terminal => (HoseStatus)_terminal;

    /// <summary>Closes the inbox: sends get <paramref name="reason"/> (the first reason given stays), receivers see the end.</summary>
    public void Close(HoseStatus reason)
    {
        Interlocked.CompareExchange(ref _terminal, (int)reason, 0);
        _queue.Writer.TryComplete();
        _readers.Wake();
    }

    /// <summary>The status any send of <paramref name="length"/> bytes gets now whatever the receiver does (closed, too large), else Ok.</summary>
    public HoseStatus Admits(long length) =>
        _terminal != 0 ? (HoseStatus)_terminal : length > _options.MaxPayloadBytes ? HoseStatus.TooLarge : HoseStatus.Ok;

    /// <summary>Tries the direct receiver first; <see cref="HoseStatus.WouldBlock"/> means "queue it".</summary>
    /// <param name="payload">The bytes, copied once into the receiver.</param>
    /// <param name="from">Where the payload came from (another transport's receiver); default: an in-process send.</param>
    public HoseStatus TryDirect(ReadOnlySpan<byte> payload, in RoadrunnerActivity.Inbound from = default)
    {
        HoseStatus status = DirectReceiverFor(payload.Length, out IDirectReceiver? direct);
        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        return direct is null ? status : Counted(direct.TryDeliver(payload), payload.Length);
    }

    /// <summary>
    /// Like <see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/> for a payload that <paramref name="write"/> produces straight into
    /// an idle direct receiver's memory (used by the network server to read from the socket into the guest).
    /// </summary>
    public HoseStatus TryDirect(int length, PayloadWriter write, in RoadrunnerActivity.Inbound from = default)
    {
        HoseStatus status = DirectReceiverFor(length, out IDirectReceiver? direct);
        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        return direct is null ? status : Counted(direct.TryDeliver(length, write), length);
    }

    /// <summary>
    /// Like <see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/> for bytes that also live in
    /// <paramref name="pages"/> (a guest's committed window): an idle receiver may map them instead of copying.
    /// </summary>
    public HoseStatus TryDirect(ReadOnlySpan<byte> payload, FilePages pages, in RoadrunnerActivity.Inbound from = default)
    {
        if (pages.IsEmpty)
        {
            return TryDirect(payload, from);
        }

        HoseStatus status = DirectReceiverFor(payload.Length, out IDirectReceiver? direct);
        if (direct is null)
        {
            return status;
        }

        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        status = direct.TryDeliver(payload, pages, out bool mapped);
        return Counted(status, payload.Length, mapped ? RoadrunnerActivity.Mapped : RoadrunnerActivity.Direct);
    }

    /// <summary>A slot and regions for <paramref name="length"/> bytes without waiting.</summary>
    /// <returns><see cref="HoseStatus.Ok"/>; <see cref="HoseStatus.TooLarge"/> when the pool could never hold it;
    /// <see cref="HoseStatus.WouldBlock"/> when there is no room now; <see cref="HoseStatus.Closed"/> when the pool is gone.</returns>
    public HoseStatus TryReserve(long length, out InboxReservation reservation)
    {
        reservation = default;
        if (_pool.FootprintOf(length) > _pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge; // would never fit: retrying cannot help (Reserve says the same)
        }

        if (!_slots.TryTake())
        {
            return HoseStatus.WouldBlock;
        }

        HoseStatus rented = TryRent(length, out RegionPayload regions);
        if (rented != HoseStatus.Ok)
        {
            _slots.Return();
            return rented;
        }

        reservation = InboxReservation.Slot(regions);
        return HoseStatus.Ok;
    }

    /// <summary>A slot, then regions for <paramref name="length"/> bytes, each waited for as <paramref name="wait"/> says.</summary>
    /// <returns><see cref="HoseStatus.Ok"/>, or what <see cref="ReserveSlot"/> or <see cref="Rent"/> answered (nothing held).</returns>
    /// <remarks>A nonzero <paramref name="claimer"/> rents for a guest's zero-copy claim (see <see cref="RegionPool.Rent"/>).</remarks>
    public HoseStatus Reserve(long length, in InboxWait wait, out InboxReservation reservation, long claimer = 0)
    {
        HoseStatus status = ReserveSlot(wait, out reservation);
        if (status != HoseStatus.Ok)
        {
            return status;
        }

        status = Rent(length, wait, out RegionPayload regions, claimer);
        if (status != HoseStatus.Ok)
        {
            Abort(reservation);
            reservation = default;
            return status;
        }

        reservation = reservation.WithRegions(regions);
        return HoseStatus.Ok;
    }

    /// <summary>A slot without waiting; the regions come later through <see cref="InboxReservation.WithRegions"/>.</summary>
    public HoseStatus TryReserveSlot(out InboxReservation reservation)
    {
        bool taken = _slots.TryTake();
        reservation = taken ? InboxReservation.Slot() : default;
        return taken ? HoseStatus.Ok : HoseStatus.WouldBlock;
    }

    /// <summary>
    /// A queue slot, waiting as <paramref name="wait"/> says, but not when only the calling thread could free one
    /// (<see cref="InboxSlots.OnlyThisThreadCanDrain"/>). The regions come later through <see cref="InboxReservation.WithRegions"/>.
    /// </summary>
    /// <returns><see cref="HoseStatus.Ok"/>, or <see cref="HoseStatus.TimedOut"/> (deadline, cancellation, or the transport stopped waiting).</returns>
    public HoseStatus ReserveSlot(in InboxWait wait, out InboxReservation reservation)
    {
        reservation = default;
        try
        {
            while (!_slots.Take(wait.NextSlice, wait.Cancellation))
            {
                if (!wait.GoesOn())
                {
                    return HoseStatus.TimedOut;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        reservation = InboxReservation.Slot();
        return HoseStatus.Ok;
    }

    /// <summary>Regions for <paramref name="length"/> bytes from the inbox's pool without waiting (no slot).</summary>
    /// <returns><see cref="HoseStatus.Ok"/>, <see cref="HoseStatus.WouldBlock"/> (no room now), or <see cref="HoseStatus.Closed"/> (the pool is gone).</returns>
    public HoseStatus TryRent(long length, out RegionPayload regions)
    {
        try
        {
            return _pool.TryRent(length, out regions) ? HoseStatus.Ok : HoseStatus.WouldBlock;
        }
        catch (ObjectDisposedException)
        {
            regions = null!;
            return HoseStatus.Closed;
        }
    }

    /// <summary>Regions for <paramref name="length"/> bytes from the inbox's pool, waiting as <paramref name="wait"/> says (no slot).</summary>
    /// <returns><see cref="HoseStatus.Ok"/>; <see cref="HoseStatus.TimedOut"/>; <see cref="HoseStatus.TooLarge"/> (over the
    /// whole budget); <see cref="HoseStatus.WouldBlock"/> (the region folder is full); <see cref="HoseStatus.Closed"/> (the pool is gone).</returns>
    /// <remarks>A nonzero <paramref name="claimer"/> rents for a guest's zero-copy claim (see <see cref="RegionPool.Rent"/>).</remarks>
    public HoseStatus Rent(long length, in InboxWait wait, out RegionPayload regions, long claimer = 0)
    {
        while (true)
        {
            HoseStatus status;
            try
            {
                status = _pool.Rent(length, wait.NextSlice, wait.Cancellation, out regions, claimer);
            }
            catch (OperationCanceledException)
            {
                regions = null!;
                return HoseStatus.TimedOut;
            }
            catch (ObjectDisposedException)
            {
                regions = null!;
                return HoseStatus.Closed;
            }

            if (status != HoseStatus.TimedOut || !wait.GoesOn())
            {
                return status;
            }
        }
    }

    /// <summary>A queue slot, waiting asynchronously; the regions come later through <see cref="InboxReservation.WithRegions"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing is held.</exception>
    public async ValueTask<InboxReservation> ReserveSlotAsync(CancellationToken cancellationToken)
    {
        await _slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        return InboxReservation.Slot();
    }

    /// <summary>Regions for <paramref name="length"/> bytes from the inbox's pool, waiting asynchronously (no slot).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing is held.</exception>
    /// <exception cref="HoseException">The pool refused (too large, or the region folder is full); nothing is held.</exception>
    public ValueTask<RegionPayload> RentAsync(long length, CancellationToken cancellationToken) => _pool.RentAsync(length, cancellationToken);

    /// <summary>A slot, then regions for <paramref name="length"/> bytes, waiting asynchronously (the async API: failures throw).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; nothing is held.</exception>
    /// <exception cref="HoseException">The pool refused (too large, or the region folder is full); nothing is held.</exception>
    public async ValueTask<InboxReservation> ReserveAsync(long length, CancellationToken cancellationToken)
    {
        await _slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return InboxReservation.Slot(await _pool.RentAsync(length, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            _slots.Return();
            throw;
        }
    }

    /// <summary>
    /// Publishes a reservation's filled regions (taking over their reference): to an idle receiver that takes regions
    /// as they are, else into the queue. Consumes the reservation whatever the outcome: on failure its slot and regions
    /// are given back. No wait and no cancellation from here on.
    /// </summary>
    /// <param name="reservation">A reservation holding a slot and regions.</param>
    /// <param name="from">Where the payload came from (another transport's receiver); default: an in-process send.</param>
    /// <returns><see cref="HoseStatus.Ok"/>; the closed inbox's status; or a direct receiver's refusal.</returns>
    public HoseStatus Commit(in InboxReservation reservation, in RoadrunnerActivity.Inbound from = default)
    {
        RegionPayload payload = reservation.HoldsSlot && reservation.Regions is not null
            ? reservation.Regions
            : throw new InvalidOperationException("Only a reservation holding a slot and regions can be committed.");

        RoadrunnerActivity.Stamp(payload, from);
        HoseStatus direct = TryDirect(payload, from);
        if (direct != HoseStatus.WouldBlock)
        {
            _slots.Return();
            payload.Release();
            return direct;
        }

        if (_terminal != 0 || !_queue.Writer.TryWrite(payload))
        {
            _slots.Return();
            payload.Release();
            return _terminal != 0 ? (HoseStatus)_terminal : HoseStatus.Closed;
        }

        RoadrunnerMetrics.Accepted(Name, payload.Length, RoadrunnerActivity.Queued);
        _readers.Wake();
        RoadrunnerActivity.TagPath(RoadrunnerActivity.Queued);
        _direct?.OnQueued();
        return HoseStatus.Ok;
    }

    /// <summary>Gives back what a reservation holds (its regions, then its slot); does nothing for a default value.</summary>
    public void Abort(in InboxReservation reservation)
    {
        reservation.Regions?.Release();
        if (reservation.HoldsSlot)
        {
            _slots.Return();
        }
    }

    /// <summary>
    /// THE ZERO-COPY HOOK (issue 11): a payload that already lies in regions (a claim, a fan-out's shared copy, a lease
    /// over a peer's region) is offered to an idle direct receiver before it is queued, so a receiver can take the
    /// pages themselves (map them) instead of copying: a push guest that exports <c>rr_alloc_window</c> does, at or above
    /// its mapping threshold (docs/zero-copy.md); others answer <see cref="HoseStatus.WouldBlock"/> and the payload is
    /// queued. The receiver holds its own reference for as long as it keeps the pages; the caller releases its own.
    /// </summary>
    private HoseStatus TryDirect(RegionPayload payload, in RoadrunnerActivity.Inbound from)
    {
        // Not Admits: a queued payload is not measured against the limit again (the transport checked it).
        IDirectReceiver? direct = _direct is { } idle && _terminal == 0 && _queue.Reader.Count == 0 ? idle : null;
        if (direct is null)
        {
            return HoseStatus.WouldBlock;
        }

        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        HoseStatus status = direct.TryDeliver(payload, out bool mapped);
        return Counted(status, payload.Length, mapped ? RoadrunnerActivity.Mapped : RoadrunnerActivity.Direct);
    }

    /// <summary>The direct receiver to try now, or null with the status to answer (a failure, or WouldBlock: queue it).</summary>
    private HoseStatus DirectReceiverFor(long length, out IDirectReceiver? direct)
    {
        direct = null;
        HoseStatus admitted = Admits(length);
        if (admitted != HoseStatus.Ok)
        {
            return admitted;
        }

        // Only with nothing queued: payloads queued earlier go first.
        direct = _queue.Reader.Count == 0 ? _direct : null;
        return HoseStatus.WouldBlock;
    }

    private HoseStatus Counted(HoseStatus status, long length, string path = RoadrunnerActivity.Direct)
    {
        if (status == HoseStatus.Ok)
        {
            RoadrunnerMetrics.Accepted(Name, length, path);
            RoadrunnerActivity.TagPath(path);
        }

        return status;
    }
}
