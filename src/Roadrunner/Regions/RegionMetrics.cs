using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Roadrunner.Diagnostics;

namespace Roadrunner.Regions;

/// <summary>The gauges of live region pools, on the <see cref="RoadrunnerMetrics.MeterName"/> meter (docs/observability.md).</summary>
internal static class RegionMetrics
{
    private static readonly ConditionalWeakTable<RegionPool, object?> LivePools = [];

    /// <summary>Bytes of regions each live pool has leased out now (payloads in flight); tag <c>folder</c>.</summary>
    private static readonly ObservableGauge<long> LeasedBytes = RoadrunnerMetrics.Meter.CreateObservableGauge("roadrunner.regions.leased_bytes",
        () => LivePools.Select(e => new Measurement<long>(e.Key.LeasedBytes, new KeyValuePair<string, object?>("folder", e.Key.Directory))), "By", "Region bytes leased out");

    /// <summary>Bytes of regions each live pool has mapped now, leased or idle; tag <c>folder</c>.</summary>
    private static readonly ObservableGauge<long> MappedBytes = RoadrunnerMetrics.Meter.CreateObservableGauge("roadrunner.regions.mapped_bytes",
        () => LivePools.Select(e => new Measurement<long>(e.Key.MappedBytes, new KeyValuePair<string, object?>("folder", e.Key.Directory))), "By", "Region bytes mapped");

    /// <summary>Reports <paramref name="pool"/>'s bytes until it is disposed (or collected).</summary>
    public static void Observe(RegionPool pool) => LivePools.AddOrUpdate(pool, null);

    /// <summary>Stops reporting <paramref name="pool"/>.</summary>
    public static void Forget(RegionPool pool) => LivePools.Remove(pool);
}
