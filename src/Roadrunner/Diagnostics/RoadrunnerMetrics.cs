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

    /// <summary>Guests marked faulted after trapping while taking a payload.</summary>
    internal static readonly Counter<long> GuestFaults = Meter.CreateCounter<long>("roadrunner.guest.faults", "{guest}", "Guests faulted by a trap");

    /// <summary>Memory-mapped regions created (reuse keeps this flat).</summary>
    internal static readonly Counter<long> RegionsCreated = Meter.CreateCounter<long>("roadrunner.regions.created", "{region}", "Memory-mapped regions created");

    /// <summary>Cross-process payloads the receiver read straight out of the sending guest's memory (one copy between the guests).</summary>
    internal static readonly Counter<long> DirectReads = Meter.CreateCounter<long>("roadrunner.shm.direct_reads", "{payload}", "Cross-process payloads read straight from the sending guest's memory");

    /// <summary>
    /// DNS-SRV lookups of <see cref="Hoses.Network.DnsSrvNetworkDirectory"/>; tag <c>function</c> the name, tag
    /// <c>result</c> <c>answer</c> (records found), <c>empty</c> (the server said there are none), <c>stale</c> (no answer;
    /// the last good one is served) or <c>failed</c> (no answer and nothing to serve).
    /// </summary>
    internal static readonly Counter<long> DnsLookups = Meter.CreateCounter<long>("roadrunner.dns.lookups", "{lookup}", "DNS-SRV lookups by result");

    /// <summary>Sends that moved on from a replica that could not take the payload; tags <c>function</c>, <c>status</c>.</summary>
    internal static readonly Counter<long> ReplicaFailovers = Meter.CreateCounter<long>("roadrunner.network.replica_failovers", "{attempt}", "Sends moved on to another replica");

    /// <summary>Counts one DNS-SRV lookup.</summary>
    internal static void DnsLookup(string function, string result) =>
        DnsLookups.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("result", result));

    /// <summary>Counts one move to another replica.</summary>
    internal static void ReplicaFailedOver(string function, HoseStatus status) =>
        ReplicaFailovers.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("status", status.ToString()));

    /// <summary>Counts one payload a push receiver refused.</summary>
    internal static void RefusedBy(string function, bool direct)
    {
        if (Refused.Enabled)
        {
            Refused.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("path", direct ? "direct" : "queued"));
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
