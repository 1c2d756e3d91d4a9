using Roadrunner.Workloads;
using Spectre.Console;

namespace Roadrunner.Demo;

/// <summary>
/// The demo's results: one table per hose mode, the references in their own columns, a legend, and a footnote for
/// every cell where the hose lost to a reference.
/// </summary>
internal static class DemoReport
{
    public static void Write(IReadOnlyList<DemoResult> results)
    {
        var footnotes = new List<string>();
        Dictionary<int, DemoResult> pump = results.Where(r => r.Mode == NetworkContender.PumpName).ToDictionary(r => r.PayloadBytes);
        foreach (IGrouping<string, DemoResult> mode in results.Where(r => r.Mode != NetworkContender.PumpName).GroupBy(r => r.Mode))
        {
            bool withPump = mode.Key == "network" && pump.Count > 0;
            bool withPath = mode.Any(r => r.Path is not null);
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{mode.Key}[/]: {Markup.Escape(Describe(mode.Key))} (medians)");
            table.AddColumns("payload", "hose", "hose GB/s", "HTTP+JSON [grey](reference)[/]", "HTTP GB/s", "speed-up");
            if (withPump)
            {
                table.AddColumns("socket pump [grey](reference)[/]", "vs pump");
            }

            if (withPath)
            {
                table.AddColumn("payloads");
            }

            table.AddColumn("verified");
            foreach (TableColumn column in table.Columns.Skip(1))
            {
                column.RightAligned();
            }

            foreach (DemoResult r in mode)
            {
                var cells = new List<string>
                {
                    DemoResult.Size(r.PayloadBytes),
                    DemoResult.Latency(r.HoseMicros),
                    DemoResult.GigabytesPerSecond(r.PayloadBytes, r.HoseMicros),
                    DemoResult.Latency(r.BaselineMicros),
                    DemoResult.GigabytesPerSecond(r.PayloadBytes, r.BaselineMicros),
                    RatioCell(r, r.BaselineMicros, "HTTP+JSON", footnotes),
                };
                if (withPump)
                {
                    bool known = pump.TryGetValue(r.PayloadBytes, out DemoResult? p);
                    cells.Add(known ? DemoResult.Latency(p!.HoseMicros) : "-");
                    cells.Add(known ? RatioCell(r, p!.HoseMicros, "the socket pump", footnotes) : "-");
                }

                if (withPath)
                {
                    cells.Add(Markup.Escape(r.Path ?? "-"));
                }

                cells.Add($"{r.HoseVerified} + {r.BaselineVerified} ✓");
                table.AddRow([.. cells]);
            }

            AnsiConsole.Write(table);
        }

        AnsiConsole.MarkupLine("[grey]hose: median time of one payload from the producer guest's memory into the consumer guest's: in-process until the consumer's handler[/]");
        AnsiConsole.MarkupLine("[grey]  ran; cross-process and network until its 8-byte ack came back (a round trip, as the HTTP response is for HTTP+JSON).[/]");
        AnsiConsole.MarkupLine("[grey]zero-copy rows: the producer claims a window, fills it in place and commits it; the consumer's window gets the pages mapped[/]");
        AnsiConsole.MarkupLine("[grey]  (no copy) while its handler runs. Timed from claim until the consumer returned (cross-process: until its ack came back), the fill[/]");
        AnsiConsole.MarkupLine("[grey]  not included. payloads: mapped, or copied by the host (below its mapping crossover of 2 MiB, or for a receiver that declines a window).[/]");
        AnsiConsole.MarkupLine("[grey]HTTP+JSON (reference): the same payload as JSON with base64 over HTTP on loopback, encoded and decoded by the guests as functions do it[/]");
        AnsiConsole.MarkupLine("[grey]  today, timed in turns with the hose.[/]");
        AnsiConsole.MarkupLine("[grey]speed-up: HTTP+JSON median ÷ hose median (3.0× = the hose took a third of the time). A ratio below 1× is marked and explained in a footnote.[/]");
        AnsiConsole.MarkupLine("[grey]verified: hose + HTTP transfers of the row (timed and warm-up) whose bytes the consumer checksummed and found equal to those sent: every one, except for a hose whose consumer is in another process, checked after the last transfer of each batch (checking takes round trips to the child, which would slow the next timed hop).[/]");
        if (pump.Count > 0)
        {
            AnsiConsole.MarkupLine("[grey]socket pump (reference): the same bytes over plain TCP between the same two processes, no guests; vs pump: pump median ÷ hose median.[/]");
        }

        foreach (string footnote in footnotes)
        {
            AnsiConsole.MarkupLine(footnote);
        }
    }

    private static string Describe(string mode) => mode switch
    {
        "in-process" => "producer.wasm → consumer.wasm in this process",
        "cross-process" => "consumer.wasm in a child process, over shared memory",
        InProcessZeroCopyContender.ModeName => "zc-producer.wat → zc-consumer.wat in this process, pages mapped",
        CrossProcessZeroCopyContender.ModeName => "zc-consumer.wat in a child process, over shared memory",
        "network" => "consumer.wasm in a child process, over loopback TCP",
        _ => mode,
    };

    /// <summary>Reference time ÷ hose time, or, when the hose lost, a marked cell whose footnote says why that can happen.</summary>
    private static string RatioCell(DemoResult r, double referenceMicros, string reference, List<string> footnotes)
    {
        double ratio = referenceMicros / r.HoseMicros;
        if (ratio >= 1)
        {
            return $"[bold]{ratio:0.0}×[/]";
        }

        footnotes.Add($"[yellow][[{footnotes.Count + 1}]][/] {r.Mode}, {DemoResult.Size(r.PayloadBytes)}: the hose took {DemoResult.Latency(r.HoseMicros)}, " +
            $"{reference} {DemoResult.Latency(referenceMicros)}. {Markup.Escape(WhyItCanLose(r, reference))} Medians swing on a loaded machine: rerun to see whether it repeats.");
        return $"[yellow]{ratio:0.00}× slower [[{footnotes.Count}]][/]";
    }

    private static string WhyItCanLose(DemoResult r, string reference) =>
        reference == "the socket pump"
        ? "The pump only moves bytes from socket to socket; the hose also copies them out of the producer guest and into the consumer guest, frames them and waits for the consumer's ack."
        : r.Path is not null && r.Path.StartsWith("mapped", StringComparison.Ordinal)
        ? "Mapping pages has a fixed cost (system calls, a page fault per page touched, giving the pages back) that pays off only from some size up."
        : r.PayloadBytes < 100_000
        ? "At this size the copies the hose saves are worth little, so the fixed cost of a transfer decides: " + r.Mode switch
        {
            "in-process" or InProcessZeroCopyContender.ModeName => "a call into the consumer guest and the region pool's bookkeeping.",
            "cross-process" or CrossProcessZeroCopyContender.ModeName => "waking the child process and then this one for the ack (futexes), which costs most when other work holds the cores.",
            _ => "a TCP round trip for the payload and its ack, with the credit window's bookkeeping.",
        }
        : "At this size copying dominates and the hose copies less, so a loss means the run was disturbed (other work on the cores, first-touch page faults of new regions).";
}
