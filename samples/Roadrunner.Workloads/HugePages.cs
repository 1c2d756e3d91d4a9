namespace Roadrunner.Workloads;

/// <summary>
/// Whether a folder lies on a tmpfs mounted with huge pages (<c>huge=always</c> or <c>huge=within_size</c>), where a
/// mapped 2 MiB-aligned window costs one page fault per 2 MiB instead of one per 4 KiB (docs/zero-copy.md).
/// </summary>
public static class HugePages
{
    /// <summary>True when <paramref name="folder"/> is on a tmpfs that gives huge pages (read from <c>/proc/self/mounts</c>).</summary>
    /// <param name="folder">The folder; null: the region pool's default (<see cref="MapFloor.DefaultFolder"/>).</param>
    /// <returns>True for huge pages; false otherwise, or where it cannot be told.</returns>
    public static bool InFolder(string? folder)
    {
        const string Mounts = "/proc/self/mounts";
        if (!File.Exists(Mounts))
        {
            return false;
        }

        string path = Path.GetFullPath(folder ?? MapFloor.DefaultFolder);
        string[]? best = null;
        foreach (string line in File.ReadLines(Mounts))
        {
            // device mount-point type options dump pass; the folder's file system is the longest mount point above it.
            string[] fields = line.Split(' ');
            if (fields.Length >= 4 && IsUnder(path, fields[1]) && (best is null || fields[1].Length >= best[1].Length))
            {
                best = fields;
            }
        }

        return best is not null && best[2] == "tmpfs"
            && best[3].Split(',').Any(o => o is "huge=always" or "huge=within_size");
    }

    private static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
}
