using Roadrunner.Hoses.Network;

namespace Roadrunner.Extensions.Hosting;

/// <summary>
/// The network endpoint: listens for other nodes and reaches the functions <see cref="Peers"/> names. Peers prove a
/// pre-shared key (at least 16 bytes), given inline as base64 or, better, in a file; the key is never logged.
/// </summary>
public sealed class RoadrunnerNetwork
{
    /// <summary>Start the endpoint. Default: true (a present section turns it on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where to listen, <c>ip:port</c> (port 0 picks a free one). Default: <c>127.0.0.1:0</c>.</summary>
    public string Listen { get; set; } = "127.0.0.1:0";

    /// <summary>The pre-shared key as base64. Prefer <see cref="PreSharedKeyFile"/>: configuration is often logged or committed.</summary>
    public string? PreSharedKey { get; set; }

    /// <summary>A file holding the pre-shared key: its raw bytes, or base64 text (a Kubernetes Secret mounted as a file).</summary>
    public string? PreSharedKeyFile { get; set; }

    /// <summary>Functions on other nodes: name → endpoints (<c>host:port</c>); several endpoints each get every payload.</summary>
    public IDictionary<string, string[]> Peers { get; set; } = new Dictionary<string, string[]>(StringComparer.Ordinal);

    /// <summary>
    /// Finds functions through DNS SRV records instead of <see cref="Peers"/>: each function's replicas (for example the
    /// pods behind a Kubernetes headless Service) get one payload each, not every payload (docs/cluster.md). Not with
    /// <see cref="Peers"/>. Null (the default): off.
    /// </summary>
    public DnsSrvResolverOptions? Dns { get; set; }

    /// <summary>Limits and timeouts. <c>ListenEndPoint</c>, <c>PreSharedKey</c> and <c>Resolver</c> here are set from the properties above.</summary>
    public NetworkOptions Options { get; set; } = new();

    /// <summary>Keeps the key out of any log that prints this object.</summary>
    /// <returns>A description without the key.</returns>
    public override string ToString() => $"Network(Listen={Listen}, Peers={Peers.Count}, Key={(PreSharedKey is null && PreSharedKeyFile is null ? "none" : "set")})";
}
