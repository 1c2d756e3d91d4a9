namespace Roadrunner.Hoses.Network;

/// <summary>Why a served connection was dropped (the <c>reason</c> tag of <c>roadrunner.net.connections_dropped</c>).</summary>
internal enum ConnectionDrop
{
    None = 0,

    /// <summary>The handshake failed or did not finish within <see cref="NetworkOptions.HandshakeTimeout"/>.</summary>
    Handshake = 1,

    /// <summary>The peer broke the protocol.</summary>
    Protocol = 2,

    /// <summary>A frame's bytes came slower than <see cref="NetworkOptions.MinReceiveBytesPerSecond"/>.</summary>
    TooSlow = 3,

    /// <summary>No frame for <see cref="NetworkOptions.IdleTimeout"/>.</summary>
    Idle = 4,

    /// <summary>A read or write stalled past <see cref="NetworkOptions.FrameTimeout"/>, or the peer left.</summary>
    Stalled = 5,

    /// <summary>The endpoint was at <see cref="NetworkOptions.MaxConnections"/> and this connection had not authenticated yet.</summary>
    Evicted = 6,
}

/// <summary>The <c>reason</c> tag values of <see cref="ConnectionDrop"/>.</summary>
internal static class ConnectionDropTag
{
    /// <summary>The tag value for <paramref name="reason"/>.</summary>
    public static string Tag(this ConnectionDrop reason) => reason switch
    {
        ConnectionDrop.Handshake => "handshake",
        ConnectionDrop.Protocol => "protocol",
        ConnectionDrop.TooSlow => "too_slow",
        ConnectionDrop.Idle => "idle",
        ConnectionDrop.Evicted => "evicted",
        _ => "stalled",
    };
}
