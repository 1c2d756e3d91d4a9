using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Roadrunner.Diagnostics;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Finds the replicas of a function through DNS SRV records (RFC 2782), for example those Kubernetes publishes for
/// every ready pod behind a headless Service: one SRV record per replica, giving its priority, weight, target host and
/// port (see <see cref="DnsSrvResolverOptions.QueryPattern"/> and docs/cluster.md). Each payload goes to ONE replica,
/// chosen by priority and weight (<see cref="INetworkReplicaResolver"/>).
/// </summary>
/// <remarks>
/// <para>Answers are cached for their TTL (the smallest of the SRV records' and of the target addresses'), kept within
/// <see cref="DnsSrvResolverOptions.MinTtl"/> and <see cref="DnsSrvResolverOptions.MaxTtl"/>; the first lookup
/// after expiry asks again on the caller's thread (at most <see cref="DnsSrvResolverOptions.QueryTimeout"/> times
/// 1 + <see cref="DnsSrvResolverOptions.QueryRetries"/>; one query at a time per name, other callers wait for it).</para>
/// <para>When the servers do not answer, the last good answer is served for <see cref="DnsSrvResolverOptions.StaleFor"/>
/// after it expired, asking again every <see cref="DnsSrvResolverOptions.RetryDelay"/>; then the name resolves to
/// nothing. A name with no records (NXDOMAIN, or no SRV record with a reachable target), or that is not a DNS label,
/// resolves to nothing at once. Each such case is logged (warning) and counted (metric <c>roadrunner.dns.lookups</c>).</para>
/// <para>A target's address comes from the answer's additional section, else from an A (then AAAA) query to the same
/// servers; the first address is used. A target of <c>.</c> means "not served here" (RFC 2782) and is skipped.</para>
/// </remarks>
public sealed partial class DnsSrvResolver : INetworkReplicaResolver
{
    private readonly DnsSrvResolverOptions _options;
    private readonly LookupClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Creates a resolver; nothing is asked until a name is resolved.</summary>
    /// <param name="options">The query pattern, servers and cache bounds.</param>
    /// <param name="timeProvider">The clock for TTLs; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where lookups that find nothing or fail are reported; none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DnsSrvResolver(DnsSrvResolverOptions options, TimeProvider? timeProvider = null, ILogger<DnsSrvResolver>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        IPEndPoint[] servers = options.NameServerEndPoints();
        LookupClientOptions lookup = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        lookup.UseCache = false; // this class caches, on its own clock
        lookup.Timeout = options.QueryTimeout;
        lookup.Retries = options.QueryRetries;
        lookup.ThrowDnsErrors = false;
        _client = new LookupClient(lookup);
    }

    /// <summary>
    /// The replicas' endpoints in preference order (priority, then weight); several endpoints here are replicas, not a
    /// fan-out. <see cref="NetworkEndpoint"/> uses <see cref="TryResolveReplicas"/> instead.
    /// </summary>
    /// <inheritdoc />
    public bool TryResolve(string name, [NotNullWhen(true)] out IReadOnlyList<EndPoint>? endpoints)
    {
        endpoints = TryResolveReplicas(name, out IReadOnlyList<NetworkReplica>? replicas)
            ? [.. replicas.OrderBy(r => r.Priority).ThenByDescending(r => r.Weight).Select(r => r.EndPoint)]
            : null;
        return endpoints is not null;
    }

    /// <inheritdoc />
    public bool TryResolveReplicas(string name, [NotNullWhen(true)] out IReadOnlyList<NetworkReplica>? replicas)
    {
        ArgumentNullException.ThrowIfNull(name);
        Entry entry = _entries.GetOrAdd(name, static _ => new Entry());
        State? state = entry.State;
        if (state is null || _time.GetUtcNow() >= state.NextQuery)
        {
            lock (entry)
            {
                state = entry.State;
                DateTimeOffset now = _time.GetUtcNow();
                if (state is null || now >= state.NextQuery)
                {
                    state = entry.State = Lookup(name, state, now);
                }
            }
        }

        replicas = _time.GetUtcNow() < state.ServeUntil ? state.Replicas : null;
        return replicas is { Count: > 0 };
    }

    /// <summary>Asks the servers and makes the next state of <paramref name="name"/> from the answer (or its absence).</summary>
    private State Lookup(string name, State? previous, DateTimeOffset now)
    {
        if (!IsDnsLabel(name))
        {
            LogNotALabel(_logger, name);
            RoadrunnerMetrics.DnsLookup(name, "empty");
            return new State([], now, DateTimeOffset.MaxValue);
        }

        string query = _options.QueryFor(name);
        IDnsQueryResponse response;
        try
        {
            response = _client.Query(query, QueryType.SRV);
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or IOException or TimeoutException or OperationCanceledException)
        {
            return Unanswered(name, query, previous, now, e.Message);
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return Unanswered(name, query, previous, now, response.ErrorMessage);
        }

        TimeSpan ttl = _options.MaxTtl;
        var replicas = new List<NetworkReplica>();
        foreach (SrvRecord srv in response.Answers.SrvRecords())
        {
            if (srv.Target.Value is "." or "")
            {
                continue; // RFC 2782: "the service is decidedly not available at this domain"
            }

            if (AddressOf(srv.Target, response, ref ttl) is not { } address)
            {
                LogNoAddress(_logger, name, srv.Target.Value);
                continue;
            }

            ttl = TimeSpan.FromSeconds(Math.Min(ttl.TotalSeconds, srv.TimeToLive));
            replicas.Add(new NetworkReplica(new IPEndPoint(address, srv.Port), srv.Priority, srv.Weight));
        }

        if (replicas.Count == 0)
        {
            if (previous is null || previous.Replicas.Count > 0)
            {
                LogNoRecords(_logger, name, query, response.Header.ResponseCode.ToString());
            }

            RoadrunnerMetrics.DnsLookup(name, "empty");
            return new State([], now, now + _options.MinTtl);
        }

        ttl = TimeSpan.FromTicks(Math.Clamp(ttl.Ticks, _options.MinTtl.Ticks, _options.MaxTtl.Ticks));
        if (previous is null || !previous.Replicas.OrderBy(Key).SequenceEqual(replicas.OrderBy(Key)))
        {
            LogReplicas(_logger, name, query, replicas.Count, string.Join(", ", replicas.Select(r => $"{r.EndPoint} (priority {r.Priority}, weight {r.Weight})")), ttl);
        }

        RoadrunnerMetrics.DnsLookup(name, "answer");
        return new State(replicas, now + ttl + _options.StaleFor, now + ttl);
    }

    /// <summary>No answer: the last good replicas stay served until their stale limit; ask again after the retry delay.</summary>
    private State Unanswered(string name, string query, State? previous, DateTimeOffset now, string error)
    {
        DateTimeOffset next = now + _options.RetryDelay;
        if (previous is { Replicas.Count: > 0 } && now < previous.ServeUntil)
        {
            LogStale(_logger, name, query, error, previous.ServeUntil);
            RoadrunnerMetrics.DnsLookup(name, "stale");
            // Ask again when the stale answer runs out at the latest, so that its end is noticed (and logged) then.
            return previous with { NextQuery = next < previous.ServeUntil ? next : previous.ServeUntil };
        }

        LogFailed(_logger, name, query, error);
        RoadrunnerMetrics.DnsLookup(name, "failed");
        return new State([], now, next);
    }

    /// <summary>The target's first address (from the answer, else asked for), lowering <paramref name="ttl"/> to the address record's.</summary>
    private IPAddress? AddressOf(DnsString target, IDnsQueryResponse response, ref TimeSpan ttl)
    {
        if (IPAddress.TryParse(target.Value.TrimEnd('.'), out IPAddress? literal))
        {
            return literal;
        }

        AddressRecord? record = Find(response.Additionals, target);
        if (record is null)
        {
            foreach (QueryType type in (QueryType[])[QueryType.A, QueryType.AAAA])
            {
                try
                {
                    IDnsQueryResponse answer = _client.Query(target, type);
                    record = answer.HasError ? null : Find(answer.Answers, target);
                }
                catch (Exception e) when (e is DnsResponseException or SocketException or IOException or TimeoutException or OperationCanceledException)
                {
                    record = null;
                }

                if (record is not null)
                {
                    break;
                }
            }
        }

        if (record is null)
        {
            return null;
        }

        ttl = TimeSpan.FromSeconds(Math.Min(ttl.TotalSeconds, record.TimeToLive));
        return record.Address;
    }

    private static AddressRecord? Find(IEnumerable<DnsResourceRecord> records, DnsString target) =>
        records.OfType<AddressRecord>()
            .OrderBy(r => r is ARecord ? 0 : 1)
            .FirstOrDefault(r => string.Equals(r.DomainName.Value, target.Value, StringComparison.OrdinalIgnoreCase));

    private static string Key(NetworkReplica r) => $"{r.EndPoint}/{r.Priority}/{r.Weight}";

    /// <summary>1–63 letters, digits or hyphens, not starting or ending with a hyphen (RFC 1123).</summary>
    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63 && name[0] != '-' && name[^1] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "'{Name}' ({Query}): {Count} replica(s) for {Ttl}: {Replicas}")]
    private static partial void LogReplicas(ILogger logger, string name, string query, int count, string replicas, TimeSpan ttl);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "'{Name}' ({Query}) has no SRV records ({Code}): it resolves to nothing")]
    private static partial void LogNoRecords(ILogger logger, string name, string query, string code);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "'{Name}': SRV target {Target} has no address; skipped")]
    private static partial void LogNoAddress(ILogger logger, string name, string target);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "'{Name}' ({Query}): no answer from DNS ({Error}); serving the last answer until {Until:O}")]
    private static partial void LogStale(ILogger logger, string name, string query, string error, DateTimeOffset until);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "'{Name}' ({Query}): no answer from DNS ({Error}) and no recent answer to serve: it resolves to nothing")]
    private static partial void LogFailed(ILogger logger, string name, string query, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "'{Name}' is not a DNS label (1-63 letters, digits, '-'): it cannot be looked up and resolves to nothing")]
    private static partial void LogNotALabel(ILogger logger, string name);

    /// <summary>The cache slot of one name; its monitor lets one query run at a time.</summary>
    private sealed class Entry
    {
        public volatile State? State;
    }

    /// <summary>What a name resolves to: <paramref name="Replicas"/> until <paramref name="ServeUntil"/>; asked again from <paramref name="NextQuery"/>.</summary>
    private sealed record State(IReadOnlyList<NetworkReplica> Replicas, DateTimeOffset ServeUntil, DateTimeOffset NextQuery);
}
