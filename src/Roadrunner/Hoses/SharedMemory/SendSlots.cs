using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The sender's side of the ring's slots: which descriptors are published and reclaimed, which regions each holds, and
/// the waits for room (a free slot, or pool bytes the receiver gives back). Callers hold <see cref="Gate"/> for
/// everything that writes slots; waits go through the endpoint's <see cref="IWaitStrategy"/> only.
/// </summary>
internal sealed unsafe class SendSlots(RingSender sender, SharedMemoryEndpoint endpoint, RingHeader ring, PeerIdentity receiver)
{
    private readonly RegionPayload?[] _inFlight = new RegionPayload?[ring.Slots];
    private long _published;
    private long _reclaimed;
    private volatile bool _holderMayWait; // the gate's holder is a post that may wait for room

    /// <summary>Held while slots are written, reclaimed or waited for.</summary>
    public Lock Gate { get; } = new();

    /// <summary>
    /// Enters <see cref="Gate"/> for a post. One that may wait takes it for as long as it must (and may keep it while it
    /// waits for room); one that must not wait spins briefly behind a quick post, and gives up (false) when the holder
    /// is a post that may wait: it could keep the gate for its whole timeout, and a try-send never waits.
    /// </summary>
    public bool Enter(in SendWait wait)
    {
        if (wait.Wait)
        {
            Gate.Enter();
            _holderMayWait = true;
            return true;
        }

        var spinner = new SpinWait();
        while (!Gate.TryEnter())
        {
            if (_holderMayWait && spinner.Count >= 10)
            {
                return false;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return true;
    }

    /// <summary>Leaves the gate entered with <see cref="Enter"/>.</summary>
    public void Exit()
    {
        _holderMayWait = false;
        Gate.Exit();
    }

    /// <summary>The sequence of the next descriptor (under the gate).</summary>
    public long Next => _published;

    public int Count => ring.Slots;

    /// <summary>Descriptors posted and not yet given back.</summary>
    public long InFlight => Interlocked.Read(ref _published) - Interlocked.Read(ref _reclaimed);

    /// <summary>Writes the next descriptor (not yet published); the slot takes a reference on <paramref name="holds"/>.</summary>
    public void Append(in Descriptor descriptor, RegionPayload? holds)
    {
        int index = ring.SlotOf(_published);
        ring.WriteDescriptor(descriptor);
        holds?.AddReference();
        _inFlight[index] = holds;
        _published++;
    }

    /// <summary>Moves the head past the written descriptors and wakes the receiver if it announced that it sleeps.</summary>
    public void Publish()
    {
        Interlocked.Exchange(ref *ring.Head, (int)_published); // full fence: the descriptors are visible, then we read the flag
        if (Volatile.Read(ref *ring.ReceiverWaiting) != 0)
        {
            Futex.WakeAll(ring.Head);
        }
    }

    /// <summary>Gives back the regions of every descriptor the receiver released, in ring order (under the gate).</summary>
    /// <returns>How many were reclaimed.</returns>
    public int ReclaimLocked()
    {
        int count = 0;
        while (_reclaimed < _published)
        {
            if (Volatile.Read(ref *ring.ReleasedMark(_reclaimed)) != _reclaimed + 1)
            {
                break;
            }

            int index = ring.SlotOf(_reclaimed);
            _inFlight[index]?.Release();
            _inFlight[index] = null;
            Interlocked.Increment(ref _reclaimed);
            count++;
        }

        return count;
    }

    /// <summary>Takes every region back (nobody reads them any more).</summary>
    /// <returns>How many descriptors were outstanding.</returns>
    public long ReleaseAll()
    {
        lock (Gate)
        {
            long count = _published - _reclaimed;
            for (long i = _reclaimed; i < _published; i++)
            {
                int index = ring.SlotOf(i);
                _inFlight[index]?.Release();
                _inFlight[index] = null;
            }

            Interlocked.Exchange(ref _reclaimed, _published);
            return count;
        }
    }

    /// <summary>Waits (under the gate) until the ring has <paramref name="count"/> free slots.</summary>
    public HoseStatus WaitForSlots(int count, in SendWait wait)
    {
        long lastProgress = Environment.TickCount64;
        while (_published - _reclaimed > ring.Slots - count)
        {
            if (ReclaimLocked() > 0)
            {
                lastProgress = Environment.TickCount64;
                continue;
            }

            HoseStatus status = CheckWait(wait, ref lastProgress);
            if (status != HoseStatus.Ok)
            {
                return status;
            }

            WaitForRelease(wait.Deadline);
        }

        return HoseStatus.Ok;
    }

    /// <summary>Rents regions from the endpoint's pool, reclaiming released ones while it waits.</summary>
    public HoseStatus RentRegions(long length, in SendWait wait, out RegionPayload? payload)
    {
        RegionPool pool = endpoint.Pool;
        long lastProgress = Environment.TickCount64;
        while (true)
        {
            if (pool.TryRent(length, out payload!))
            {
                return HoseStatus.Ok;
            }

            if (endpoint.ReclaimAll() > 0)
            {
                lastProgress = Environment.TickCount64;
                continue;
            }

            HoseStatus status = CheckWait(wait, ref lastProgress);
            if (status != HoseStatus.Ok)
            {
                payload = null;
                return status;
            }

            if (InFlight > 0)
            {
                WaitForRelease(wait.Deadline);
            }
            else
            {
                // Regions are held by other hoses of this endpoint: wait on the budget briefly, then reclaim again.
                try
                {
                    HoseStatus rented = pool.Rent(length, TimeSpan.FromMilliseconds(2), wait.Token, out payload!);
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
    public HoseStatus CheckWait(in SendWait wait, ref long lastProgress)
    {
        HoseStatus failure = sender.CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            return failure;
        }

        if (!wait.Wait)
        {
            return HoseStatus.WouldBlock;
        }

        long now = Environment.TickCount64;
        if (wait.Token.IsCancellationRequested || (!wait.Deadline.IsInfinite && now >= wait.Deadline.At))
        {
            return HoseStatus.TimedOut;
        }

        if (now - lastProgress >= (long)endpoint.Options.PeerCheckInterval.TotalMilliseconds)
        {
            lastProgress = now;
            if (!receiver.IsAlive())
            {
                sender.FailDead();
                return HoseStatus.PeerFailed;
            }
        }

        return HoseStatus.Ok;
    }

    /// <summary>Sleeps until the receiver releases a descriptor, at most one peer-check interval (or the deadline).</summary>
    public void WaitForRelease(Deadline deadline)
    {
        int observed = Volatile.Read(ref *ring.ReleaseCount);
        if (endpoint.Wait.Spin(ring.ReleaseCount, observed))
        {
            return;
        }

        Interlocked.Exchange(ref *ring.SenderWaiting, 1);
        if (Volatile.Read(ref *ring.ReleaseCount) == observed && !ring.HasState(RingLayout.ReceiverClosed))
        {
            long micros = (long)endpoint.Options.PeerCheckInterval.TotalMicroseconds;
            if (!deadline.IsInfinite)
            {
                micros = Math.Clamp((deadline.At - Environment.TickCount64) * 1000, 1, micros);
            }

            endpoint.Wait.Wait(ring.ReleaseCount, observed, micros);
        }

        Volatile.Write(ref *ring.SenderWaiting, 0);
    }
}
