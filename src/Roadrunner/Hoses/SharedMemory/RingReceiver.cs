using Roadrunner.Diagnostics;
using System.Collections.Concurrent;
using System.Text;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The receiving end of one cross-process hose: a thread that takes descriptors from the ring in order, validates each
/// (never trusting the peer), maps the sender's region and delivers into the function's inbox — straight into an idle
/// push receiver (one copy) or queued as a payload over the sender's regions in place, handed back to the sender when
/// its last reference is released. The thread spins briefly, then sleeps on the futex in the ring, waking at least every
/// peer-check interval to see whether the sender still lives.
/// </summary>
internal sealed unsafe class RingReceiver : IRegionOwner
{
    private const int MaxMappedRegions = 4096;
    private const int EvictAbove = 256;
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly MappedRegion _control;
    private readonly byte* _base;
    private readonly int _slots;
    private readonly InProcessHose _inbox;
    private readonly PeerIdentity _sender;
    private readonly string _senderTag;
    private readonly Dictionary<long, MappedRegion> _regions = [];
    private readonly Dictionary<long, PeerMemoryView> _memories = []; // the sending guests' memory files, by number
    private readonly Dictionary<MappedRegion, int> _uses = []; // leases in place per mapped region, under _life
    private readonly ConcurrentDictionary<RegionPayload, (long First, int Count)> _leased = new(ReferenceEqualityComparer.Instance);
    private readonly List<Descriptor> _pending = [];
    private readonly Lock _life = new();
    private RoadrunnerActivity.Inbound _from; // the descriptor being handled: transport, path and the sender's trace context
    private readonly Thread _thread;
    private long _taken;
    private int _outstanding;
    private bool _ended;
    private bool _unmapped;
    private volatile bool _stop;
    private RegionPayload? _stream;
    private long _streamPosition;
    private long _lastProgress = Environment.TickCount64;

    private RingReceiver(SharedMemoryEndpoint endpoint, string name, MappedRegion control, int slots, InProcessHose inbox, PeerIdentity sender, string senderTag)
    {
        _endpoint = endpoint;
        Name = name;
        _control = control;
        _base = control.Pointer;
        _slots = slots;
        _inbox = inbox;
        _sender = sender;
        _senderTag = senderTag;
        _thread = new Thread(Run) { IsBackground = true, Name = $"roadrunner-shm {name}" };
    }

    /// <summary>The function this hose delivers to.</summary>
    public string Name { get; }

    /// <summary>True while the receive thread runs.</summary>
    public bool IsRunning => _thread.IsAlive;

    private int* Head => (int*)(_base + RingLayout.HeadOffset);

    private int* ReceiverWaiting => (int*)(_base + RingLayout.ReceiverWaitingOffset);

    private int* ReleaseCount => (int*)(_base + RingLayout.ReleaseCountOffset);

    private int* SenderWaiting => (int*)(_base + RingLayout.SenderWaitingOffset);

    private int* State => (int*)(_base + RingLayout.StateOffset);

    /// <summary>Outcome of looking at a ring file.</summary>
    public enum AcceptResult
    {
        /// <summary>Serving it.</summary>
        Accepted,

        /// <summary>Its header is not complete yet: look again later.</summary>
        NotReady,

        /// <summary>Refused for good.</summary>
        Refused,
    }

