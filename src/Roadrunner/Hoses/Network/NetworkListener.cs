using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Accepts connections on the configured endpoint (loopback by default) and runs a <see cref="ServerConnection"/> for
/// each. A watchdog drops connections whose peer sends a frame slower than the minimum rate; at
/// <see cref="NetworkOptions.MaxConnections"/> a newcomer takes the place of the oldest connection still in its
/// handshake, so unauthenticated peers cannot keep authenticated ones out.
/// </summary>
internal sealed class NetworkListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly NetworkOptions _options;
    private readonly Func<string, IHoseSender?> _resolve;
    private readonly RegionPool _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<ServerConnection, Thread> _connections = new();
    private readonly Thread _accepting;
    private readonly Timer _watchdog;
    private readonly object _watching = new();
    private int _tooSlow;
    private readonly ILogger _log;

    public NetworkListener(NetworkOptions options, Func<string, IHoseSender?> resolve, RegionPool pool, ILogger log)
    {
        _log = log;
        _options = options;
        _resolve = resolve;
        _pool = pool;
        Share = new ReceiveShare(pool, options.ReceiveBudgetShare);
        _listener = new Socket(options.ListenEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(options.ListenEndPoint);
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = new Thread(AcceptLoop) { IsBackground = true, Name = "roadrunner-net-accept" };
        _accepting.Start();
        // Checked a few times per window, so a slow peer goes at most about two windows after it fell behind.
        TimeSpan period = TimeSpan.FromMilliseconds(Math.Clamp(options.MinReceiveRateGracePeriod.TotalMilliseconds / 4, 10, 1000));
        _watchdog = new Timer(static state => ((NetworkListener)state!).Watch(), this, period, period);
    }

    /// <summary>How the region budget is shared between the served connections.</summary>
    public ReceiveShare Share { get; }

    /// <summary>Connections dropped for sending slower than the minimum rate (for tests and diagnostics).</summary>
    public int TooSlowDrops => Volatile.Read(ref _tooSlow);

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Blocking accepts on a dedicated thread, so accepted sockets stay in blocking mode.</summary>
    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (_connections.Count >= _options.MaxConnections && !EvictOneInHandshake())
            {
                socket.Dispose();
                continue;
            }

            // One thread per connection with blocking socket calls (see BlockingReadStream); MaxConnections bounds them.
            var connection = new ServerConnection(socket, _options, _resolve, _pool, Share, _log);
            var thread = new Thread(() =>
            {
                connection.Run();
                _connections.TryRemove(connection, out _);
            })
            {
                IsBackground = true,
                Name = "roadrunner-net-serve",
            };
            _connections[connection] = thread;
            thread.Start();
        }
    }

    /// <summary>Closes the oldest connection that has not authenticated yet; false when every one has.</summary>
    private bool EvictOneInHandshake()
    {
        ServerConnection? oldest = _connections.Keys.Where(c => !c.IsAuthenticated).MinBy(c => c.AcceptedAt);
        if (oldest is null)
        {
            return false;
        }

        oldest.Drop(ConnectionDrop.Evicted);
        _connections.TryRemove(oldest, out _); // its thread ends on its own; the slot is free now
        return true;
    }

    private void Watch()
    {
        if (!Monitor.TryEnter(_watching))
        {
            return; // the previous check still runs
        }

        try
        {
            long now = Environment.TickCount64;
            foreach (ServerConnection connection in _connections.Keys)
            {
                if (connection.IsTooSlow(now))
                {
                    Interlocked.Increment(ref _tooSlow);
                    connection.Drop(ConnectionDrop.TooSlow);
                }
            }
        }
        finally
        {
            Monitor.Exit(_watching);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _listener.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _listener.Dispose();
        _accepting.Join(TimeSpan.FromSeconds(10));
        foreach ((ServerConnection connection, Thread thread) in _connections)
        {
            connection.Close();
            thread.Join(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }
}
