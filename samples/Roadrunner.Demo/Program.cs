using System.Diagnostics;
using Roadrunner.Demo;
using Roadrunner.Workloads;
using Spectre.Console;

// The README's main command: Wasm functions pass payloads through every hose mode, verified by checksum, next to the
// way it is done today (JSON with base64 over HTTP on loopback), timed interleaved in this process.
var clock = Stopwatch.StartNew();
bool quick = args.Contains("--quick");
if (!AnsiConsole.Profile.Capabilities.Interactive)
{
    AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140); // logs and CI: keep the tables on one line per row
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("Roadrunner demo: dotnet run -c Release --project samples/Roadrunner.Demo [-- --quick]");
    return 0;
}

DemoPlan plan = quick ? DemoPlan.Quick : DemoPlan.Full;
AnsiConsole.MarkupLine($"[bold]Roadrunner demo[/] — producer.wasm → consumer.wasm through every hose mode, {(quick ? "quick" : "full")} run on {Environment.ProcessorCount} cores");
AnsiConsole.MarkupLine("Transfers are verified: the consumer guest checksums what it got and the host compares it with the pattern sent (every transfer in process; across processes the last of each batch).");

await using HttpJsonBaseline http = await HttpJsonBaseline.StartAsync(CancellationToken.None);
List<DemoResult> results = await DemoRunner.RunAsync(plan, http);
DemoReport.Write(results);

int latencyCount = quick ? 300 : 1000;
CrossProcessLatency.Comparison spinning = await CrossProcessLatency.MeasureAsync(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(1), count: latencyCount);
CrossProcessLatency.Comparison sleeping = await CrossProcessLatency.MeasureAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), count: latencyCount);
AnsiConsole.MarkupLine("Cross-process one-way latency, 64 B every 1 ms, .NET → .NET in a child process (median, p10, p99):");
AnsiConsole.MarkupLine($"  hose, receiver waiting (spinning):   [bold]{spinning.Hose.Median:0.0} µs[/], {spinning.Hose.P10:0.0} µs, {spinning.Hose.P99:0.0} µs");
AnsiConsole.MarkupLine($"  hose, receiver asleep on the futex:  {sleeping.Hose.Median:0.0} µs, {sleeping.Hose.P10:0.0} µs, {sleeping.Hose.P99:0.0} µs");
AnsiConsole.MarkupLine($"  UNIX socket, reader blocked in recv: {spinning.UnixSocket.Median:0.0} µs, {spinning.UnixSocket.P10:0.0} µs, {spinning.UnixSocket.P99:0.0} µs");
AnsiConsole.MarkupLine($"[grey]Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}.[/]");
AnsiConsole.MarkupLine($"Total time: [bold]{clock.Elapsed.TotalSeconds:0} s[/]");
return 0;
