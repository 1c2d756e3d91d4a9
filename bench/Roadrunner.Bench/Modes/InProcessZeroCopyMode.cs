using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The in-process zero-copy hop (guest ABI version 2): zc-producer.wat claims a window, fills it in place and commits
/// it; each zc-consumer.wat (exporting <c>rr_alloc_window</c>) gets the pages mapped while its handler runs. Timed from
/// claim to the receivers' return, the fill apart. Compared with the in-process mode's baselines, the bare page work
/// (<c>map-floor</c>) and today's one-copy path (<c>in-process</c>, and <c>in-process-fresh</c> with a fresh payload before every transfer as the zero-copy producer writes one). Fan-out: every receiver maps the same pages.
/// </summary>
public sealed class InProcessZeroCopyMode : IHoseMode
{
    /// <inheritdoc />
    public string Name => InProcessZeroCopyContender.ModeName;

    /// <inheritdoc />
    public int Order => 3;

    /// <inheritdoc />
    public bool SupportsFanOut => true;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } =
        [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.UdsJson, BaselineNames.Memcpy, BaselineNames.MapFloor, "in-process", "in-process-fresh"];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; } = [new InProcessMode(), new FreshPayloadBaseline(new InProcessMode())];

    /// <inheritdoc />
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        Task.FromResult<IPayloadContender>(InProcessZeroCopyContender.Start(receivers, BenchFolder.Path));
}
