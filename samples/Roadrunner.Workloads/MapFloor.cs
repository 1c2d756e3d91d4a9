using Microsoft.Win32.SafeHandles;
using Roadrunner.Regions;

namespace Roadrunner.Workloads;

/// <summary>
/// The floor of a zero-copy hop: the bare page work one needs, done from .NET with no guest and no hose. The sender's
/// and each receiver's memory are tmpfs files mapped shared (as guest memories in files are), each with a 64 KiB-aligned
/// window; the payload lives in a region file, written once through the sender's window (untimed, in
/// <see cref="PrepareAsync"/>). One transfer: the region's pages are mapped shared over the sender's window (its claim)
/// and the sender's own pages mapped back (its commit); then, for each receiver, the region's pages are mapped
/// copy-on-write over its window, the consumer touches the first and last byte (or reads every byte, one page fault a
/// page: <c>MADV_POPULATE_READ</c> first measured slower here), and the receiver's own pages are mapped back.
/// Verification checksums the payload through a receiver's window. Writing the sender's window between claim and
/// commit, as a guest's fill does, would add tearing down every page-table entry the fill made when the window is
/// given back (an order of magnitude more at 10 MB in short runs); the host's window commits map the sender's
/// memory-file pages instead and give nothing back on the sender's side.
/// </summary>
public sealed unsafe class MapFloor : IPayloadContender
{
    /// <summary>The baseline's name in records and tables.</summary>
    public const string BaselineName = "map-floor";

    /// <summary>
    /// Where a window starts in a memory (what lies below stands for the guest's own data) and how windows and memories
    /// are aligned: the wasm page, as the zero-copy guests' windows; 2 MiB in a folder with huge pages, as theirs then
    /// (<see cref="ZeroCopyChain.HugePages"/>), so a window maps with one page-table entry per 2 MiB.
    /// </summary>
    private readonly int _windowOffset;
    private readonly int _windowAlignment;

    private readonly string _folder;
    private readonly int _receivers;
    private SafeFileHandle? _region;
    private MemoryFile? _sender;
    private MemoryFile[] _consumers = [];
    private long _capacity;
    private ConsumerWork _work;
    private int _first;
    private int _last;
    private ulong _sum;

    private MapFloor(string folder, int receivers)
    {
        _folder = folder;
        _receivers = receivers;
        _windowOffset = _windowAlignment = RegionPool.HasHugePages(folder) ? 2 * 1024 * 1024 : 64 * 1024;
    }

    /// <inheritdoc />
    public string Name => BaselineName;

    /// <inheritdoc />
    public int Receivers => _receivers;

