using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The sending end of one cross-process hose: copies a payload once into regions of the endpoint's pool (a .NET claim
/// writes there directly), posts one descriptor per region in the ring and wakes the receiver only if it sleeps.
/// Regions come back when the receiver marks their descriptors released; the sender reclaims them in ring order.
/// Bounded by the ring's slots and the pool's bytes in flight: a sender waits (bounded, cancellable) or gets
/// <see cref="HoseStatus.WouldBlock"/>. A payload larger than the bytes in flight streams through one region at a time.
/// This type picks the send kind and keeps the hose's failure and liveness; <see cref="RingAppender"/> writes the
/// descriptors, <see cref="SendSlots"/> keeps the slots and waits for room; the asynchronous API (RingSenderAsync.cs)
/// waits in a <see cref="RingWaitQueue"/>.
/// </summary>
internal sealed unsafe partial class RingSender : IHoseSender
{
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly MappedRegion _control;
    private readonly RingHeader _ring;
    private readonly SendSlots _slots;
    private readonly RingAppender _appender;
    private readonly PeerIdentity _receiver;
    private readonly RingWaitQueue _waiters;
    private long _lastLivenessCheck = Environment.TickCount64;
    private volatile int _failure; // 0 while usable, else the status every send gets
    private int _disposed;

    private RingSender(SharedMemoryEndpoint endpoint, string name, MappedRegion control, int slots, PeerIdentity receiver, string receiverTag)
    {
        _endpoint = endpoint;
        Name = name;
        _control = control;
        _ring = new RingHeader(control.Pointer, slots);
        _slots = new SendSlots(this, endpoint, _ring, receiver);
        _appender = new RingAppender(this, endpoint, _ring, _slots);
        _receiver = receiver;
        ReceiverTag = receiverTag;
        _waiters = new RingWaitQueue(name);
    }

    public string Name { get; }

    /// <summary>The receiving endpoint's tag.</summary>
    public string ReceiverTag { get; }

    /// <summary>False once the receiver died, closed the hose or rejected a descriptor.</summary>
    public bool IsUsable => _failure == 0;

    /// <summary>Descriptors posted and not yet given back.</summary>
    public long InFlight => _slots.InFlight;