    /// <summary>Checks a ring file a sender created for this endpoint and, when it is sound, starts serving it.</summary>
    public static AcceptResult TryAccept(SharedMemoryEndpoint endpoint, string path, string senderTag, out RingReceiver? receiver, out string? reason)
    {
        receiver = null;
        reason = null;
        if (!RendezvousFolder.IsTrustedFile(path))
        {
            reason = "not a regular file owned by this user";
            return AcceptResult.Refused;
        }

        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (IOException e)
        {
            reason = e.Message;
            return AcceptResult.Refused;
        }

        if (length == 0)
        {
            return AcceptResult.NotReady; // being sized
        }

        if (length < RingLayout.FileSize(2) || length > RingLayout.FileSize(65536))
        {
            reason = $"size {length}";
            return AcceptResult.Refused;
        }

        MappedRegion control;
        try
        {
            control = MappedRegion.OpenExisting(path, (int)length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = e.Message;
            return AcceptResult.Refused;
        }

        byte* p = control.Pointer;
        uint magic = Volatile.Read(ref *(uint*)(p + RingLayout.MagicOffset));
        if (magic != RingLayout.Magic)
        {
            ((IDisposable)control).Dispose();
            if (magic == 0)
            {
                return AcceptResult.NotReady;
            }

            reason = "bad magic";
            return AcceptResult.Refused;
        }

        reason = CheckHeader(p, length, senderTag, out int slots, out string name, out PeerIdentity sender);
        InProcessHose? inbox = reason is null ? endpoint.FindInbox(name) : null;
        if (reason is null && inbox is null)
        {
            reason = $"no function '{name}' here";
            Refuse(p, HoseStatus.UnknownTarget);
            ((IDisposable)control).Dispose();
            return AcceptResult.Refused;
        }

        if (reason is not null)
        {
            Refuse(p, HoseStatus.PeerFailed);
            ((IDisposable)control).Dispose();
            return AcceptResult.Refused;
        }

        *(int*)(p + RingLayout.ReceiverPidOffset) = PeerIdentity.Current.ProcessId;
        *(long*)(p + RingLayout.ReceiverStartOffset) = PeerIdentity.Current.StartTime;
        Interlocked.Or(ref *(int*)(p + RingLayout.StateOffset), RingLayout.Accepted);
        receiver = new RingReceiver(endpoint, name, control, slots, inbox!, sender, senderTag);
        return AcceptResult.Accepted;
    }

    /// <summary>Starts the receive thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Stops taking payloads (the endpoint closes): the sender gets <see cref="HoseStatus.Closed"/>.</summary>
    public void Stop(TimeSpan timeout)
    {
        _stop = true;
        Futex.WakeAll(Head);
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
            foreach (RegionPayload.Chunk chunk in payload.Chunks)
            {
                if (_uses.TryGetValue(chunk.Region, out int uses))
                {
                    _uses[chunk.Region] = uses - 1;
                }
            }

            if (--_outstanding == 0 && _ended)
            {
                Unmap();
            }
        }
    }

    private static string? CheckHeader(byte* p, long length, string senderTag, out int slots, out string name, out PeerIdentity sender)
    {
        slots = *(int*)(p + RingLayout.SlotCountOffset);
        name = string.Empty;
        sender = default;
        if (*(uint*)(p + RingLayout.VersionOffset) != RingLayout.Version || *(int*)(p + RingLayout.SlotSizeOffset) != RingLayout.SlotSize)
        {
            return $"ring format version {*(uint*)(p + RingLayout.VersionOffset)} with {*(int*)(p + RingLayout.SlotSizeOffset)}-byte slots; this receiver reads version {RingLayout.Version} with {RingLayout.SlotSize}-byte slots (the sender runs another Roadrunner release)";
        }

        if (slots < 2 || slots > 65536 || (slots & (slots - 1)) != 0 || RingLayout.FileSize(slots) != length)
        {
            return $"slot count {slots} does not match the file";
        }

        int nameLength = *(int*)(p + RingLayout.NameLengthOffset);
        int tagLength = *(int*)(p + RingLayout.TagLengthOffset);
        if (nameLength is < 1 or > RingLayout.MaxNameBytes || tagLength is < 1 or > RingLayout.MaxTagBytes)
        {
            return "bad name or tag length";
        }

        try
        {
            name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(p + RingLayout.NameOffset, nameLength);
        }
        catch (ArgumentException)
        {
            return "name is not UTF-8";
        }

        string tag = Encoding.ASCII.GetString(p + RingLayout.TagOffset, tagLength);
        if (tag != senderTag)
        {
            return "sender tag differs from the file name";
        }

        sender = new PeerIdentity(*(int*)(p + RingLayout.SenderPidOffset), *(long*)(p + RingLayout.SenderStartOffset));
        if (sender.ProcessId != RendezvousFolder.PidOf(senderTag))
        {
            return "sender pid differs from its tag";
        }

        return sender.IsAlive() ? null : "sender is not alive";
    }

    private static void Refuse(byte* p, HoseStatus status)
    {
        Volatile.Write(ref *(int*)(p + RingLayout.FailureOffset), (int)status);
        Interlocked.Or(ref *(int*)(p + RingLayout.StateOffset), RingLayout.ReceiverClosed);
        Futex.WakeAll((int*)(p + RingLayout.ReleaseCountOffset));
    }

