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
    public INetworkResolver? Resolver { get; set; }

    /// <summary>
    /// Largest frame body this endpoint accepts; messages are split into frames of at most this. The two ends exchange
    /// theirs in the handshake and a sender uses the smaller of its own and the receiver's. Default: 4 MiB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest message, sent or accepted. The receiver tells the sender its limit in the handshake, so a message over
    /// either end's limit is refused by the sender with <see cref="HoseStatus.TooLarge"/> before any byte of it goes out
    /// (one that arrives anyway is answered <see cref="HoseStatus.TooLarge"/> and skipped; the connection stays).
    /// Default: 1 GiB.
    /// </summary>
    public long MaxPayloadBytes { get; set; } = 1L << 30;

    /// <summary>Most unacknowledged payload bytes on one connection (a larger message goes alone). Default: 256 MiB.</summary>
    public long ConnectionWindowBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Most unacknowledged payload bytes on one hose (a larger message goes alone). Default: 64 MiB.</summary>
    public long HoseWindowBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Put a CRC-32C of every frame body in its header and check it on receipt. Default: false (TCP checksums the segments).</summary>
    public bool Checksums { get; set; }

    /// <summary>Payloads that sit in regions and are at least this large go out with <c>sendfile</c> (plain TCP only). Default: 64 KiB.</summary>
    public int SendFileThresholdBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Messages at least this large (bytes) are read into regions even for an idle push receiver, which then gets them
    /// from there: mapped into its window when it exports <c>rr_alloc_window</c> and its guest memory is in a file
    /// (docs/zero-copy.md), else copied. Below it an idle push receiver gets the socket read straight into its memory
    /// (the kernel's copy only). Set it no lower than the receivers' <c>RoadrunnerGuestOptions.MappingThreshold</c>: a
    /// payload the receiver would not map is queued instead (acknowledged once queued, as for a busy receiver).
    /// Default: <see cref="long.MaxValue"/> (always straight from the socket).
    /// </summary>
    public long MappedReceiveThresholdBytes { get; set; } = long.MaxValue;

    /// <summary>Longest a connection may take to authenticate. Default: 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection with no frame for this long is closed. Default: 2 min.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Longest a single socket read or write of a frame may stall, e.g. writing an Ack to a peer that does not read them
    /// (the connection is dropped). A peer that keeps sending, but too slowly, is bounded by
    /// <see cref="MinReceiveBytesPerSecond"/> instead. Default: 10 s.
    /// </summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a receiver waits for room in the target's inbox before it answers <see cref="HoseStatus.TimedOut"/>. Default: 10 s.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The slowest a peer may send once a frame has begun, in bytes per second: while this endpoint waits for the rest
    /// of a frame or a message, at least this rate × <see cref="MinReceiveRateGracePeriod"/> bytes must arrive in every
    /// <see cref="MinReceiveRateGracePeriod"/> of waiting, else the connection is dropped (its partial message freed and
    /// its budget returned). So a frame of <c>n</c> bytes always has at least the grace period plus <c>n</c> / rate to
    /// arrive, and a peer that trickles cannot hold a frame, a message's regions or a guest for longer than about two
    /// grace periods. Time this endpoint spends waiting for room in a target is not counted. 0 turns the check off.
    /// Default: 240 bytes/s, with <see cref="MinReceiveRateGracePeriod"/> 5 s — Kestrel's defaults for
    /// <c>KestrelServerLimits.MinRequestBodyDataRate</c>; a legitimate sender on any working link is far above it
    /// (1 GiB at 240 B/s would take 52 days).
    /// </summary>
    public long MinReceiveBytesPerSecond { get; set; } = 240;

    /// <summary>The window <see cref="MinReceiveBytesPerSecond"/> is measured over (and the allowance every frame gets). Default: 5 s.</summary>
    public TimeSpan MinReceiveRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The part of the region pool's <see cref="Regions.RegionPoolOptions.MaxLeasedBytes"/> one connection may use for a
    /// message it is receiving, between 0 and 1: a message whose regions would take more waits (at most
    /// <see cref="DeliveryTimeout"/>, then <see cref="HoseStatus.TimedOut"/>) until its connection is the only one being
    /// served. Regions are taken as the bytes arrive, so a connection holds only what its peer has actually sent.
    /// Default: 0.5 (with the pool's default 2 GiB, a 1 GiB message fits its share).
    /// </summary>
    public double ReceiveBudgetShare { get; set; } = 0.5;

    /// <summary>
    /// The TCP congestion-control algorithms this endpoint's outgoing connections try, in order (Linux
    /// <c>TCP_CONGESTION</c>; the sending side's algorithm governs the payloads): the first the kernel accepts is used,
    /// and with none (or an empty list) the connection keeps the system's default. Default: <c>cubic</c>, then
    /// <c>reno</c> (unprivileged processes may only choose the algorithms in
    /// <c>net.ipv4.tcp_allowed_congestion_control</c>, which always lists <c>reno</c>). Measured on loopback with BBR as
    /// the system's default: BBR paces every connection and, on one older than 10 s, cuts its window to four packets
    /// for 200 ms every 10 s (PROBE_RTT); 10–100 MB messages went at about half the rate of CUBIC or Reno and 1 MB ones
    /// took up to twice as long (docs/network.md). On a long-distance network BBR may be the better choice: list it.
    /// Null (the default) means <see cref="DefaultCongestionControl"/>: null rather than a filled list, so that
    /// configuration binding replaces the list instead of appending to it.
    /// </summary>
    public IList<string>? CongestionControl { get; set; }

    /// <summary>What <see cref="CongestionControl"/> null stands for: <c>cubic</c>, then <c>reno</c>.</summary>
    public static IReadOnlyList<string> DefaultCongestionControl { get; } = ["cubic", "reno"];

    /// <summary>The algorithms to try, in order (the defaults when none were set).</summary>
    internal IEnumerable<string> CongestionControlToTry => (IEnumerable<string>?)CongestionControl ?? DefaultCongestionControl;

    /// <summary>Longest one connection attempt may take. Default: 5 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a peer is left alone after a failed connection attempt (sends meanwhile get
    /// <see cref="HoseStatus.PeerFailed"/> at once); doubles up to <see cref="ReconnectMaxDelay"/>. Default: 50 ms.
    /// </summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between connection attempts. Default: 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most connections served at once. At the limit a new connection takes the place of the oldest one still in its
    /// handshake (so unauthenticated peers cannot keep authenticated ones out); when every one has authenticated, the new
    /// one is refused. Default: 256.
    /// </summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Most hoses (target names) opened on one connection; an Open over it is answered
    /// <see cref="HoseStatus.TooManyHandles"/> and the connection's other hoses keep working. Default: 1024.
    /// </summary>
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
        ArgumentOutOfRangeException.ThrowIfNegative(MappedReceiveThresholdBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHosesPerConnection, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MinReceiveBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinReceiveBytesPerSecond, (long)uint.MaxValue);
        if (!(ReceiveBudgetShare > 0 && ReceiveBudgetShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveBudgetShare), ReceiveBudgetShare, "The receive budget share must be above 0 and at most 1.");
        }

        foreach (string algorithm in CongestionControlToTry)
        {
            if (algorithm is null || !TcpCongestion.IsValidName(algorithm))
            {
                throw new ArgumentException($"'{algorithm}' is not a congestion-control algorithm's name (1–15 ASCII letters, digits or '_').", nameof(CongestionControl));
            }
        }
        foreach (TimeSpan t in (TimeSpan[])[HandshakeTimeout, IdleTimeout, FrameTimeout, DeliveryTimeout, MinReceiveRateGracePeriod, ConnectTimeout, ReconnectInitialDelay, ReconnectMaxDelay])
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        }
    }
}
