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
    private readonly ConcurrentDictionary<ServerConnection, Task> _connections = new();
    private readonly Task _accepting;

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
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections being served now.</summary>
    public int ConnectionCount => _connections.Count;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_connections.Count >= _options.MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            var connection = new ServerConnection(socket, _options, _resolve, _pool);
            _connections[connection] = Task.Run(async () =>
            {
                await connection.RunAsync().ConfigureAwait(false);
                _connections.TryRemove(connection, out _);
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (ServerConnection connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _stop.Dispose();
    }
}
