using System.Diagnostics;
using System.Globalization;
using System.Text;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Compare;

/// <summary>
/// Times a hose contender (A) and a baseline (B) in alternating batches, A×k B×k A×k …, at most 20 rounds, after an untimed warm-up of
/// each, so machine noise over time hits both alike while each runs in its steady state (every batch starts with one
/// untimed transfer, so the first timed one does not pay for the other contender's cache and thread leftovers). After every batch the
/// contender that just ran is verified byte for byte (untimed): its consumers' checksums against the pattern sent.
/// </summary>
internal static class PairSampler
{
    /// <summary>Untimed pause before every batch.</summary>
    private const int SettleMilliseconds = 5;

    /// <summary>
    /// Where every timed batch is written, one line each (<c>--samples</c>): label, contender, payload bytes, round,
    /// seconds since <paramref name="Clock"/> started, then each transfer's µs. Null <paramref name="Writer"/>: none.
    /// </summary>
    public sealed record BatchLog(TextWriter? Writer, Stopwatch Clock, string Label = "")
    {
        public void Write(string contender, int payloadBytes, int round, List<double> samples, int count)
        {
            if (Writer is null)
            {
                return;
            }

            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"{Label} {contender} {payloadBytes} {round} {Clock.Elapsed.TotalSeconds:F3}");
            foreach (double micros in samples.Skip(samples.Count - count))
            {
                line.Append(CultureInfo.InvariantCulture, $" {micros:F1}");
            }

            Writer.WriteLine(line.ToString());
        }
    }

    /// <summary>
    /// The samples and per-transfer allocations of one pair, and the producers' fill times (µs) of the contenders that
    /// report them (<see cref="IFillTimedContender"/>; empty otherwise).
    /// </summary>
    public sealed record Result(double[] Hose, double[] Baseline, double HoseAllocatedPerOp, double BaselineAllocatedPerOp, int Verified, double[] HoseFill, double[] BaselineFill);

    public static async Task<Result> RunAsync(IPayloadContender hose, IPayloadContender baseline, int payloadBytes, int iterations, ulong checksum, BatchLog log)
    {
        int rounds = Math.Min(iterations, 20);
        int batch = (iterations + rounds - 1) / rounds;
        int warmUp = Math.Clamp(batch, 2, 20);
        var contenders = new[] { hose, baseline };
        var samples = new[] { new List<double>(iterations), new List<double>(iterations) };
        var fills = new[] { new List<double>(iterations), new List<double>(iterations) }; // sized up front: no allocation while timed
        var allocated = new long[2];
        int verified = 0;

        for (int c = 0; c < 2; c++)
        {
            // At least `warmUp` runs, and up to 10 while under 200 ms: fresh receivers fault their pages in over the
            // first few transfers (a 10 MB fan-out to 10 new consumers takes 2-3 runs to settle).
            long warmStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < warmUp || (i < 10 && Stopwatch.GetElapsedTime(warmStart).TotalMilliseconds < 200); i++)
            {
                await contenders[c].TransferAsync(payloadBytes).ConfigureAwait(false);
            }

            verified += await VerifyAsync(contenders[c], payloadBytes, checksum).ConfigureAwait(false);
        }

        for (int round = 0; samples[0].Count < iterations; round++)
        {
            int count = Math.Min(batch, iterations - samples[0].Count);
            for (int turn = 0; turn < 2; turn++)
            {
                // A B, B A, A B, …: each contender follows the other as often as itself. With A B A B the hose always ran
                // right after the baseline, and after a heavy HTTP batch the machine runs slower for a while.
                int c = turn ^ (round & 1);
                IPayloadContender contender = contenders[c];
                List<double> into = samples[c];
                // Let the other contender's leftovers end first: its garbage is collected now, untimed (as BenchmarkDotNet
                // forces a GC before each iteration), not by a background GC that would share the two cores with this
                // batch; thread-pool workers and socket threads spin for a while after their last item. Then one
                // untimed run: the other contender just had the caches.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                await Task.Delay(SettleMilliseconds).ConfigureAwait(false);
                await contender.TransferAsync(payloadBytes).ConfigureAwait(false);
                long before = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < count; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await contender.TransferAsync(payloadBytes).ConfigureAwait(false);
                    double elapsed = Timing.MicrosSince(start);
                    // A zero-copy or fresh-payload contender's transfer includes its producer's fill: it times the hop itself.
                    into.Add(contender is ISelfTimedContender selfTimed ? selfTimed.LastHopMicros : elapsed);
                    if (contender is IFillTimedContender filled)
                    {
                        fills[c].Add(filled.LastFillMicros);
                    }
                }

                allocated[c] += GC.GetTotalAllocatedBytes(precise: true) - before;
                log.Write(contender.Name, payloadBytes, round, into, count);
                verified += await VerifyAsync(contender, payloadBytes, checksum).ConfigureAwait(false);
            }
        }

        return new Result([.. samples[0]], [.. samples[1]], (double)allocated[0] / iterations, (double)allocated[1] / iterations, verified, [.. fills[0]], [.. fills[1]]);
    }

    /// <summary>The median of <paramref name="samples"/>.</summary>
    public static double Median(double[] samples) => LatencySampler.Median(samples);

    private static async Task<int> VerifyAsync(IPayloadContender contender, int payloadBytes, ulong checksum) =>
        await contender.VerifyAsync(payloadBytes, checksum).ConfigureAwait(false)
            ? 1
            : throw new InvalidOperationException($"{contender.Name}: a consumer did not get the {payloadBytes} bytes sent (x{contender.Receivers}).");
}
