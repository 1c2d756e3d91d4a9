using System.Buffers;

namespace Roadrunner;

/// <summary>
/// The sending end of a hose: payloads go in whole and arrive whole, in the order one sender sent them.
/// Bytes are copied at most once; a producer that writes into a <see cref="HoseClaim"/> copies nothing.
/// </summary>
/// <remarks>
/// Cancellation and timeouts follow one rule on every transport: a token or a timeout is honoured only while the
/// payload can still be withdrawn (until it is handed to the receiving side). A send reported cancelled or
/// <see cref="HoseStatus.TimedOut"/> never reaches a receiver; once the payload can no longer be withdrawn the call
/// ignores the token and reports the outcome: <see cref="HoseStatus.Ok"/>, or <see cref="HoseStatus.PeerFailed"/> when
/// it cannot be known. A fan-out is not atomic: a failure part-way leaves the payload with the targets before it.
/// </remarks>
public interface IHoseSender : IAsyncDisposable
{
    /// <summary>The name receivers are addressed by (a function or a route).</summary>
    string Name { get; }

    /// <summary>Sends a payload without waiting.</summary>
    /// <param name="payload">The bytes; copied before the call returns.</param>
    /// <returns><see cref="HoseStatus.Ok"/>, or <see cref="HoseStatus.WouldBlock"/> when there is no room now, or another failure.</returns>
    HoseStatus TrySend(ReadOnlySpan<byte> payload);

    /// <summary>Sends a payload, blocking the calling thread until there is room, the timeout passes or the token is cancelled.</summary>
    /// <param name="payload">The bytes; copied before the call returns.</param>
    /// <param name="timeout">The longest wait for room; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</param>
    /// <param name="cancellationToken">Cancels the wait while the payload can still be withdrawn (see the remarks on <see cref="IHoseSender"/>).</param>
    /// <returns>
    /// <see cref="HoseStatus.Ok"/>; <see cref="HoseStatus.TimedOut"/> when the timeout passed or the token was cancelled
    /// before the payload was sent (it never arrives); or another failure.
    /// </returns>
    HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Sends a payload, waiting asynchronously for room.</summary>
    /// <param name="payload">The bytes; copied before the returned task completes.</param>
    /// <param name="cancellationToken">Cancels the wait while the payload can still be withdrawn; a token that fires later changes nothing.</param>
    /// <exception cref="HoseException">The hose refused the payload.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the payload was sent: it never arrives.</exception>
    ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>Sends a payload made of several segments as one message, waiting asynchronously for room.</summary>
    /// <param name="payload">The bytes; copied before the returned task completes.</param>
    /// <param name="cancellationToken">Cancels the wait while the payload can still be withdrawn; a token that fires later changes nothing.</param>
    /// <exception cref="HoseException">The hose refused the payload.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled before the payload was sent: it never arrives.</exception>
    ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves room for a payload of exactly <paramref name="length"/> bytes that the caller writes in place and then
    /// commits: zero copies on the sending side.
    /// </summary>
    /// <param name="length">The payload length; at most the hose's largest claim (see the implementation).</param>
    /// <param name="cancellationToken">Cancels the wait for room; a cancelled wait keeps nothing. A claim granted as the token fires is still returned.</param>
    /// <returns>The claim; dispose it without committing to abandon it.</returns>
    /// <exception cref="HoseException">The hose refused the claim.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting: no room is held.</exception>
    ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default);

    /// <summary>Ends sending: receivers get what was sent, then <see cref="HoseStatus.Closed"/>.</summary>
    void Complete();
}
