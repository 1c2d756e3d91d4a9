using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Roadrunner.Hosting;
using Roadrunner.Regions;

namespace Roadrunner.Extensions.Hosting;

/// <summary>Health checks of a <see cref="RoadrunnerNode"/>, tagged <c>roadrunner</c>.</summary>
public static class RoadrunnerHealthChecks
{
    /// <summary>The tag every Roadrunner check carries.</summary>
    public const string Tag = "roadrunner";

    /// <summary>
    /// Adds three checks: <c>roadrunner-functions</c> (Unhealthy when the node is not running or every function is
    /// faulted, Degraded when some are), <c>roadrunner-pool</c> (Degraded when leased region bytes reach
    /// <paramref name="poolDegradedRatio"/> of the budget: senders are about to wait for room) and
    /// <c>roadrunner-endpoints</c> (Unhealthy when a configured endpoint is not running).
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="poolDegradedRatio">Share of <see cref="RegionPool.MaxLeasedBytes"/> in use from which the pool reads Degraded. Default: 0.9.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddRoadrunner(this IHealthChecksBuilder builder, double poolDegradedRatio = 0.9)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(poolDegradedRatio);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(poolDegradedRatio, 1.0);
        return builder
            .Add(new HealthCheckRegistration("roadrunner-functions", sp => new Check(sp, CheckFunctions), null, [Tag]))
            .Add(new HealthCheckRegistration("roadrunner-pool", sp => new Check(sp, node => CheckPool(node, poolDegradedRatio)), null, [Tag]))
            .Add(new HealthCheckRegistration("roadrunner-endpoints", sp => new Check(sp, CheckEndpoints), null, [Tag]));
    }

    internal static HealthCheckResult CheckFunctions(RoadrunnerNode node)
    {
        if (!node.IsRunning)
        {
            return HealthCheckResult.Unhealthy("The Roadrunner node is not running.");
        }

        IReadOnlyCollection<WasmFunction> functions = node.Host.Functions;
        string[] faulted = [.. functions.Where(f => f.Guest.IsFaulted).Select(f => f.Name).Order(StringComparer.Ordinal)];
        var data = new Dictionary<string, object> { ["functions"] = functions.Count, ["faulted"] = faulted };
        if (faulted.Length == 0)
        {
            return HealthCheckResult.Healthy($"{functions.Count} functions running.", data);
        }

        string message = $"Faulted (they receive nothing more): {string.Join(", ", faulted)}.";
        return faulted.Length == functions.Count ? HealthCheckResult.Unhealthy(message, data: data) : HealthCheckResult.Degraded(message, data: data);
    }

    internal static HealthCheckResult CheckPool(RoadrunnerNode node, double degradedRatio)
    {
        if (!node.IsRunning)
        {
            return HealthCheckResult.Unhealthy("The Roadrunner node is not running.");
        }

        RegionPool pool = node.Host.Pool;
        double used = (double)pool.LeasedBytes / pool.MaxLeasedBytes;
        var data = new Dictionary<string, object> { ["leasedBytes"] = pool.LeasedBytes, ["maxLeasedBytes"] = pool.MaxLeasedBytes, ["mappedBytes"] = pool.MappedBytes };
        string message = $"{used:P0} of the region budget leased.";
        return used >= degradedRatio ? HealthCheckResult.Degraded(message + " Senders wait for room (back-pressure).", data: data) : HealthCheckResult.Healthy(message, data);
    }

    internal static HealthCheckResult CheckEndpoints(RoadrunnerNode node, RoadrunnerOptions options)
    {
        var problems = new List<string>();
        var data = new Dictionary<string, object>();
        if (options.SharedMemory is { Enabled: true })
        {
            if (node.SharedMemory is null)
            {
                problems.Add("the shared-memory endpoint is not running");
            }
        }

        if (options.Network is { Enabled: true })
        {
            if (node.Network is { } network)
            {
                data["listening"] = network.LocalEndPoint.ToString();
                data["servedConnections"] = network.ServedConnectionCount;
            }
            else
            {
                problems.Add("the network endpoint is not running");
            }
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy("Every configured endpoint runs.", data)
            : HealthCheckResult.Unhealthy(string.Join("; ", problems) + ".", data: data);
    }

    private sealed class Check(IServiceProvider services, Func<RoadrunnerNode, HealthCheckResult> check) : IHealthCheck
    {
        public Check(IServiceProvider services, Func<RoadrunnerNode, RoadrunnerOptions, HealthCheckResult> check)
            : this(services, node => check(node, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RoadrunnerOptions>>().Value))
        {
        }

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(check(services.GetRequiredService<RoadrunnerNode>()));
    }
}
