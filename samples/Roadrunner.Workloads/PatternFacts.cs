namespace Roadrunner.Workloads;

/// <summary>
/// What a consumer sees of a pattern payload (<see cref="Checksum.FillPattern"/>): its first and last byte and the sum a
/// read-all consumer computes. Zero-copy receivers keep only these of a timed payload (its pages go back when the
/// handler returns), so verification compares them, besides checksumming an untimed payload in full.
/// </summary>
/// <param name="Length">Payload length.</param>
/// <param name="First">First byte (-1 when empty).</param>
/// <param name="Last">Last byte (-1 when empty).</param>
/// <param name="Sum"><see cref="Checksum.Sum"/> of the payload.</param>
public sealed record PatternFacts(int Length, int First, int Last, ulong Sum)
{
    /// <summary>The facts of the pattern of <paramref name="length"/> bytes with <paramref name="seed"/>.</summary>
    /// <param name="length">Payload length.</param>
    /// <param name="seed">Pattern seed.</param>
    /// <returns>The facts.</returns>
    public static PatternFacts Of(int length, int seed)
    {
        byte[] bytes = GC.AllocateUninitializedArray<byte>(length);
        Checksum.FillPattern(bytes, seed);
        return length == 0 ? new(0, -1, -1, 0) : new(length, bytes[0], bytes[^1], Checksum.Sum(bytes));
    }

    /// <summary>Whether a consumer's record of the last payload matches: length, then the sum (read-all) or both end bytes.</summary>
    /// <param name="work">What the consumer did.</param>
    /// <param name="length">Its last length.</param>
    /// <param name="first">Its last first byte.</param>
    /// <param name="last">Its last last byte.</param>
    /// <param name="sum">Its last sum.</param>
    /// <returns>True when it saw this payload.</returns>
    public bool Matches(ConsumerWork work, int length, int first, int last, ulong sum) =>
        length == Length && first == First && last == Last && (work != ConsumerWork.ReadAll || sum == Sum);
}