    /// <summary>Creates the ring file for <paramref name="name"/> served by <paramref name="target"/> and rings its bell.</summary>
    public static RingSender Connect(SharedMemoryEndpoint endpoint, string name, RendezvousFolder.Announcement target, long number)
    {
        int slots = endpoint.Options.RingSlots;
        string path = RendezvousFolder.RingPath(endpoint.FolderPath, target.Tag, endpoint.Tag, number);
        MappedRegion control = MappedRegion.Create(path, RingLayout.FileSize(slots));
        try
        {
            RingHeader.Create(control.Pointer, slots, PeerIdentity.Current, name, endpoint.Tag);
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

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => SendCore(new SendSource(payload), SendWait.None);

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(new SendSource(payload), SendWait.For(true, timeout, cancellationToken));

    /// <summary>Posts a payload written in place by a claim (the ring takes its own references).</summary>
    public HoseStatus CommitClaim(RegionPayload payload) => _appender.Post(payload, SendWait.Forever(CancellationToken.None));

    /// <summary>Posts regions shared with other hoses (a fan-out); the ring takes its own references.</summary>
    public HoseStatus PostShared(RegionPayload payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        HoseStatus failure = CurrentFailure();
        return failure != HoseStatus.Ok ? failure : _appender.Post(payload, SendWait.For(wait, timeout, cancellationToken));
    }

    public void Complete()
    {
        _ring.SetState(RingLayout.SenderCompleted);
        Futex.WakeAll(_ring.Head);
    }

    /// <summary>
    /// Gives back the regions of every descriptor the receiver released, in ring order; on a failed hose whose
    /// receiver is gone, every region (looked at once per peer-check interval). Never waits for the gate.
    /// </summary>
    /// <returns>How many were reclaimed.</returns>
    public int Reclaim()
    {
        if (!_slots.Gate.TryEnter())
        {
            return 0; // the sender holding the gate reclaims
        }

        try
        {
            int count = _slots.ReclaimLocked();
            if (_failure != 0 && _slots.InFlight > 0 && DueForLivenessCheck() && !_receiver.IsAlive())
            {
                count += (int)Abandon(HoseStatus.PeerFailed); // nobody will ever release them
            }

            return count;
        }
        finally
        {
            _slots.Gate.Exit();
        }
    }

    /// <summary>The receiver is gone: fail the hose and take every region back (nobody reads them any more).</summary>
    /// <returns>How many descriptors were outstanding.</returns>
    public long Abandon(HoseStatus reason)
    {
        Fail(reason);
        return _slots.ReleaseAll();
    }

    /// <summary>Completes the hose (the receiver drains what was sent); sends fail with <see cref="HoseStatus.Closed"/> from now on.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Complete();
            Fail(HoseStatus.Closed);
            _endpoint.Forget(this);
            Reclaim();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Waits until the receiver has taken every descriptor published on this hose — mapped or copied its bytes, so the
    /// region files may go — (true), or it is gone, it closed the ring, or <paramref name="deadline"/> passed (false).
    /// The endpoint calls it before it deletes its region files, so a graceful shutdown never takes away a payload it
    /// reported as handed over.
    /// </summary>
    public bool Drain(Deadline deadline)
    {
        while (true)
        {
            Reclaim();
            if (_slots.InFlight == 0 || _ring.Tail == unchecked((int)_slots.Next))
            {
                return true;
            }

            if (deadline.Passed || _ring.HasState(RingLayout.ReceiverClosed) || !_receiver.IsAlive())
            {
                return false;
            }

            _slots.WaitForRelease(deadline);
        }
    }

    /// <summary>
    /// The endpoint is closing: takes every region back, unmaps the ring and deletes its file (a receiver still
    /// draining keeps its own mapping). Called once, after the endpoint stopped every use of this sender.
    /// </summary>
    public void Close()
    {
        _ = DisposeAsync();
        lock (_slots.Gate)
        {
            _slots.ReclaimLocked();
            Abandon(HoseStatus.Closed);
            ((IDisposable)_control).Dispose();
        }
    }

    /// <summary>Makes <paramref name="status"/> the hose's failure, unless it failed already.</summary>
    internal void Fail(HoseStatus status) => Interlocked.CompareExchange(ref _failure, (int)status, 0);

    /// <summary>The receiver is dead or not to be trusted: fail the hose, take the regions back, tell the endpoint.</summary>
    internal void FailDead()
    {
        Abandon(HoseStatus.PeerFailed);
        _endpoint.OnSenderFailed(this);
    }

    /// <summary>The sticky failure, or the one the receiver reported in the ring.</summary>
    internal HoseStatus CurrentFailure()
    {
        if (_failure != 0)
        {
            return (HoseStatus)_failure;
        }

        if (_ring.HasState(RingLayout.ReceiverClosed))
        {
            int reported = _ring.Failure;
            var status = reported is < 0 and >= (int)HoseStatus.Internal ? (HoseStatus)reported : HoseStatus.PeerFailed;
            Fail(status);
            _endpoint.OnSenderFailed(this);
            return (HoseStatus)_failure;
        }

        return HoseStatus.Ok;
    }

    /// <summary>
    /// Even a sender that never waits looks at its receiver once per peer-check interval, so a dead receiver is not fed
    /// for longer than that (its ring would only fill up).
    /// </summary>
    private void CheckReceiverNow()
    {
        if (_failure == 0 && DueForLivenessCheck() && !_receiver.IsAlive())
        {
            FailDead();
        }
    }

    /// <summary>True at most once per peer-check interval (across threads).</summary>
    private bool DueForLivenessCheck()
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastLivenessCheck);
        return now - last >= (long)_endpoint.Options.PeerCheckInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _lastLivenessCheck, now, last) == last;
    }

    /// <summary>Every send variant comes here: one <c>roadrunner.send</c> span per attempt.</summary>
    private HoseStatus SendCore(SendSource source, in SendWait wait) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, source.Length, RoadrunnerActivity.CrossProcess), SendUntraced(source, wait));

    /// <summary>Picks the send kind by size and what the bytes are: inline, borrowed, regions or streamed.</summary>
    private HoseStatus SendUntraced(SendSource source, in SendWait wait)
    {
        CheckReceiverNow();
        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            return failure;
        }

        long length = source.Length;
        if (length > _endpoint.Options.MaxPayloadBytes)
        {
            return HoseStatus.TooLarge;
        }

        if (length <= RingLayout.MaxInlineBytes)
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Inline);
            return _appender.PostInline(source, wait);
        }

        if (wait.Wait && !source.IsSequence && length >= _endpoint.Options.DirectReadThreshold && _endpoint.TryShare(source.Span, out ILendableMemory? lent, out long memory, out long memorySize, out long offset))
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Borrowed);
            HoseStatus status = _appender.SendBorrowed(memory, memorySize, offset, source.Span.Length, wait, out bool stillBorrowed);
            if (stillBorrowed)
            {
                // The sender returns to its guest, which may write its buffer at once: keep those writes out of the file
                // the receiver may still be reading.
                lent.Detach(offset, source.Span.Length);
            }

            return status;
        }

        RegionPool pool = _endpoint.Pool;
        Reclaim(); // regions the receiver gave back are reused at once: warm pages, already mapped over there
        if (pool.FootprintOf(length) <= pool.MaxLeasedBytes && (length + pool.LargestRegion - 1) / pool.LargestRegion <= _slots.Count / 2)
        {
            RoadrunnerActivity.TagPath(RoadrunnerActivity.Regions);
            HoseStatus rented = _slots.RentRegions(length, wait, out RegionPayload? payload);
            if (rented != HoseStatus.Ok)
            {
                return rented;
            }

            try
            {
                source.Fill(payload!);
                return _appender.Post(payload!, wait);
            }
            finally
            {
                payload!.Release();
            }
        }

        RoadrunnerActivity.TagPath(RoadrunnerActivity.Streamed);
        return _appender.Stream(source, wait);
    }
}
