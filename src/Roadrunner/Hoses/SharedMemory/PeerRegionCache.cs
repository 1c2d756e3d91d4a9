using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The sender's regions and guest memory files one receiver has mapped, by number, with how many leases in place use
/// each region. Mapped once and reused; bounded (unused regions are evicted, views of deleted memories dropped).
/// Mapping happens on the receive thread only; lease counts change on any thread.
/// </summary>
internal sealed class PeerRegionCache(string folder, string senderTag)
{
    private const int MaxMappedRegions = 4096;
    private const int EvictAbove = 256;
    private readonly Dictionary<long, MappedRegion> _regions = [];
    private readonly Dictionary<long, PeerMemoryView> _memories = []; // the sending guests' memory files, by number
    private readonly Dictionary<MappedRegion, int> _uses = []; // leases in place per mapped region, under _gate
    private readonly Lock _gate = new();

    /// <summary>The region a checked descriptor names, mapped before.</summary>
    public MappedRegion this[long number] => _regions[number];

    /// <summary>Maps the sender's region a descriptor names (once per region), refusing anything not exactly as announced.</summary>
    /// <returns>The region, or null with <paramref name="error"/>.</returns>
    public MappedRegion? Map(in Descriptor d, out string? error)
    {
        error = null;
        if (_regions.TryGetValue(d.RegionNumber, out MappedRegion? region))
        {
            if (region.Length != d.RegionSize)
            {
                error = $"region {d.RegionNumber} changed size";
                return null;
            }

            return region;
        }

        if (_regions.Count >= MaxMappedRegions)
        {
            error = "too many regions";
            return null;
        }

        try
        {
            region = MappedRegion.OpenExisting(RendezvousFolder.RegionPath(folder, senderTag, d.RegionNumber), d.RegionSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"region {d.RegionNumber}: {e.Message}";
            return null;
        }

        lock (_gate)
        {
            _regions.Add(d.RegionNumber, region);
        }

        return region;
    }

    /// <summary>Maps the sending guest's memory a borrowed descriptor names, again when the memory grew.</summary>
    /// <returns>The view, or null with <paramref name="error"/>.</returns>
    public PeerMemoryView? MapMemory(in Descriptor d, out string? error)
    {
        error = null;
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
            error = "too many regions";
            return null;
        }

        try
        {
            memory = PeerMemoryView.Open(RendezvousFolder.RegionPath(folder, senderTag, d.RegionNumber), d.MemorySize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"guest memory {d.RegionNumber}: {e.Message}";
            return null;
        }

        _memories.Add(d.RegionNumber, memory);
        return memory;
    }

    /// <summary>
    /// Unmaps the views of guest memories whose file the sender deleted (the guest is gone): the mapping alone would keep
    /// the memory's pages alive. Checked when another memory is mapped and once per idle peer-check interval.
    /// </summary>
    public void DropGoneMemories()
    {
        foreach ((long number, PeerMemoryView view) in _memories.ToArray())
        {
            if (!File.Exists(RendezvousFolder.RegionPath(folder, senderTag, number)))
            {
                view.Dispose();
                _memories.Remove(number);
            }
        }
    }

    /// <summary>A payload is leased in place over <paramref name="chunks"/>' regions.</summary>
    public void Use(RegionPayload.Chunk[] chunks)
    {
        lock (_gate)
        {
            foreach (RegionPayload.Chunk chunk in chunks)
            {
                _uses[chunk.Region] = _uses.GetValueOrDefault(chunk.Region) + 1;
            }
        }
    }

    /// <summary>A lease in place was released.</summary>
    public void Unuse(RegionPayload.Chunk[] chunks)
    {
        lock (_gate)
        {
            foreach (RegionPayload.Chunk chunk in chunks)
            {
                if (_uses.TryGetValue(chunk.Region, out int uses))
                {
                    _uses[chunk.Region] = uses - 1;
                }
            }
        }
    }

    /// <summary>
    /// Above a bound, unmaps the sender's regions that no lease uses now (the sender may have dropped them from its
    /// pool, so new ones keep appearing): the cache stays bounded over a long run; a region used again is simply
    /// mapped again. Call between payloads, never while one's regions are being gathered.
    /// </summary>
    public void EvictUnusedWhenFull()
    {
        if (_regions.Count < EvictAbove)
        {
            return;
        }

        lock (_gate)
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

    /// <summary>Unmaps everything (the receiver ended and no lease is left).</summary>
    public void Clear()
    {
        lock (_gate)
        {
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
        }
    }
}
