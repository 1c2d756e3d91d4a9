using System.Diagnostics;

namespace Roadrunner.Workloads;

/// <summary>
/// Times two contenders in alternating batches (A×k B×k, then B×k A×k, …) so machine noise over time hits both alike,
/// while each contender runs in its steady state rather than in the caches the other one just trashed. The order flips
/// every round so that each follows the other as often as itself: after a heavy batch (HTTP+JSON) the machine runs
/// slower for a while, which with A B A B would always fall on A. Garbage is collected, untimed, before each batch.
/// </summary>
public static class LatencySampler
{
    /// <summary>
    /// Runs each contender <paramref name="iterations"/> times, in <paramref name="rounds"/> alternating batches, after
    /// one untimed warm-up batch each.
    /// </summary>
    /// <param name="iterations">Timed runs per contender.</param>
    /// <param name="rounds">How many batches each contender's runs are split into.</param>
    /// <param name="first">Contender A; returns when its run is complete.</param>
    /// <param name="second">Contender B.</param>
    /// <param name="afterEach">Untimed work after every run (verification), told which contender ran (0 or 1) and
    /// whether the run was the last of its batch (work that would slow the next timed run can wait for that one).</param>
    /// <param name="firstTimed">For a contender A that times its own runs (a zero-copy hop, whose run includes the
    /// producer's fill): what its last run took; null to time A's runs whole.</param>
    /// <returns>The samples of both, in microseconds.</returns>
    public static async Task<(double[] First, double[] Second)> InterleaveAsync(
        int iterations, int rounds, Func<ValueTask> first, Func<ValueTask> second, Action<int, bool>? afterEach = null, Func<double>? firstTimed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        int batch = (iterations + rounds - 1) / rounds;
        var a = new List<double>(iterations);
        var b = new List<double>(iterations);
        await RunBatchAsync(first, 0, Math.Min(batch, 10), null, afterEach, firstTimed).ConfigureAwait(false);
        await RunBatchAsync(second, 1, Math.Min(batch, 10), null, afterEach, null).ConfigureAwait(false);
        for (int round = 0; a.Count < iterations; round++)
        {
            int count = Math.Min(batch, iterations - a.Count);
            if (round % 2 == 0)
            {
                await RunBatchAsync(first, 0, count, a, afterEach, firstTimed).ConfigureAwait(false);
                await RunBatchAsync(second, 1, count, b, afterEach, null).ConfigureAwait(false);
            }
            else
            {
                await RunBatchAsync(second, 1, count, b, afterEach, null).ConfigureAwait(false);
                await RunBatchAsync(first, 0, count, a, afterEach, firstTimed).ConfigureAwait(false);
            }
        }

        return ([.. a], [.. b]);
    }

    /// <summary>The median of <paramref name="samples"/>.</summary>
    /// <param name="samples">Samples (not changed).</param>
    /// <returns>The middle value (mean of the two middle ones for an even count).</returns>
    public static double Median(IReadOnlyCollection<double> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        double[] sorted = [.. samples.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static async ValueTask RunBatchAsync(Func<ValueTask> run, int contender, int count, List<double>? samples, Action<int, bool>? afterEach, Func<double>? timed)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await run().ConfigureAwait(false);
            double micros = timed is null ? Timing.MicrosSince(start) : timed();
            samples?.Add(micros);
            afterEach?.Invoke(contender, i == count - 1);
        }
    }
}