    private void Run()
    {
        try
        {
            while (!_stop)
            {
                int head = Volatile.Read(ref *Head);
                int available = unchecked(head - (int)_taken);
                if (available < 0 || available > _slots)
                {
                    Fail($"head {head} is not within one ring of {_taken}");
                    return;
                }

                if (available == 0)
                {
                    if ((Volatile.Read(ref *State) & RingLayout.SenderCompleted) != 0 && Volatile.Read(ref *Head) == head)
                    {
                        return; // drained and completed
                    }

                    if (!Idle())
                    {
                        return;
                    }

                    continue;
                }

                Descriptor descriptor = Descriptor.Read(_base, (int)(_taken & (_slots - 1)));
                string? error = descriptor.Validate(_taken, _endpoint.Options.MaxPayloadBytes);
                if (error is not null)
                {
                    Fail($"descriptor {_taken}: {error}");
                    return;
                }

                _taken++;
                Volatile.Write(ref *(int*)(_base + RingLayout.TailOffset), (int)_taken);
                _lastProgress = Environment.TickCount64;
                if (!Handle(descriptor))
                {
                    return;
                }
            }

            Refuse(_base, HoseStatus.Closed);
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
        int observed = (int)_taken;
        if (_endpoint.Wait.Spin(Head, observed))
        {
            return true;
        }

        Interlocked.Exchange(ref *ReceiverWaiting, 1); // full fence: the sender publishes, then reads this flag
        if (Volatile.Read(ref *Head) == observed && (Volatile.Read(ref *State) & RingLayout.SenderCompleted) == 0 && !_stop)
        {
            _endpoint.Wait.Wait(Head, observed, (long)_endpoint.Options.PeerCheckInterval.TotalMicroseconds);
        }

        Volatile.Write(ref *ReceiverWaiting, 0);
        return Volatile.Read(ref *Head) != observed || SenderAlive();
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
        DropGoneMemories();
        if (_sender.IsAlive())
        {
            return true;
        }

        RoadrunnerLog.SharedMemoryPeerDied(_endpoint.Log, Name, _sender.ProcessId, _pending.Count + (_stream is null ? 0 : 1));
        _endpoint.OnPeerDied();
        return false;
    }

    private bool Handle(Descriptor d)
    {
        long sequence = _taken - 1;
        _from = new RoadrunnerActivity.Inbound(RoadrunnerActivity.CrossProcess, d.IsInline ? RoadrunnerActivity.Inline : d.IsBorrowed ? RoadrunnerActivity.Borrowed : d.IsStreamed ? RoadrunnerActivity.Streamed : RoadrunnerActivity.Regions, d.Trace);
        if (_regions.Count >= EvictAbove)
        {
            EvictUnused(); // here, never while a payload's regions are being gathered
        }

        if (d.IsInline)
        {
            return HandleInline(d, sequence);
        }

        if (d.IsBorrowed)
        {
            return HandleBorrowed(d, sequence);
        }

        if (d.IsStreamed)
        {
            return HandleStreamed(d, sequence);
        }

        if (_stream is not null || (_pending.Count > 0 && _pending[0].PayloadLength != d.PayloadLength))
        {
            return Fail($"descriptor {sequence}: chunk does not continue the payload in progress");
        }

        _pending.Add(d);
        long sum = 0;
        foreach (Descriptor chunk in _pending)
        {
            sum += chunk.Length;
        }

        if (sum > d.PayloadLength || (d.HasMoreChunks && sum == d.PayloadLength && d.PayloadLength > 0) || (!d.HasMoreChunks && sum != d.PayloadLength))
        {
            return Fail($"descriptor {sequence}: chunks add up to {sum}, not {d.PayloadLength}");
        }

        if (d.HasMoreChunks)
        {
            return true;
        }

        long first = _taken - _pending.Count;
        var chunks = new RegionPayload.Chunk[_pending.Count];
        bool inPlace = true;
        for (int i = 0; i < chunks.Length; i++)
        {
            Descriptor c = _pending[i];
            MappedRegion? region = Map(c);
            if (region is null)
            {
                return false;
            }

            inPlace &= c.Offset == 0;
            chunks[i] = new RegionPayload.Chunk(region, c.Length);
        }

        int count = _pending.Count;
        if (chunks.Length == 1)
        {
            // One region: an idle push receiver takes it straight from the sender's region (one copy, no lease).
            var bytes = new ReadOnlySpan<byte>(chunks[0].Region.Pointer + _pending[0].Offset, _pending[0].Length);
            if (TryDeliverDirect(bytes))
            {
                _pending.Clear();
                MarkReleased(first, count);
                return true;
            }
        }

        RegionPayload payload;
        if (inPlace)
        {
            payload = new RegionPayload(this, chunks, d.PayloadLength, 0);
            _leased[payload] = (first, count);
            lock (_life)
            {
                _outstanding++;
                foreach (RegionPayload.Chunk chunk in chunks)
                {
                    _uses[chunk.Region] = _uses.GetValueOrDefault(chunk.Region) + 1;
                }
            }
        }
        else
        {
            // Offsets inside regions cannot be leased in place: copy out to the host's pool (one extra copy).
            RegionPayload? local = RentLocal(d.PayloadLength);
            if (local is null)
            {
                return false;
            }

            long position = 0;
            foreach (Descriptor c in _pending)
            {
                CopyInto(local, position, new ReadOnlySpan<byte>(_regions[c.RegionNumber].Pointer + c.Offset, c.Length));
                position += c.Length;
            }

            MarkReleased(first, count);
            payload = local;
        }

        _pending.Clear();
        return Enqueue(payload);
    }

    /// <summary>A chunk of a payload larger than the bytes in flight: copy it out now and give the region back.</summary>
    private bool HandleStreamed(Descriptor d, long sequence)
    {
        if (_pending.Count > 0)
        {
            return Fail($"descriptor {sequence}: a stream starts inside another payload");
        }

        if (_stream is null)
        {
            _stream = RentLocal(d.PayloadLength);
            _streamPosition = 0;
            if (_stream is null)
            {
                return false;
            }
        }
        else if (_stream.Length != d.PayloadLength)
        {
            return Fail($"descriptor {sequence}: stream length changed");
        }

        if (_streamPosition + d.Length > d.PayloadLength || (d.HasMoreChunks && _streamPosition + d.Length == d.PayloadLength) || (!d.HasMoreChunks && _streamPosition + d.Length != d.PayloadLength))
        {
            return Fail($"descriptor {sequence}: stream chunk does not fit");
        }

        if (d.Length > 0)
        {
            MappedRegion? region = Map(d);
            if (region is null)
            {
                return false;
            }

            CopyInto(_stream, _streamPosition, new ReadOnlySpan<byte>(region.Pointer + d.Offset, d.Length));
        }

        MarkReleased(sequence, 1);
        _streamPosition += d.Length;
        if (d.HasMoreChunks)
        {
            return true;
        }

        RegionPayload whole = _stream;
        _stream = null;
        if (whole.Chunks.Length == 1)
        {
            if (TryDeliverDirect(whole.Chunks[0].Memory.Span))
            {
                whole.Release();
                return true;
            }
        }

        return Enqueue(whole);
    }

    /// <summary>
    /// A payload in the slot itself: copied out first (the slot goes back to the sender at once), then handed straight
    /// to an idle receiver, or queued in a local region.
    /// </summary>
    private bool HandleInline(Descriptor d, long sequence)
    {
        if (_stream is not null || _pending.Count > 0)
        {
            return Fail($"descriptor {sequence}: inline payload inside a chunked payload");
        }

        Span<byte> bytes = stackalloc byte[RingLayout.MaxInlineBytes];
        bytes = bytes[..d.Length];
        new ReadOnlySpan<byte>(_base + RingLayout.SlotOffset((int)(sequence & (_slots - 1))) + RingLayout.InlineOffset, d.Length).CopyTo(bytes);
        MarkReleased(sequence, 1);
        if (TryDeliverDirect(bytes))
        {
            return true;
        }

        RegionPayload? local = RentLocal(d.Length);
        if (local is null)
        {
            return false;
        }

        local.Fill(bytes);
        return Enqueue(local);
    }

    /// <summary>
    /// Bytes borrowed from the sending guest's memory, whose send waits for them: copied straight into an idle push
    /// receiver (the one copy between the guests), else into local memory and queued. While no room can be had the
    /// descriptor goes back to pending, so the sender may withdraw it at its deadline instead of waiting on us.
    /// </summary>
    private bool HandleBorrowed(Descriptor d, long sequence)
    {
        if (_stream is not null || _pending.Count > 0)
        {
            return Fail($"descriptor {sequence}: borrowed bytes inside a chunked payload");
        }

        PeerMemoryView? memory = MapMemory(d);
        if (memory is null)
        {
            return false;
        }

        ReadOnlySpan<byte> bytes = memory.Slice(d.Start, d.Length);
        long* mark = (long*)(_base + RingLayout.ReleasedOffset(_slots, (int)(sequence & (_slots - 1))));
        RegionPayload? local = null;
        while (true)
        {
            long found = Interlocked.CompareExchange(ref *mark, RingLayout.BorrowTaking(sequence), RingLayout.BorrowPending(sequence));
            if (found == RingLayout.BorrowRevoked(sequence))
            {
                local?.Release();
                MarkReleased(sequence, 1);
                return true; // the sender gave up on it: skipped, as it was told
            }

            if (found != RingLayout.BorrowPending(sequence))
            {
                local?.Release();
                return Fail($"descriptor {sequence}: borrowed bytes in state {found}");
            }

            if (local is null)
            {
                if (TryDeliverDirect(bytes))
                {
                    MarkReleased(sequence, 1);
                    return true;
                }

                _endpoint.HostPool.TryRent(d.Length, out local);
            }

            if (local is not null)
            {
                local.Fill(bytes);
                MarkReleased(sequence, 1);
                return Enqueue(local);
            }

            Volatile.Write(ref *mark, RingLayout.BorrowPending(sequence));
            local = RentLocal(d.Length);
            if (local is null)
            {
                return false;
            }
        }
    }

    private PeerMemoryView? MapMemory(Descriptor d)
    {
        if (_memories.TryGetValue(d.RegionNumber, out PeerMemoryView? memory))
        {
            if (memory.Length >= d.MemorySize)
            {
                return memory;
            }

            memory.Dispose(); // the guest's memory grew: map it again at its new size
            _memories.Remove(d.RegionNumber);
        }

        DropGoneMemories();
        if (_regions.Count + _memories.Count >= MaxMappedRegions)
        {
            Fail("too many regions");
            return null;
        }

        try
        {
            memory = PeerMemoryView.Open(RendezvousFolder.RegionPath(_endpoint.Directory, _senderTag, d.RegionNumber), d.MemorySize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"guest memory {d.RegionNumber}: {e.Message}");
            return null;
        }

        _memories.Add(d.RegionNumber, memory);
        return memory;
    }

    /// <summary>
    /// Unmaps the views of guest memories whose file the sender deleted (the guest is gone): the mapping alone would keep
    /// the memory's pages alive. Checked when another memory is mapped and once per idle peer-check interval.
    /// </summary>
    private void DropGoneMemories()
    {
        foreach ((long number, PeerMemoryView view) in _memories.ToArray())
        {
            if (!File.Exists(RendezvousFolder.RegionPath(_endpoint.Directory, _senderTag, number)))
            {
                view.Dispose();
                _memories.Remove(number);
            }
        }
    }

    /// <summary>
    /// Hands <paramref name="bytes"/> straight to an idle receiver of the inbox. True when that settled the payload
    /// (delivered, or refused: recorded as a fault); false when it must be queued.
    /// </summary>
    private bool TryDeliverDirect(ReadOnlySpan<byte> bytes)
    {
        HoseStatus status = _inbox.TryDirect(bytes, _from);
        if (status is not HoseStatus.Ok and not HoseStatus.WouldBlock)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(_endpoint.Log, Name, status);
        }

        return status != HoseStatus.WouldBlock;
    }

