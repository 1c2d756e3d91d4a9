using System.Globalization;
using System.Text;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Compare;

/// <summary>
/// One-way latency of 64-byte cross-process messages (the cross-process issue's second target): the shared-memory
/// hose with its receiver spinning or asleep, against a UNIX socket between the same two processes, at two paces.
/// </summary>
internal static class LatencyReport
{
    /// <summary>The target: median one-way latency with the receiver waiting.</summary>
    public const double TargetMicros = 10;

    private const string Waiting = "waiting (spinning)";

    public static async Task<IReadOnlyList<Row>> RunAsync(bool quick)
    {
        int count = quick ? 300 : 1000;
        var rows = new List<Row>();
        foreach (TimeSpan gap in new[] { TimeSpan.FromMicroseconds(100), TimeSpan.FromMilliseconds(1) })
        {
            foreach ((string receiver, TimeSpan spin) in new[] { (Waiting, TimeSpan.FromMilliseconds(2)), ("asleep (futex)", TimeSpan.Zero) })
            {
                CrossProcessLatency.Comparison figures = await CrossProcessLatency.MeasureAsync(spin, gap, count: count).ConfigureAwait(false);
                var row = new Row(gap, receiver, figures);
                rows.Add(row);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"latency cross-process every {Label(gap),-7} receiver {receiver,-18} hose {figures.Hose.Median,7:0.0} µs  UNIX socket {figures.UnixSocket.Median,7:0.0} µs"));
            }
        }

        return rows;
    }

    public static string Table(IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("One-way latency, 64 B, .NET sender → .NET handler in a child process (µs):");
        text.AppendLine();
        text.AppendLine("| every | hose receiver | hose median | hose p10 | hose p99 | UNIX socket median | socket p10 | socket p99 | socket / hose |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Row r in rows)
        {
            CrossProcessLatency.Figures h = r.Figures.Hose;
            CrossProcessLatency.Figures s = r.Figures.UnixSocket;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {Label(r.Gap)} | {r.Receiver} | {h.Median:0.0} | {h.P10:0.0} | {h.P99:0.0} | {s.Median:0.0} | {s.P10:0.0} | {s.P99:0.0} | **{s.Median / h.Median:0.0}×** |");
        }

        return text.ToString();
    }

    public static string Target(IReadOnlyList<Row> rows)
    {
        Row[] waiting = [.. rows.Where(r => r.Receiver == Waiting)];
        string values = string.Join(", ", waiting.Select(r => string.Create(CultureInfo.InvariantCulture, $"every {Label(r.Gap)}: {r.Figures.Hose.Median:0.0} µs")));
        string verdict = waiting.Length > 0 && waiting.All(r => r.Figures.Hose.Median < TargetMicros) ? "met" : "MISSED";
        return $"- {verdict}: cross-process one-way latency < {TargetMicros:0} µs (median) with the receiver waiting ({values})";
    }

    private static string Label(TimeSpan gap) => gap >= TimeSpan.FromMilliseconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{gap.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{gap.TotalMicroseconds:0} µs");

    /// <summary>One pace and receiver state.</summary>
    /// <param name="Gap">Time between messages.</param>
    /// <param name="Receiver">What the hose's receive thread does while it waits.</param>
    /// <param name="Figures">Hose and socket figures.</param>
    public sealed record Row(TimeSpan Gap, string Receiver, CrossProcessLatency.Comparison Figures);
}
