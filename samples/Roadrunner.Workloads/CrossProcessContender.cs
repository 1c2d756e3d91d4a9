namespace Roadrunner.Workloads;

/// <summary>
/// The cross-process hose as a contender: producer.wasm here, consumer.wasm in a Roadrunner.Peer child process; a
/// transfer completes when the consumer's ack comes back.
/// </summary>
/// <param name="chain">The running chain; disposed with the contender.</param>
public sealed class CrossProcessContender(CrossProcessChain chain) : IFillTimedContender, IRefillableContender
{
    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <inheritdoc />
    public string Name => "cross-process";

    /// <inheritdoc />
    public int Receivers => 1;

    /// <summary>Starts a chain with a new child process.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The contender.</returns>
    public static async Task<IPayloadContender> StartAsync(CancellationToken cancellationToken = default) =>
        new CrossProcessContender(await CrossProcessChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public double Refill(int payloadBytes) => chain.Refill(payloadBytes);

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        LastFillMicros = chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask TransferAsync(int payloadBytes)
    {
        int acknowledged = await chain.TransferAsync(payloadBytes).ConfigureAwait(false);
        if (acknowledged != payloadBytes)
        {
            throw new InvalidOperationException($"The consumer acknowledged {acknowledged} bytes, not {payloadBytes}.");
        }
    }

    /// <inheritdoc />
    public async ValueTask SetConsumerAsync(ConsumerWork work) => await chain.SetConsumerAsync(work).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        await chain.ConsumerLastLengthAsync().ConfigureAwait(false) == payloadBytes
        && await chain.ConsumerChecksumAsync().ConfigureAwait(false) == checksum;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => chain.DisposeAsync();
}
