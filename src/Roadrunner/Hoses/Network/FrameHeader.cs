using System.Buffers;
using System.Buffers.Binary;

namespace Roadrunner.Hoses.Network;

/// <summary>What a frame carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>Client → server: client nonce (32 bytes). First frame of a connection.</summary>
    Hello = 1,

    /// <summary>Server → client: server nonce (32 bytes) + server proof (HMAC, 32 bytes).</summary>
    Challenge = 2,

    /// <summary>Client → server: client proof (HMAC, 32 bytes).</summary>
    Proof = 3,

    /// <summary>Server → client: authenticated, payload frames may follow. Empty body.</summary>
    Welcome = 4,

    /// <summary>Client → server: binds a hose id to a target name (UTF-8 body). Answered by an <see cref="Ack"/> with sequence 0.</summary>
    Open = 5,

    /// <summary>Client → server: payload bytes of one message (one or more frames, <see cref="FrameFlags.First"/> … <see cref="FrameFlags.Last"/>).</summary>
    Data = 6,

    /// <summary>Server → client: the outcome of a message (or an open) as a <see cref="HoseStatus"/> in <see cref="FrameHeader.Extra"/>.</summary>
    Ack = 7,

    /// <summary>Either way: are you there? Answered by <see cref="Pong"/>.</summary>
    Ping = 8,

    /// <summary>Answer to <see cref="Ping"/>.</summary>
    Pong = 9,

    /// <summary>Either way: the sender closes the connection; <see cref="FrameHeader.Extra"/> holds the reason (a status).</summary>
    Goodbye = 10,
}

/// <summary>Frame flags.</summary>
[Flags]
internal enum FrameFlags : ushort
{
    None = 0,

    /// <summary>First frame of a message; <see cref="FrameHeader.Extra"/> holds the message length.</summary>
    First = 1,

    /// <summary>Last frame of a message.</summary>
    Last = 2,

    /// <summary><see cref="FrameHeader.Checksum"/> is the CRC-32C of the body.</summary>
    Checksummed = 4,

    /// <summary>
    /// First Data frame only: the sender's W3C trace context (<see cref="Diagnostics.TraceContext.Size"/> bytes: trace
    /// id, parent span id, trace flags) follows the header, before the body; not counted in the length nor the checksum.
    /// </summary>
    TraceContext = 8,
}

/// <summary>
/// The fixed 32-byte frame header, little-endian:
/// magic u32 | version u8 | kind u8 | flags u16 | hose u32 | length u32 | sequence u64 | checksum u32 | extra u32.
/// </summary>
internal readonly record struct FrameHeader(FrameKind Kind, FrameFlags Flags, uint Hose, uint Length, ulong Sequence, uint Checksum, uint Extra)
{
    public const int Size = 32;

    /// <summary>"RRNW" read little-endian.</summary>
    public const uint Magic = 0x574E5252;

    /// <summary>The protocol version every frame carries; 2 added the receiver's limits to Welcome.</summary>
    public const byte CurrentVersion = 2;

    private const FrameFlags KnownFlags = FrameFlags.First | FrameFlags.Last | FrameFlags.Checksummed | FrameFlags.TraceContext;

    public bool Has(FrameFlags flag) => (Flags & flag) == flag;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        destination[4] = CurrentVersion;
        destination[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Hose);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Length);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Checksum);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Extra);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>Parses and checks a header; any violation is a <see cref="ProtocolException"/>.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <param name="maxFrameBytes">Largest body accepted.</param>
    public static FrameHeader Read(ReadOnlySpan<byte> source, int maxFrameBytes)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            throw new ProtocolException("bad magic");
        }

        if (source[4] != CurrentVersion)
        {
            throw new ProtocolException($"unknown version {source[4]}");
        }

        var kind = (FrameKind)source[5];
        if (kind is < FrameKind.Hello or > FrameKind.Goodbye)
        {
            throw new ProtocolException($"unknown frame kind {source[5]}");
        }

        var flags = (FrameFlags)BinaryPrimitives.ReadUInt16LittleEndian(source[6..]);
        if ((flags & ~KnownFlags) != 0)
        {
            throw new ProtocolException("unknown flags");
        }

        if ((flags & FrameFlags.TraceContext) != 0 && (kind != FrameKind.Data || (flags & FrameFlags.First) == 0))
        {
            throw new ProtocolException("a trace context on a frame that is not a message's first");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        if (length > (uint)maxFrameBytes)
        {
            throw new ProtocolException($"frame of {length} bytes is over the maximum of {maxFrameBytes}");
        }

        return new FrameHeader(
            kind,
            flags,
            BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            length,
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[28..]));
    }

    /// <summary>Parses a header from the front of a buffered sequence.</summary>
    public static FrameHeader Read(in ReadOnlySequence<byte> source, int maxFrameBytes)
    {
        Span<byte> bytes = stackalloc byte[Size];
        source.Slice(0, Size).CopyTo(bytes);
        return Read(bytes, maxFrameBytes);
    }
}
