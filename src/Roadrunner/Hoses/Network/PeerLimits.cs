using System.Buffers.Binary;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The receiving end's limits, sent in the Welcome frame of the handshake (32 bytes, little-endian: max frame u32 |
/// max payload u32 | delivery timeout ms u32 | idle timeout ms u32 | max hoses u32 | min receive rate B/s u32 |
/// its grace ms u32 | reserved u32). A client combines them with its own (<see cref="ForSending"/>) so it never sends
/// what the peer would refuse: frames are cut at the smaller maximum, and a message over either end's maximum payload
/// is refused before any byte of it goes out.
/// </summary>
internal sealed record PeerLimits(int MaxFrameBytes, long MaxPayloadBytes, TimeSpan DeliveryTimeout, TimeSpan IdleTimeout, int MaxHosesPerConnection, long MinReceiveBytesPerSecond, TimeSpan MinReceiveRateGracePeriod)
{
    public const int Size = 32;

    /// <summary>The limits an endpoint with <paramref name="options"/> receives under.</summary>
    public static PeerLimits Of(NetworkOptions options) => new(
        options.MaxFrameBytes,
        options.MaxPayloadBytes,
        options.DeliveryTimeout,
        options.IdleTimeout,
        options.MaxHosesPerConnection,
        options.MinReceiveBytesPerSecond,
        options.MinReceiveRateGracePeriod);

    /// <summary>
    /// What a sender with <paramref name="own"/> options keeps to on a connection to a receiver with <paramref name="peer"/>
    /// limits: the smaller frame and payload maximum and idle timeout, and the receiver's delivery timeout (how long it
    /// may take to answer).
    /// </summary>
    public static PeerLimits ForSending(NetworkOptions own, PeerLimits peer) => peer with
    {
        MaxFrameBytes = Math.Min(own.MaxFrameBytes, peer.MaxFrameBytes),
        MaxPayloadBytes = Math.Min(own.MaxPayloadBytes, peer.MaxPayloadBytes),
        IdleTimeout = own.IdleTimeout < peer.IdleTimeout ? own.IdleTimeout : peer.IdleTimeout,
    };

    /// <summary>Ok when a message of <paramref name="length"/> bytes may be sent, else <see cref="HoseStatus.TooLarge"/>.</summary>
    public HoseStatus Admit(long length) => length > MaxPayloadBytes ? HoseStatus.TooLarge : HoseStatus.Ok;

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)MaxFrameBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)MaxPayloadBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Milliseconds(DeliveryTimeout));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), Milliseconds(IdleTimeout));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), (uint)MaxHosesPerConnection);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), (uint)Math.Min(MinReceiveBytesPerSecond, uint.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), Milliseconds(MinReceiveRateGracePeriod));
        return bytes;
    }

    /// <summary>Parses and checks a Welcome body; nonsense is an <see cref="AuthenticationFailedException"/>.</summary>
    public static PeerLimits Read(ReadOnlySpan<byte> body)
    {
        if (body.Length != Size)
        {
            throw new AuthenticationFailedException($"the peer's limits are {body.Length} bytes, not {Size}");
        }

        uint frame = BinaryPrimitives.ReadUInt32LittleEndian(body);
        uint payload = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        uint delivery = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        uint idle = BinaryPrimitives.ReadUInt32LittleEndian(body[12..]);
        uint hoses = BinaryPrimitives.ReadUInt32LittleEndian(body[16..]);
        if (frame is < 4096 or > int.MaxValue || payload > int.MaxValue || delivery == 0 || idle == 0 || hoses is 0 or > int.MaxValue)
        {
            throw new AuthenticationFailedException("the peer sent limits out of range");
        }

        return new PeerLimits(
            (int)frame,
            payload,
            TimeSpan.FromMilliseconds(delivery),
            TimeSpan.FromMilliseconds(idle),
            (int)hoses,
            BinaryPrimitives.ReadUInt32LittleEndian(body[20..]),
            TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32LittleEndian(body[24..])));
    }

    private static uint Milliseconds(TimeSpan span) => (uint)Math.Clamp(span.TotalMilliseconds, 1, uint.MaxValue);
}
