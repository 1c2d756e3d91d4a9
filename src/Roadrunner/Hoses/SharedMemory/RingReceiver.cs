using Roadrunner.Diagnostics;
using System.Collections.Concurrent;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The receiving end of one cross-process hose: a thread that takes descriptors from the ring in order, lets the
/// <see cref="PayloadAssembler"/> check them and decide, maps the sender's region and delivers into the function's
/// inbox — straight into an idle push receiver (one copy) or queued as a payload over the sender's regions in place,
/// handed back to the sender when its last reference is released. The thread spins briefly, then sleeps on the futex in
/// the ring, waking at least every peer-check interval to see whether the sender still lives. Made by
/// <see cref="RingAdmission"/>.
/// </summary>
internal sealed unsafe class RingReceiver : IRegionOwner
{
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly MappedRegion _control;
    private readonly RingHeader _ring;
    private readonly PeerIdentity _sender;
    private readonly PayloadAssembler _assembler;
    private readonly PeerRegionCache _cache;
    private readonly RingDelivery _payloads;
    private readonly ConcurrentDictionary<RegionPayload, (long First, int Count)> _leased = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _life = new();
    private readonly Thread _thread;
    private int _outstanding;
    private bool _ended;
    private bool _unmapped;
    private volatile bool _stop;
    private long _lastProgress = Environment.TickCount64;

    internal RingReceiver(SharedMemoryEndpoint endpoint, string name, MappedRegion control, int slots, InProcessHose inbox, PeerIdentity sender, string senderTag)
    {
        _endpoint = endpoint;
        Name = name;
        _control = control;
        _ring = new RingHeader(control.Pointer, slots);
        _sender = sender;
        _assembler = new PayloadAssembler(endpoint.Options.MaxPayloadBytes);
        _cache = new PeerRegionCache(endpoint.Directory, senderTag);
        _payloads = new RingDelivery(this, _ring, _assembler, _cache, new InboxDelivery(endpoint, inbox.Writer, this, sender));
        _thread = new Thread(Run) { IsBackground = true, Name = $"roadrunner-shm {name}" };
    }

    /// <summary>The function this hose delivers to.</summary>
    public string Name { get; }

    /// <summary>True while the receive thread runs.</summary>
    public bool IsRunning => _thread.IsAlive;

    /// <summary>True once the endpoint asked this receiver to stop.</summary>
    public bool IsStopping => _stop;

    /// <summary>Starts the receive thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>True when every descriptor the sender published has been taken and handled (or the thread ended).</summary>
    public unsafe bool IsDrained => !_thread.IsAlive || Volatile.Read(ref *_ring.Head) == _ring.Tail;

