using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A hose between functions in one process, and the inbox every transport delivers into. A payload goes straight into
/// an idle direct receiver (one copy), or is copied once into pooled regions and queued; receivers read queued payloads
/// in place. Bounded twice: by the queue's slots and by the pool's leased bytes. Payloads enter only through its
/// <see cref="Writer"/> (<see cref="InboxWriter"/>: the delivery policy); this class adds the sender API and the reading side.
/// </summary>
internal sealed class InProcessHose : IDataHose, IInboxTarget, IRegionClaimTarget, IPageSender
{
    private readonly Channel<RegionPayload> _queue = Channel.CreateUnbounded<RegionPayload>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly InboxSlots _slots;
    private readonly BlockingReadWait _readers = new();
    private readonly InboxWriter _writer;

    public InProcessHose(string name, RegionPool pool, HoseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        options ??= new HoseOptions();
        options.Validate();
        Name = name;
        _slots = new InboxSlots(options.MaxQueuedPayloads);
        _writer = new InboxWriter(name, pool, options, _queue, _slots, _readers);
        HoseMetrics.Observe(this);
    }

    public string Name { get; }

    /// <summary>The inbox's write side, through which every payload enters.</summary>
    public InboxWriter Writer => _writer;

    /// <summary>True once the hose is completed or failed and every queued payload was taken.</summary>
    public bool IsDrainedAndClosed => _writer.Terminal != HoseStatus.Ok && _queue.Reader.Completion.IsCompleted;

    /// <summary>Payloads queued now.</summary>
    public int QueuedCount => _queue.Reader.Count;

    /// <summary>The receiver that takes payloads straight from the sender when idle, if any.</summary>
    public IDirectReceiver? DirectReceiver
    {
        get => _writer.DirectReceiver;
        set => _writer.DirectReceiver = value;
    }

    /// <inheritdoc cref="InboxSlots.OnlyThisThreadCanDrain"/>
    public Func<bool>? OnlyThisThreadCanDrain
    {
        get => _slots.OnlyThisThreadCanDrain;
        set => _slots.OnlyThisThreadCanDrain = value;
    }

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), TrySendCore(payload));

    private HoseStatus TrySendCore(ReadOnlySpan<byte> payload)
    {
        HoseStatus status = _writer.TryDirect(payload);
        if (status != HoseStatus.WouldBlock)
        {
            return status;
        }

        status = _writer.TryReserve(payload.Length, out InboxReservation reservation);
        return status == HoseStatus.Ok ? FillAndCommit(reservation, payload) : status;
    }

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendCore(payload, timeout, cancellationToken));

    /// <summary>As <see cref="Send(ReadOnlySpan{byte}, TimeSpan, CancellationToken)"/>; an idle receiver that can map <paramref name="pages"/> maps them instead of copying.</summary>
    public HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendCore(payload, timeout, cancellationToken, pages));

    public HoseStatus TryClaim(long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket) =>
        InboxClaim.TryClaim(_writer, length, claimer, timeout, cancellationToken, out ticket);

    private HoseStatus SendCore(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken, FilePages pages = default)
    {
        HoseStatus status = _writer.TryDirect(payload, pages);
        if (status != HoseStatus.WouldBlock)
        {
            return status;
        }

        status = _writer.Reserve(payload.Length, new InboxWait(Deadline.After(timeout), cancellationToken), out InboxReservation reservation);
        return status == HoseStatus.Ok ? FillAndCommit(reservation, payload) : status;
    }

    private HoseStatus FillAndCommit(in InboxReservation reservation, ReadOnlySpan<byte> payload)
    {
        reservation.Regions!.Fill(payload);
        return _writer.Commit(reservation);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        RoadrunnerActivity.Traced(RoadrunnerActivity.StartSend(Name, payload.Length, RoadrunnerActivity.InProcess), SendAsyncCore(payload, cancellationToken));

    private ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        HoseStatus status = _writer.TryDirect(payload.Span);
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
        if (length > _writer.Pool.LargestRegion)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {_writer.Pool.LargestRegion} bytes, not {length}");
        }

        return new RegionClaim(_writer, await _writer.ReserveAsync(length, cancellationToken).ConfigureAwait(false));
    }

    public void Complete() => _writer.Close(HoseStatus.Closed);

    /// <summary>
    /// Closes the hose for good: sends get <paramref name="reason"/> from now on and queued payloads are dropped
    /// (used when the receiver failed).
    /// </summary>
    public void Fail(HoseStatus reason)
    {
        _writer.Close(reason);
        while (TryTake(out RegionPayload? payload))
        {
            payload.Release();
        }
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

    public ValueTask DisposeAsync()
    {
        HoseMetrics.Forget(this);
        Complete();
        // TryTake gives each dropped payload's slot back, so senders waiting for room wake up and see Closed.
        while (TryTake(out RegionPayload? payload))
        {
            payload.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The async API's admission: throws what <see cref="InboxWriter.Admits"/> would answer.</summary>
    private void CheckSendable(long length)
    {
        HoseStatus admitted = _writer.Admits(length);
        if (admitted == HoseStatus.TooLarge)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A payload of {length} bytes is over the limit of {_writer.MaxPayloadBytes}");
        }

        if (admitted != HoseStatus.Ok)
        {
            throw new HoseException(admitted, $"Hose '{Name}' is closed");
        }
    }

    private async ValueTask SendQueuedAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        CheckSendable(payload.Length);
        InboxReservation reservation = await _writer.ReserveAsync(payload.Length, cancellationToken).ConfigureAwait(false);
        reservation.Regions!.Fill(payload);
        HoseException.ThrowIfFailed(_writer.Commit(reservation), $"Send to '{Name}'");
    }
}
