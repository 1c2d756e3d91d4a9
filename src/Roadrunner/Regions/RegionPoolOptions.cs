namespace Roadrunner.Regions;

/// <summary>Settings of a <see cref="RegionPool"/>.</summary>
public sealed class RegionPoolOptions
{
    /// <summary>
    /// Folder that holds the region files. Default: <c>/dev/shm/roadrunner-&lt;user&gt;</c> when <c>/dev/shm</c> exists,
    /// else <c>roadrunner-&lt;user&gt;</c> under the temp folder. Created with mode 0700; region files get mode 0600.
    /// </summary>
    public string? FolderPath { get; set; }

    /// <summary>The size classes a pool uses when <see cref="SizeClasses"/> is null: 64 KiB, 1 MiB, 16 MiB, 64 MiB.</summary>
    public static IReadOnlyList<int> DefaultSizeClasses { get; } = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024, 64 * 1024 * 1024];

    /// <summary>
    /// Region sizes in bytes, multiples of 4096, in any order. A payload takes the smallest class it fits; larger
    /// payloads are split into chunks of the largest class. Default: null, meaning <see cref="DefaultSizeClasses"/>
    /// (null rather than a filled list, so that configuration binding replaces the list instead of appending to it).
    /// </summary>
    public IReadOnlyList<int>? SizeClasses { get; set; }

    /// <summary>
    /// Most bytes of regions leased out at once (payloads in flight). A request beyond it waits or gets
    /// <see cref="HoseStatus.WouldBlock"/>. Default: 2 GiB.
    /// </summary>
    public long MaxLeasedBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Most bytes of idle regions kept mapped for reuse, per size class (at least one region each). Default: 128 MiB.
    /// Mapped bytes never exceed <see cref="MaxLeasedBytes"/> plus this for each class.
    /// </summary>
    public long MaxIdleBytesPerClass { get; set; } = 128L * 1024 * 1024;

    /// <summary>Checks the settings and returns the sorted size classes.</summary>
    internal int[] ValidatedSizeClasses()
    {
        IReadOnlyList<int> sizeClasses = SizeClasses ?? DefaultSizeClasses;
        if (sizeClasses.Count == 0)
        {
            throw new ArgumentException("At least one size class is needed.", nameof(SizeClasses));
        }

        int[] classes = [.. sizeClasses.Order()];
        for (int i = 0; i < classes.Length; i++)
        {
            if (classes[i] < 4096 || classes[i] % 4096 != 0)
            {
                throw new ArgumentException($"Size class {classes[i]} must be a positive multiple of 4096.", nameof(SizeClasses));
            }

            if (i > 0 && classes[i] == classes[i - 1])
            {
                throw new ArgumentException($"Size class {classes[i]} appears twice.", nameof(SizeClasses));
            }
        }

        if (MaxLeasedBytes < classes[^1])
        {
            throw new ArgumentException("MaxLeasedBytes must hold at least one region of the largest class.", nameof(MaxLeasedBytes));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxIdleBytesPerClass);
        return classes;
    }
}
