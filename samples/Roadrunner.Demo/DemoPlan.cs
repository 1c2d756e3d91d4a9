namespace Roadrunner.Demo;

/// <summary>Which payload sizes the demo runs and how many timed transfers each gets.</summary>
internal sealed record DemoPlan(IReadOnlyList<DemoStep> Steps)
{
    private const int KB = 1000;
    private const int MB = 1000 * 1000;

    /// <summary>The full run: 1 KB to 100 MB.</summary>
    public static DemoPlan Full { get; } = new([
        new DemoStep(1 * KB, 300),
        new DemoStep(64 * KB, 100),
        new DemoStep(1 * MB, 30),
        new DemoStep(10 * MB, 8),
        new DemoStep(100 * MB, 3),
    ]);

    /// <summary>The reduced run for <c>--quick</c> (well under a minute).</summary>
    public static DemoPlan Quick { get; } = new([
        new DemoStep(1 * KB, 100),
        new DemoStep(1 * MB, 15),
        new DemoStep(10 * MB, 4),
    ]);
}

/// <summary>One payload size and its number of timed transfers per mode.</summary>
internal sealed record DemoStep(int PayloadBytes, int Iterations);