    /// <summary>The folder the region pool uses by default (<c>/dev/shm/roadrunner-&lt;uid&gt;</c>), so both pay the same file system.</summary>
    public static string DefaultFolder =>
        Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"roadrunner-{PageMapping.UserId()}");

    /// <summary>Creates the floor for <paramref name="receivers"/> receivers; files come with the first <see cref="PrepareAsync"/>.</summary>
    /// <param name="receivers">How many receivers map every payload.</param>
    /// <param name="folder">Where the files go (unlinked at once: nothing is left behind), or null for <see cref="DefaultFolder"/>.</param>
    /// <returns>The floor; dispose it to unmap and close everything.</returns>
    public static MapFloor Start(int receivers = 1, string? folder = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(receivers, 1);
        folder ??= DefaultFolder;
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new MapFloor(folder, receivers);
    }

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        long needed = (long)PageMapping.RoundUp(Math.Max(payloadBytes, 1), _windowAlignment);
        if (needed > _capacity)
        {
            Release();
            _region = OpenFile(needed);
            _sender = MemoryFile.Create(OpenFile(_windowOffset + needed), _windowOffset + needed, _windowAlignment);
            _consumers = [.. Enumerable.Range(0, _receivers).Select(_ => MemoryFile.Create(OpenFile(_windowOffset + needed), _windowOffset + needed, _windowAlignment))];
            _capacity = needed;
        }

        // The sender writes the payload through its claimed window, once; no stale bytes past it in its last page.
        nuint length = PageMapping.RoundUp(Math.Max(payloadBytes, 1));
        byte* window = _sender!.Base + _windowOffset;
        PageMapping.MapShared(window, length, _region!, 0);
        Checksum.FillPattern(new Span<byte>(window, payloadBytes), seed);
        new Span<byte>(window + payloadBytes, (int)length - payloadBytes).Clear();
        PageMapping.MapShared(window, length, _sender.Handle, _windowOffset);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        _work = work;
        return ValueTask.CompletedTask;
    }

    /// <summary>The timed part: the sender's claim and commit, then each receiver's map, touch (or read) and restore.</summary>
    /// <param name="payloadBytes">The payload size (at most what <see cref="PrepareAsync"/> wrote).</param>
    public void Transfer(int payloadBytes) => Hop(payloadBytes, verify: null);

    /// <inheritdoc />
    ValueTask IPayloadContender.TransferAsync(int payloadBytes)
    {
        Transfer(payloadBytes);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>A receiver gives its window back at the end of every hop, so this runs one more hop, untimed, in which
    /// every receiver checksums the whole payload while it is mapped, and checks what the last timed hop's consumer saw
    /// (first and last byte, or the sum of every byte).</remarks>
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        (ConsumerWork work, int first, int last, ulong sum) = (_work, _first, _last, _sum);
        bool ok = true;
        Hop(payloadBytes, verify: bytes => ok &= Checksum.Compute(bytes) == checksum
            && (work == ConsumerWork.ReadAll ? Checksum.Sum(bytes) == sum : bytes[0] == first && bytes[^1] == last));
        return ValueTask.FromResult(ok);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Release();
        return ValueTask.CompletedTask;
    }

    private void Hop(int payloadBytes, Action<ReadOnlySpan<byte>>? verify)
    {
        if (_sender is null || payloadBytes <= 0 || payloadBytes > _capacity)
        {
            throw new InvalidOperationException($"map-floor: {payloadBytes} bytes were not prepared.");
        }

        nuint length = PageMapping.RoundUp(payloadBytes);
        SafeFileHandle region = _region!;
        byte* sent = _sender.Base + _windowOffset;
        PageMapping.MapShared(sent, length, region, 0);
        PageMapping.MapShared(sent, length, _sender.Handle, _windowOffset);
        foreach (MemoryFile consumer in _consumers)
        {
            byte* window = consumer.Base + _windowOffset;
            PageMapping.MapPrivate(window, length, region, 0);
            var payload = new ReadOnlySpan<byte>(window, payloadBytes);
            if (verify is not null)
            {
                verify(payload);
            }
            else if (_work == ConsumerWork.ReadAll)
            {
                _sum = Checksum.Sum(payload);
            }
            else
            {
                _first = payload[0];
                _last = payload[^1];
            }

            PageMapping.MapShared(window, length, consumer.Handle, _windowOffset);
        }
    }

    /// <summary>A new file in the folder, unlinked at once (its descriptor keeps it), with its space reserved.</summary>
    private SafeFileHandle OpenFile(long length)
    {
        string path = Path.Combine(_folder, $"map-floor-{Environment.ProcessId}-{Guid.NewGuid():N}");
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None);
        try
        {
            File.Delete(path);
            RandomAccess.SetLength(handle, length);
            PageMapping.Allocate(handle, length);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private void Release()
    {
        foreach (MemoryFile consumer in _consumers)
        {
            consumer.Dispose();
        }

        _consumers = [];
        _sender?.Dispose();
        _sender = null;
        _region?.Dispose();
        _region = null;
        _capacity = 0;
    }

    /// <summary>A memory in a file, mapped shared at an aligned address, as a guest memory in a file is.</summary>
    private sealed class MemoryFile : IDisposable
    {
        private readonly byte* _reservation;
        private readonly nuint _reserved;

        private MemoryFile(SafeFileHandle handle, byte* start, byte* reservation, nuint reserved)
        {
            Handle = handle;
            Base = start;
            _reservation = reservation;
            _reserved = reserved;
        }

        public SafeFileHandle Handle { get; }

        public byte* Base { get; }

        public static MemoryFile Create(SafeFileHandle handle, long length, int alignment)
        {
            byte* start = null;
            nuint reserved = 0;
            try
            {
                byte* aligned = PageMapping.Reserve((nuint)length, (nuint)alignment, out start, out reserved);
                PageMapping.MapShared(aligned, (nuint)length, handle, 0);
                return new MemoryFile(handle, aligned, start, reserved);
            }
            catch
            {
                if (start != null)
                {
                    PageMapping.Unmap(start, reserved);
                }

                handle.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            PageMapping.Unmap(_reservation, _reserved);
            Handle.Dispose();
        }
    }
}
