using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Roadrunner.Extensions.Hosting;
using Roadrunner.Hosting;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Extensions.Hosting;

/// <summary>The node's health checks report each state: not running, healthy, faulted guests, pool pressure, endpoints.</summary>
public class HealthCheckTests : HostedNodeTest
{
    private string TwoConsumers(string extra = "") => $$"""
        { "Roadrunner": {
            "Host": { "Regions": { "SizeClasses": [ 65536, 1048576 ], "MaxLeasedBytes": 4194304 } },
            "Functions": [ { "Name": "first", "Path": {{Json(CGuests.Consumer)}} },
                           { "Name": "second", "Path": {{Json(WriteModule("second", Guests.PushReceiver))}} } ] {{extra}} } }
        """;

    [Test]
    public async Task EveryCheckIsUnhealthyBeforeTheNodeRuns()
    {
        using IHost host = BuildHealthHost(TwoConsumers());

        HealthReport report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.That(report.Entries["roadrunner-functions"].Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(report.Entries["roadrunner-pool"].Status, Is.EqualTo(HealthStatus.Unhealthy));
    }

    [Test]
    public async Task ARunningNodeIsHealthyAndAFaultedGuestMakesItDegraded()
    {
        using IHost host = BuildHealthHost(TwoConsumers());
        await host.StartAsync(Ct);
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.That((await health.CheckHealthAsync(Ct)).Status, Is.EqualTo(HealthStatus.Healthy));

        WasmFunction second = host.Services.GetRequiredService<FunctionHost>()["second"];
        second.Run(i =>
        {
            i.GetAction("trap_next")!();
            return 0;
        });
        Assert.That(second.Guest.Inbox.TrySend([1]), Is.EqualTo(HoseStatus.PeerFailed), "the handler trapped: the guest is faulted");

        HealthReportEntry functions = (await health.CheckHealthAsync(Ct)).Entries["roadrunner-functions"];
        Assert.That(functions.Status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(functions.Description, Does.Contain("second"));
        await host.StopAsync(Ct);
    }

    [Test]
    public async Task AFullPoolReadsDegradedUntilTheBytesComeBack()
    {
        using IHost host = BuildHealthHost(TwoConsumers());
        await host.StartAsync(Ct);
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        IHoseSender toFirst = host.Services.GetRequiredService<FunctionHost>().Open("first");

        var claims = new List<HoseClaim>();
        for (int i = 0; i < 4; i++)
        {
            claims.Add(await toFirst.ClaimAsync(1048576, Ct)); // 4 x 1 MiB: the whole 4 MiB budget
        }

        Assert.That((await health.CheckHealthAsync(Ct)).Entries["roadrunner-pool"].Status, Is.EqualTo(HealthStatus.Degraded));
        claims.ForEach(c => c.Dispose());

        Assert.That((await health.CheckHealthAsync(Ct)).Entries["roadrunner-pool"].Status, Is.EqualTo(HealthStatus.Healthy));
        await host.StopAsync(Ct);
    }

    [Test]
    public async Task ConfiguredEndpointsAreCheckedAndReportTheirAddress()
    {
        using IHost host = BuildHealthHost(TwoConsumers(""", "Network": { "PreSharedKey": "AAECAwQFBgcICQoLDA0ODw==" }"""));
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.That((await health.CheckHealthAsync(Ct)).Entries["roadrunner-endpoints"].Status, Is.EqualTo(HealthStatus.Unhealthy), "not started yet");

        await host.StartAsync(Ct);
        HealthReportEntry endpoints = (await health.CheckHealthAsync(Ct)).Entries["roadrunner-endpoints"];

        Assert.That(endpoints.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(endpoints.Data["listening"], Does.StartWith("127.0.0.1:"));
        await host.StopAsync(Ct);
    }

    private IHost BuildHealthHost(string json) => BuildHost(json, builder => builder.Services.AddHealthChecks().AddRoadrunner());
}
