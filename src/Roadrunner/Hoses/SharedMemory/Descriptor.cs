using Roadrunner.Diagnostics;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// One descriptor of a ring: which region of the sender holds which bytes of which payload. Read from shared memory
/// once into this copy, then validated: the peer may be buggy or hostile.
/// </summary>
internal readonly record struct Descriptor(long Sequence, long RegionNumber, int RegionSize, int Offset, int Length, int Flags, long PayloadLength, long MemorySize = 0, TraceContext Trace = default)
{
    /// <summary>Largest memory a borrowed descriptor may point into (a 32-bit guest's whole address space).</summary>
    public const long MaxMemorySize = 1L << 32;

    public bool HasMoreChunks => (Flags & RingLayout.MoreChunks) != 0;

    public bool IsStreamed => (Flags & RingLayout.Streamed) != 0;

    public bool IsBorrowed => (Flags & RingLayout.Borrowed) != 0;

    public bool IsInline => (Flags & RingLayout.Inline) != 0;

    /// <summary>Where the bytes start: in a region, or (unsigned) in the sending guest's memory.</summary>
    public long Start => IsBorrowed ? (uint)Offset : Offset;

    /// <summary>Reads descriptor <paramref name="index"/> (one copy of each field; later peer writes do not matter).</summary>
    public static unsafe Descriptor Read(byte* control, int index)
    {
        byte* slot = control + RingLayout.SlotOffset(index);
        return new Descriptor(
            Volatile.Read(ref *(long*)slot),
            Volatile.Read(ref *(long*)(slot + 8)),
            Volatile.Read(ref *(int*)(slot + 16)),
            Volatile.Read(ref *(int*)(slot + 20)),
            Volatile.Read(ref *(int*)(slot + 24)),
            Volatile.Read(ref *(int*)(slot + 28)),
            Volatile.Read(ref *(long*)(slot + 32)),
            Volatile.Read(ref *(long*)(slot + 40)),
            TraceContext.Read(new ReadOnlySpan<byte>(slot + RingLayout.TraceOffset, TraceContext.Size)));
    }

    /// <summary>Writes this descriptor into slot <paramref name="index"/> (before the head moves past it).</summary>
    public unsafe void Write(byte* control, int index)
    {
        byte* slot = control + RingLayout.SlotOffset(index);
        *(long*)slot = Sequence;
        *(long*)(slot + 8) = RegionNumber;
        *(int*)(slot + 16) = RegionSize;
        *(int*)(slot + 20) = Offset;
        *(int*)(slot + 24) = Length;
        *(int*)(slot + 28) = Flags;
        *(long*)(slot + 32) = PayloadLength;
        *(long*)(slot + 40) = MemorySize;
        Trace.Write(new Span<byte>(slot + RingLayout.TraceOffset, TraceContext.Size));
    }

    /// <summary>
    /// Checks everything that can be checked without the region: the sequence is the one expected, the flags known,
    /// the bytes lie inside the region, the payload length is sane.
    /// </summary>
    /// <returns>Null when valid, else why not.</returns>
    public string? Validate(long expectedSequence, long maxPayloadBytes)
    {
        if (Sequence != expectedSequence)
        {
            return $"sequence {Sequence}, expected {expectedSequence}";
        }

        if ((Flags & ~(RingLayout.MoreChunks | RingLayout.Streamed | RingLayout.Borrowed | RingLayout.Inline)) != 0)
        {
            return $"unknown flags 0x{Flags:x}";
        }

        if (IsInline)
        {
            return Flags == RingLayout.Inline && RegionNumber == 0 && RegionSize == 0 && Offset == 0 && MemorySize == 0
                && Length is >= 0 and <= RingLayout.MaxInlineBytes && PayloadLength == Length
                ? null
                : $"inline payload of {Length} bytes (at most {RingLayout.MaxInlineBytes}, alone, no region)";
        }

        if (IsBorrowed)
        {
            return ValidateBorrowed(maxPayloadBytes);
        }

        if (MemorySize != 0)
        {
            return $"memory size {MemorySize} on a region descriptor";
        }

        if (RegionNumber <= 0)
        {
            return $"region number {RegionNumber}";
        }

        if (RegionSize < 4096 || RegionSize % 4096 != 0)
        {
            return $"region size {RegionSize} is not a positive multiple of 4096";
        }

        if (Offset < 0 || Length < 0 || (long)Offset + Length > RegionSize)
        {
            return $"bytes [{Offset}, {(long)Offset + Length}) outside a region of {RegionSize}";
        }

        if (PayloadLength < Length || PayloadLength > maxPayloadBytes)
        {
            return $"payload length {PayloadLength}";
        }

        return null;
    }

    private string? ValidateBorrowed(long maxPayloadBytes)
    {
        if (Flags != RingLayout.Borrowed)
        {
            return "a borrowed descriptor cannot be a chunk";
        }

        if (RegionNumber <= 0 || RegionSize != 0)
        {
            return $"borrowed memory {RegionNumber} with region size {RegionSize}";
        }

        if (MemorySize < 4096 || MemorySize % 4096 != 0 || MemorySize > MaxMemorySize)
        {
            return $"memory size {MemorySize}";
        }

        if (Length < 0 || Start + Length > MemorySize)
        {
            return $"bytes [{Start}, {Start + Length}) outside a memory of {MemorySize}";
        }

        if (PayloadLength != Length || PayloadLength > maxPayloadBytes)
        {
            return $"payload length {PayloadLength} of a borrowed descriptor of {Length} bytes";
        }

        return null;
    }
}
