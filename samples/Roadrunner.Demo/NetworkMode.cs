using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>
/// Producer guest here, consumer guest in a second host process reached over loopback TCP through the network hose:
/// one copy out of the producer's memory into the socket, one copy from the socket straight into the consumer's memory,
/// and <c>send</c> returns when the other process acknowledged the delivery.
/// </summary>
internal sealed class NetworkMode(NetworkChain chain) : IDemoMode
{
    private static Task<NetworkChain>? s_shared;

    public string Name => "network";

    public static async Task<IDemoMode> StartAsync() => new NetworkMode(await SharedChainAsync());

    /// <summary>
    /// The chain (child process) shared by this row and the "tcp pump (ref)" row, so both measure the same two
    /// processes. The pump row runs last and disposes it; if it never runs, the child exits when this process does
    /// (its stdin closes).
    /// </summary>
    public static Task<NetworkChain> SharedChainAsync() => s_shared ??= NetworkChain.StartAsync();

    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    public ValueTask TransferAsync(int payloadBytes)
    {
        int status = chain.Transfer(payloadBytes);
        return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"network send failed with status {status}");
    }

    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        await chain.ConsumerChecksumAsync() == (checksum, payloadBytes);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the pump row disposes the shared chain
}
