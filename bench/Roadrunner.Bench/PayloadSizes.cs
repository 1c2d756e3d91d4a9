namespace Roadrunner.Bench;

/// <summary>The paper's payload sizes (decimal units, as in the demo) and the seed each size's pattern uses.</summary>
public static class PayloadSizes
{
    /// <summary>1 KB.</summary>
    public const int KB1 = 1_000;

    /// <summary>64 KB.</summary>
    public const int KB64 = 64_000;

    /// <summary>1 MB.</summary>
    public const int MB1 = 1_000_000;

    /// <summary>10 MB: also each receiver's payload in fan-out.</summary>
    public const int MB10 = 10_000_000;

    /// <summary>100 MB.</summary>
    public const int MB100 = 100_000_000;

    /// <summary>500 MB: the paper's largest, in its own category (not in the default runs).</summary>
    public const int MB500 = 500_000_000;

    /// <summary>The chain sizes of the default runs.</summary>
    public static IReadOnlyList<int> Chain { get; } = [KB1, KB64, MB1, MB10, MB100];

    /// <summary>The fan-out widths (receivers of one 10 MB payload).</summary>
    public static IReadOnlyList<int> FanOut { get; } = [1, 10, 100];

    /// <summary>The pattern seed for a size (so a stale payload of another size never verifies).</summary>
    /// <param name="payloadBytes">The size.</param>
    /// <returns>The seed.</returns>
    public static int SeedFor(int payloadBytes) => payloadBytes ^ 0x5eed;

    /// <summary>A short label: <c>1 KB</c>, <c>64 KB</c>, <c>10 MB</c>.</summary>
    /// <param name="bytes">The size.</param>
    /// <returns>The label.</returns>
    public static string Label(long bytes) => bytes switch
    {
        >= 1_000_000_000 when bytes % 1_000_000_000 == 0 => $"{bytes / 1_000_000_000} GB",
        >= 1_000_000 => $"{bytes / 1_000_000.0:0.#} MB",
        >= 1_000 => $"{bytes / 1_000.0:0.#} KB",
        _ => $"{bytes} B",
    };
}
