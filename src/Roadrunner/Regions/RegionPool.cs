using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ObjectPool;
using Roadrunner.Diagnostics;

namespace Roadrunner.Regions;

/// <summary>
/// Memory-mapped regions in a few size classes, reused across payloads. Leased bytes are bounded
/// (<see cref="RegionPoolOptions.MaxLeasedBytes"/>): when the budget is spent a renter waits or is told
/// <see cref="HoseStatus.WouldBlock"/>, never runs the process out of memory. A payload's pages are reserved in the
/// folder before they are written, so a full folder (a small <c>/dev/shm</c>) is <see cref="HoseStatus.WouldBlock"/>,
/// never a SIGBUS. Disposing the pool deletes all its files at once (payloads still referenced stay readable through
/// their mappings) and unmaps idle regions; files left by a crashed process are removed when the next pool opens the folder.
/// </summary>
public sealed class RegionPool : IDisposable, IRegionOwner
{
    private readonly int[] _sizeClasses;
    private readonly ObjectPool<MappedRegion>[] _idle;
    private readonly ByteBudget _budget;
    private readonly RegionFolder _folder;
    [ThreadStatic]
    private static bool t_draining;

    private readonly ILogger _logger;
    private long _mappedBytes;
    private int _disposed;

    /// <summary>Opens a pool; see <see cref="RegionPoolOptions"/> for the defaults.</summary>
    /// <param name="options">Settings, or null for the defaults.</param>
    /// <param name="logger">Where the pool logs (files of dead processes swept, the folder full); null for nowhere.</param>
    public RegionPool(RegionPoolOptions? options = null, ILogger? logger = null)
    {
        options ??= new RegionPoolOptions();
        _logger = logger ?? NullLogger.Instance;
        _sizeClasses = options.ValidatedSizeClasses();
        _budget = new ByteBudget(options.MaxLeasedBytes);
        _folder = RegionFolder.Open(options.FolderPath, _logger);
        _idle = new ObjectPool<MappedRegion>[_sizeClasses.Length];
        for (int i = 0; i < _sizeClasses.Length; i++)
        {
            int retained = (int)Math.Clamp(options.MaxIdleBytesPerClass / _sizeClasses[i], 1, 256);
            var provider = new DefaultObjectPoolProvider { MaximumRetained = retained };
            _idle[i] = provider.Create(new RegionPolicy(this, _sizeClasses[i]));
        }

        RegionMetrics.Observe(this);
    }

    /// <summary>The folder holding the region files.</summary>
    public string FolderPath => _folder.Path;

    /// <summary>
    /// True when <paramref name="folderPath"/> (null: the default folder, <c>/dev/shm/roadrunner-&lt;user&gt;</c>) lies on a
    /// tmpfs mounted with huge pages (<c>huge=always</c> or <c>huge=within_size</c>): guest memories in files there start
    /// on a 2 MiB boundary, and a 2 MiB-aligned window of 2 MiB or more then maps 2 MiB at a time instead of 4 KiB
    /// (docs/zero-copy.md, "Huge pages"). Read from <c>/proc/self/mounts</c>, once per folder; false where that cannot
    /// be told.
    /// </summary>
    /// <param name="folderPath">The folder, or null for the default one.</param>
    /// <returns>True for huge pages.</returns>
    public static bool HasHugePages(string? folderPath = null) => HugePageMounts.Covers(Path.GetFullPath(folderPath ?? RegionFolder.DefaultPath()));

    /// <summary>The random part of this pool's file names (<c>rr-&lt;tag&gt;-&lt;n&gt;.region</c>), for peers that map them.</summary>
    internal string OwnerTag => _folder.OwnerTag;

    /// <summary>The folder, which also names files that are not pooled regions (guest memories in files).</summary>
    internal RegionFolder Folder => _folder;

    /// <summary>Region sizes, ascending.</summary>
    public IReadOnlyList<int> SizeClasses => _sizeClasses;

    /// <summary>The largest region; payloads above it are split into chunks of this size.</summary>
    public int LargestRegion => _sizeClasses[^1];

    /// <summary>Most bytes leased at once.</summary>
    public long MaxLeasedBytes => _budget.Capacity;

    /// <summary>Bytes of regions leased out now (payloads in flight).</summary>
    public long LeasedBytes => _budget.InUse;

