namespace Roadrunner.Hoses.SharedMemory;

/// <summary>Runs a blocking hose operation on a pool thread for the asynchronous API (kept out of unsafe types, which cannot await).</summary>
internal static class Blocking
{
    /// <summary>Runs <paramref name="operation"/> and throws a <see cref="HoseException"/> when it fails.</summary>
    public static async ValueTask RunAsync(Func<HoseStatus> operation, string what, CancellationToken cancellationToken)
    {
        HoseStatus status = await Task.Run(operation, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        HoseException.ThrowIfFailed(status, what);
    }

    /// <summary>Runs <paramref name="operation"/> and turns its result into a value, or throws when it failed.</summary>
    public static async ValueTask<T> RunAsync<T>(Func<(HoseStatus Status, T? Value)> operation, string what, CancellationToken cancellationToken)
    {
        (HoseStatus status, T? value) = await Task.Run(operation, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        HoseException.ThrowIfFailed(status, what);
        return value!;
    }
}
