using Roadrunner.Hoses;

namespace Roadrunner.Wasm;

/// <summary>
/// One guest's zero-copy windows: the ones it claimed (until commit or abort), the ones it received into with
/// <c>receive_window</c> (until release) and the one a payload is mapped into while its handler runs. Checks that a new window is aligned, inside the memory's current size and overlaps no other,
/// so a guest can never have pages mapped outside its memory, over another window, or twice.
/// </summary>
internal sealed class GuestWindows
{
    /// <summary>Alignment and size granule of a window: the wasm page size (a multiple of every Linux page size).</summary>
    public const uint Align = 65536;

    /// <summary>Most windows one guest may hold at once, claimed and received together.</summary>
    public const int MaxWindows = 64;

    private static long s_nextOwner;
    private readonly Lock _gate = new();
    private readonly List<ClaimedWindow> _claimed = [];
    private readonly List<HeldWindow> _held = [];
    private (ulong Start, ulong Span) _receiving;
    private GuestMemoryFile? _file;
    private bool _looked;

    /// <summary>This guest's id as a writer of regions (see <c>MappedRegion.Writer</c>).</summary>
    public long OwnerId { get; } = Interlocked.Increment(ref s_nextOwner);

    /// <summary>Windows claimed or received into now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _claimed.Count + _held.Count;
            }
        }
    }

    /// <summary>
    /// Bytes a window for a payload of <paramref name="length"/> bytes spans: at least one page, so an empty window still
    /// lies inside the memory and overlaps others (else two could share a start, and commit would find the wrong one).
    /// </summary>
    public static ulong SpanOf(ulong length) => Math.Max(Align, PageMapping.RoundUp(length, Align));

    /// <summary>The guest's memory file, or null when its memory is not in a file (nothing can be mapped then).</summary>
    public GuestMemoryFile? FileOf(GuestMemory memory)
    {
        if (!_looked && memory.IsBound)
        {
            _file = GuestMemoryFile.TryFindStart(memory.Start, out GuestMemoryFile? file) ? file : null;
            _looked = true;
        }

        return _file is { IsDisposed: false } live ? live : null;
    }

    /// <summary>True when [start, start+span) may become a window: aligned, inside the memory, overlapping no window.</summary>
    public bool CanOpen(ulong start, ulong span, ulong memorySize)
    {
        if (start % Align != 0 || start + span > memorySize)
        {
            return false;
        }

        lock (_gate)
        {
            if (Overlaps(start, span, _receiving.Start, _receiving.Span))
            {
                return false;
            }

            foreach (ClaimedWindow window in _claimed)
            {
                if (Overlaps(start, span, window.Start, window.Span))
                {
                    return false;
                }
            }

            foreach (HeldWindow window in _held)
            {
                if (Overlaps(start, span, window.Start, window.Span))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The claimed window that starts at <paramref name="start"/>, if any.</summary>
    public ClaimedWindow? Find(uint start)
    {
        lock (_gate)
        {
            int index = IndexOfClaimed(start);
            return index < 0 ? null : _claimed[index];
        }
    }

    /// <summary>The received window that starts at <paramref name="start"/>, taken out of the table; null when none.</summary>
    public HeldWindow? TakeHeld(uint start)
    {
        lock (_gate)
        {
            int index = _held.FindIndex(w => w.Start == start);
            if (index < 0)
            {
                return null;
            }

            HeldWindow window = _held[index];
            _held.RemoveAt(index);
            return window;
        }
    }

    public void Add(HeldWindow window)
    {
        lock (_gate)
        {
            _held.Add(window);
        }
    }

    public void Add(ClaimedWindow window)
    {
        lock (_gate)
        {
            _claimed.Add(window);
        }
    }

    public void Remove(ClaimedWindow window)
    {
        lock (_gate)
        {
            _claimed.Remove(window);
        }
    }

    /// <summary>Marks the window a payload is mapped into while the handler runs (claims may not overlap it).</summary>
    public void BeginReceive(ulong start, ulong span)
    {
        lock (_gate)
        {
            _receiving = (start, span);
        }
    }

    public void EndReceive()
    {
        lock (_gate)
        {
            _receiving = default;
        }
    }

    /// <summary>Gives back the windows claimed through <paramref name="handle"/> (it is being closed): own pages back, then the regions.</summary>
    public void AbortClaimedBy(int handle)
    {
        ClaimedWindow[] windows;
        lock (_gate)
        {
            windows = [.. _claimed.Where(w => w.Handle == handle)];
            _claimed.RemoveAll(w => w.Handle == handle);
        }

        foreach (ClaimedWindow window in windows)
        {
            window.Release();
        }
    }

    /// <summary>Gives back every claimed window (the guest is going away): its own pages back first, then the regions.</summary>
    public void AbortAll()
    {
        ClaimedWindow[] windows;
        HeldWindow[] held;
        lock (_gate)
        {
            windows = [.. _claimed];
            held = [.. _held];
            _claimed.Clear();
            _held.Clear();
        }

        foreach (ClaimedWindow window in windows)
        {
            window.Release();
        }

        foreach (HeldWindow window in held)
        {
            window.Release();
        }
    }

    // A loop, not List.Find with a lambda: that would allocate a closure on every commit.
    private int IndexOfClaimed(uint start)
    {
        for (int i = 0; i < _claimed.Count; i++)
        {
            if (_claimed[i].Start == start)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Overlaps(ulong start, ulong span, ulong otherStart, ulong otherSpan) =>
        span != 0 && otherSpan != 0 && start < otherStart + otherSpan && otherStart < start + span;
}

/// <summary>A window a guest claimed: where, how long, through which handle, and the regions mapped over it (if any).</summary>
internal sealed class ClaimedWindow(uint start, uint length, int handle, IHoseSender sender)
{
    public uint Start { get; } = start;

    /// <summary>Bytes claimed (the most a commit may hand over).</summary>
    public uint Length { get; } = length;

    /// <summary>Bytes the window spans: <see cref="Length"/> rounded up to 64 KiB.</summary>
    public ulong Span { get; } = GuestWindows.SpanOf(length);

    public int Handle { get; } = handle;

    public IHoseSender Sender { get; } = sender;

    /// <summary>The regions mapped over the window; null when the window is the guest's own memory (commit copies).</summary>
    public RegionTicket? Ticket { get; private set; }

    /// <summary>The memory the regions are mapped into, and over how many bytes (whole pages).</summary>
    public GuestMemoryFile? File { get; private set; }

    public nuint MappedLength { get; private set; }

    /// <summary>Records the regions mapped over the window.</summary>
    public void Mapped(RegionTicket ticket, GuestMemoryFile file, nuint length)
    {
        Ticket = ticket;
        File = file;
        MappedLength = length;
    }

    /// <summary>Maps the guest's own pages back; false (the regions stay mapped) when the kernel refused.</summary>
    public bool Unmap()
    {
        if (File is null)
        {
            return true;
        }

        try
        {
            File.CloseWindow(Start, MappedLength);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Aborts: the guest's own pages back, then the regions. Regions that could not be unmapped are never given back.</summary>
    public void Release()
    {
        if (Unmap())
        {
            Ticket?.Abort();
        }
    }
}

/// <summary>
/// A window a guest received a payload into with <c>receive_window</c>: the payload's pages stay mapped there (and its
/// regions referenced) until the guest releases it; a copied payload holds nothing but the window's place.
/// </summary>
internal sealed class HeldWindow(uint start, ulong span, GuestMemoryFile? file, nuint mappedLength, Regions.RegionPayload? payload)
{
    public uint Start { get; } = start;

    public ulong Span { get; } = span;

    /// <summary>The guest's own pages back over the window, then the regions to their owner; false (the regions are kept for ever) when the kernel refused.</summary>
    public bool Release()
    {
        if (file is not null)
        {
            try
            {
                file.CloseWindow(Start, mappedLength);
            }
            catch (IOException)
            {
                return false;
            }
        }

        payload?.Release();
        return true;
    }
}
