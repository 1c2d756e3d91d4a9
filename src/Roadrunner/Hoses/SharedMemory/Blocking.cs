namespace Roadrunner.Hoses.SharedMemory;

/// <summary>Runs a blocking hose operation on a pool thread for the asynchronous API (kept out of unsafe types, which cannot await).</summary>
internal static class Blocking
{
    /// <summary>
    /// Runs <paramref name="operation"/> and throws when it failed (see <see cref="SendOutcome"/>). A token that fires
    /// after the operation succeeded changes nothing: the payload was sent.
    /// </summary>
    public static async ValueTask RunAsync(Func<HoseStatus> operation, string what, CancellationToken cancellationToken)
    {
        HoseStatus status = await Task.Run(operation, cancellationToken).ConfigureAwait(false);
        SendOutcome.ThrowIfNotSent(status, what, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> and returns its value, or throws when it failed. A value the operation
    /// produced is always returned (never dropped because the token fired meanwhile): its owner must dispose it.
    /// </summary>
    public static async ValueTask<T> RunAsync<T>(Func<(HoseStatus Status, T? Value)> operation, string what, CancellationToken cancellationToken)
    {
        (HoseStatus status, T? value) = await Task.Run(operation, cancellationToken).ConfigureAwait(false);
        SendOutcome.ThrowIfNotSent(status, what, cancellationToken);
        return value!;
    }
}
