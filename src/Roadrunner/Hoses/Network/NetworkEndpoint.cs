using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Connects a host to other nodes over TCP. It listens (on 127.0.0.1 unless configured otherwise) and delivers each
/// authenticated incoming message into the function it names — straight from the socket into an idle push guest's
/// memory, else into a region queued in the function's inbox — answering every message with its delivery status.
/// As an <see cref="IHoseDirectory"/> it resolves names through <see cref="NetworkOptions.Directory"/> to hoses that send
/// over one persistent, flow-controlled connection per peer, so guests keep addressing targets by name. For a
/// <c>FunctionHost</c>, start it with <c>host.StartNetworkEndpoint(options)</c> (<c>Roadrunner.Hosting.FunctionHostEndpoints</c>),
/// which also adds it to the host's directory.
/// </summary>
public sealed class NetworkEndpoint : IHoseDirectory, IAsyncDisposable
{
    [ThreadStatic]
    private static bool t_servingLookup;

    private readonly IHoseDirectory _served;
    private readonly RegionPool _pool;
    private readonly NetworkOptions _options;
    private readonly NetworkListener _listener;
    private readonly ConcurrentDictionary<EndPoint, PeerLink> _links = new();
    private readonly ConcurrentDictionary<string, IHoseSender> _senders = new(StringComparer.Ordinal);
    private readonly ILogger _log;
    private int _disposed;

    /// <summary>Starts an endpoint that serves the names <paramref name="served"/> resolves.</summary>
    /// <param name="served">The local functions and routes peers may send to.</param>
    /// <param name="pool">Where incoming payloads wait when their target cannot take them at once.</param>
    /// <param name="options">Listening address, key, limits; see <see cref="NetworkOptions"/>.</param>
    /// <param name="loggerFactory">Where the endpoint logs (category <c>Roadrunner.Network</c>): dropped connections, unreachable peers, connects; null for nowhere.</param>
    /// <exception cref="ArgumentException">The options are invalid (for example no pre-shared key).</exception>
    public NetworkEndpoint(IHoseDirectory served, RegionPool pool, NetworkOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _served = served;
        _pool = pool;
        _options = options;
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Roadrunner.Network");
        _listener = new NetworkListener(options, ResolveServed, pool, _log);
    }

    /// <summary>The address peers connect to (with the port picked when 0 was configured).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>Connections being served now.</summary>
    public int ServedConnectionCount => _listener.ConnectionCount;

    /// <inheritdoc />
    public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender)
    {
        sender = null;
        if (t_servingLookup || Volatile.Read(ref _disposed) != 0 || _options.Directory is not { } directory)
        {
            return false; // never relay an incoming message to another node
        }

        if (_senders.TryGetValue(name, out sender))
        {
            return true;
        }

        if (directory is INetworkReplicaDirectory replicas && replicas.TryResolveReplicas(name, out _))
        {
            // Replicas: each payload to one of them, looked up again on every send (NetworkReplicaSender).
            sender = _senders.GetOrAdd(name, n => new NetworkReplicaSender(n, replicas, e => Volatile.Read(ref _disposed) != 0 ? null : LinkTo(e, create: true), _options, _pool));
            return true;
        }

        if (!directory.TryResolve(name, out IReadOnlyList<EndPoint>? endpoints) || endpoints.Count == 0)
        {
            return false;
        }

        NetworkSender[] targets = [.. endpoints.Select(e => new NetworkSender(name, LinkTo(e, create: true)!, _options, _pool))];
        sender = _senders.GetOrAdd(name, targets.Length == 1 ? targets[0] : new NetworkFanOutSender(name, targets, _options, _pool));
        return true;
    }

    /// <summary>Stops listening, closes served connections and the connections to peers.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
        foreach (PeerLink link in _links.Values)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        // After the links: what try-sends accepted and still hold in the pool fails at once (Closed) instead of going out.
        foreach (IHoseSender sender in _senders.Values)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The listener serving peers (for tests).</summary>
    internal NetworkListener Listener => _listener;

    /// <summary>The link to <paramref name="endPoint"/>: made on first use when <paramref name="create"/>, else only if one was made (for tests).</summary>
    internal PeerLink? LinkTo(EndPoint endPoint, bool create = false) =>
        create ? _links.GetOrAdd(endPoint, static (e, self) => new PeerLink(e, self._options, self._log), this)
        : _links.TryGetValue(endPoint, out PeerLink? link) ? link : null;

    private IHoseSender? ResolveServed(string name)
    {
        t_servingLookup = true;
        try
        {
            return _served.TryResolve(name, out IHoseSender? sender) ? sender : null;
        }
        finally
        {
            t_servingLookup = false;
        }
    }
}
