namespace Roadrunner.Workloads;

/// <summary>
/// The network hose (or, with <c>pump</c>, the plain socket pump between the same two processes) as a contender:
/// producer.wasm here, consumer.wasm in a Roadrunner.Peer child process reached over loopback TCP.
/// </summary>
/// <param name="chain">The running chain.</param>
/// <param name="pump">Time the plain socket pump instead of the hose.</param>
/// <param name="ownsChain">Dispose the chain with this contender (false when another contender shares it).</param>
public sealed class NetworkContender(NetworkChain chain, bool pump, bool ownsChain = true) : IPayloadContender
{
    /// <summary>The plain socket pump's name in tables.</summary>
    public const string PumpName = "socket-pump";

    /// <inheritdoc />
    public string Name => pump ? PumpName : "network";

    /// <inheritdoc />
    public int Receivers => 1;

    /// <summary>Starts a chain with a new child process.</summary>
    /// <param name="pump">Time the plain socket pump instead of the hose.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The contender.</returns>
    public static async Task<IPayloadContender> StartAsync(bool pump, CancellationToken cancellationToken = default) =>
        new NetworkContender(await NetworkChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false), pump);

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferAsync(int payloadBytes)
    {
        if (pump)
        {
            chain.Pump(payloadBytes);
            return ValueTask.CompletedTask;
        }

        int status = chain.Transfer(payloadBytes);
        return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"network send failed with status {status}.");
    }

    /// <inheritdoc />
    /// <remarks>The pump has no consumer guest: it only takes <see cref="ConsumerWork.Touch"/> (it reads nothing).</remarks>
    public async ValueTask SetConsumerAsync(ConsumerWork work)
    {
        if (pump)
        {
            if (work != ConsumerWork.Touch)
            {
                throw new NotSupportedException("The socket pump has no consumer guest to read the payload.");
            }

            return;
        }

        await chain.SetConsumerAsync(work).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        await (pump ? chain.PumpChecksumAsync() : chain.ConsumerChecksumAsync()).ConfigureAwait(false) == (checksum, payloadBytes);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ownsChain ? chain.DisposeAsync() : ValueTask.CompletedTask;
}
