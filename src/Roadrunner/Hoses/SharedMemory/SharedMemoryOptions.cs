using System.Globalization;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>Settings of a <see cref="SharedMemoryEndpoint"/>.</summary>
public sealed class SharedMemoryOptions
{
    /// <summary>
    /// The rendezvous folder: hosts announce their functions here and keep their rings and payload regions here.
    /// Every process that should reach each other uses the same folder. Default: <c>/dev/shm/roadrunner-&lt;uid&gt;/hoses</c>.
    /// Created with mode 0700; refused when it is a symlink or belongs to another user.
    /// </summary>
    public string? FolderPath { get; set; }

    /// <summary>Descriptors one hose (sender → function) holds in flight; a power of two, 2 to 65536. Default: 256.</summary>
    public int RingSlots { get; set; } = 256;

    /// <summary>
    /// Most payload bytes this endpoint's senders hold in shared regions at once, across all its hoses. A payload whose
    /// regions would need more streams through in chunks of the largest region. Default: 256 MiB.
    /// </summary>
    public long MaxBytesInFlight { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest payload sent or accepted; larger ones get <see cref="HoseStatus.TooLarge"/>. Default: 1 GiB.</summary>
    public long MaxPayloadBytes { get; set; } = 1L << 30;

    /// <summary>The sending pool's size classes when <see cref="SizeClasses"/> is null: 64 KiB, 1 MiB, 16 MiB.</summary>
    public static IReadOnlyList<int> DefaultSizeClasses { get; } = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024];

    /// <summary>
    /// Region sizes of the sending pool, multiples of 4096; classes above <see cref="MaxBytesInFlight"/> are left out.
    /// Default: null, meaning <see cref="DefaultSizeClasses"/> (null so that configuration binding replaces the list).
    /// </summary>
    public IReadOnlyList<int>? SizeClasses { get; set; }

    /// <summary>How a side waits for the other: spin then futex (default), futex only, or polling.</summary>
    public SharedMemoryWaitMode WaitMode { get; set; } = SharedMemoryWaitMode.SpinThenFutex;

    /// <summary>
    /// How long a waiter polls (spinning for 2 µs, then yielding between checks) before it blocks on the futex: catches a
    /// peer that answers within microseconds without a system call. Zero blocks at once. Default: 20 µs.
    /// </summary>
    public TimeSpan SpinTime { get; set; } = TimeSpan.FromMicroseconds(20);

    /// <summary>
    /// How long disposing the endpoint drains, each way: its own receive threads take what other processes had already
    /// handed over to it, and its live receivers take what it handed over (that sits in this endpoint's region files,
    /// which are deleted with it). A dead peer is not waited for. Default: 5 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest single block on a futex before the waiter checks that its peer is alive. Default: 50 ms.</summary>
    public TimeSpan PeerCheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Payloads at least this large that a guest sends from a memory kept in a file (<c>FunctionHostOptions.GuestMemoryInFiles</c>)
    /// are not copied into a region: the receiver reads them straight out of the sending guest's memory, one copy between
    /// the two guests instead of two, and <c>send</c> returns once the receiver has taken them. Smaller payloads go
    /// through a region, so the sender need not wait for the receiver. <see cref="long.MaxValue"/> turns it off.
    /// Default: 256 KiB.
    /// </summary>
    public long DirectReadThreshold { get; set; } = 256 * 1024;

    /// <summary>How long a receiver waits for room in a function's inbox before it checks its peer again. Default: 50 ms.</summary>
    internal TimeSpan InboxWaitSlice => PeerCheckInterval;

    /// <summary>The folder in use.</summary>
    internal string ResolvedFolderPath() =>
        Path.GetFullPath(FolderPath ?? Path.Combine(RegionFolder.DefaultPath(), "hoses"));

    /// <summary>The sending pool's settings.</summary>
    internal RegionPoolOptions PoolOptions() => new()
    {
        FolderPath = ResolvedFolderPath(),
        SizeClasses = ClassesThatFit(SizeClasses ?? DefaultSizeClasses),
        MaxLeasedBytes = MaxBytesInFlight,
        // Keep as many idle regions as can be in flight: a payload as large as the bytes in flight then reuses regions
        // (already mapped on both sides) instead of creating and faulting in new files on every send.
        MaxIdleBytesPerClass = MaxBytesInFlight,
    };

    /// <summary>The classes no larger than the bytes in flight (all of them when none is, so validation can say why).</summary>
    private IReadOnlyList<int> ClassesThatFit(IReadOnlyList<int> classes) =>
        classes.Any(c => c <= MaxBytesInFlight) ? [.. classes.Where(c => c <= MaxBytesInFlight)] : classes;

    internal void Validate()
    {
        if (RingSlots < 2 || RingSlots > 65536 || (RingSlots & (RingSlots - 1)) != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"RingSlots must be a power of two from 2 to 65536, not {RingSlots}."), nameof(RingSlots));
        }

        if (SpinTime < TimeSpan.Zero || SpinTime > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(SpinTime), "The spin time must be between zero and one second.");
        }
        if (DrainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DrainTimeout), "The drain timeout cannot be negative.");
        }

        if (PeerCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PeerCheckInterval), "The peer check interval must be positive.");
        }

        _ = PoolOptions().ValidatedSizeClasses();
    }
}

/// <summary>How one side of a shared-memory hose waits for the other.</summary>
public enum SharedMemoryWaitMode
{
    /// <summary>Spin briefly (free when the peer answers within microseconds), then block on a futex in the shared page.</summary>
    SpinThenFutex,

    /// <summary>Block on the futex at once: least CPU, a few microseconds more latency.</summary>
    Futex,

    /// <summary>Spin, then sleep 1 ms at a time; no futex (portable reference).</summary>
    Poll,
}
