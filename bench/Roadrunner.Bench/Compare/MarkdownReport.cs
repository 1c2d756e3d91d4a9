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
        text.AppendLine("| workload | mode | baseline | consumer | payload | fan-out | hose (median) | baseline (median) | ratio | fill hose / baseline | hose path (/ baseline's) | hose alloc/op | baseline alloc/op | peak RSS |");
        text.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|");
        foreach (CompareRecord r in records)
        {
            string ratio = r.Baseline is "memcpy" or MapFloor.BaselineName
                ? string.Create(CultureInfo.InvariantCulture, $"{r.Ratio:0.00} of floor")
                : string.Create(CultureInfo.InvariantCulture, $"**{r.Ratio:0.0}×**");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Workload} | {r.Mode} | {r.Baseline} | {r.Consumer} | {PayloadSizes.Label(r.PayloadBytes)} | {r.FanOut} | {Latency(r.HoseMedianMicros)} | {Latency(r.BaselineMedianMicros)} | {ratio} | {Fill(r.HoseFillMedianMicros)} / {Fill(r.BaselineFillMedianMicros)} | {r.HosePath ?? "-"}{(r.BaselinePath is null ? "" : $" / {r.BaselinePath}")} | {Bytes(r.HoseAllocatedBytesPerOp)} | {Bytes(r.BaselineAllocatedBytesPerOp)} | {Bytes(r.PeakWorkingSetBytes)} |");
        }

        return text.ToString();
    }

    /// <summary>Issue 5's targets (touch consumer), then issue 11's (zero-copy), each marked met, missed or not measured.</summary>
    /// <param name="records">The run's records.</param>
    /// <param name="issue5Extra">More lines for issue 5's list (the latency target), or empty.</param>
    public static string Targets(IReadOnlyList<CompareRecord> records, string issue5Extra = "")
    {
        var text = new StringBuilder();
        text.AppendLine("Targets (issue 5):");
        Check("in-process", "chain in-process vs http-json ≥ 100× at 1 KB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes == PayloadSizes.KB1, 100);
        Check("in-process", "chain in-process vs http-json ≥ 100× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 100);
        Check("in-process", "chain in-process vs http-json-host ≥ 30× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json-host" && r.PayloadBytes >= PayloadSizes.MB1, 30);
        Check("in-process", "chain in-process vs memcpy ≥ 0.7 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes >= PayloadSizes.MB1, 0.7);
        Check("cross-process", "chain cross-process vs http-json ≥ 50× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 50);
        Check("cross-process", "chain cross-process vs memcpy ≥ 0.4 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes >= PayloadSizes.MB1, 0.4);
        Check("network", "chain network vs http-json ≥ 10× at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes >= PayloadSizes.MB1, 10);
        Check("network", "chain network vs socket-pump ≥ 0.8 at ≥ 1 MB", r => r.Workload == "chain" && r.Baseline == "socket-pump" && r.PayloadBytes >= PayloadSizes.MB1, 0.8);
        Check("in-process", "fanout in-process vs http-json ≥ 100× at 10 MB × 10", r => r.Workload == "fanout" && r.Baseline == "http-json" && r.FanOut == 10, 100);

        text.Append(issue5Extra);

        // Issue 11 (zero-copy hops). "today's path" is the same base mode copying once.
        const string InZc = InProcessZeroCopyContender.ModeName;
        const string CrossZc = CrossProcessZeroCopyContender.ModeName;
        text.AppendLine();
        text.AppendLine("Targets (issue 11):");
        Check(InZc, "chain in-process-zero-copy vs http-json ≥ 300× at 10 MB (touch)", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes == PayloadSizes.MB10, 300);
        Check(InZc, "chain in-process-zero-copy vs http-json ≥ 500× at 100 MB (touch; full run)", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes == PayloadSizes.MB100, 500);
        Check(InZc, "chain in-process-zero-copy vs memcpy ≥ 5 at 10 MB (touch)", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes == PayloadSizes.MB10, 5);
        Check(CrossZc, "chain cross-process-zero-copy vs http-json ≥ 200× at 10 MB (touch)", r => r.Workload == "chain" && r.Baseline == "http-json" && r.PayloadBytes == PayloadSizes.MB10, 200);
        Check(InZc, "fanout in-process-zero-copy vs http-json ≥ 200× at 10 MB × 10 (touch)", r => r.Workload == "fanout" && r.Baseline == "http-json" && r.FanOut == 10, 200);
        Check(InZc, "chain in-process-zero-copy vs memcpy then the same read ≥ 1.0 at 10 MB (read-all)", r => r.Workload == "chain" && r.Baseline == "memcpy" && r.PayloadBytes == PayloadSizes.MB10, 1.0, ConsumerWorkNames.ReadAll);
        // Today's path twice: with a fresh payload before every transfer, as the zero-copy producer must write one
        // (like for like), and as today's own records measure it, the same bytes filled once.
        foreach ((string mode, string today) in new[] { (InZc, "in-process"), (CrossZc, "cross-process") })
        {
            string fresh = today + FreshPayloadContender.Suffix;
            Check(mode, $"chain {mode} vs today's path, fresh payload every transfer ({fresh}) ≥ 1.0 at 1 KB and 1 MB (touch)", r => r.Workload == "chain" && r.Baseline == fresh && r.PayloadBytes is PayloadSizes.KB1 or PayloadSizes.MB1, 1.0);
            Check(mode, $"chain {mode} vs today's path, payload filled once ({today}) ≥ 1.0 at 1 KB and 1 MB (touch)", r => r.Workload == "chain" && r.Baseline == today && r.PayloadBytes is PayloadSizes.KB1 or PayloadSizes.MB1, 1.0);
        }

        Check(InZc, "chain in-process-zero-copy vs map-floor ≥ 0.5 at 10 MB (touch)", r => r.Workload == "chain" && r.Baseline == MapFloor.BaselineName && r.PayloadBytes == PayloadSizes.MB10, 0.5);
        foreach (CompareRecord r in records.Where(r => r.HosePath is not null && r.Mode == CrossZc).Take(1))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- note: {CrossZc} payloads took the path: {string.Join("; ", records.Where(x => x.Mode == CrossZc).Select(x => $"{PayloadSizes.Label(x.PayloadBytes)} {x.HosePath}").Distinct())}");
        }

        return text.ToString();

        void Check(string mode, string name, Func<CompareRecord, bool> match, double target, string consumer = ConsumerWorkNames.Touch)
        {
            // Issue 5's targets are for the paper's O(1) consumer; issue 11 says which consumer each target is for.
            CompareRecord[] rows = [.. records.Where(r => r.Mode == mode && r.Consumer == consumer && match(r))];
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

    private static string Fill(double? micros) => micros is double m ? Latency(m) : "-";

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
