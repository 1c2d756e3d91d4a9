using System.Diagnostics;

namespace Roadrunner.Workloads;

/// <summary>
/// Today's copying path with a producer that writes a fresh payload before every transfer, as a zero-copy producer
/// must (after <c>commit</c> its window's contents are unspecified, docs/guest-abi.md). The fill is timed apart and
/// left out of the hop, exactly as for the zero-copy contenders, so the two do the same work in the same order.
/// </summary>
/// <remarks>
/// Why it exists: today's contenders fill their buffer once and send the same bytes again and again, so after the
/// first transfer the receiver copies lines that are clean in the shared cache; a producer that has just written
/// them leaves them dirty in its own core's cache, which a receiver on the other core must fetch (docs/benchmarks.md
/// gives the difference). Both are reported: the wrapped contender's own records stay as they were.
/// </remarks>
/// <param name="inner">Today's contender; disposed with this one.</param>
public sealed class FreshPayloadContender(IRefillableContender inner) : IFillTimedContender, ISelfTimedContender
{
    /// <summary>The suffix of the name: <c>in-process-fresh</c>, <c>cross-process-fresh</c>.</summary>
    public const string Suffix = "-fresh";

    /// <inheritdoc />
    public string Name { get; } = inner.Name + Suffix;

    /// <inheritdoc />
    public int Receivers => inner.Receivers;

    /// <inheritdoc />
    public double LastHopMicros { get; private set; }

    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed) => inner.PrepareAsync(payloadBytes, seed);

    /// <inheritdoc />
    public async ValueTask TransferAsync(int payloadBytes)
    {
        LastFillMicros = inner.Refill(payloadBytes);
        long start = Stopwatch.GetTimestamp();
        await inner.TransferAsync(payloadBytes).ConfigureAwait(false);
        LastHopMicros = Timing.MicrosSince(start);
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work) => inner.SetConsumerAsync(work);

    /// <inheritdoc />
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) => inner.VerifyAsync(payloadBytes, checksum);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
