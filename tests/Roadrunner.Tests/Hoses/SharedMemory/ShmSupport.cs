using System.Buffers;
using System.Runtime.InteropServices;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;
using Roadrunner.Workloads;

namespace Roadrunner.Tests.Hoses.SharedMemory;

/// <summary>Folders, hosts, peers and payloads for the shared-memory tests.</summary>
internal static partial class ShmSupport
{
    /// <summary>A fresh rendezvous folder (memory-backed when /dev/shm exists).</summary>
    public static string NewFolder() =>
        Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "rr-shm-tests-" + Guid.NewGuid().ToString("N")[..12]);

    public static void Delete(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static FunctionHost NewHost(string folder, Microsoft.Extensions.Logging.ILoggerFactory? logs = null) =>
        new(new FunctionHostOptions { Regions = { FolderPath = Path.Combine(folder, "local") } }, loggerFactory: logs);

    public static SharedMemoryOptions Options(string folder) => new() { FolderPath = folder, PeerCheckInterval = TimeSpan.FromMilliseconds(20) };

    /// <summary>Starts a Roadrunner.Peer <c>shm</c> child serving in <paramref name="folder"/>.</summary>
    public static Task<PeerProcess> StartPeerAsync(string folder, CancellationToken cancellationToken, params string[] more) =>
        PeerProcess.StartAsync("shm", ["--dir", folder, .. more], cancellationToken);

    public static string ConsumerGuest => "consumer=" + GuestModules.PathOf(GuestModules.Consumer);

    /// <summary>The peer's test pattern (samples/Roadrunner.Peer/SharedMemoryCommand.cs): seed in the first 4 bytes.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        Fill(bytes, seed);
        return bytes;
    }

    /// <summary>The peer's own pattern (Roadrunner.Peer), so both sides agree byte for byte.</summary>
    public static void Fill(Span<byte> destination, int seed) => Roadrunner.Peer.Pattern.Fill(destination, seed);

    /// <summary>True when the lease holds exactly the pattern of <paramref name="seed"/>.</summary>
    public static bool Matches(HoseLease lease, int seed) => lease.Payload.ToArray().AsSpan().SequenceEqual(Pattern((int)lease.Length, seed));

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; no fixed sleeps.</summary>
    public static bool Eventually(Func<bool> condition, TimeSpan? timeout = null) =>
        SpinWait.SpinUntil(condition, timeout ?? TimeSpan.FromSeconds(20));

    /// <summary>Files in the folder whose name mentions the process <paramref name="pid"/>'s tags.</summary>
    public static string[] FilesOf(string folder, int pid) =>
        [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(n => n!.Contains($"-{pid}-", StringComparison.Ordinal))!];

    public static async Task<HoseLease> ReceiveAsync(IDataHose inbox, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await inbox.ReceiveAsync(timeout.Token);
    }

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    public static void ChangeOwner(string path, uint user) =>
        Assert.That(Chown(path, user, user), Is.Zero, $"chown {path}");

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chown(string path, uint owner, uint group);
}
