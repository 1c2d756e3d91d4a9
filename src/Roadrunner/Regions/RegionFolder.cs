using Microsoft.Extensions.Logging;
using Roadrunner.Diagnostics;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Roadrunner.Regions;

/// <summary>
/// The folder a pool keeps its region files in, owned by this process through a lock file. Files are named
/// <c>rr-&lt;pid&gt;-&lt;owner&gt;-&lt;n&gt;.region</c> (guest memories in files too); the owner part is random, so names cannot be
/// guessed. Disposing deletes every file of the owner, leased or not. On start the folder is swept of the files of
/// owners that are gone: pid not running and lock file (if any) held by nobody.
/// </summary>
internal sealed partial class RegionFolder : IDisposable
{
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly FileStream _lock;
    private long _nextFile;

    private RegionFolder(string path, string ownerTag, FileStream lockFile)
    {
        Path = path;
        OwnerTag = ownerTag;
        _lock = lockFile;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The random part of this owner's file names.</summary>
    public string OwnerTag { get; }

    /// <summary>Default folder: per user, in /dev/shm when it exists (memory-backed), else in the temp folder.</summary>
    public static string DefaultPath()
    {
        string name = $"roadrunner-{UnixFileStatus.CurrentUserId.ToString(CultureInfo.InvariantCulture)}";
        return Directory.Exists("/dev/shm") ? System.IO.Path.Combine("/dev/shm", name) : System.IO.Path.Combine(System.IO.Path.GetTempPath(), name);
    }

    /// <summary>Opens (creating if needed) and checks the folder, sweeps stale files and takes this owner's lock.</summary>
    public static RegionFolder Open(string? path, ILogger logger)
    {
        path = System.IO.Path.GetFullPath(path ?? DefaultPath());
        EnsureSafeFolder(path);
        if (HugePageMounts.MountOf(path) is { Type: not ("tmpfs" or "ramfs") } mount)
        {
            RoadrunnerLog.RegionFolderOnDisk(logger, path, mount.Type);
        }

        int removed = SweepStaleFiles(path);
        if (removed > 0)
        {
            RoadrunnerLog.StaleFilesSwept(logger, removed, path);
        }

        string tag = $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        // FileShare.None takes an exclusive flock: it tells other processes this owner is alive.
        FileStream lockFile = CreatePrivateFile(System.IO.Path.Combine(path, $"rr-{tag}.lock"), FileShare.None);
        return new RegionFolder(path, tag, lockFile);
    }

    /// <summary>Creates a new file that only this user can read and write (mode 0600); fails if it exists.</summary>
    public static FileStream CreatePrivateFile(string path, FileShare share)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    /// <summary>A fresh, unused file path for a region.</summary>
    public string NextRegionPath() =>
        System.IO.Path.Combine(Path, $"rr-{OwnerTag}-{Interlocked.Increment(ref _nextFile).ToString(CultureInfo.InvariantCulture)}.region");

    /// <summary>
    /// Deletes every file of this owner (<c>rr-&lt;tag&gt;-*</c>: regions still leased, guest memories, their links), then
    /// releases and deletes the lock file. A file still mapped here stays usable after its name is gone (Linux keeps
    /// the pages until the last mapping goes); only a peer that has not mapped it yet can no longer open it, and peers
    /// are closed before a pool is disposed.
    /// </summary>
    public void Dispose()
    {
        DeleteFilesOf(Path, OwnerTag);
        string lockPath = _lock.Name;
        _lock.Dispose();
        TryDelete(lockPath);
    }

    /// <summary>Creates the folder 0700, or checks an existing one is a real folder owned by us and closed to others.</summary>
    private static void EnsureSafeFolder(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
                return;
            }

            Directory.CreateDirectory(path, FolderMode);
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!UnixFileStatus.TryRead(path, out UnixFileStatus status))
        {
            return; // not Linux: nothing more we can check
        }

        if (status.IsSymlink || !status.IsDirectory)
        {
            throw new IOException($"Region folder '{path}' is not a plain folder (symlinks are refused).");
        }

        if (status.OwnerId != UnixFileStatus.CurrentUserId)
        {
            throw new IOException($"Region folder '{path}' belongs to user {status.OwnerId}, not to this user.");
        }

        if ((status.Mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                            UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
        {
            File.SetUnixFileMode(path, FolderMode);
        }
    }

    /// <summary>
    /// Deletes the files of owners that are gone: their pid no longer runs and their lock file, if any, is held by
    /// nobody. Owners are found by every <c>rr-&lt;tag&gt;*</c> file, not only lock files, so files a disposed pool could
    /// not delete (its lock file already gone) are found too.
    /// </summary>
    private static int SweepStaleFiles(string folder)
    {
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder, "rr-*"))
        {
            Match match = OwnedFilePattern().Match(System.IO.Path.GetFileName(path));
            if (match.Success)
            {
                tags.Add(match.Groups[1].Value);
            }
        }

        int removed = 0;
        foreach (string tag in tags)
        {
            string lockPath = System.IO.Path.Combine(folder, $"rr-{tag}.lock");
            if (!IsOwnerAlive(lockPath, tag))
            {
                removed += DeleteFilesOf(folder, tag);
                TryDelete(lockPath);
            }
        }

        return removed;
    }

    /// <summary>Deletes the files <c>rr-&lt;tag&gt;-*</c> of one owner (not its lock file).</summary>
    private static int DeleteFilesOf(string folder, string tag)
    {
        int removed = 0;
        try
        {
            foreach (string file in Directory.EnumerateFiles(folder, $"rr-{tag}-*"))
            {
                removed += TryDelete(file) ? 1 : 0;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder is gone or closed to us: nothing of ours left to delete there.
        }

        return removed;
    }

    private static bool IsOwnerAlive(string lockPath, string tag)
    {
        // A live owner's pid still runs; a dead owner's exclusive lock is gone. Check both so neither pid reuse nor
        // a platform without file locks can make us delete a live owner's files. Owners in this very process are
        // alive by definition (and one may be between creating its lock file and locking it).
        int dash = tag.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && int.TryParse(tag.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && (pid == Environment.ProcessId || ProcessExists(pid)))
        {
            return true;
        }

        try
        {
            // No lock file: the owner disposed its pool (or never got that far) and its pid is gone.
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool ProcessExists(int pid) => OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}") : SafeProcessExists(pid);

    private static bool SafeProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Deletes a file if it can; a file that is gone or locked is left to the next sweep.</summary>
    internal static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary><c>rr-&lt;pid&gt;-&lt;16 hex&gt;</c> followed by <c>.lock</c> or <c>-</c> and anything: the owner tag is group 1.</summary>
    [GeneratedRegex("^rr-([0-9]{1,10}-[0-9a-f]{16})(?:\\.lock|-.*)$")]
    private static partial Regex OwnedFilePattern();
}
