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
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        NetworkContender.StartAsync(pump: false, cancellationToken);

    /// <summary>The same bytes through a plain TCP socket to a peer process, answered with one byte.</summary>
    private sealed class SocketPump : IContenderFactory
    {
        public string Name => BaselineNames.SocketPump;

        public bool SupportsFanOut => false;

        public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
            NetworkContender.StartAsync(pump: true, cancellationToken);
    }
}
