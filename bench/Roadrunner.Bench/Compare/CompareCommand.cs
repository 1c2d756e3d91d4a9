using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Compare;

/// <summary>
/// <c>compare</c>: each hose mode against each of its baselines, interleaved (A B A B …), every transfer's payload
/// verified in untimed runs; prints a Markdown table of medians and ratios, optionally writes JSON records and charts.
/// </summary>
internal static class CompareCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        CompareOptions options;
        try
        {
            options = CompareOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (options.Folder is not null)
        {
            Environment.SetEnvironmentVariable(BenchFolder.Variable, options.Folder);
        }

        ComparePlan plan = options.Quick ? ComparePlan.Quick : ComparePlan.Full(options.Huge);
        IHoseMode[] modes = [.. ContenderRegistry.Modes.Where(m => options.Modes.Count == 0 || options.Modes.Contains(m.Name))];
        if (modes.Length == 0)
        {
            Console.Error.WriteLine($"No such mode. Modes: {string.Join(", ", ContenderRegistry.Modes.Select(m => m.Name))}");
            return 2;
        }

        Console.WriteLine($"# Roadrunner compare ({plan.Name}) — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"Machine: {Machine.Describe()}");
        Console.WriteLine($"Zero-copy files: {BenchFolder.Describe()}");
        IReadOnlyList<ConsumerWork> consumers = options.Consumers ?? options.DefaultConsumers;
        Console.WriteLine($"Consumers: {string.Join(", ", consumers.Select(c => c.Name()))}");
        var total = Stopwatch.StartNew();
        var records = new List<CompareRecord>();
        await using (StreamWriter? samples = options.SamplesPath is string path ? new StreamWriter(path) : null)
        {
            foreach (IHoseMode mode in modes)
            {
                IContenderFactory[] baselines = [.. ContenderRegistry.BaselinesOf(mode).Where(b => options.Baselines.Count == 0 || options.Baselines.Contains(b.Name))];
                var log = new PairSampler.BatchLog(samples, total);
                await RunWorkloadAsync("chain", mode, baselines, plan.Chain, consumers, records, log).ConfigureAwait(false);
                if (mode.SupportsFanOut)
                {
                    await RunWorkloadAsync("fanout", mode, [.. baselines.Where(b => b.SupportsFanOut)], plan.FanOut, consumers, records, log).ConfigureAwait(false);
                }
            }
        }

        IReadOnlyList<LatencyReport.Row> latency = modes.Any(m => m.Name == "cross-process") && options.Baselines.Count == 0
            ? await LatencyReport.RunAsync(options.Quick).ConfigureAwait(false)
            : [];
        string latencyTable = latency.Count > 0 ? LatencyReport.Table(latency) + "\n" : "";
        string targets = MarkdownReport.Targets(records, latency.Count > 0 ? LatencyReport.Target(latency) + "\n" : "");

        Console.WriteLine();
        Console.WriteLine(MarkdownReport.Table(records));
        Console.WriteLine(latencyTable);
        Console.WriteLine(targets);
        using (var self = Process.GetCurrentProcess())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Total {total.Elapsed.TotalSeconds:0} s; process peak working set {MarkdownReport.Bytes(self.PeakWorkingSet64)}; GC heap now {MarkdownReport.Bytes(GC.GetTotalMemory(false))}."));
        }

        string results = options.ResultsFolder ?? ResultsFolder();
        Directory.CreateDirectory(results);
        string markdown = Path.Combine(results, $"compare-{plan.Name}.md");
        await File.WriteAllTextAsync(markdown,
            $"Compare ({plan.Name}), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Machine.Describe()}\n\n{MarkdownReport.Table(records)}\n{latencyTable}{targets}").ConfigureAwait(false);
        Console.WriteLine($"Table: {markdown}");
        if (options.JsonPath is string json)
        {
            await using FileStream file = File.Create(json);
            await JsonSerializer.SerializeAsync(file, records, JsonOptions).ConfigureAwait(false);
            Console.WriteLine($"JSON: {Path.GetFullPath(json)}");
        }

        if (options.Plots ?? !options.Quick)
        {
            foreach (string chart in Charts.Write(records, results))
            {
                Console.WriteLine($"Chart: {chart}");
            }
        }

        return 0;
    }

    private static async Task RunWorkloadAsync(string workload, IHoseMode mode, IContenderFactory[] baselines, IReadOnlyList<CompareStep> steps, IReadOnlyList<ConsumerWork> consumers, List<CompareRecord> records, PairSampler.BatchLog log)
    {
        foreach (IGrouping<int, CompareStep> byReceivers in steps.GroupBy(s => s.Receivers))
        {
            int receivers = byReceivers.Key;
            if (baselines.Length == 0 || (receivers > 1 && !mode.SupportsFanOut))
            {
                continue;
            }

            foreach (IContenderFactory factory in baselines)
            {
                // Let what the previous baseline left go before its peak is measured.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                PeakMemory.Reset();
                // A fresh hose for every baseline, as every baseline is fresh: neither starts with the other's history.
                await using IPayloadContender hose = await mode.StartAsync(receivers, CancellationToken.None).ConfigureAwait(false);
                await using IPayloadContender baseline = await factory.StartAsync(receivers, CancellationToken.None).ConfigureAwait(false);
                foreach (CompareStep step in byReceivers)
                {
                    foreach (ConsumerWork consumer in consumers)
                    {
                        if (!await TrySetConsumerAsync(consumer, hose, baseline).ConfigureAwait(false))
                        {
                            continue;
                        }

                        string label = consumer == ConsumerWork.Touch ? $"{workload} {mode.Name}" : $"{workload} {mode.Name} {consumer.Name()}";
                        records.Add(await RunStepAsync(workload, mode.Name, consumer, hose, baseline, step, log with { Label = label }).ConfigureAwait(false));
                        PeakMemory.Reset();
                    }
                }
            }
        }
    }

    /// <summary>Sets both contenders' consumers; false (and a note) when one of them has no such consumer.</summary>
    private static async Task<bool> TrySetConsumerAsync(ConsumerWork consumer, IPayloadContender hose, IPayloadContender baseline)
    {
        try
        {
            await hose.SetConsumerAsync(consumer).ConfigureAwait(false);
            await baseline.SetConsumerAsync(consumer).ConfigureAwait(false);
            return true;
        }
        catch (NotSupportedException e)
        {
            Console.WriteLine($"skipped: {hose.Name} vs {baseline.Name} with the {consumer.Name()} consumer: {e.Message}");
            return false;
        }
    }

    private static async Task<CompareRecord> RunStepAsync(string workload, string mode, ConsumerWork consumer, IPayloadContender hose, IPayloadContender baseline, CompareStep step, PairSampler.BatchLog log)
    {
        int size = step.PayloadBytes;
        int seed = PayloadSizes.SeedFor(size);
        byte[] expected = GC.AllocateUninitializedArray<byte>(size);
        Checksum.FillPattern(expected, seed);
        ulong checksum = Checksum.Compute(expected);
        expected = [];
        await hose.PrepareAsync(size, seed).ConfigureAwait(false);
        if (hose is IZeroCopyContender before)
        {
            _ = await before.TakePathReportAsync().ConfigureAwait(false); // count this pair's payloads only
        }

        await baseline.PrepareAsync(size, seed).ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var clock = Stopwatch.StartNew();
        PairSampler.Result result = await PairSampler.RunAsync(hose, baseline, size, step.Iterations, checksum, log).ConfigureAwait(false);
        var record = new CompareRecord
        {
            Workload = workload,
            Mode = mode,
            Baseline = baseline.Name,
            Consumer = consumer.Name(),
            PayloadBytes = size,
            FanOut = step.Receivers,
            HoseMedianMicros = PairSampler.Median(result.Hose),
            BaselineMedianMicros = PairSampler.Median(result.Baseline),
            Samples = step.Iterations,
            Verified = result.Verified,
            HoseAllocatedBytesPerOp = result.HoseAllocatedPerOp,
            BaselineAllocatedBytesPerOp = result.BaselineAllocatedPerOp,
            PeakWorkingSetBytes = PeakMemory.Read(),
            HoseFillMedianMicros = result.HoseFill.Length > 0 ? PairSampler.Median(result.HoseFill) : null,
            BaselineFillMedianMicros = result.BaselineFill.Length > 0 ? PairSampler.Median(result.BaselineFill) : null,
            HosePath = hose is IZeroCopyContender zeroCopy ? await zeroCopy.TakePathReportAsync().ConfigureAwait(false) : null,
            BaselinePath = baseline is IZeroCopyContender variant ? await variant.TakePathReportAsync().ConfigureAwait(false) : null,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{workload,-6} {mode,-23} vs {record.Baseline,-14} {record.Consumer,-8} {PayloadSizes.Label(size),7} x{step.Receivers,-3} hose {MarkdownReport.Latency(record.HoseMedianMicros),10}  baseline {MarkdownReport.Latency(record.BaselineMedianMicros),10}  ratio {record.Ratio,8:0.00}{Fills(record)}{(record.HosePath is null ? "" : $"  [{record.HosePath}{(record.BaselinePath is null ? "" : $" / {record.BaselinePath}")}]")}  ({clock.Elapsed.TotalSeconds:0.0} s, {result.Verified} verified)"));
        return record;
    }

    private static string Fills(CompareRecord r) => r.HoseFillMedianMicros is null && r.BaselineFillMedianMicros is null
        ? ""
        : $"  fill {(r.HoseFillMedianMicros is double h ? MarkdownReport.Latency(h) : "-")} / {(r.BaselineFillMedianMicros is double b ? MarkdownReport.Latency(b) : "-")}";

    /// <summary>bench/results of the repository this runs from (found by walking up to Roadrunner.sln), else ./bench/results.</summary>
    private static string ResultsFolder()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Roadrunner.sln")))
                {
                    return Path.Combine(dir.FullName, "bench", "results");
                }
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "bench", "results");
    }
}