    /// <summary>Stops taking payloads (the endpoint closes): the sender gets <see cref="HoseStatus.Closed"/>.</summary>
    public void Stop(TimeSpan timeout)
    {
        _stop = true;
        Futex.WakeAll(_ring.Head);
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(timeout);
        }
    }

    /// <summary>A lease on the sender's regions was released: mark its descriptors so the sender reclaims them.</summary>
    void IRegionOwner.Return(RegionPayload payload)
    {
        if (_leased.TryRemove(payload, out (long First, int Count) range))
        {
            MarkReleased(range.First, range.Count);
        }

        lock (_life)
        {
            _cache.Unuse(payload.Chunks);
            if (--_outstanding == 0 && _ended)
            {
                Unmap();
            }
        }
    }

    private void Run()
    {
        try
        {
            while (!_stop)
            {
                long taken = _assembler.Next;
                int head = Volatile.Read(ref *_ring.Head);
                int available = unchecked(head - (int)taken);
                if (available < 0 || available > _ring.Slots)
                {
                    Fail($"head {head} is not within one ring of {taken}");
                    return;
                }

                if (available == 0)
                {
                    if (_ring.HasState(RingLayout.SenderCompleted) && Volatile.Read(ref *_ring.Head) == head)
                    {
                        return; // drained and completed
                    }

                    if (!Idle())
                    {
                        return;
                    }

                    continue;
                }

                Descriptor descriptor = _ring.ReadDescriptor(taken);
                AssemblyDecision step = _assembler.Take(descriptor);
                if (step.Step == AssemblyStep.Fail)
                {
                    Fail(step.Error!);
                    return;
                }

                _lastProgress = Environment.TickCount64;
                if (!_payloads.Handle(descriptor, step))
                {
                    return;
                }

                // Only now: the bytes are mapped or copied, so the sender may delete its files (see RingSender.Drain).
                _ring.SetTail(_assembler.Next);
            }

            _ring.Refuse(HoseStatus.Closed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or ObjectDisposedException)
        {
            Fail(e.Message);
        }
        finally
        {
            End();
        }
    }

    /// <summary>Nothing to take: spin, then sleep on the head futex; false when the sender turned out dead.</summary>
    private bool Idle()
    {
        int observed = (int)_assembler.Next;
        if (_endpoint.Wait.Spin(_ring.Head, observed))
        {
            return true;
        }

        Interlocked.Exchange(ref *_ring.ReceiverWaiting, 1); // full fence: the sender publishes, then reads this flag
        if (Volatile.Read(ref *_ring.Head) == observed && !_ring.HasState(RingLayout.SenderCompleted) && !_stop)
        {
            _endpoint.Wait.Wait(_ring.Head, observed, (long)_endpoint.Options.PeerCheckInterval.TotalMicroseconds);
        }

        Volatile.Write(ref *_ring.ReceiverWaiting, 0);
        return Volatile.Read(ref *_ring.Head) != observed || SenderAlive();
    }

    /// <summary>Checks the sender at most once per interval without progress; a dead one ends the hose.</summary>
    private bool SenderAlive()
    {
        long now = Environment.TickCount64;
        if (now - _lastProgress < (long)_endpoint.Options.PeerCheckInterval.TotalMilliseconds)
        {
            return true;
        }

        _lastProgress = now;
        _cache.DropGoneMemories();
        if (_sender.IsAlive())
        {
            return true;
        }

        RoadrunnerLog.SharedMemoryPeerDied(_endpoint.Log, Name, _sender.ProcessId, _assembler.Partial);
        _endpoint.OnPeerDied();
        return false;
    }

    /// <summary>A payload is leased in place over the sender's regions: its descriptors go back when it is released.</summary>
    internal void Lease(RegionPayload payload, long first, int count)
    {
        _leased[payload] = (first, count);
        lock (_life)
        {
            _outstanding++;
            _cache.Use(payload.Chunks);
        }
    }

    /// <summary>Gives descriptors back to the sender and wakes it if it sleeps for room.</summary>
    internal void MarkReleased(long first, int count)
    {
        lock (_life)
        {
            if (_unmapped)
            {
                return;
            }

            for (long sequence = first; sequence < first + count; sequence++)
            {
                Volatile.Write(ref *_ring.ReleasedMark(sequence), sequence + 1);
            }

            Interlocked.Increment(ref *_ring.ReleaseCount); // full fence, then read whether the sender sleeps
            if (Volatile.Read(ref *_ring.SenderWaiting) != 0)
            {
                Futex.WakeAll(_ring.ReleaseCount);
            }
        }
    }

    /// <summary>A broken ring: tell the sender, drop partial payloads, stop. Always returns false.</summary>
    internal bool Fail(string reason)
    {
        RoadrunnerLog.SharedMemoryHoseFailed(_endpoint.Log, Name, reason);
        _ring.Refuse(HoseStatus.PeerFailed);
        return false;
    }

    private void End()
    {
        _assembler.Reset();
        _payloads.Reset();
        _endpoint.OnReceiverEnded(this);
        lock (_life)
        {
            _ended = true;
            if (_outstanding == 0)
            {
                Unmap();
            }
        }
    }

    private void Unmap()
    {
        if (_unmapped)
        {
            return;
        }

        _unmapped = true;
        _cache.Clear();
        ((IDisposable)_control).Dispose();
    }
}
