using System.Net;

namespace Roadrunner.Hoses.Network;

/// <summary>Settings of a <see cref="DnsSrvResolver"/>: which SRV name to ask for a function, whom to ask, and how long to trust the answer.</summary>
public sealed class DnsSrvResolverOptions
{
    /// <summary>
    /// The SRV name asked for a function: <c>{function}</c> is replaced by the function's name and <c>{namespace}</c> by
    /// <see cref="Namespace"/>. Default: <c>_roadrunner._tcp.{function}.{namespace}.svc.cluster.local</c>, the name
    /// Kubernetes gives the port named <c>roadrunner</c> (protocol TCP) of a headless Service named after the function
    /// (<c>_port-name._protocol.service.namespace.svc.cluster-domain</c>); change <c>cluster.local</c> if the cluster's
    /// domain differs.
    /// </summary>
    public string QueryPattern { get; set; } = "_roadrunner._tcp.{function}.{namespace}.svc.cluster.local";

    /// <summary>What <c>{namespace}</c> stands for in <see cref="QueryPattern"/>. Default: <c>default</c>.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>
    /// The DNS servers to ask, <c>ip</c> (port 53) or <c>ip:port</c> (<c>[ipv6]:port</c>), in order; null or empty asks
    /// the system's resolvers (<c>/etc/resolv.conf</c>, which in a pod points at the cluster's DNS). Default: null.
    /// </summary>
    public IList<string>? NameServers { get; set; }

    /// <summary>How long one query waits for an answer before it counts as unanswered. Default: 2 s.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Further tries of an unanswered query (each waits <see cref="QueryTimeout"/>). Default: 1.</summary>
    public int QueryRetries { get; set; } = 1;

    /// <summary>
    /// Shortest time an answer is kept, whatever its TTL says (so a TTL of 0 does not mean a query per send); also how
    /// long "no records" is remembered. Default: 1 s.
    /// </summary>
    public TimeSpan MinTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest time an answer is kept, whatever its TTL says (pods come and go). Default: 5 min.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after an answer expired it is still served while the DNS servers do not answer (time-out, refusal,
    /// SERVFAIL); after that the name resolves to nothing until they answer again. An answer that says "no records"
    /// ends the old one at once. Default: 5 min.
    /// </summary>
    public TimeSpan StaleFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After an unanswered query, how long the last good answer (or nothing) is served before asking again, so that sends do not each wait for a dead server. Default: 5 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The SRV name for <paramref name="function"/>.</summary>
    internal string QueryFor(string function) =>
        QueryPattern.Replace("{function}", function, StringComparison.Ordinal).Replace("{namespace}", Namespace, StringComparison.Ordinal);

    /// <summary>The parsed <see cref="NameServers"/>.</summary>
    /// <exception cref="ArgumentException">One is not an address.</exception>
    internal IPEndPoint[] NameServerEndPoints() =>
    [
        .. (NameServers ?? []).Select(text => IPEndPoint.TryParse(text, out IPEndPoint? e)
            ? (e.Port == 0 ? new IPEndPoint(e.Address, 53) : e)
            : throw new ArgumentException($"The name server '{text}' is not ip or ip:port.", nameof(NameServers))),
    ];

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or the pattern lacks <c>{function}</c>.</exception>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QueryPattern);
        if (!QueryPattern.Contains("{function}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The query pattern '{QueryPattern}' has no {{function}} placeholder.", nameof(QueryPattern));
        }

        ArgumentNullException.ThrowIfNull(Namespace);
        ArgumentOutOfRangeException.ThrowIfNegative(QueryRetries);
        foreach (TimeSpan t in (TimeSpan[])[QueryTimeout, MinTtl, MaxTtl, RetryDelay])
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(StaleFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinTtl, MaxTtl);
        _ = NameServerEndPoints();
    }
}
