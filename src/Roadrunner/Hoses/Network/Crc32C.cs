using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Roadrunner.Hoses.Network;

/// <summary>CRC-32C (Castagnoli) with the CPU's CRC instructions through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
internal static class Crc32C
{
    public const uint Seed = 0xFFFFFFFF;

    /// <summary>Continues a running CRC (start from <see cref="Seed"/>, finish with <see cref="Finish"/>).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i <= data.Length - 8; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        for (; i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }

        return crc;
    }

    public static uint Append(uint crc, in ReadOnlySequence<byte> data)
    {
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            crc = Append(crc, segment.Span);
        }

        return crc;
    }

    public static uint Finish(uint crc) => ~crc;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Seed, data));
}
