using System.Diagnostics.Metrics;

namespace Roadrunner.Diagnostics;

/// <summary>
/// Roadrunner's metrics, published through <see cref="System.Diagnostics.Metrics"/> under the meter named
/// <see cref="MeterName"/> (collect them with OpenTelemetry, <c>dotnet-counters</c> or a <see cref="MeterListener"/>).
/// Every instrument, its unit and its tags are listed in docs/observability.md; units follow the OpenTelemetry
/// semantic conventions (UCUM: <c>s</c>, <c>By</c>, <c>{payload}</c>).
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

    /// <summary>The meter every Roadrunner instrument belongs to (the layers above add their gauges to it).</summary>
    internal static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>
    /// Payloads accepted by hoses; tag <c>function</c> is the receiving inbox's name, <c>path</c> is <c>direct</c> (into
    /// an idle receiver) or <c>queued</c> (into regions).
    /// </summary>
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

    /// <summary>Guests marked faulted (a trap while taking a payload, or a push past its deadline); tag <c>function</c>.</summary>
    internal static readonly Counter<long> GuestFaults = Meter.CreateCounter<long>("roadrunner.guest.faults", "{guest}", "Guests faulted by a trap");

    /// <summary>
    /// How long a guest's <c>send</c> or <c>try_send</c> took, from the import's entry to its status, in seconds; tags
    /// <c>mode</c> (<c>in-process</c>, <c>cross-process</c>, <c>network</c> or <c>fan-out</c>) and <c>status</c>. For
    /// an idle push receiver it includes the receiver's handler; over the network, the Ack.
    /// </summary>
    internal static readonly Histogram<double> GuestSendDuration = Meter.CreateHistogram("roadrunner.guest.send.duration", "s", "Duration of guest sends",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 0.1, 0.5, 1, 5, 10] });

    /// <summary>Counts a guest that was just marked faulted.</summary>
    internal static void Faulted(string function) => GuestFaults.Add(1, new KeyValuePair<string, object?>("function", function));

    /// <summary>Records one guest send to a <paramref name="mode"/> hose that took <paramref name="startTimestamp"/> (Stopwatch) until now.</summary>
    internal static void GuestSent(string mode, HoseStatus status, long startTimestamp) =>
        GuestSendDuration.Record(
            System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("mode", mode),
            new KeyValuePair<string, object?>("status", status.ToString()));

    /// <summary>Memory-mapped regions created (reuse keeps this flat).</summary>
    internal static readonly Counter<long> RegionsCreated = Meter.CreateCounter<long>("roadrunner.regions.created", "{region}", "Memory-mapped regions created");

    /// <summary>
    /// Payloads (or guest memories) refused because the region folder's file system had no room for their pages; tag
    /// <c>folder</c> is the folder. The send got a failure status instead of the process a SIGBUS.
    /// </summary>
    internal static readonly Counter<long> RegionFolderFull = Meter.CreateCounter<long>("roadrunner.regions.folder_full", "{refusal}", "Payloads or memories refused because the region folder is full");

    /// <summary>Cross-process payloads the receiver read straight out of the sending guest's memory (one copy between the guests).</summary>
    internal static readonly Counter<long> DirectReads = Meter.CreateCounter<long>("roadrunner.shm.direct_reads", "{payload}", "Cross-process payloads read straight from the sending guest's memory");

    /// <summary>
    /// DNS-SRV lookups of <c>DnsSrvResolver</c>; tag <c>function</c> the name, tag
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

    /// <summary>Served network connections the endpoint dropped; tag <c>reason</c>: handshake, protocol, too_slow, idle, stalled or evicted.</summary>
    internal static readonly Counter<long> NetworkConnectionsDropped = Meter.CreateCounter<long>("roadrunner.net.connections_dropped", "{connection}", "Served network connections dropped by the endpoint");

    /// <summary>Counts one dropped served connection; <paramref name="reason"/> is the tag's value.</summary>
    internal static void CountDroppedConnection(string reason)
    {
        if (NetworkConnectionsDropped.Enabled)
        {
            NetworkConnectionsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>
    /// Counts one payload accepted by the inbox <paramref name="function"/>; <paramref name="path"/>: direct (copied
    /// straight into an idle receiver), mapped (its pages mapped into an idle receiver) or queued.
    /// </summary>
    internal static void Accepted(string function, long bytes, string path)
    {
        if (!Payloads.Enabled && !PayloadBytes.Enabled)
        {
            return;
        }

        var name = new KeyValuePair<string, object?>("function", function);
        var pathTag = new KeyValuePair<string, object?>("path", path);
        Payloads.Add(1, name, pathTag);
        PayloadBytes.Add(bytes, name, pathTag);
    }

    /// <summary>
    /// Payloads handed into guests (pushed or received), by how their bytes got there; tags <c>function</c> and
    /// <c>transfer</c>: mapped (file pages mapped into the guest's window, no copy) or copied.
    /// </summary>
    internal static readonly Counter<long> GuestTransfers = Meter.CreateCounter<long>("roadrunner.guest.transfers", "{payload}", "Payloads handed into guests, mapped or copied");

    /// <summary>Counts one payload handed into a guest.</summary>
    internal static void Transferred(string function, bool mapped)
    {
        if (GuestTransfers.Enabled)
        {
            GuestTransfers.Add(
                1,
                new KeyValuePair<string, object?>("function", function),
                new KeyValuePair<string, object?>("transfer", mapped ? "mapped" : "copied"));
        }
    }
}
