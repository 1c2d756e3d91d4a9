using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Roadrunner.Workloads;

/// <summary>
/// The payload checksum and test pattern shared with the C guests: <see cref="Compute"/> matches
/// <c>checksum()</c> in <c>consumer.c</c>, <see cref="FillPattern"/> matches <c>fill()</c> in
/// <c>producer.c</c>, so a host can verify what a guest received without reading its memory.
/// </summary>
public static class Checksum
{
    private const ulong OffsetBasis = 0xcbf29ce484222325UL;
    private const ulong Prime = 0x100000001b3UL;

    /// <summary>
    /// Hashes <paramref name="data"/>: <c>h = 0xcbf29ce484222325</c>; for each full 8-byte little-endian
    /// word <c>w</c>, <c>h = (h ^ w) * 0x100000001b3</c>; then for each remaining byte <c>b</c>,
    /// <c>h = (h ^ b) * 0x100000001b3</c>; finally <c>h ^= (ulong)length</c>.
    /// </summary>
    /// <param name="data">The payload.</param>
    /// <returns>The checksum; the consumer guest returns the same bits as a signed 64-bit value.</returns>
    public static ulong Compute(ReadOnlySpan<byte> data)
    {
        ulong h = OffsetBasis;
        int i = 0;
        for (; i <= data.Length - sizeof(ulong); i += sizeof(ulong))
        {
            // One unaligned little-endian load per word (MemoryMarshal.Read on little-endian hosts).
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[i..])) * Prime;
        }

        for (; i < data.Length; i++)
        {
            h = (h ^ data[i]) * Prime;
        }

        return h ^ (ulong)data.Length;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the producer guest's pattern: a xorshift32 state starts at
    /// <c>(uint)seed | 1</c>; for each 4-byte chunk it steps (<c>s ^= s &lt;&lt; 13; s ^= s &gt;&gt; 17;
    /// s ^= s &lt;&lt; 5</c>) and writes the state little-endian; a last partial chunk gets the low bytes.
    /// </summary>
    /// <param name="destination">The bytes to fill.</param>
    /// <param name="seed">The seed, as passed to the guest's <c>fill(len, seed)</c>.</param>
    public static void FillPattern(Span<byte> destination, int seed)
    {
        uint state = (uint)seed | 1u;
        int full = destination.Length & ~3;
        for (int i = 0; i < full; i += sizeof(uint))
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            BinaryPrimitives.WriteUInt32LittleEndian(destination[i..], state);
        }

        Span<byte> tail = destination[full..];
        if (!tail.IsEmpty)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            for (int i = 0; i < tail.Length; i++)
            {
                tail[i] = (byte)state;
                state >>= 8;
            }
        }
    }

    /// <summary>
    /// What a read-all consumer computes (<c>sum_bytes</c> in <c>consumer.c</c>, the same loop in the zero-copy guest):
    /// the wrapping sum of the little-endian 64-bit words, four at a time in four sums, then of the tail bytes.
    /// </summary>
    /// <param name="data">The payload.</param>
    /// <returns>The sum.</returns>
    public static ulong Sum(ReadOnlySpan<byte> data)
    {
        // Words read in place (wasm and x86-64 are little-endian; elsewhere each word is swapped).
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        ulong a = 0, b = 0, c = 0, d = 0;
        int i = 0;
        for (; i <= words.Length - 4; i += 4)
        {
            a += LittleEndian(words[i]);
            b += LittleEndian(words[i + 1]);
            c += LittleEndian(words[i + 2]);
            d += LittleEndian(words[i + 3]);
        }

        for (; i < words.Length; i++)
        {
            a += LittleEndian(words[i]);
        }

        foreach (byte tail in data[(words.Length * sizeof(ulong))..])
        {
            a += tail;
        }

        return unchecked(a + b + c + d);
    }

    private static ulong LittleEndian(ulong word) => BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
}
