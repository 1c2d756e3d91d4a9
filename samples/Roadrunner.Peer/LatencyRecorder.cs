using System.Diagnostics;
using System.Globalization;

namespace Roadrunner.Peer;

/// <summary>
/// One-way latencies of timestamped messages: each message starts with the sender's <see cref="Stopwatch"/> timestamp
/// (one monotonic clock for every process on the node), compared with the time it arrived here.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly double[] _micros = new double[100_000];
    private int _count;

    /// <summary>Records a message that arrived now.</summary>
    public void Record(ReadOnlySpan<byte> message)
    {
        long now = Stopwatch.GetTimestamp();
        int slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _micros.Length)
        {
            _micros[slot] = (now - BitConverter.ToInt64(message)) * 1_000_000.0 / Stopwatch.Frequency;
        }
    }

    /// <summary>
    /// Waits (at most a minute) for <paramref name="count"/> messages, then answers "median p99 min p10" in µs and
    /// starts over.
    /// </summary>
    public string Report(int count)
    {
        SpinWait.SpinUntil(() => Volatile.Read(ref _count) >= count, TimeSpan.FromMinutes(1));
        int got = Math.Min(Math.Min(count, Volatile.Read(ref _count)), _micros.Length);
        if (got == 0)
        {
            return "error none";
        }

        double[] sorted = _micros[..got];
        Array.Sort(sorted);
        Interlocked.Exchange(ref _count, 0);
        return string.Create(CultureInfo.InvariantCulture, $"{sorted[got / 2]:0.00} {sorted[Math.Min(got - 1, got * 99 / 100)]:0.00} {sorted[0]:0.00} {sorted[got / 10]:0.00}");
    }
}
