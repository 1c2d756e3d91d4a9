using System.Buffers;
using System.Runtime.InteropServices;

namespace Roadrunner.Tests.Support;

/// <summary>Random payloads that are reproducible from their seed.</summary>
internal static class Payloads
{
    /// <summary>Pseudo-random bytes (SplitMix64, fast enough for 64 MB payloads), the same for the same seed.</summary>
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        ulong state = (ulong)seed * 0x9E3779B97F4A7C15UL;
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(bytes.AsSpan());
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Next(ref state);
        }

        ulong last = Next(ref state);
        for (int i = words.Length * sizeof(ulong); i < length; i++)
        {
            bytes[i] = (byte)last;
            last >>= 8;
        }

        return bytes;
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A payload whose first four bytes carry its sequence number, so order can be checked.</summary>
    public static byte[] Numbered(int number, int length)
    {
        byte[] bytes = Random(Math.Max(length, 4), number);
        BitConverter.TryWriteBytes(bytes, number);
        return bytes;
    }

    public static int NumberOf(ReadOnlySpan<byte> payload) => BitConverter.ToInt32(payload);

    /// <summary>
    /// Empty when <paramref name="actual"/> has exactly the bytes of <paramref name="expected"/>, else where they differ.
    /// Use it instead of <c>Is.EqualTo</c> for large payloads: NUnit compares arrays element by element, slowly.
    /// </summary>
    public static string Diff(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected)
    {
        int common = actual.CommonPrefixLength(expected);
        if (common == actual.Length && common == expected.Length)
        {
            return string.Empty;
        }

        return actual.Length != expected.Length
            ? $"length {actual.Length}, expected {expected.Length}, first difference at {common}"
            : $"first difference at byte {common} of {expected.Length}";
    }

    /// <summary>The payload of a lease as an array.</summary>
    public static byte[] Bytes(this HoseLease lease) => lease.Payload.ToArray();
}
