using ScottPlot;

namespace Roadrunner.Bench.Compare;

/// <summary>
/// PNG charts of a compare run (ScottPlot): per mode, chain latency against payload size for the hose and each baseline
/// (log-log), and fan-out throughput (receivers × payload / latency) against the number of receivers.
/// </summary>
internal static class Charts
{
    private const int Width = 900;
    private const int Height = 600;

    /// <summary>Writes the charts into <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<CompareRecord> records, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        // One set per mode and consumer; the touch consumer's charts keep their old names.
        foreach (IGrouping<(string Mode, string Consumer), CompareRecord> mode in records.GroupBy(r => (r.Mode, r.Consumer)))
        {
            string suffix = mode.Key.Consumer == Roadrunner.Workloads.ConsumerWorkNames.Touch ? "" : "-" + mode.Key.Consumer;
            string title = mode.Key.Mode + (suffix.Length == 0 ? "" : $", {mode.Key.Consumer} consumer");
            CompareRecord[] chain = [.. mode.Where(r => r.Workload == "chain")];
            if (chain.Select(r => r.PayloadBytes).Distinct().Count() >= 2)
            {
                written.Add(Latency(title, chain, Path.Combine(folder, $"chain-latency-{mode.Key.Mode}{suffix}.png")));
            }

            CompareRecord[] fanOut = [.. mode.Where(r => r.Workload == "fanout")];
            if (fanOut.Length != 0)
            {
                written.Add(Throughput(title, fanOut, Path.Combine(folder, $"fanout-throughput-{mode.Key.Mode}{suffix}.png")));
            }
        }

        return written;
    }

    private static string Latency(string mode, CompareRecord[] chain, string path)
    {
        var plot = new Plot();
        // The hose was timed once per baseline pair: plot the median of those medians.
        var hose = chain.GroupBy(r => r.PayloadBytes).OrderBy(g => g.Key)
            .Select(g => (Size: (double)g.Key, Micros: Median([.. g.Select(r => r.HoseMedianMicros)]))).ToArray();
        AddSeries(plot, $"hose ({mode})", [.. hose.Select(p => p.Size)], [.. hose.Select(p => p.Micros)], width: 3);
        foreach (IGrouping<string, CompareRecord> baseline in chain.GroupBy(r => r.Baseline))
        {
            CompareRecord[] rows = [.. baseline.OrderBy(r => r.PayloadBytes)];
            AddSeries(plot, baseline.Key, [.. rows.Select(r => (double)r.PayloadBytes)], [.. rows.Select(r => r.BaselineMedianMicros)], width: 1.5f);
        }

        LogAxis(plot.Axes.Bottom, v => PayloadSizes.Label((long)Math.Round(v)));
        LogAxis(plot.Axes.Left, v => MarkdownReport.Latency(v));
        plot.Title($"Chain latency, {mode} hose vs baselines (median, log-log)");
        plot.XLabel("payload size");
        plot.YLabel("latency");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string Throughput(string mode, CompareRecord[] fanOut, string path)
    {
        var plot = new Plot();
        var hose = fanOut.GroupBy(r => r.FanOut).OrderBy(g => g.Key)
            .Select(g => (N: (double)g.Key, GBps: GigabytesPerSecond(g.First().PayloadBytes * (double)g.Key, Median([.. g.Select(r => r.HoseMedianMicros)])))).ToArray();
        AddSeries(plot, $"hose ({mode})", [.. hose.Select(p => p.N)], [.. hose.Select(p => p.GBps)], width: 3);
        foreach (IGrouping<string, CompareRecord> baseline in fanOut.GroupBy(r => r.Baseline))
        {
            CompareRecord[] rows = [.. baseline.OrderBy(r => r.FanOut)];
            AddSeries(plot, baseline.Key, [.. rows.Select(r => (double)r.FanOut)], [.. rows.Select(r => GigabytesPerSecond(r.PayloadBytes * (double)r.FanOut, r.BaselineMedianMicros))], width: 1.5f);
        }

        LogAxis(plot.Axes.Bottom, v => $"{Math.Round(v):0}");
        LogAxis(plot.Axes.Left, v => v >= 1 ? $"{v:0.#} GB/s" : $"{v * 1000:0.#} MB/s");
        plot.Title($"Fan-out throughput, 10 MB to N receivers, {mode} hose vs baselines (log-log)");
        plot.XLabel("receivers (N)");
        plot.YLabel("delivered bytes per second (N × payload / latency)");
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>Plots log10 of both coordinates (ScottPlot 5 draws log scales as log data + log tick labels).</summary>
    private static void AddSeries(Plot plot, string label, double[] xs, double[] ys, float width)
    {
        var scatter = plot.Add.Scatter(xs.Select(Math.Log10).ToArray(), ys.Select(Math.Log10).ToArray());
        scatter.LegendText = label;
        scatter.LineWidth = width;
        scatter.MarkerSize = 6;
    }

    private static void LogAxis(IAxis axis, Func<double, string> label)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => label(Math.Pow(10, v)),
        };
    }

    private static double GigabytesPerSecond(double bytes, double micros) => bytes / micros / 1000.0;

    private static double Median(double[] values)
    {
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
