using System.Net;
using System.Net.Security;

namespace Roadrunner.Hoses.Network;

/// <summary>Settings of a <see cref="NetworkEndpoint"/>: where it listens, how peers prove who they are, and its limits.</summary>
public sealed class NetworkOptions
{
    /// <summary>Where to listen. Default: 127.0.0.1 on an ephemeral port (loopback only).</summary>
    public IPEndPoint ListenEndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// The pre-shared key both ends prove they know (HMAC-SHA256 challenge–response) before any payload, at least 16
    /// bytes. Required unless TLS is configured and <see cref="AllowUnauthenticatedWithTls"/> is set.
    /// </summary>
    public byte[]? PreSharedKey { get; set; }

    /// <summary>Explicit opt-out of the pre-shared key when TLS authenticates the peers instead. Default: false.</summary>
    public bool AllowUnauthenticatedWithTls { get; set; }

    /// <summary>TLS for accepted connections (certificate and options); null for plain TCP. Default: null.</summary>
    public SslServerAuthenticationOptions? ServerTls { get; set; }

    /// <summary>TLS for outgoing connections; null for plain TCP. Default: null.</summary>
    public SslClientAuthenticationOptions? ClientTls { get; set; }

    /// <summary>Maps function names to the endpoints that serve them; null when this endpoint only serves. Default: null.</summary>
    public INetworkDirectory? Directory { get; set; }

    /// <summary>Largest frame body; messages are split into frames of at most this. Both ends must agree. Default: 4 MiB.</summary>
    public int MaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest message, sent or accepted. Default: 1 GiB.</summary>
    public long MaxPayloadBytes { get; set; } = 1L << 30;

    /// <summary>Most unacknowledged payload bytes on one connection (a larger message goes alone). Default: 256 MiB.</summary>
    public long ConnectionWindowBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most unacknowledged payload bytes on one hose (a larger message goes alone). Default: 64 MiB.</summary>
    public long HoseWindowBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Put a CRC-32C of every frame body in its header and check it on receipt. Default: false (TCP checksums the segments).</summary>
    public bool Checksums { get; set; }

    /// <summary>Payloads that sit in regions and are at least this large go out with <c>sendfile</c> (plain TCP only). Default: 64 KiB.</summary>
    public int SendFileThresholdBytes { get; set; } = 64 * 1024;

    /// <summary>Longest a connection may take to authenticate. Default: 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection with no frame for this long is closed. Default: 2 min.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest a single socket read or write of a frame may stall (slow peers are dropped). Default: 10 s.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a receiver waits for room in the target's inbox before it answers <see cref="HoseStatus.TimedOut"/>. Default: 10 s.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The TCP congestion-control algorithms this endpoint's outgoing connections try, in order (Linux
    /// <c>TCP_CONGESTION</c>; the sending side's algorithm governs the payloads): the first the kernel accepts is used,
    /// and with none (or an empty list) the connection keeps the system's default. Default: <c>cubic</c>, then
    /// <c>reno</c> (unprivileged processes may only choose the algorithms in
    /// <c>net.ipv4.tcp_allowed_congestion_control</c>, which always lists <c>reno</c>). Measured on loopback with BBR as
    /// the system's default: BBR paces every connection and, on one older than 10 s, cuts its window to four packets
    /// for 200 ms every 10 s (PROBE_RTT); 10–100 MB messages went at about half the rate of CUBIC or Reno and 1 MB ones
    /// took up to twice as long (docs/network.md). On a long-distance network BBR may be the better choice: list it.
    /// </summary>
    public IList<string> CongestionControl { get; set; } = ["cubic", "reno"];

    /// <summary>Longest one connection attempt may take. Default: 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a peer is left alone after a failed connection attempt (sends meanwhile get
    /// <see cref="HoseStatus.PeerFailed"/> at once); doubles up to <see cref="ReconnectMaxDelay"/>. Default: 50 ms.
    /// </summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between connection attempts. Default: 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most connections served at once; more are refused. Default: 256.</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>Most hoses opened on one connection. Default: 1024.</summary>
    public int MaxHosesPerConnection { get; set; } = 1024;

    internal bool UsesPreSharedKey => PreSharedKey is not null;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        if (PreSharedKey is null)
        {
            if (!AllowUnauthenticatedWithTls || ServerTls is null || ClientTls is null)
            {
                throw new ArgumentException("A pre-shared key is required, unless TLS is configured both ways and AllowUnauthenticatedWithTls is set.", nameof(PreSharedKey));
            }
        }
        else if (PreSharedKey.Length < 16)
        {
            throw new ArgumentException("The pre-shared key must be at least 16 bytes.", nameof(PreSharedKey));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPayloadBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPayloadBytes, (long)int.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ConnectionWindowBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HoseWindowBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(SendFileThresholdBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHosesPerConnection, 1);
        ArgumentNullException.ThrowIfNull(CongestionControl);
        foreach (string algorithm in CongestionControl)
        {
            if (algorithm is null || !TcpCongestion.IsValidName(algorithm))
            {
                throw new ArgumentException($"'{algorithm}' is not a congestion-control algorithm's name (1–15 ASCII letters, digits or '_').", nameof(CongestionControl));
            }
        }
        foreach (TimeSpan t in (TimeSpan[])[HandshakeTimeout, IdleTimeout, FrameTimeout, DeliveryTimeout, ConnectTimeout, ReconnectInitialDelay, ReconnectMaxDelay])
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        }
    }
}
