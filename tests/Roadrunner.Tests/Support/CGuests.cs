using System.Buffers.Binary;

namespace Roadrunner.Tests.Support;

/// <summary>The C example guests (guest/c/examples, copied next to the tests) and the algorithms they implement.</summary>
internal static class CGuests
{
    public static string Producer => PathOf("producer");

    public static string Consumer => PathOf("consumer");

    public static string Echo => PathOf("echo");

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "guests", name + ".wasm");

    /// <summary>producer.c's fill(len, seed): an xorshift32 stream written little-endian, 4 bytes per step.</summary>
    public static byte[] ProducerPattern(int length, int seed)
    {
        var bytes = new byte[length];
        uint state = (uint)seed | 1u;
        int full = length & ~3;
        for (int i = 0; i < full; i += 4)
        {
            state = Step(state);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i), state);
        }

        if (full < length)
        {
            state = Step(state);
            for (int i = full; i < length; i++)
            {
                bytes[i] = (byte)state;
                state >>= 8;
            }
        }

        return bytes;
    }

    /// <summary>consumer.c's checksum(): FNV-style over 8-byte little-endian words, then the tail bytes, then the length.</summary>
    public static long Checksum(ReadOnlySpan<byte> bytes)
    {
        const ulong prime = 0x100000001b3UL;
        ulong h = 0xcbf29ce484222325UL;
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..])) * prime;
        }

        for (; i < bytes.Length; i++)
        {
            h = (h ^ bytes[i]) * prime;
        }

        h ^= (ulong)(uint)bytes.Length;
        return unchecked((long)h);
    }

    private static uint Step(uint state)
    {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
}
