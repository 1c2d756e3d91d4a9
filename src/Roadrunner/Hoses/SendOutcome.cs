namespace Roadrunner.Hoses;

/// <summary>
/// The cancellation rule every hose follows: a token (or a deadline) is honoured only while the payload can still be
/// withdrawn, that is until it is published to a receiver. After that the call reports the delivery outcome
/// (<see cref="HoseStatus.Ok"/>, or <see cref="HoseStatus.PeerFailed"/> when it cannot be known) and ignores the token.
/// So a send reported cancelled or timed out never reaches a receiver.
/// </summary>
internal static class SendOutcome
{
    /// <summary>
    /// Turns the status of a finished send into the asynchronous API's answer: nothing for <see cref="HoseStatus.Ok"/>,
    /// even when the token fired meanwhile (the payload was sent); <see cref="OperationCanceledException"/> for a wait
    /// the token ended (nothing was sent); otherwise a <see cref="HoseException"/>.
    /// </summary>
    public static void ThrowIfNotSent(HoseStatus status, string what, CancellationToken cancellationToken)
    {
        if (status == HoseStatus.TimedOut && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"{what} was cancelled before it was sent.", cancellationToken);
        }

        HoseException.ThrowIfFailed(status, what);
    }
}
