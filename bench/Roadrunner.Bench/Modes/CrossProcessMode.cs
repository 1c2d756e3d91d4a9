using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The cross-process hose over shared memory: producer.wasm in this process sends to consumer.wasm hosted by a
/// Roadrunner.Peer child process (guest → shared region → guest); a transfer completes when the consumer's 8-byte ack
/// comes back through the reverse hose.
/// </summary>
public sealed class CrossProcessMode : IHoseMode
{
    /// <inheritdoc />
    public string Name => "cross-process";

    /// <inheritdoc />
    public int Order => 1;

    /// <inheritdoc />
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } =
        [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.UdsJson, BaselineNames.Memcpy];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; } = [];

    /// <inheritdoc />
    public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        new Contender(await CrossProcessChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false));

    private sealed class Contender(CrossProcessChain chain) : IPayloadContender
    {
        public string Name => "cross-process";

        public int Receivers => 1;

        public ValueTask PrepareAsync(int payloadBytes, int seed)
        {
            chain.Prepare(payloadBytes, seed);
            return ValueTask.CompletedTask;
        }

        public async ValueTask TransferAsync(int payloadBytes)
        {
            int acknowledged = await chain.TransferAsync(payloadBytes).ConfigureAwait(false);
            if (acknowledged != payloadBytes)
            {
                throw new InvalidOperationException($"The consumer acknowledged {acknowledged} bytes, not {payloadBytes}.");
            }
        }

        public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
            await chain.ConsumerLastLengthAsync().ConfigureAwait(false) == payloadBytes
            && await chain.ConsumerChecksumAsync().ConfigureAwait(false) == checksum;

        public ValueTask DisposeAsync() => chain.DisposeAsync();
    }
}
