using System.Collections.Concurrent;

namespace Roadrunner.Regions;

/// <summary>
/// The file system a folder lies on, and which folders lie on a tmpfs mounted with huge pages (<c>huge=always</c> or <c>huge=within_size</c>, see the
/// kernel's Documentation/filesystems/tmpfs.rst), read from <c>/proc/self/mounts</c> once per folder.
/// </summary>
internal static class HugePageMounts
{
    private const string MountsPath = "/proc/self/mounts";
    private static readonly ConcurrentDictionary<string, bool> s_known = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="folder"/> (a full path) is on a tmpfs that gives huge pages; false where that cannot be told.</summary>
    public static bool Covers(string folder) =>
        s_known.GetOrAdd(folder, static f => File.Exists(MountsPath) && Covers(f, File.ReadLines(MountsPath)));

    /// <summary>The same, from the lines of a mounts table (<c>device mount-point type options dump pass</c>).</summary>
    public static bool Covers(string folder, IEnumerable<string> mounts) =>
        MountOf(folder, mounts) is { Type: "tmpfs" } mount && mount.Options.Split(',').Any(o => o is "huge=always" or "huge=within_size");

    /// <summary>The file system type and mount options of <paramref name="folder"/> (a full path); null where that cannot be told.</summary>
    public static (string Type, string Options)? MountOf(string folder) =>
        File.Exists(MountsPath) ? MountOf(folder, File.ReadLines(MountsPath)) : null;

    /// <summary>The same, from the lines of a mounts table.</summary>
    public static (string Type, string Options)? MountOf(string folder, IEnumerable<string> mounts)
    {
        string[]? best = null;
        foreach (string line in mounts)
        {
            // The folder's file system is the one mounted at the longest mount point above it (the last one wins a tie).
            string[] fields = line.Split(' ');
            if (fields.Length >= 4 && IsUnder(folder, fields[1]) && (best is null || fields[1].Length >= best[1].Length))
            {
                best = fields;
            }
        }

        return best is null ? null : (best[2], best[3]);
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
}
