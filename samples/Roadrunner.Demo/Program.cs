using Roadrunner.Demo;
using Roadrunner.Workloads;
using Spectre.Console;

// The README's main command: Wasm functions pass payloads through every hose mode, verified by checksum, next to the
// way it is done today (JSON with base64 over HTTP on loopback), timed interleaved in this process.
bool quick = args.Contains("--quick");
if (!AnsiConsole.Profile.Capabilities.Interactive)
{
    AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 110); // logs and CI: keep the table on one line per row
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("Roadrunner demo: dotnet run -c Release --project samples/Roadrunner.Demo [-- --quick]");
    return 0;
}

DemoPlan plan = quick ? DemoPlan.Quick : DemoPlan.Full;
AnsiConsole.MarkupLine($"[bold]Roadrunner demo[/] — producer.wasm → consumer.wasm through every hose mode, {(quick ? "quick" : "full")} run on {Environment.ProcessorCount} cores");
AnsiConsole.MarkupLine("Every transfer is verified: the consumer guest checksums what it got and the host compares it with the pattern sent.");

var results = new List<DemoResult>();
await using HttpJsonBaseline http = await HttpJsonBaseline.StartAsync(CancellationToken.None);

await AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .StartAsync(async progress =>
    {
        foreach (Func<Task<IPayloadContender>> start in DemoModes.All)
        {
            await using IPayloadContender mode = await start();
            foreach (DemoStep step in plan.Steps)
            {
                ProgressTask task = progress.AddTask($"{mode.Name,-13} {DemoResult.Size(step.PayloadBytes),7}", maxValue: step.Iterations + Math.Min(10, (step.Iterations + 2) / 3));
                results.Add(await ModeVersusHttp.RunAsync(mode, http, step, task));
            }
        }
    });

var table = new Table().Border(TableBorder.Rounded).Title("Roadrunner hose vs HTTP+JSON (medians)");
table.AddColumns("mode", "payload", "hose", "hose GB/s", "HTTP+JSON", "HTTP GB/s", "speed-up", "verified");
foreach (DemoResult r in results)
{
    table.AddRow(
        r.Mode,
        DemoResult.Size(r.PayloadBytes),
        DemoResult.Latency(r.HoseMicros),
        DemoResult.GigabytesPerSecond(r.PayloadBytes, r.HoseMicros),
        DemoResult.Latency(r.BaselineMicros),
        DemoResult.GigabytesPerSecond(r.PayloadBytes, r.BaselineMicros),
        $"[bold]{r.Speedup:0.0}×[/]",
        $"{r.Verified} ✓");
}

AnsiConsole.Write(table);
int latencyCount = quick ? 300 : 1000;
CrossProcessLatency.Comparison spinning = await CrossProcessLatency.MeasureAsync(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(1), count: latencyCount);
CrossProcessLatency.Comparison sleeping = await CrossProcessLatency.MeasureAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), count: latencyCount);
AnsiConsole.MarkupLine($"Cross-process one-way latency, 64 B every 1 ms, .NET → .NET in a child process. Hose, receiver waiting (spinning): median [bold]{spinning.Hose.Median:0.0} µs[/], p10 {spinning.Hose.P10:0.0}, p99 {spinning.Hose.P99:0.0}; receiver asleep on the futex: median {sleeping.Hose.Median:0.0} µs, p10 {sleeping.Hose.P10:0.0}, p99 {sleeping.Hose.P99:0.0}. UNIX socket, reader blocked in recv: median {spinning.UnixSocket.Median:0.0} µs, p10 {spinning.UnixSocket.P10:0.0}, p99 {spinning.UnixSocket.P99:0.0}.");
AnsiConsole.MarkupLine($"[grey]Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}. Latency = one payload from the producer guest's memory into the consumer guest's memory: in-process until the consumer's handler ran; cross-process and network until the consumer's 8-byte ack came back (a round trip, as the HTTP response is for HTTP+JSON, whose guests do the base64 encode/decode as functions do it today). socket-pump: the same bytes over a plain TCP socket between the same two processes, no guests.[/]");
return 0;
