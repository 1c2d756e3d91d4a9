using System.Net;
using System.Net.Sockets;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The persistent connection to one peer endpoint, shared by every hose to it. Connects on first use; after the
/// connection drops, the next send reconnects, waiting between failed attempts with an exponential backoff
/// (<see cref="NetworkOptions.ReconnectInitialDelay"/> doubling to <see cref="NetworkOptions.ReconnectMaxDelay"/>), always
/// within the sender's deadline. A peer that refuses the handshake gives <see cref="HoseStatus.PeerFailed"/>; a peer that
/// cannot be reached before the deadline gives <see cref="HoseStatus.Closed"/>.
/// </summary>
internal sealed class PeerLink(EndPoint endPoint, NetworkOptions options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private NetworkConnection? _current;
    private long _nextAttemptAt;
    private TimeSpan _backoff = options.ReconnectInitialDelay;
    private bool _disposed;

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Connections made so far (the first one included).</summary>
    public int Connects { get; private set; }

    public NetworkConnection? Current => _current;

    public HoseStatus GetConnection(Deadline deadline, CancellationToken cancellationToken, out NetworkConnection connection)
    {
        connection = _current!;
        if (connection is { IsAlive: true } && !IsStale(connection) && connection.Probe())
        {
            return HoseStatus.Ok;
        }

        try
        {
            if (!_connectLock.Wait(deadline.Remaining, cancellationToken))
            {
                return HoseStatus.TimedOut;
            }
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        try
        {
            while (true)
            {
                if (_disposed)
                {
                    return HoseStatus.Closed;
                }

                connection = _current!;
                if (connection is { IsAlive: true })
                {
                    if (!IsStale(connection))
                    {
                        return HoseStatus.Ok;
                    }

                    // Idle for half the idle timeout: the peer may be about to close it; start afresh instead of racing it.
                    _current = null;
                    _ = connection.DisposeAsync().AsTask();
                }

                long wait = _nextAttemptAt - Environment.TickCount64;
                if (wait > 0)
                {
                    if (deadline.At != long.MaxValue && Environment.TickCount64 + wait >= deadline.At)
                    {
                        return HoseStatus.Closed; // the next attempt is due after the deadline
                    }

                    if (cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait)))
                    {
                        return HoseStatus.TimedOut;
                    }
                }

                TimeSpan limit = deadline.Remaining;
                try
                {
                    NetworkConnection fresh = NetworkConnection.Connect(EndPoint, options, limit == Timeout.InfiniteTimeSpan || limit > options.ConnectTimeout ? options.ConnectTimeout : limit);
                    NetworkConnection? old = _current;
                    _current = fresh;
                    Connects++;
                    _backoff = options.ReconnectInitialDelay;
                    _nextAttemptAt = 0;
                    if (old is not null)
                    {
                        _ = old.DisposeAsync().AsTask();
                    }

                    connection = fresh;
                    return HoseStatus.Ok;
                }
                catch (AuthenticationFailedException)
                {
                    Backoff();
                    return HoseStatus.PeerFailed;
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    Backoff();
                    if (deadline.Passed || cancellationToken.IsCancellationRequested)
                    {
                        return HoseStatus.Closed;
                    }
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Drops the current connection (tests use it to simulate a network failure).</summary>
    public void Break() => _current?.Fail(HoseStatus.PeerFailed);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_current is { } current)
        {
            await current.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool IsStale(NetworkConnection connection) =>
        Environment.TickCount64 - connection.LastActivity > (long)(connection.Limits.IdleTimeout.TotalMilliseconds / 2);

    private void Backoff()
    {
        _nextAttemptAt = Environment.TickCount64 + (long)_backoff.TotalMilliseconds;
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, options.ReconnectMaxDelay.Ticks));
    }
}