    /// <summary>Queues a payload in the inbox, waiting for a slot in bounded slices while the sender lives.</summary>
    private bool Enqueue(RegionPayload payload)
    {
        while (!_inbox.ReserveSlot(_endpoint.Options.InboxWaitSlice, CancellationToken.None))
        {
            if (_stop || !_sender.IsAlive())
            {
                payload.Release();
                if (!_stop)
                {
                    RoadrunnerLog.SharedMemoryPayloadDropped(_endpoint.Log, Name);
                    _endpoint.OnPeerDied();
                }

                return false;
            }
        }

        HoseStatus status = _inbox.Enqueue(payload, _from);
        if (status != HoseStatus.Ok)
        {
            RoadrunnerLog.SharedMemoryDeliveryFailed(_endpoint.Log, Name, status);
        }

        return true;
    }

    private RegionPayload? RentLocal(long length)
    {
        while (true)
        {
            HoseStatus status;
            RegionPayload local;
            try
            {
                status = _endpoint.HostPool.Rent(length, _endpoint.Options.InboxWaitSlice, CancellationToken.None, out local);
            }
            catch (ObjectDisposedException)
            {
                status = HoseStatus.Closed;
                local = null!;
            }

            if (status == HoseStatus.Ok)
            {
                return local;
            }

            if (status != HoseStatus.TimedOut)
            {
                Fail($"no room for a streamed payload of {length} bytes ({status})");
                return null;
            }

            if (_stop || !_sender.IsAlive())
            {
                return null;
            }
        }
    }

