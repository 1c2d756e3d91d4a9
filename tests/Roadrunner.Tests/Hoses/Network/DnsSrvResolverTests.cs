using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses.Network;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>The DNS-SRV resolver against a real dnsmasq on 127.0.0.1; time moves only by a manual clock.</summary>
[CancelAfter(60_000)]
public class DnsSrvResolverTests
{
    private const string Zone = Dnsmasq.Zone;
    private const string Node = "node." + Zone;

    [Test]
    public void ResolvesEverySrvRecordWithItsPriorityAndWeight()
    {
        using var dns = Dnsmasq.Start(30, Dnsmasq.Host(Node, "127.0.0.1"),
            Dnsmasq.Srv(Query("pull"), Node, 7003, 20, 0),
            Dnsmasq.Srv(Query("pull"), Node, 7002, 10, 20),
            Dnsmasq.Srv(Query("pull"), Node, 7001, 10, 60));
        var resolver = new DnsSrvResolver(Options(dns), new ManualClock());

        Assert.That(resolver.TryResolveReplicas("pull", out IReadOnlyList<NetworkReplica>? replicas), Is.True);
        Assert.That(replicas, Is.EquivalentTo(new[]
        {
            new NetworkReplica(new IPEndPoint(IPAddress.Loopback, 7001), 10, 60),
            new NetworkReplica(new IPEndPoint(IPAddress.Loopback, 7002), 10, 20),
            new NetworkReplica(new IPEndPoint(IPAddress.Loopback, 7003), 20, 0),
        }));
        Assert.That(resolver.TryResolve("pull", out IReadOnlyList<EndPoint>? endpoints), Is.True);
        Assert.That(endpoints!.Select(e => ((IPEndPoint)e).Port), Is.EqualTo(new[] { 7001, 7002, 7003 }), "preference order: priority, then weight");
    }

    [TestCase(30, 1, 300, 30, TestName = "The record's TTL")]
    [TestCase(0, 5, 300, 5, TestName = "A TTL below the floor keeps the floor")]
    [TestCase(3600, 1, 10, 10, TestName = "A TTL above the ceiling keeps the ceiling")]
    public void ServesTheCachedAnswerForItsTtlThenAsksAgain(int ttl, int min, int max, int effective)
    {
        using var dns = Dnsmasq.Start(ttl, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(Query("pull"), Node, 7001, 0, 0));
        var clock = new ManualClock();
        var resolver = new DnsSrvResolver(Options(dns, o => (o.MinTtl, o.MaxTtl) = (TimeSpan.FromSeconds(min), TimeSpan.FromSeconds(max))), clock);
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7001 }));

        // The pods change; dnsmasq must restart to say so.
        dns.Restart(ttl, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(Query("pull"), Node, 7002, 0, 0), Dnsmasq.Srv(Query("pull"), Node, 7003, 0, 0));
        clock.Advance(TimeSpan.FromSeconds(effective) - TimeSpan.FromMilliseconds(1));
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7001 }), "the old answer until its TTL ends");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(Ports(resolver, "pull"), Is.EquivalentTo(new[] { 7002, 7003 }), "the new answer after it");
    }

    [Test]
    public void ANameWithNoRecordsResolvesToNothingWithAWarningAndAMetric()
    {
        using var dns = Dnsmasq.Start(30, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(Query("pull"), Node, 7001, 0, 0));
        var logger = new ListLogger<DnsSrvResolver>();
        var resolver = new DnsSrvResolver(Options(dns), new ManualClock(), logger);
        string name = "none-" + Guid.NewGuid().ToString("N")[..8];
        using var lookups = new LookupCounter(name);

        Assert.That(resolver.TryResolve(name, out IReadOnlyList<EndPoint>? endpoints), Is.False);
        Assert.That(endpoints, Is.Null);
        Assert.That(logger.At(LogLevel.Warning), Has.One.Contains($"'{name}' ({Query(name)}) has no SRV records (NotExistentDomain)"), string.Join(" | ", logger.Lines));
        Assert.That(lookups.Results, Is.EqualTo(new[] { "empty" }));

        Assert.That(resolver.TryResolveReplicas("not.a-label", out _), Is.False);
        Assert.That(logger.At(LogLevel.Warning), Has.One.Contains("'not.a-label' is not a DNS label"));
    }

    [Test]
    public void ServesTheLastAnswerForABoundedTimeWhileTheServerDoesNotAnswerThenNothing()
    {
        using var dns = Dnsmasq.Start(10, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(Query("pull"), Node, 7001, 0, 0));
        var clock = new ManualClock();
        var logger = new ListLogger<DnsSrvResolver>();
        var resolver = new DnsSrvResolver(Options(dns, o => (o.StaleFor, o.RetryDelay) = (TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5))), clock, logger);
        using var lookups = new LookupCounter("pull");
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7001 }));

        dns.Stop();
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7001 }), "expired, the server is gone: the last answer");
        Assert.That(logger.At(LogLevel.Warning), Has.One.Contains("no answer from DNS").And.Contains("serving the last answer"));
        clock.Advance(TimeSpan.FromSeconds(58)); // 69 s: 10 s TTL + 59 s of the 60 allowed
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7001 }));
        clock.Advance(TimeSpan.FromSeconds(2)); // 71 s
        Assert.That(resolver.TryResolve("pull", out _), Is.False, "too old to serve");
        Assert.That(logger.At(LogLevel.Error), Has.One.Contains("no recent answer to serve"));
        Assert.That(lookups.Results, Is.EqualTo(new[] { "answer", "stale", "stale", "failed" }));

        // The server is back (with other records): the next query, after the retry delay, finds them.
        dns.Restart(10, Dnsmasq.Host(Node, "127.0.0.1"), Dnsmasq.Srv(Query("pull"), Node, 7002, 0, 0));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.That(Ports(resolver, "pull"), Is.EqualTo(new[] { 7002 }));
    }

    internal static string Query(string function) => $"_roadrunner._tcp.{function}.{Zone}";

    internal static DnsSrvResolverOptions Options(Dnsmasq dns, Action<DnsSrvResolverOptions>? configure = null)
    {
        var options = new DnsSrvResolverOptions
        {
            QueryPattern = "_roadrunner._tcp.{function}." + Zone,
            NameServers = [dns.EndPoint.ToString()],
            QueryTimeout = TimeSpan.FromMilliseconds(500),
            QueryRetries = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    private static int[] Ports(DnsSrvResolver resolver, string name) =>
        resolver.TryResolveReplicas(name, out IReadOnlyList<NetworkReplica>? replicas)
            ? [.. replicas.Select(r => ((IPEndPoint)r.EndPoint).Port)]
            : [];

    /// <summary>The <c>result</c> tags of <c>roadrunner.dns.lookups</c> for one function, in order.</summary>
    private sealed class LookupCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string> _results = new();

        public LookupCounter(string function)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RoadrunnerMetrics.MeterName && instrument.Name == "roadrunner.dns.lookups")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                string? f = null, result = null;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    (f, result) = tag.Key switch { "function" => ((string?)tag.Value, result), "result" => (f, (string?)tag.Value), _ => (f, result) };
                }

                if (f == function && result is not null)
                {
                    _results.Enqueue(result);
                }
            });
            _listener.Start();
        }

        public string[] Results => [.. _results];

        public void Dispose() => _listener.Dispose();
    }
}