    /// <summary>Bytes of regions mapped now, leased or idle.</summary>
    public long MappedBytes => Interlocked.Read(ref _mappedBytes);

    /// <summary>How many bytes a payload of <paramref name="length"/> bytes takes from the budget.</summary>
    /// <param name="length">Payload length.</param>
    /// <returns>The sum of the region sizes that will hold it.</returns>
    public long FootprintOf(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long full = length / LargestRegion;
        int rest = (int)(length % LargestRegion);
        return (full * LargestRegion) + (rest == 0 ? 0 : ClassFor(rest));
    }

    /// <summary>Rents regions for a payload if the budget and the folder's room allow it now (a full folder is counted in <see cref="RoadrunnerMetrics.RegionFolderFull"/>).</summary>
    internal bool TryRent(long length, out RegionPayload payload)
    {
        ThrowIfDisposed();
        long footprint = FootprintOf(length);
        if (footprint > 0 && !_budget.TryTake(footprint))
        {
            payload = null!;
            return false;
        }

        return TryBuild(length, footprint, out payload, out _);
    }

    /// <summary>
    /// Rents regions for a payload, blocking until the budget allows it or the timeout passes. Returns
    /// <see cref="HoseStatus.WouldBlock"/> at once when the region folder has no room for the payload's pages.
    /// </summary>
    /// <remarks>
    /// A nonzero <paramref name="claimer"/> is the window owner id of a guest that will map the regions; bytes of
    /// others left in them are cleared first (see <see cref="MappedRegion.Writer"/>).
    /// </remarks>
    internal HoseStatus Rent(long length, TimeSpan timeout, CancellationToken cancellationToken, out RegionPayload payload, long claimer = 0)
    {
        ThrowIfDisposed();
        payload = null!;
        long footprint = FootprintOf(length);
        if (footprint > _budget.Capacity)
        {
            return HoseStatus.TooLarge;
        }

        if (footprint > 0 && !_budget.Take(footprint, timeout, cancellationToken))
        {
            return HoseStatus.TimedOut;
        }

        // A full folder is "no room to send now": the bytes may fit once other payloads are gone.
        return TryBuild(length, footprint, out payload, out _, claimer) ? HoseStatus.Ok : HoseStatus.WouldBlock;
    }

    /// <summary>Rents regions for a payload, waiting asynchronously for the budget.</summary>
    /// <exception cref="HoseException"><see cref="HoseStatus.WouldBlock"/> when the region folder is full.</exception>
    internal async ValueTask<RegionPayload> RentAsync(long length, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        long footprint = FootprintOf(length);
        if (footprint > 0 && !await _budget.TakeAsync(footprint, cancellationToken).ConfigureAwait(false))
        {
            throw new HoseException(HoseStatus.TooLarge, $"A payload of {length} bytes needs more than the pool's {MaxLeasedBytes} bytes");
        }

        return TryBuild(length, footprint, out RegionPayload payload, out RegionFolderFullException? full)
            ? payload
            : throw new HoseException(HoseStatus.WouldBlock, full!.Message);
    }

