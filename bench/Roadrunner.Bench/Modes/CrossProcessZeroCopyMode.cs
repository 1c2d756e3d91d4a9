using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The cross-process zero-copy hop (guest ABI version 2): zc-producer.wat here claims, fills and commits a window to
/// zc-consumer.wat in a Roadrunner.Peer child process; timed from claim until the consumer's ack came back, the fill
/// apart. Where the host cannot map across processes it copies once (the record's <c>hosePath</c> says which path the
/// payloads took). Compared with the cross-process mode's baselines, <c>map-floor</c> and today's path (<c>cross-process</c>, and <c>cross-process-fresh</c> with a fresh payload before every transfer as the zero-copy producer writes one).
/// </summary>
public sealed class CrossProcessZeroCopyMode : IHoseMode
{
    /// <inheritdoc />
    public string Name => CrossProcessZeroCopyContender.ModeName;

    /// <inheritdoc />
    public int Order => 4;

    /// <inheritdoc />
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } =
        [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.UdsJson, BaselineNames.Memcpy, BaselineNames.MapFloor, "cross-process", "cross-process-fresh"];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; } = [new CrossProcessMode(), new FreshPayloadBaseline(new CrossProcessMode())];

    /// <inheritdoc />
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        CrossProcessZeroCopyContender.StartAsync(cancellationToken);
}
