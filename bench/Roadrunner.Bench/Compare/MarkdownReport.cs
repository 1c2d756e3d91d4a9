using System.Globalization;
using System.Text;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Compare;

/// <summary>The compare results as a Markdown table (one row per record) plus the targets of issue 5.</summary>
internal static class MarkdownReport
{
    public static string Table(IReadOnlyList<CompareRecord> records)
    {
        var text = new StringBuilder();
        text.AppendLine("| workload | mode | baseline | consumer | payload | fan-out | hose (median) | baseline (median) | ratio | hose alloc/op | baseline alloc/op | peak RSS |");
        text.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (CompareRecord r in records)
        {
            string ratio = r.Baseline == "memcpy"
                ? string.Create(CultureInfo.InvariantCulture, $"{r.Ratio:0.00} of floor")
                : string.Create(CultureInfo.InvariantCulture, $"**{r.Ratio:0.0}×**");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Workload} | {r.Mode} | {r.Baseline} | {r.Consumer} | {PayloadSizes.Label(r.PayloadBytes)} | {r.FanOut} | {Latency(r.HoseMedianMicros)} | {Latency(r.BaselineMedianMicros)} | {ratio} | {Bytes(r.HoseAllocatedBytesPerOp)} | {Bytes(r.BaselineAllocatedBytesPerOp)} | {Bytes(r.PeakWorkingSetBytes)} |");
        }

        return text.ToString();
    }

    /// <summary>The issue's targets, each marked met, missed or not measured.</summary>
    public static string Targets(IReadOnlyList<CompareRecord> records)
    {
        var text = new StringBuilder();
        Check("in-process", "chain in-process vs http-json ≥ 100× at 1 KB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes == PayloadSizes.KB1, 100);
        Check("in-process", "chain in-process vs http-json ≥ 100× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 100);
        Check("in-process", "chain in-process vs http-json-host ≥ 30× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json-host" && r.PayloadBytes >= PayloadSizes.MB1, 30);
        Check("in-process", "chain in-process vs memcpy ≥ 0.7 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes >= PayloadSizes.MB1, 0.7);
        Check("cross-process", "chain cross-process vs http-json ≥ 50× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 50);
        Check("cross-process", "chain cross-process vs memcpy ≥ 0.4 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes >= PayloadSizes.MB1, 0.4);
        Check("network", "chain network vs http-json ≥ 10× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 10);
        Check("network", "chain network vs socket-pump ≥ 0.8 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "socket-pump" && r.PayloadBytes >= PayloadSizes.MB1, 0.8);
        Check("in-process", "fanout in-process vs http-json ≥ 100× at 10 MB × 10", r => r.Workload == "fanout" && r.Baseline == "http-json" && r.FanOut == 10, 100);
        return text.ToString();

        void Check(string mode, string name, Func<CompareRecord, bool> match, double target)
        {
            // Issue 5's targets are for the paper's O(1) consumer.
            CompareRecord[] rows = [.. records.Where(r => r.Mode == mode && r.Consumer == ConsumerWorkNames.Touch && match(r))];
            if (rows.Length == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- not measured: {name}");
                return;
            }

            double worst = rows.Min(r => r.Ratio);
            string verdict = worst >= target ? "met" : "MISSED";
            string values = string.Join(", ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{PayloadSizes.Label(r.PayloadBytes)}{(r.FanOut > 1 ? $"×{r.FanOut}" : "")}: {r.Ratio:0.##}")));
            text.AppendLine(CultureInfo.InvariantCulture, $"- {verdict}: {name} ({values})");
        }
    }

    public static string Latency(double micros) => micros switch
    {
        >= 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1e6:0.0} s"),
        >= 10_000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000:0} ms"),
        >= 1000 => string.Create(CultureInfo.InvariantCulture, $"{micros / 1000:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{micros:0.0} µs"),
    };

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
    };
}
