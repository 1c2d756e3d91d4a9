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
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        CrossProcessContender.StartAsync(cancellationToken);
}
