namespace Roadrunner.Workloads;

/// <summary>
/// One way of moving the producer guest's payload into one or more consumer guests: a Roadrunner hose mode or a
/// baseline. Benchmarks and the demo time <see cref="TransferAsync"/> only; preparation and verification are untimed.
/// </summary>
/// <remarks>
/// A contender is used by one caller at a time: <see cref="PrepareAsync"/>, then any number of
/// <see cref="TransferAsync"/> and <see cref="VerifyAsync"/> calls, for one payload size after another.
/// </remarks>
public interface IPayloadContender : IAsyncDisposable
{
    /// <summary>The contender's name in tables and records, e.g. <c>in-process</c> or <c>http-json</c>.</summary>
    string Name { get; }

    /// <summary>How many consumer guests receive every payload (1 = a chain, more = fan-out).</summary>
    int Receivers { get; }

    /// <summary>Untimed: the producer guest fills its buffer with <paramref name="payloadBytes"/> bytes of the
    /// <see cref="Checksum.FillPattern"/> pattern.</summary>
    /// <param name="payloadBytes">The payload size.</param>
    /// <param name="seed">The pattern's seed.</param>
    /// <returns>A task that completes when the payload is ready.</returns>
    ValueTask PrepareAsync(int payloadBytes, int seed);

    /// <summary>
    /// The timed part: moves the first <paramref name="payloadBytes"/> bytes of the producer's buffer into every
    /// consumer guest. Completes once every consumer guest has the whole payload and has run its O(1) handler
    /// (length, first and last byte).
    /// </summary>
    /// <param name="payloadBytes">The payload size (at most what <see cref="PrepareAsync"/> filled).</param>
    /// <returns>A task that completes when every consumer has the payload.</returns>
    ValueTask TransferAsync(int payloadBytes);

    /// <summary>
    /// Untimed: what every consumer guest does with each payload from the next transfer on (default
    /// <see cref="ConsumerWork.Touch"/>). With <see cref="ConsumerWork.ReadAll"/> the consumer reads every byte inside its
    /// handler, so the read is part of the timed transfer.
    /// </summary>
    /// <param name="work">The consumer's work.</param>
    /// <returns>A task that completes when every consumer is set.</returns>
    /// <exception cref="NotSupportedException">This contender has no consumer that can do <paramref name="work"/>.</exception>
    ValueTask SetConsumerAsync(ConsumerWork work);

    /// <summary>Untimed: checks that every consumer guest's last payload has the length and checksum expected.</summary>
    /// <param name="payloadBytes">The expected length.</param>
    /// <param name="checksum">The expected <see cref="Checksum.Compute"/> of the payload.</param>
    /// <returns>True when every consumer got exactly the bytes sent.</returns>
    ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum);
}
