using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The sending end of one cross-process hose: copies a payload once into regions of the endpoint's pool (a .NET claim
/// writes there directly), posts one descriptor per region in the ring and wakes the receiver only if it sleeps.
/// Regions come back when the receiver marks their descriptors released; the sender reclaims them in ring order.
/// Bounded by the ring's slots and the pool's bytes in flight: a sender waits (bounded, cancellable) or gets
/// <see cref="HoseStatus.WouldBlock"/>. A payload larger than the bytes in flight streams through one region at a time.
/// </summary>
internal sealed unsafe class RingSender : IHoseSender
{
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly MappedRegion _control;
    private readonly byte* _base;
    private readonly int _slots;
    private readonly RegionPayload?[] _inFlight;
    private readonly Lock _gate = new();
    private readonly PeerIdentity _receiver;
    private long _published;
    private long _lastLivenessCheck = Environment.TickCount64;
    private long _reclaimed;
    private volatile int _failure; // 0 while usable, else the status every send gets
    private int _disposed;

    private RingSender(SharedMemoryEndpoint endpoint, string name, MappedRegion control, int slots, PeerIdentity receiver, string receiverTag)
    {
        _endpoint = endpoint;
        Name = name;
        _control = control;
        _base = control.Pointer;
        _slots = slots;
        _inFlight = new RegionPayload?[slots];
        _receiver = receiver;
        ReceiverTag = receiverTag;
    }

    public string Name { get; }

    /// <summary>The receiving endpoint's tag.</summary>
    public string ReceiverTag { get; }

    /// <summary>False once the receiver died, closed the hose or rejected a descriptor.</summary>
    public bool IsUsable => _failure == 0;

    /// <summary>Descriptors posted and not yet given back.</summary>
    public long InFlight => Interlocked.Read(ref _published) - Interlocked.Read(ref _reclaimed);

    private int* Head => (int*)(_base + RingLayout.HeadOffset);

    private int* ReceiverWaiting => (int*)(_base + RingLayout.ReceiverWaitingOffset);

    private int* ReleaseCount => (int*)(_base + RingLayout.ReleaseCountOffset);

    private int* SenderWaiting => (int*)(_base + RingLayout.SenderWaitingOffset);

    private int* State => (int*)(_base + RingLayout.StateOffset);

    private int* FailureStatus => (int*)(_base + RingLayout.FailureOffset);

