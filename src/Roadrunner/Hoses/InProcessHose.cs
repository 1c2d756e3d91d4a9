using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A hose between functions in one process. A payload goes straight into an idle direct receiver (one copy), or is
/// copied once into pooled regions and queued; receivers read queued payloads in place. Bounded twice: by the
/// queue's slots and by the pool's leased bytes.
/// </summary>
internal sealed class InProcessHose : IDataHose, IRegionClaimTarget, IPageSender
{
    private readonly RegionPool _pool;
    private readonly HoseOptions _options;
    private readonly Channel<RegionPayload> _queue = Channel.CreateUnbounded<RegionPayload>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly InboxSlots _slots;
    private readonly BlockingReadWait _readers = new();
    private volatile IDirectReceiver? _direct;
    private volatile int _terminal; // 0 while open, else the status every send now gets

    public InProcessHose(string name, RegionPool pool, HoseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new HoseOptions();
        options.Validate();
        Name = name;
        _pool = pool;
        _options = options;
        _slots = new InboxSlots(options.MaxQueuedPayloads);
        RoadrunnerMetrics.Observe(this);
    }

    public string Name { get; }

    /// <summary>True once the hose is completed or failed and every queued payload was taken.</summary>
    public bool IsDrainedAndClosed => _terminal != 0 && _queue.Reader.Completion.IsCompleted;

    /// <summary>Payloads queued now.</summary>
    public int QueuedCount => _queue.Reader.Count;

    /// <summary>The pool this hose copies queued payloads into.</summary>
    public RegionPool Pool => _pool;

