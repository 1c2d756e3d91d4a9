using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The network hose over loopback TCP: producer.wasm in this process sends to consumer.wasm hosted by a
/// Roadrunner.Peer child process; <c>send</c> returns once the consumer acknowledged. Compared with the HTTP baselines
/// and with a plain socket pump between this process and a peer process (the ceiling).
/// </summary>
public sealed class NetworkMode : IHoseMode
{
    /// <inheritdoc />
    public string Name => "network";

    /// <inheritdoc />
    public int Order => 2;

    /// <inheritdoc />
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } = [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.SocketPump];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; } = [new SocketPump()];

    /// <inheritdoc />
    public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        new Contender(await NetworkChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false), pump: false);

    /// <summary>The same bytes through a plain TCP socket to a peer process, answered with one byte.</summary>
    private sealed class SocketPump : IContenderFactory
    {
        public string Name => BaselineNames.SocketPump;

        public bool SupportsFanOut => false;

        public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
            new Contender(await NetworkChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false), pump: true);
    }

    /// <summary>A running chain, timing either the hose or the plain pump of the same child.</summary>
    private sealed class Contender(NetworkChain chain, bool pump) : IPayloadContender
    {
        public string Name => pump ? BaselineNames.SocketPump : "network";

        public int Receivers => 1;

        public ValueTask PrepareAsync(int payloadBytes, int seed)
        {
            chain.Prepare(payloadBytes, seed);
            return ValueTask.CompletedTask;
        }

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

        public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
            await (pump ? chain.PumpChecksumAsync() : chain.ConsumerChecksumAsync()).ConfigureAwait(false) == (checksum, payloadBytes);

        public ValueTask DisposeAsync() => chain.DisposeAsync();
    }
}
