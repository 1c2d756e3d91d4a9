using Microsoft.Extensions.Logging;
using Roadrunner.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The persistent connection to one peer endpoint, shared by every hose to it. Connects on first use; after the
/// connection drops, the next send reconnects. One attempt per send, bounded by the sender's deadline and
/// <see cref="NetworkOptions.ConnectTimeout"/>: a peer that refuses the connection or the handshake, or cannot be reached
/// within <see cref="NetworkOptions.ConnectTimeout"/>, gives <see cref="HoseStatus.PeerFailed"/> at once. After a failed
/// attempt the peer is not tried again before a backoff has passed (<see cref="NetworkOptions.ReconnectInitialDelay"/>
/// doubling to <see cref="NetworkOptions.ReconnectMaxDelay"/>); sends meanwhile get <see cref="HoseStatus.PeerFailed"/>
/// at once instead of waiting for it.
/// </summary>
internal sealed class PeerLink(EndPoint endPoint, NetworkOptions options, ILogger log) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private NetworkConnection? _current;
    private long _nextAttemptAt;
    private TimeSpan _backoff = options.ReconnectInitialDelay;
    private bool _disposed;

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Where this link and the senders over it log.</summary>
    public ILogger Log { get; } = log;

    /// <summary>Connections made so far (the first one included).</summary>
    public int Connects { get; private set; }

    public NetworkConnection? Current => _current;

    /// <summary>True while the last connection attempt failed and its backoff has not passed: sends get PeerFailed.</summary>
    public bool IsDown => Environment.TickCount64 < Volatile.Read(ref _nextAttemptAt);

    /// <summary>
    /// The live connection, or a new one. <see cref="HoseStatus.TimedOut"/> when the caller's deadline or token ended the
    /// wait (nothing was sent), <see cref="HoseStatus.PeerFailed"/> when the peer could not be reached or refused,
    /// <see cref="HoseStatus.Closed"/> once the link is disposed.
    /// </summary>
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

            if (IsDown)
            {
                return HoseStatus.PeerFailed; // an attempt failed moments ago: say so now rather than wait out the backoff
            }

            TimeSpan limit = deadline.AtMost(options.ConnectTimeout);
            bool callerBound = limit < options.ConnectTimeout;
            try
            {
                NetworkConnection fresh = NetworkConnection.Connect(EndPoint, options, limit, cancellationToken);
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
                LogConnected(fresh);
                return HoseStatus.Ok;
            }
            catch (Exception e) when (e is AuthenticationFailedException or SocketException or IOException or OperationCanceledException)
            {
                if (cancellationToken.IsCancellationRequested || (callerBound && deadline.Passed))
                {
                    return HoseStatus.TimedOut; // the caller's own limit cut the attempt short: nothing sent, nothing learnt
                }

                Backoff(); // refused (ECONNREFUSED or the handshake), unreachable, or no answer within ConnectTimeout
                RoadrunnerLog.NetworkPeerUnreachable(Log, EndPoint.ToString() ?? "", e.Message);
                return HoseStatus.PeerFailed;
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Drops the current connection (tests use it to simulate a network failure).</summary>
    private void LogConnected(NetworkConnection connection)
    {
        if (connection.CongestionControl is null && options.CongestionControlToTry.Any())
        {
            RoadrunnerLog.CongestionControlRefused(Log, string.Join(", ", options.CongestionControlToTry), EndPoint.ToString() ?? "");
        }

        RoadrunnerLog.NetworkConnected(Log, EndPoint.ToString() ?? "", connection.CongestionControl ?? "system default");
    }

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