    /// <summary>The receiver that takes payloads straight from the sender when idle, if any.</summary>
    public IDirectReceiver? DirectReceiver
    {
        get => _direct;
        set => _direct = value;
    }

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), TrySendCore(payload));

    private HoseStatus TrySendCore(ReadOnlySpan<byte> payload)
    {
        HoseStatus status = TryDirect(payload);
        if (status != HoseStatus.WouldBlock)
        {
            return status;
        }

        if (_pool.FootprintOf(payload.Length) > _pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge; // would never fit: retrying cannot help (Send says the same)
        }

        if (!_slots.TryTake())
        {
            return HoseStatus.WouldBlock;
        }

        if (!_pool.TryRent(payload.Length, out RegionPayload regions))
        {
            _slots.Return();
            return HoseStatus.WouldBlock;
        }

        regions.Fill(payload);
        return Enqueue(regions);
    }

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendCore(payload, default, timeout, cancellationToken));

    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendCore(payload, pages, timeout, cancellationToken));

    private HoseStatus SendCore(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken)
    {
        HoseStatus status = TryDirect(payload, pages);
        if (status != HoseStatus.WouldBlock)
        {
            return status;
        }

        long deadline = Environment.TickCount64 + (timeout == Timeout.InfiniteTimeSpan ? 0 : (long)timeout.TotalMilliseconds);
        try
        {
            if (!_slots.Take(timeout, cancellationToken))
            {
                return HoseStatus.TimedOut;
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
        HoseStatus rented;
        RegionPayload regions;
        try
        {
            rented = _pool.Rent(payload.Length, left, cancellationToken, out regions);
        }
        catch (OperationCanceledException)
        {
            rented = HoseStatus.TimedOut;
            regions = null!;
        }

        if (rented != HoseStatus.Ok)
        {
            _slots.Return();
            return rented;
        }

        regions.Fill(payload);
        return Enqueue(regions);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        RoadrunnerActivity.Traced(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendAsyncCore(payload, cancellationToken));

    private ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        HoseStatus status = TryDirect(payload.Span);
        if (status == HoseStatus.Ok)
        {
            return ValueTask.CompletedTask;
        }

        if (status != HoseStatus.WouldBlock)
        {
            return ValueTask.FromException(new HoseException(status, $"Send to '{Name}'"));
        }

        return SendQueuedAsync(new ReadOnlySequence<byte>(payload), cancellationToken);
    }

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        payload.IsSingleSegment ? SendAsync(payload.First, cancellationToken)
            : RoadrunnerActivity.Traced(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendQueuedAsync(payload, cancellationToken));

    public async ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckSendable(length);
        if (length > _pool.LargestRegion)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {_pool.LargestRegion} bytes, not {length}");
        }

        await _slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new RegionClaim(this, await _pool.RentAsync(length, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            _slots.Return();
            throw;
        }
    }

    public void Complete() => Close(HoseStatus.Closed);

    /// <summary>
    /// Closes the hose for good: sends get <paramref name="reason"/> from now on and queued payloads are dropped
    /// (used when the receiver failed).
    /// </summary>
    public void Fail(HoseStatus reason)
    {
        Close(reason);
        while (TryTake(out RegionPayload? payload))
        {
            payload.Release();
        }
    }

    private void Close(HoseStatus reason)
    {
        Interlocked.CompareExchange(ref _terminal, (int)reason, 0);
        _queue.Writer.TryComplete();
        _readers.Wake();
    }

    public bool TryPeekLength(out long length)
    {
        if (_queue.Reader.TryPeek(out RegionPayload? next))
        {
            length = next.Length;
            return true;
        }

        length = 0;
        return false;
    }

    public bool TryReceive([NotNullWhen(true)] out HoseLease? lease)
    {
        if (TryTake(out RegionPayload? payload))
        {
            RoadrunnerActivity.Ended(RoadrunnerActivity.StartQueuedDeliver(Name, payload), HoseStatus.Ok); // taken by a .NET receiver
            lease = new RegionLease(payload);
            return true;
        }

        lease = null;
        return false;
    }

    public async ValueTask<HoseLease> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryReceive(out HoseLease? lease))
            {
                return lease;
            }

            if (!await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new HoseException(HoseStatus.Closed, $"Hose '{Name}' is completed");
            }
        }
    }

    /// <summary>Takes the next queued payload (with its reference) and frees its slot.</summary>
    public bool TryTake([NotNullWhen(true)] out RegionPayload? payload)
    {
        if (_queue.Reader.TryRead(out payload))
        {
            _slots.Return();
            return true;
        }

        return false;
    }

    /// <summary>
    /// Waits, blocking the thread, until a payload is queued or the hose is completed and empty (see
    /// <see cref="BlockingReadWait"/>: no thread-pool thread is needed to time out or to wake).
    /// </summary>
    /// <returns>False when the timeout passed or the hose is completed and empty.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public bool WaitToRead(TimeSpan timeout, CancellationToken cancellationToken) => _readers.Wait(_queue.Reader, timeout, cancellationToken);

    /// <summary>Reserves a queue slot without waiting (for a fan-out that shares one payload).</summary>
    public bool TryReserveSlot() => _slots.TryTake();

    /// <summary>Waits for a queue slot (not when only the calling thread could free one).</summary>
    public bool ReserveSlot(TimeSpan timeout, CancellationToken cancellationToken) => _slots.Take(timeout, cancellationToken);

    /// <inheritdoc cref="InboxSlots.OnlyThisThreadCanDrain"/>
    public Func<bool>? OnlyThisThreadCanDrain
    {
        get => _slots.OnlyThisThreadCanDrain;
        set => _slots.OnlyThisThreadCanDrain = value;
    }

    /// <summary>Gives back a slot reserved but not used.</summary>
    public void ReleaseSlot() => _slots.Return();

    /// <summary>Queues a payload whose slot is reserved; takes over its reference (released on failure).</summary>
    /// <remarks><paramref name="from"/>: where the payload came from (another transport's receiver); default: an in-process send.</remarks>
    public HoseStatus Enqueue(RegionPayload payload, in RoadrunnerActivity.Inbound from = default)
    {
        RoadrunnerActivity.Stamp(payload, from);
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

    /// <summary>Tries the direct receiver first; <see cref="HoseStatus.WouldBlock"/> means "queue it".</summary>
    public HoseStatus TryDirect(ReadOnlySpan<byte> payload, in RoadrunnerActivity.Inbound from = default)
    {
        HoseStatus status = DirectReceiverFor(payload.Length, out IDirectReceiver? direct);
        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        return direct is null ? status : Counted(direct.TryDeliver(payload), payload.Length);
    }

    /// <summary>Like <see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/>; the receiver may map <paramref name="pages"/> instead of copying.</summary>
    public HoseStatus TryDirect(ReadOnlySpan<byte> payload, FilePages pages)
    {
        if (pages.IsEmpty)
        {
            return TryDirect(payload);
        }

        HoseStatus status = DirectReceiverFor(payload.Length, out IDirectReceiver? direct);
        if (direct is null)
        {
            return status;
        }

        status = direct.TryDeliver(payload, pages, out bool mapped);
        return Counted(status, payload.Length, mapped ? RoadrunnerActivity.Mapped : RoadrunnerActivity.Direct);
    }

    /// <summary>
    /// Like <see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/> for a payload that <paramref name="write"/> produces straight into
    /// an idle direct receiver's memory (used by the network hose to read from the socket into the guest).
    /// </summary>
    public HoseStatus TryDirect(int length, PayloadWriter write, in RoadrunnerActivity.Inbound from = default)
    {
        HoseStatus status = DirectReceiverFor(length, out IDirectReceiver? direct);
        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        return direct is null ? status : Counted(direct.TryDeliver(length, write), length);
    }

    /// <summary>
    /// Like <see cref="TryDirect(ReadOnlySpan{byte}, in RoadrunnerActivity.Inbound)"/> for a payload already in regions, which an
    /// idle receiver may map instead of copying; the caller keeps its reference.
    /// </summary>
    public HoseStatus TryDirect(RegionPayload payload, in RoadrunnerActivity.Inbound from = default)
    {
        HoseStatus status = DirectReceiverFor(payload.Length, out IDirectReceiver? direct);
        using RoadrunnerActivity.DirectScope traced = RoadrunnerActivity.MarkDirect(from);
        if (direct is null)
        {
            return status;
        }

        status = direct.TryDeliver(payload, out bool mapped);
        return Counted(status, payload.Length, mapped ? RoadrunnerActivity.Mapped : RoadrunnerActivity.Direct);
    }

    public HoseStatus TryClaim(long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket) =>
        InboxClaim.TryClaim(this, length, claimer, timeout, cancellationToken, out ticket);

    public ValueTask DisposeAsync()
    {
        RoadrunnerMetrics.Forget(this);
        Complete();
        // TryTake gives each dropped payload's slot back, so senders waiting for room wake up and see Closed.
        while (TryTake(out RegionPayload? payload))
        {
            payload.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The status any send of <paramref name="length"/> bytes gets now whatever the receiver does (closed, too large), else Ok.</summary>
    public HoseStatus Admits(long length) =>
        _terminal != 0 ? (HoseStatus)_terminal : length > _options.MaxPayloadBytes ? HoseStatus.TooLarge : HoseStatus.Ok;

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

    private void CheckSendable(long length)
    {
        if (_terminal != 0)
        {
            throw new HoseException((HoseStatus)_terminal, $"Hose '{Name}' is closed");
        }

        if (length > _options.MaxPayloadBytes)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A payload of {length} bytes is over the limit of {_options.MaxPayloadBytes}");
        }
    }

    private async ValueTask SendQueuedAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        CheckSendable(payload.Length);
        await _slots.TakeAsync(cancellationToken).ConfigureAwait(false);
        RegionPayload regions;
        try
        {
            regions = await _pool.RentAsync(payload.Length, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Return();
            throw;
        }

        regions.Fill(payload);
        HoseException.ThrowIfFailed(Enqueue(regions), $"Send to '{Name}'");
    }
}