    /// <summary>Creates the ring file for <paramref name="name"/> served by <paramref name="target"/> and rings its bell.</summary>
    public static RingSender Connect(SharedMemoryEndpoint endpoint, string name, RendezvousFolder.Announcement target, long number)
    {
        int slots = endpoint.Options.RingSlots;
        string path = RendezvousFolder.RingPath(endpoint.Directory, target.Tag, endpoint.Tag, number);
        MappedRegion control = MappedRegion.Create(path, RingLayout.FileSize(slots));
        try
        {
            byte* p = control.Pointer;
            *(int*)(p + RingLayout.SlotCountOffset) = slots;
            *(int*)(p + RingLayout.SlotSizeOffset) = RingLayout.SlotSize;
            *(int*)(p + RingLayout.SenderPidOffset) = PeerIdentity.Current.ProcessId;
            *(long*)(p + RingLayout.SenderStartOffset) = PeerIdentity.Current.StartTime;
            int nameLength = System.Text.Encoding.UTF8.GetBytes(name, new Span<byte>(p + RingLayout.NameOffset, RingLayout.MaxNameBytes));
            *(int*)(p + RingLayout.NameLengthOffset) = nameLength;
            int tagLength = System.Text.Encoding.ASCII.GetBytes(endpoint.Tag, new Span<byte>(p + RingLayout.TagOffset, RingLayout.MaxTagBytes));
            *(int*)(p + RingLayout.TagLengthOffset) = tagLength;
            *(uint*)(p + RingLayout.VersionOffset) = RingLayout.Version;
            Interlocked.MemoryBarrier();
            Volatile.Write(ref *(uint*)(p + RingLayout.MagicOffset), RingLayout.Magic); // last: the header is complete
            var sender = new RingSender(endpoint, name, control, slots, target.Identity, target.Tag);
            endpoint.RingBell(target.Tag);
            return sender;
        }
        catch
        {
            ((IDisposable)control).Dispose();
            throw;
        }
    }

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => SendCore(payload, default, false, wait: false, Timeout.InfiniteTimeSpan, CancellationToken.None);

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload, default, false, wait: true, timeout, cancellationToken);

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        HoseStatus status = TrySend(payload.Span);
        if (status == HoseStatus.Ok)
        {
            return ValueTask.CompletedTask;
        }

        return status == HoseStatus.WouldBlock
            ? WaitAndSendAsync(new ReadOnlySequence<byte>(payload), cancellationToken)
            : ValueTask.FromException(new HoseException(status, $"Send to '{Name}'"));
    }

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        payload.IsSingleSegment ? SendAsync(payload.First, cancellationToken) : WaitAndSendAsync(payload, cancellationToken);

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        RegionPool pool = _endpoint.Pool;
        if (length > pool.LargestRegion)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {pool.LargestRegion} bytes, not {length}");
        }

        ThrowIfFailed();
        return Blocking.RunAsync<HoseClaim>(
            () =>
            {
                HoseStatus status = RentRegions(length, wait: true, Environment.TickCount64, infinite: true, cancellationToken, out RegionPayload? payload);
                return (status, status == HoseStatus.Ok ? new SharedMemoryClaim(this, payload!) : null);
            },
            $"Claim on '{Name}'",
            cancellationToken);
    }

    /// <summary>Posts a payload written in place by a claim; takes over its reference.</summary>
    public HoseStatus CommitClaim(RegionPayload payload)
    {
        try
        {
            return Post(payload, 0, wait: true, Environment.TickCount64, infinite: true, CancellationToken.None);
        }
        finally
        {
            payload.Release();
        }
    }

    /// <summary>Posts regions shared with other hoses (a fan-out); the ring takes its own references.</summary>
    public HoseStatus PostShared(RegionPayload payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            return failure;
        }

        bool infinite = timeout == Timeout.InfiniteTimeSpan;
        return Post(payload, 0, wait, Environment.TickCount64 + (infinite ? 0 : (long)timeout.TotalMilliseconds), infinite, cancellationToken);
    }

    public void Complete()
    {
        Interlocked.Or(ref *State, RingLayout.SenderCompleted);
        Futex.WakeAll(Head);
    }

    /// <summary>
    /// Gives back the regions of every descriptor the receiver released, in ring order; on a failed hose whose
    /// receiver is gone, every region (looked at once per peer-check interval). Never waits for the gate.
    /// </summary>
    /// <returns>How many were reclaimed.</returns>
    public int Reclaim()
    {
        if (!_gate.TryEnter())
        {
            return 0; // the sender holding the gate reclaims
        }

        try
        {
            int count = ReclaimLocked();
            if (_failure != 0 && _reclaimed < _published && DueForLivenessCheck() && !_receiver.IsAlive())
            {
                count += (int)(_published - _reclaimed);
                Abandon(HoseStatus.PeerFailed); // nobody will ever release them
            }

            return count;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>The receiver is gone: fail the hose and take every region back (nobody reads them any more).</summary>
    public void Abandon(HoseStatus reason)
    {
        Interlocked.CompareExchange(ref _failure, (int)reason, 0);
        lock (_gate)
        {
            for (long i = _reclaimed; i < _published; i++)
            {
                int index = (int)(i & (_slots - 1));
                _inFlight[index]?.Release();
                _inFlight[index] = null;
            }

            Interlocked.Exchange(ref _reclaimed, _published);
        }
    }

    /// <summary>Completes the hose (the receiver drains what was sent); sends fail with <see cref="HoseStatus.Closed"/> from now on.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Complete();
            Interlocked.CompareExchange(ref _failure, (int)HoseStatus.Closed, 0);
            _endpoint.Forget(this);
            Reclaim();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The endpoint is closing: takes every region back, unmaps the ring and deletes its file (a receiver still
    /// draining keeps its own mapping). Called once, after the endpoint stopped every use of this sender.
    /// </summary>
    public void Close()
    {
        _ = DisposeAsync();
        lock (_gate)
        {
            ReclaimLocked();
            Abandon(HoseStatus.Closed);
            ((IDisposable)_control).Dispose();
        }
    }

    private ValueTask WaitAndSendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken) =>
        Blocking.RunAsync(() => SendCore(default, payload, true, wait: true, Timeout.InfiniteTimeSpan, cancellationToken), $"Send to '{Name}'", cancellationToken);

    private void ThrowIfFailed()
    {
        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            throw new HoseException(failure, $"Hose to '{Name}' is not usable");
        }
    }

    /// <summary>
    /// Even a sender that never waits looks at its receiver once per peer-check interval, so a dead receiver is not fed
    /// for longer than that (its ring would only fill up).
    /// </summary>
    private void CheckReceiverNow()
    {
        if (_failure == 0 && DueForLivenessCheck() && !_receiver.IsAlive())
        {
            Abandon(HoseStatus.PeerFailed);
            _endpoint.OnSenderFailed(this);
        }
    }

    /// <summary>True at most once per peer-check interval (across threads).</summary>
    private bool DueForLivenessCheck()
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLivenessCheck);
        return now - last >= (long)_endpoint.Options.PeerCheckInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _lastLivenessCheck, now, last) == last;
    }

    /// <summary>The sticky failure, or the one the receiver reported in the ring.</summary>
    private HoseStatus CurrentFailure()
    {
        if (_failure != 0)
        {
            return (HoseStatus)_failure;
        }

        if ((Volatile.Read(ref *State) & RingLayout.ReceiverClosed) != 0)
        {
            int reported = Volatile.Read(ref *FailureStatus);
            var status = reported is < 0 and >= (int)HoseStatus.Internal ? (HoseStatus)reported : HoseStatus.PeerFailed;
            Interlocked.CompareExchange(ref _failure, (int)status, 0);
            _endpoint.OnSenderFailed(this);
            return (HoseStatus)_failure;
        }

        return HoseStatus.Ok;
    }

    /// <summary>Every send variant comes here: one <c>roadrunner.send</c> span per attempt.</summary>
    private HoseStatus SendCore(ReadOnlySpan<byte> span, ReadOnlySequence<byte> sequence, bool useSequence, bool wait, TimeSpan timeout, CancellationToken cancellationToken) =>
        RoadrunnerActivity.Ended(
            RoadrunnerActivity.StartSend(Name, useSequence ? sequence.Length : span.Length, RoadrunnerActivity.CrossProcess),
            SendUntraced(span, sequence, useSequence, wait, timeout, cancellationToken));

    private HoseStatus SendUntraced(ReadOnlySpan<byte> span, ReadOnlySequence<byte> sequence, bool useSequence, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CheckReceiverNow();
        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            return failure;
        }

        long length = useSequence ? sequence.Length : span.Length;
        if (length > _endpoint.Options.MaxPayloadBytes)
        {
            return HoseStatus.TooLarge;
        }

        bool infinite = timeout == Timeout.InfiniteTimeSpan;
        long deadline = Environment.TickCount64 + (infinite ? 0 : (long)timeout.TotalMilliseconds);
        if (length <= RingLayout.MaxInlineBytes)
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Inline);
            return PostInline(span, sequence, useSequence, (int)length, wait, deadline, infinite, cancellationToken);
        }

        if (wait && !useSequence && length >= _endpoint.Options.DirectReadThreshold && _endpoint.TryShare(span, out long memory, out long memorySize, out long offset))
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Borrowed);
            return SendBorrowed(memory, memorySize, offset, span.Length, deadline, infinite, cancellationToken);
        }

        RegionPool pool = _endpoint.Pool;
        Reclaim(); // regions the receiver gave back are reused at once: warm pages, already mapped over there
        if (pool.FootprintOf(length) <= pool.MaxLeasedBytes && (length + pool.LargestRegion - 1) / pool.LargestRegion <= _slots / 2)
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Regions);
            HoseStatus rented = RentRegions(length, wait, deadline, infinite, cancellationToken, out RegionPayload? payload);
            if (rented != HoseStatus.Ok)
            {
                return rented;
            }

            try
            {
                if (useSequence)
                {
                    payload!.Fill(sequence);
                }
                else
                {
                    payload!.Fill(span);
                }

                return Post(payload, 0, wait, deadline, infinite, cancellationToken);
            }
            finally
            {
                payload!.Release();
            }
        }

        RoadrunnerActivity.TagPath(RoadrunnerActivity.Streamed);
        return Stream(span, sequence, useSequence, length, wait, deadline, infinite, cancellationToken);
    }

    /// <summary>A payload above the bytes in flight: one region at a time, each posted as soon as it is full.</summary>
    private HoseStatus Stream(ReadOnlySpan<byte> span, ReadOnlySequence<byte> sequence, bool useSequence, long length, bool wait, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        if (!wait)
        {
            return HoseStatus.WouldBlock; // a streamed payload needs the receiver to drain while we write
        }

        int chunk = _endpoint.Pool.LargestRegion;
        lock (_gate)
        {
            HoseStatus failure = CurrentFailure();
            if (failure != HoseStatus.Ok)
            {
                return failure;
            }

            long sent = 0;
            while (sent < length)
            {
                int size = (int)Math.Min(chunk, length - sent);
                HoseStatus rented = RentRegions(size, wait: true, deadline, infinite, cancellationToken, out RegionPayload? part);
                if (rented != HoseStatus.Ok)
                {
                    // The receiver drops a stream that never ends; fail the hose so nothing half-sent is completed.
                    return FailMidStream(rented, sent);
                }

                try
                {
                    if (useSequence)
                    {
                        part!.Fill(sequence.Slice(sent, size));
                    }
                    else
                    {
                        part!.Fill(span.Slice((int)sent, size));
                    }

                    HoseStatus room = WaitForSlot(wait: true, deadline, infinite, cancellationToken);
                    if (room != HoseStatus.Ok)
                    {
                        return FailMidStream(room, sent);
                    }

                    bool last = sent + size == length;
                    WriteChunk(part.Chunks[0], RingLayout.Streamed | (last ? 0 : RingLayout.MoreChunks), length, part);
                }
                finally
                {
                    part!.Release();
                }

                Publish();
                sent += size;
            }

            return HoseStatus.Ok;
        }
    }

    private HoseStatus FailMidStream(HoseStatus status, long sent)
    {
        if (sent > 0)
        {
            Interlocked.CompareExchange(ref _failure, (int)HoseStatus.Internal, 0);
            Complete();
        }

        return status;
    }

    /// <summary>
    /// Posts every chunk of <paramref name="payload"/> (one descriptor each) and publishes them. Room for all of them
    /// is had first, so a wait that ends (deadline, cancellation) leaves nothing half-posted and the hose usable.
    /// </summary>
    private HoseStatus Post(RegionPayload payload, int flags, bool wait, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            HoseStatus failure = CurrentFailure(); // under the gate: a closed hose's ring may be unmapped
            if (failure != HoseStatus.Ok)
            {
                return failure; // e.g. a claim committed after the receiver or the endpoint closed: not sent
            }

            RegionPayload.Chunk[] chunks = payload.Chunks;
            if (chunks.Length == 0)
            {
                return WriteInline(default, default, useSequence: false, 0, wait, deadline, infinite, cancellationToken);
            }

            if (chunks.Length > _slots)
            {
                return HoseStatus.TooLarge; // could never be posted whole
            }

            HoseStatus room = WaitForSlots(chunks.Length, wait, deadline, infinite, cancellationToken);
            if (room != HoseStatus.Ok)
            {
                return room;
            }

            for (int i = 0; i < chunks.Length; i++)
            {
                int more = i < chunks.Length - 1 ? RingLayout.MoreChunks : 0;
                WriteChunk(chunks[i], flags | more, payload.Length, payload);
            }

            Publish();
            return HoseStatus.Ok;
        }
    }

    /// <summary>A small (or empty) payload written into its slot: no region to rent, fill and get back.</summary>
    private HoseStatus PostInline(ReadOnlySpan<byte> span, ReadOnlySequence<byte> sequence, bool useSequence, int length, bool wait, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            HoseStatus failure = CurrentFailure();
            return failure != HoseStatus.Ok ? failure : WriteInline(span, sequence, useSequence, length, wait, deadline, infinite, cancellationToken);
        }
    }

    /// <summary>Waits (under the gate) for a slot, writes the payload into it and publishes it.</summary>
    private HoseStatus WriteInline(ReadOnlySpan<byte> span, ReadOnlySequence<byte> sequence, bool useSequence, int length, bool wait, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        HoseStatus room = WaitForSlot(wait, deadline, infinite, cancellationToken);
        if (room != HoseStatus.Ok)
        {
            return room;
        }

        int index = (int)(_published & (_slots - 1));
        var bytes = new Span<byte>(_base + RingLayout.SlotOffset(index) + RingLayout.InlineOffset, length);
        if (useSequence)
        {
            sequence.CopyTo(bytes);
        }
        else
        {
            span.CopyTo(bytes);
        }

        new Descriptor(_published, 0, 0, 0, length, RingLayout.Inline, length, Trace: TraceContext.Current).Write(_base, index);
        _inFlight[index] = null;
        _published++;
        Publish();
        return HoseStatus.Ok;
    }

    /// <summary>
    /// Posts bytes that stay in the sending guest's memory file and waits until the receiver has copied them out. At
    /// the deadline (or on cancellation, or when the receiver failed) a descriptor the receiver has not taken yet is
    /// withdrawn, so the guest may reuse its buffer at once and the status tells truly that nothing was sent; one being
    /// copied is waited for, at most one peer-check interval more, and then reported as sent (or as
    /// <see cref="HoseStatus.PeerFailed"/>, unknown), never as timed out.
    /// </summary>
    private HoseStatus SendBorrowed(long memory, long memorySize, long offset, int length, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            HoseStatus status = CurrentFailure();
            status = status != HoseStatus.Ok ? status : WaitForSlot(wait: true, deadline, infinite, cancellationToken);
            if (status != HoseStatus.Ok)
            {
                return status;
            }

            long sequence = _published;
            int index = (int)(sequence & (_slots - 1));
            long* mark = (long*)(_base + RingLayout.ReleasedOffset(_slots, index));
            Volatile.Write(ref *mark, RingLayout.BorrowPending(sequence));
            new Descriptor(sequence, memory, 0, (int)(uint)offset, length, RingLayout.Borrowed, length, memorySize, TraceContext.Current).Write(_base, index);
            _inFlight[index] = null;
            _published++;
            Publish();

            long lastProgress = Environment.TickCount64;
            long graceEnd = 0;
            YieldWhileCopying(mark, sequence + 1, length);
            while (Volatile.Read(ref *mark) != sequence + 1)
            {
                status = CheckWait(wait: true, deadline, infinite, cancellationToken, ref lastProgress);
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
                        return HoseStatus.PeerFailed; // the receiver failed while copying it: delivered or not, unknown
                    }

                    graceEnd = graceEnd == 0 ? Environment.TickCount64 + (long)_endpoint.Options.PeerCheckInterval.TotalMilliseconds : graceEnd;
                    if (Environment.TickCount64 >= graceEnd && Volatile.Read(ref *mark) != sequence + 1)
                    {
                        Abandon(HoseStatus.PeerFailed); // it started copying and never finished: not a receiver to trust
                        _endpoint.OnSenderFailed(this);
                        return HoseStatus.PeerFailed;
                    }
                }

                WaitForRelease(infinite || graceEnd != 0 ? 0 : deadline, infinite || graceEnd != 0);
            }

            ReclaimLocked();
            _endpoint.OnDirectRead();
            return HoseStatus.Ok;
        }
    }

    /// <summary>
    /// The receiver needs at least the time of one copy: poll through about that long (a copy at 4 GB/s, at most a
    /// millisecond), yielding the core to anyone who wants it, rather than sleep on the futex, whose wake-up costs tens
    /// of microseconds on top.
    /// </summary>
    private static void YieldWhileCopying(long* mark, long released, int length)
    {
        long end = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * Math.Min(length, 4_000_000) / 4_000_000_000);
        while (Volatile.Read(ref *mark) != released && Stopwatch.GetTimestamp() < end)
        {
            Thread.Yield();
        }
    }

    /// <summary>Writes one descriptor (not yet published) into a free slot; the slot takes a reference on the payload.</summary>
    private void WriteChunk(RegionPayload.Chunk chunk, int flags, long payloadLength, RegionPayload payload)
    {
        int index = (int)(_published & (_slots - 1));
        var descriptor = new Descriptor(_published, RegionNumber(chunk.Region), chunk.Region.Length, 0, chunk.Length, flags, payloadLength, Trace: TraceContext.Current);
        descriptor.Write(_base, index);
        payload.AddReference();
        _inFlight[index] = payload;
        _published++;
    }

    /// <summary>Moves the head past the written descriptors and wakes the receiver if it announced that it sleeps.</summary>
    private void Publish()
    {
        Interlocked.Exchange(ref *Head, (int)_published); // full fence: the descriptors are visible, then we read the flag
        if (Volatile.Read(ref *ReceiverWaiting) != 0)
        {
            Futex.WakeAll(Head);
        }
    }

    /// <summary>Waits (under the gate) until the ring has a free slot.</summary>
    private HoseStatus WaitForSlot(bool wait, long deadline, bool infinite, CancellationToken cancellationToken) =>
        WaitForSlots(1, wait, deadline, infinite, cancellationToken);

    /// <summary>Waits (under the gate) until the ring has <paramref name="count"/> free slots.</summary>
    private HoseStatus WaitForSlots(int count, bool wait, long deadline, bool infinite, CancellationToken cancellationToken)
    {
        long lastProgress = Environment.TickCount64;
        while (_published - _reclaimed > _slots - count)
        {
            if (ReclaimLocked() > 0)
            {
                lastProgress = Environment.TickCount64;
                continue;
            }

            HoseStatus status = CheckWait(wait, deadline, infinite, cancellationToken, ref lastProgress);
            if (status != HoseStatus.Ok)
            {
                return status;
            }

            WaitForRelease(deadline, infinite);
        }

        return HoseStatus.Ok;
    }

    /// <summary>Rents regions from the endpoint's pool, reclaiming released ones while it waits.</summary>
    private HoseStatus RentRegions(long length, bool wait, long deadline, bool infinite, CancellationToken cancellationToken, out RegionPayload? payload)
    {
        RegionPool pool = _endpoint.Pool;
        long lastProgress = Environment.TickCount64;
        while (true)
        {
            if (pool.TryRent(length, out payload!))
            {
                return HoseStatus.Ok;
            }

            if (_endpoint.ReclaimAll() > 0)
            {
                lastProgress = Environment.TickCount64;
                continue;
            }

            HoseStatus status = CheckWait(wait, deadline, infinite, cancellationToken, ref lastProgress);
            if (status != HoseStatus.Ok)
            {
                payload = null;
                return status;
            }

            if (InFlight > 0)
            {
                WaitForRelease(deadline, infinite);
            }
            else
            {
                // Regions are held by other hoses of this endpoint: wait on the budget briefly, then reclaim again.
                try
                {
                    HoseStatus rented = pool.Rent(length, TimeSpan.FromMilliseconds(2), cancellationToken, out payload!);
                    if (rented != HoseStatus.TimedOut)
                    {
                        return rented; // Ok, or WouldBlock: the region folder is full (waiting would only spin)
                    }
                }
                catch (OperationCanceledException)
                {
                    payload = null;
                    return HoseStatus.TimedOut;
                }
            }
        }
    }

    /// <summary>Ok to keep waiting; else why to stop (no wait wanted, deadline, cancellation, failed or dead receiver).</summary>
    private HoseStatus CheckWait(bool wait, long deadline, bool infinite, CancellationToken cancellationToken, ref long lastProgress)
    {
        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            return failure;
        }

        if (!wait)
        {
            return HoseStatus.WouldBlock;
        }

        long now = Environment.TickCount64;
        if (cancellationToken.IsCancellationRequested || (!infinite && now >= deadline))
        {
            return HoseStatus.TimedOut;
        }

        if (now - lastProgress >= (long)_endpoint.Options.PeerCheckInterval.TotalMilliseconds)
        {
            lastProgress = now;
            if (!_receiver.IsAlive())
            {
                Abandon(HoseStatus.PeerFailed);
                _endpoint.OnSenderFailed(this);
                return HoseStatus.PeerFailed;
            }
        }

        return HoseStatus.Ok;
    }

    /// <summary>Sleeps until the receiver releases a descriptor, at most one peer-check interval (or the deadline).</summary>
    private void WaitForRelease(long deadline, bool infinite)
    {
        int observed = Volatile.Read(ref *ReleaseCount);
        if (_endpoint.Wait.Spin(ReleaseCount, observed))
        {
            return;
        }

        Interlocked.Exchange(ref *SenderWaiting, 1);
        if (Volatile.Read(ref *ReleaseCount) == observed && (Volatile.Read(ref *State) & RingLayout.ReceiverClosed) == 0)
        {
            long micros = (long)_endpoint.Options.PeerCheckInterval.TotalMicroseconds;
            if (!infinite)
            {
                micros = Math.Clamp((deadline - Environment.TickCount64) * 1000, 1, micros);
            }

            _endpoint.Wait.Wait(ReleaseCount, observed, micros);
        }

        Volatile.Write(ref *SenderWaiting, 0);
    }

    private int ReclaimLocked()
    {
        int count = 0;
        while (_reclaimed < _published)
        {
            int index = (int)(_reclaimed & (_slots - 1));
            long* mark = (long*)(_base + RingLayout.ReleasedOffset(_slots, index));
            if (Volatile.Read(ref *mark) != _reclaimed + 1)
            {
                break;
            }

            _inFlight[index]?.Release();
            _inFlight[index] = null;
            Interlocked.Increment(ref _reclaimed);
            count++;
        }

        return count;
    }

    private static long RegionNumber(MappedRegion region) => RendezvousFolder.RegionNumberOf(region.Path); // rr-<tag>-<n>.region
}
