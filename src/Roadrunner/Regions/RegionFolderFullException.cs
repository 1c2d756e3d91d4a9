using System.Globalization;
using Roadrunner.Diagnostics;

namespace Roadrunner.Regions;

/// <summary>The region folder's file system (often a small <c>/dev/shm</c>) has no room for the bytes a file needs.</summary>
internal sealed class RegionFolderFullException(string folder, long bytes)
    : IOException(string.Create(CultureInfo.InvariantCulture, $"The region folder '{folder}' is full: no room for {bytes} more bytes (give its file system more room, e.g. a bigger /dev/shm, or move RegionPoolOptions.FolderPath)."))
{
    /// <summary>The folder that is full.</summary>
    public string Folder { get; } = folder;

    /// <summary>Counts the operation this refused (once per refused payload, memory or file) in <see cref="RoadrunnerMetrics.RegionFolderFull"/>.</summary>
    public void Count() => RoadrunnerMetrics.RegionFolderFull.Add(1, new KeyValuePair<string, object?>("folder", Folder));
}
