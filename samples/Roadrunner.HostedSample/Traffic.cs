using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Hosting;

namespace Roadrunner.HostedSample;

/// <summary>Settings of the sample's traffic.</summary>
internal sealed class TrafficOptions
{
    /// <summary>Send one round, print the health report and stop the app.</summary>
    public bool Once { get; set; }
}

/// <summary>
/// Every second: the producer guest sends 1 MB to "consumer" (guest to guest, one copy), and .NET sends a small
/// payload to the route "everyone" (consumer and auditor); then it logs what each consumer has seen.
/// </summary>
internal sealed partial class Traffic(RoadrunnerNode node, HealthCheckService health, IOptions<TrafficOptions> options, IHostApplicationLifetime lifetime, ILogger<Traffic> logger) : BackgroundService
{
    private const int PayloadBytes = 1_000_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        int round = 0;
        do
        {
            FunctionHost host = node.Host;
            WasmFunction producer = host["producer"];
            int status = producer.Run(i =>
            {
                i.GetFunction<int, int, int>("fill")!(PayloadBytes, ++round);
                return i.GetFunction<int, int>("produce")!(PayloadBytes);
            });
            await host.Open("everyone").SendAsync(BitConverter.GetBytes(round), stoppingToken);
            Round(logger, round, (HoseStatus)status, Count(host, "consumer"), Count(host, "auditor"));

            if (options.Value.Once)
            {
                HealthReport report = await health.CheckHealthAsync(stoppingToken);
                foreach ((string name, HealthReportEntry entry) in report.Entries)
                {
                    Health(logger, name, entry.Status, entry.Description ?? "");
                }

                Console.WriteLine($"health: {report.Status}");
                lifetime.StopApplication();
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static int Count(FunctionHost host, string function) => host[function].Run(i => i.GetFunction<int>("message_count")!());

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Round {Round}: producer → consumer {Status}; messages seen: consumer {Consumer}, auditor {Auditor}")]
    private static partial void Round(ILogger logger, int round, HoseStatus status, int consumer, int auditor);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Health {Check}: {Status} ({Description})")]
    private static partial void Health(ILogger logger, string check, HealthStatus status, string description);
}
