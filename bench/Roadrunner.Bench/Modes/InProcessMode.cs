using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The in-process hose: producer.wasm sends with one <c>send</c> import call, the host copies the bytes once from the
/// producer's memory into each (idle, push) consumer's memory. Fan-out: the name "consumer" routes to N consumers.
/// </summary>
public sealed class InProcessMode : IHoseMode
{
    /// <inheritdoc />
    public string Name => "in-process";

    /// <inheritdoc />
    public int Order => 0;

    /// <inheritdoc />
    public bool SupportsFanOut => true;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } =
        [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.UdsJson, BaselineNames.Memcpy];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; } = [];

    /// <inheritdoc />
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        Task.FromResult<IPayloadContender>(new InProcessContender(InProcessChain.Start(receivers)));
}