    private static void CopyInto(RegionPayload destination, long position, ReadOnlySpan<byte> source)
    {
        foreach (RegionPayload.Chunk chunk in destination.Chunks)
        {
            if (source.IsEmpty)
            {
                return;
            }

            if (position >= chunk.Length)
            {
                position -= chunk.Length;
                continue;
            }

            int take = (int)Math.Min(chunk.Length - position, source.Length);
            source[..take].CopyTo(chunk.Region.GetSpan().Slice((int)position, take));
            source = source[take..];
            position = 0;
        }
    }

    /// <summary>Maps the sender's region a descriptor names (once per region), refusing anything not exactly as announced.</summary>
    private MappedRegion? Map(Descriptor d)
    {
        if (_regions.TryGetValue(d.RegionNumber, out MappedRegion? region))
        {
            if (region.Length != d.RegionSize)
            {
                Fail($"region {d.RegionNumber} changed size");
                return null;
            }

            return region;
        }

        if (_regions.Count >= MaxMappedRegions)
        {
            Fail("too many regions");
            return null;
        }

        string path = RendezvousFolder.RegionPath(_endpoint.Directory, _senderTag, d.RegionNumber);
        try
        {
            region = MappedRegion.OpenExisting(path, d.RegionSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"region {d.RegionNumber}: {e.Message}");
            return null;
        }

        _regions.Add(d.RegionNumber, region);
        return region;
    }

