using System.Diagnostics;

namespace Roadrunner.Workloads;

/// <summary>
/// Elapsed times in microseconds straight from <see cref="Stopwatch"/> ticks (1 ns here). Not through
/// <see cref="TimeSpan"/>: its 100 ns ticks would round a 0.3 µs hop to 0.3 or 0.4, a 25% step.
/// </summary>
public static class Timing
{
    /// <summary>Microseconds since <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    /// <param name="start">The start timestamp.</param>
    /// <returns>The elapsed time in µs.</returns>
    public static double MicrosSince(long start) => (Stopwatch.GetTimestamp() - start) * 1_000_000.0 / Stopwatch.Frequency;
}
