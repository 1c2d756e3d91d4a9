using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>Accepts connections on the configured endpoint (loopback by default) and runs a <see cref="ServerConnection"/> for each.</summary>
internal sealed class NetworkListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly NetworkOptions _options;
    private readonly Func<string, IHoseSender?> _resolve;
    private readonly RegionPool _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<ServerConnection, Thread> _connections = new();
    private readonly Thread _accepting;

    public NetworkListener(NetworkOptions options, Func<string, IHoseSender?> resolve, RegionPool pool)
    {
        _options = options;
        _resolve = resolve;
        _pool = pool;
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
    }

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

            if (_connections.Count >= _options.MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            // One thread per connection with blocking socket calls (see BlockingReadStream); MaxConnections bounds them.
            var connection = new ServerConnection(socket, _options, _resolve, _pool);
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

    public async ValueTask DisposeAsync()
    {
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
