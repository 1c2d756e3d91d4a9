namespace Roadrunner.Bench.Compare;

/// <summary>What the <c>compare</c> command runs: chain sizes and fan-out widths, each with its number of timed transfers.</summary>
internal sealed record ComparePlan(string Name, IReadOnlyList<CompareStep> Chain, IReadOnlyList<CompareStep> FanOut)
{
    /// <summary>The quick run (under 3 minutes on 2 cores): 1 KB, 1 MB, 10 MB and fan-out 10 × 10 MB.</summary>
    public static ComparePlan Quick { get; } = new(
        "quick",
        [new(PayloadSizes.KB1, 1, 300), new(PayloadSizes.MB1, 1, 100), new(PayloadSizes.MB10, 1, 30)],
        [new(PayloadSizes.MB10, 10, 8)]);

    /// <summary>The full run: 1 KB to 100 MB, fan-out 1, 10, 100 × 10 MB (500 MB with <c>--huge</c>).</summary>
    /// <param name="huge">Adds the 500 MB chain.</param>
    /// <returns>The plan.</returns>
    public static ComparePlan Full(bool huge) => new(
        "full",
        [
            new(PayloadSizes.KB1, 1, 1000), new(PayloadSizes.KB64, 1, 400), new(PayloadSizes.MB1, 1, 200),
            new(PayloadSizes.MB10, 1, 60), new(PayloadSizes.MB100, 1, 12),
            .. huge ? new[] { new CompareStep(PayloadSizes.MB500, 1, 3) } : [],
        ],
        [new(PayloadSizes.MB10, 1, 30), new(PayloadSizes.MB10, 10, 12), new(PayloadSizes.MB10, 100, 4)]);
}

/// <summary>One payload size and receiver count, and how many timed transfers each contender gets.</summary>
internal sealed record CompareStep(int PayloadBytes, int Receivers, int Iterations);
