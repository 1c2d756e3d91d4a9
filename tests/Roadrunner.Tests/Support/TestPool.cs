using Roadrunner.Regions;

namespace Roadrunner.Tests.Support;

/// <summary>Region pools in a private folder per test, so tests never see each other's files.</summary>
internal static class TestPool
{
    public const int Small = 64 * 1024;
    public const int Large = 1024 * 1024;

    /// <summary>A fresh folder under the temp folder (deleted by the caller through <see cref="Delete"/>).</summary>
    public static string NewFolder() => Path.Combine(Path.GetTempPath(), "rr-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>A pool with two small size classes so boundaries and chunking are cheap to test.</summary>
    public static RegionPool Create(string? folder = null, long maxLeased = 16L * 1024 * 1024, long maxIdlePerClass = 4L * 1024 * 1024) =>
        new(new RegionPoolOptions
        {
            FolderPath = folder ?? NewFolder(),
            SizeClasses = [Small, Large],
            MaxLeasedBytes = maxLeased,
            MaxIdleBytesPerClass = maxIdlePerClass,
        });

    public static void Delete(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
