using System.Diagnostics.Metrics;

namespace Roadrunner.Diagnostics;

/// <summary>
/// Roadrunner's metrics, published through <see cref="System.Diagnostics.Metrics"/> under the meter named
/// <see cref="MeterName"/> (collect them with OpenTelemetry, <c>dotnet-counters</c> or a <see cref="MeterListener"/>).
/// </summary>
public static class RoadrunnerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Roadrunner";

    /// <summary>
    /// The name of the <see cref="System.Diagnostics.ActivitySource"/> Roadrunner's spans come from (the meter's name):
    /// <c>roadrunner.send</c> and <c>roadrunner.deliver</c>, see docs/observability.md.
    /// </summary>
    public const string ActivitySourceName = MeterName;

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Payloads accepted by hoses; tag <c>path</c> is <c>direct</c> (into an idle receiver) or <c>queued</c> (into regions).</summary>
    internal static readonly Counter<long> Payloads = Meter.CreateCounter<long>("roadrunner.hose.payloads", "{payload}", "Payloads accepted by hoses");

    /// <summary>Payload bytes accepted by hoses, tagged like <see cref="Payloads"/>.</summary>
    internal static readonly Counter<long> PayloadBytes = Meter.CreateCounter<long>("roadrunner.hose.bytes", "By", "Payload bytes accepted by hoses");

    /// <summary>Guest <c>send</c>/<c>try_send</c> calls that failed; tag <c>status</c> is the status name.</summary>
    internal static readonly Counter<long> GuestSendFailures = Meter.CreateCounter<long>("roadrunner.guest.send_failures", "{call}", "Guest sends that returned a failure status");

    /// <summary>
    /// Payloads a push receiver refused (<c>rr_alloc</c> returned 0 or a pointer outside its memory); tag <c>path</c> is
    /// <c>direct</c> (the sender was told <c>PeerFailed</c>) or <c>queued</c> (the sender had been told <c>Ok</c>; the
    /// payload was dropped), tag <c>function</c> the receiver's name.
    /// </summary>
    internal static readonly Counter<long> Refused = Meter.CreateCounter<long>("roadrunner.push.refused", "{payload}", "Payloads refused by a push receiver");

    /// <summary>
    /// Payloads a sender had been told were accepted (<c>Ok</c> from a try-send that queues on the sending side) and that
    /// then failed to go out; tags <c>transport</c> and <c>status</c> (the failure).
    /// </summary>
    internal static readonly Counter<long> Dropped = Meter.CreateCounter<long>("roadrunner.hose.dropped", "{payload}", "Accepted payloads that failed to go out");

    /// <summary>Guests marked faulted after trapping while taking a payload.</summary>
    internal static readonly Counter<long> GuestFaults = Meter.CreateCounter<long>("roadrunner.guest.faults", "{guest}", "Guests faulted by a trap");

    /// <summary>Memory-mapped regions created (reuse keeps this flat).</summary>
    internal static readonly Counter<long> RegionsCreated = Meter.CreateCounter<long>("roadrunner.regions.created", "{region}", "Memory-mapped regions created");

    /// <summary>
    /// Payloads (or guest memories) refused because the region folder's file system had no room for their pages; tag
    /// <c>folder</c> is the folder. The send got a failure status instead of the process a SIGBUS.
    /// </summary>
    internal static readonly Counter<long> RegionFolderFull = Meter.CreateCounter<long>("roadrunner.regions.folder_full", "{refusal}", "Payloads or memories refused because the region folder is full");

    /// <summary>Cross-process payloads the receiver read straight out of the sending guest's memory (one copy between the guests).</summary>
    internal static readonly Counter<long> DirectReads = Meter.CreateCounter<long>("roadrunner.shm.direct_reads", "{payload}", "Cross-process payloads read straight from the sending guest's memory");

    /// <summary>Counts one payload a push receiver refused.</summary>
    internal static void RefusedBy(string function, bool direct)
    {
        if (Refused.Enabled)
        {
            Refused.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("path", direct ? "direct" : "queued"));
        }
    }

    /// <summary>Served network connections the endpoint dropped; tag <c>reason</c>: handshake, protocol, too_slow, idle, stalled or evicted.</summary>
    internal static readonly Counter<long> NetworkConnectionsDropped = Meter.CreateCounter<long>("roadrunner.net.connections_dropped", "{connection}", "Served network connections dropped by the endpoint");

    /// <summary>Counts one dropped served connection.</summary>
    internal static void CountDroppedConnection(Hoses.Network.ConnectionDrop reason)
    {
        if (NetworkConnectionsDropped.Enabled)
        {
            NetworkConnectionsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason switch
            {
                Hoses.Network.ConnectionDrop.Handshake => "handshake",
                Hoses.Network.ConnectionDrop.Protocol => "protocol",
                Hoses.Network.ConnectionDrop.TooSlow => "too_slow",
                Hoses.Network.ConnectionDrop.Idle => "idle",
                Hoses.Network.ConnectionDrop.Evicted => "evicted",
                _ => "stalled",
            }));
        }
    }

    /// <summary>Counts one accepted payload.</summary>
    internal static void Accepted(long bytes, bool direct)
    {
        if (!Payloads.Enabled && !PayloadBytes.Enabled)
        {
            return;
        }

        var path = new KeyValuePair<string, object?>("path", direct ? "direct" : "queued");
        Payloads.Add(1, path);
        PayloadBytes.Add(bytes, path);
    }
}