    /// <summary>Gives a payload's regions back (called once, when its last reference is released).</summary>
    void IRegionOwner.Return(RegionPayload payload)
    {
        foreach (RegionPayload.Chunk chunk in payload.Chunks)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                ((IDisposable)chunk.Region).Dispose();
            }
            else
            {
                _idle[IndexOf(chunk.Region.Length)].Return(chunk.Region);
            }
        }

        if (payload.Footprint > 0)
        {
            _budget.Return(payload.Footprint);
        }
    }

    /// <summary>
    /// Unmaps idle regions and deletes every file of the pool, leased ones included (a payload still referenced stays
    /// readable through its mapping and is unmapped when released), then the lock file.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        RegionMetrics.Forget(this);
        foreach (ObjectPool<MappedRegion> pool in _idle)
        {
            (pool as IDisposable)?.Dispose();
        }

        _folder.Dispose();
    }

    /// <summary>
    /// Builds the payload with its pages reserved; on any failure gives back what it took (regions, then budget). A full
    /// folder is false (and counted), not an exception: the caller turns it into a status.
    /// </summary>
    private bool TryBuild(long length, long footprint, out RegionPayload payload, out RegionFolderFullException? full, long claimer = 0)
    {
        full = null;
        try
        {
            try
            {
                payload = Build(length, footprint, claimer);
                return true;
            }
            catch (RegionFolderFullException)
            {
                // Idle regions keep the pages they reserved: give that room back to the file system and try once more.
                if (DropIdleRegions() == 0)
                {
                    throw;
                }

                payload = Build(length, footprint, claimer);
                return true;
            }
        }
        catch (RegionFolderFullException e)
        {
            e.Count();
            RoadrunnerLog.RegionFolderFull(_logger, e.Message);
            full = e;
            payload = null!;
        }
        catch
        {
            ReturnBudget(footprint);
            throw;
        }

        ReturnBudget(footprint);
        return false;
    }

    private RegionPayload Build(long length, long footprint, long claimer)
    {
        int count = (int)((length + LargestRegion - 1) / LargestRegion);
        var chunks = new RegionPayload.Chunk[count];
        int taken = 0;
        try
        {
            long left = length;
            for (int i = 0; i < count; i++)
            {
                int size = (int)Math.Min(left, LargestRegion);
                MappedRegion region = _idle[IndexOf(ClassFor(size))].Get();
                chunks[taken++] = new RegionPayload.Chunk(region, size);
                region.Reserve(size); // before anyone touches the pages: a full folder is an error here, not a SIGBUS later
                Mark(region, size, claimer);
                left -= size;
            }

            return new RegionPayload(this, chunks, length, footprint);
        }
        catch
        {
            // A region could not be created or reserved (e.g. /dev/shm full): hand back what was taken.
            for (int i = 0; i < taken; i++)
            {
                _idle[IndexOf(chunks[i].Region.Length)].Return(chunks[i].Region);
            }

            throw;
        }
    }

    /// <summary>
    /// Records who writes the region next. A guest's claim maps the region's pages into the guest, so bytes another
    /// function left there are cleared first (whole pages: the guest sees them whole); a region that is new or held
    /// only this guest's own bytes is handed over as it is (the common case: a guest reuses the regions it sent).
    /// </summary>
    private static void Mark(MappedRegion region, int size, long claimer)
    {
        if (claimer == 0)
        {
            region.Writer = MappedRegion.AnyWriter;
            return;
        }

        if (region.Writer != 0 && region.Writer != claimer)
        {
            int page = Environment.SystemPageSize;
            region.AsSpan((int)Math.Min(region.Length, ((long)size + page - 1) / page * page)).Clear();
        }

        region.Writer = claimer;
    }

    /// <summary>Unmaps and deletes every idle region (their reserved pages go back to the file system); returns how many.</summary>
    private int DropIdleRegions()
    {
        int dropped = 0;
        t_draining = true; // the idle pools' Get then hands out only what they hold, never a new region
        try
        {
            foreach (ObjectPool<MappedRegion> pool in _idle)
            {
                for (MappedRegion? region = pool.Get(); region is not null; region = pool.Get())
                {
                    ((IDisposable)region).Dispose();
                    dropped++;
                }
            }
        }
        finally
        {
            t_draining = false;
        }

        return dropped;
    }

    private void ReturnBudget(long footprint)
    {
        if (footprint > 0)
        {
            _budget.Return(footprint);
        }
    }

    private int ClassFor(int size)
    {
        foreach (int sizeClass in _sizeClasses)
        {
            if (size <= sizeClass)
            {
                return sizeClass;
            }
        }

        return LargestRegion;
    }

    private int IndexOf(int sizeClass) => Array.IndexOf(_sizeClasses, sizeClass);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Creates regions on demand and keeps returned ones as they are (their bytes are overwritten by the next payload).</summary>
    private sealed class RegionPolicy(RegionPool pool, int size) : IPooledObjectPolicy<MappedRegion>
    {
        public MappedRegion Create()
        {
            if (t_draining)
            {
                return null!; // DropIdleRegions: the pool is empty, stop there
            }

            MappedRegion region = MappedRegion.Create(pool._folder.NextRegionPath(), size, reserveAll: false); // Build reserves what a payload uses
            Interlocked.Add(ref pool._mappedBytes, size);
            RoadrunnerMetrics.RegionsCreated.Add(1);
            region.Disposed += () => Interlocked.Add(ref pool._mappedBytes, -size);
            return region;
        }

        public bool Return(MappedRegion obj) => Volatile.Read(ref pool._disposed) == 0;
    }
}