    /// <summary>
    /// Unmaps the sender's regions that no lease uses now (the sender may have dropped them from its pool, so new ones
    /// keep appearing): the cache stays bounded over a long run; a region used again is simply mapped again.
    /// </summary>
    private void EvictUnused()
    {
        lock (_life)
        {
            foreach ((long number, MappedRegion region) in _regions.ToArray())
            {
                if (_uses.GetValueOrDefault(region) <= 0)
                {
                    _uses.Remove(region);
                    _regions.Remove(number);
                    ((IDisposable)region).Dispose();
                }
            }
        }
    }

    private void MarkReleased(long first, int count)
    {
        lock (_life)
        {
            if (_unmapped)
            {
                return;
            }

            for (long sequence = first; sequence < first + count; sequence++)
            {
                Volatile.Write(ref *(long*)(_base + RingLayout.ReleasedOffset(_slots, (int)(sequence & (_slots - 1)))), sequence + 1);
            }

            Interlocked.Increment(ref *ReleaseCount); // full fence, then read whether the sender sleeps
            if (Volatile.Read(ref *SenderWaiting) != 0)
            {
                Futex.WakeAll(ReleaseCount);
            }
        }
    }

    /// <summary>A broken ring: tell the sender, drop partial payloads, stop. Always returns false.</summary>
    private bool Fail(string reason)
    {
        RoadrunnerLog.SharedMemoryHoseFailed(_endpoint.Log, Name, reason);
        Refuse(_base, HoseStatus.PeerFailed);
        return false;
    }

    private void End()
    {
        _pending.Clear();
        _stream?.Release();
        _stream = null;
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
        foreach (MappedRegion region in _regions.Values)
        {
            ((IDisposable)region).Dispose();
        }

        _regions.Clear();
        foreach (PeerMemoryView memory in _memories.Values)
        {
            memory.Dispose();
        }

        _memories.Clear();
        _uses.Clear();
        ((IDisposable)_control).Dispose();
    }
}
