using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Roadrunner.Diagnostics;

namespace Roadrunner.Hoses;

/// <summary>What hoses report on the <see cref="RoadrunnerMetrics.MeterName"/> meter beyond its counters (docs/observability.md).</summary>
internal static class HoseMetrics
{
    private static readonly ConditionalWeakTable<InProcessHose, object?> LiveInboxes = [];

    /// <summary>Payloads queued in each live inbox now (waiting for a busy or pull receiver); tag <c>function</c>.</summary>
    private static readonly ObservableGauge<int> QueueDepth = RoadrunnerMetrics.Meter.CreateObservableGauge("roadrunner.hose.queue_depth",
        () => LiveInboxes.Select(e => new Measurement<int>(e.Key.QueuedCount, new KeyValuePair<string, object?>("function", e.Key.Name))), "{payload}", "Payloads queued in each inbox");

    /// <summary>Reports <paramref name="inbox"/>'s queue depth until it is disposed (or collected).</summary>
    public static void Observe(InProcessHose inbox) => LiveInboxes.AddOrUpdate(inbox, null);

    /// <summary>Stops reporting <paramref name="inbox"/>.</summary>
    public static void Forget(InProcessHose inbox) => LiveInboxes.Remove(inbox);

    /// <summary>The transport behind a sender, for the <c>mode</c> tag of <c>roadrunner.guest.send.duration</c>.</summary>
    public static string ModeOf(IHoseSender sender) => sender switch
    {
        FanOutBase => "fan-out",
        IInboxTarget => "in-process",
        _ => sender.GetType().Namespace switch
        {
            "Roadrunner.Hoses.SharedMemory" => "cross-process",
            "Roadrunner.Hoses.Network" => "network",
            _ => "other",
        },
    };
}
