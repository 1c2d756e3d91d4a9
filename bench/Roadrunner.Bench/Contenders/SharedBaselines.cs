using Roadrunner.Workloads;

namespace Roadrunner.Bench.Contenders;

/// <summary>The baselines every mode can be compared with, all in this process (from Roadrunner.Workloads).</summary>
internal static class SharedBaselines
{
    public static IReadOnlyList<IContenderFactory> All { get; } =
    [
        new Factory(BaselineNames.HttpJson, async (n, ct) => await HttpJsonBaseline.StartAsync(n, JsonWork.Guest, ct).ConfigureAwait(false)),
        new Factory(BaselineNames.HttpJsonHost, async (n, ct) => await HttpJsonBaseline.StartAsync(n, JsonWork.Host, ct).ConfigureAwait(false)),
        new Factory(BaselineNames.UdsJson, (n, _) => Task.FromResult<IPayloadContender>(UdsJsonBaseline.Start(n))),
        new Factory(BaselineNames.Memcpy, (n, _) => Task.FromResult<IPayloadContender>(MemcpyFloor.Start(n))),
        new Factory(BaselineNames.MapFloor, (n, _) => Task.FromResult<IPayloadContender>(MapFloor.Start(n, BenchFolder.Path))),
    ];

    private sealed class Factory(string name, Func<int, CancellationToken, Task<IPayloadContender>> start) : IContenderFactory
    {
        public string Name => name;

        public bool SupportsFanOut => true;

        public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) => start(receivers, cancellationToken);
    }
}
