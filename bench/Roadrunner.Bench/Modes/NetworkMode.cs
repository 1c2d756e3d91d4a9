using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The network hose over loopback TCP: producer.wasm in this process sends to consumer.wasm hosted by a
/// Roadrunner.Peer child process; <c>send</c> returns once the consumer acknowledged. Compared with the HTTP baselines
/// and with a plain socket pump between the same two processes (the ceiling).
/// </summary>
public sealed class NetworkMode : IHoseMode
{
    private NetworkChain? _hoseChain; // the processes the hose runs between: the pump is timed between the same two

    /// <summary>Creates the mode and its own <c>socket-pump</c> baseline.</summary>
    public NetworkMode()
    {
        OwnBaselines = [new SocketPump(this)];
    }

    /// <inheritdoc />
    public string Name => "network";

    /// <inheritdoc />
    public int Order => 2;

    /// <inheritdoc />
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } = [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.SocketPump];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; }

    /// <inheritdoc />
    public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken)
    {
        NetworkChain chain = await NetworkChain.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _hoseChain = chain;
        return new NetworkContender(chain, pump: false);
    }

    /// <summary>
    /// The same bytes through a plain TCP socket, answered with one byte: between the hose's two processes while the
    /// hose runs (as the issue asks: "between the same two processes"), else between this process and a new peer.
    /// </summary>
    private sealed class SocketPump(NetworkMode mode) : IContenderFactory
    {
        public string Name => BaselineNames.SocketPump;

        public bool SupportsFanOut => false;

        public async Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
            mode._hoseChain is { Peer.HasExited: false } chain
                ? new NetworkContender(chain, pump: true, ownsChain: false)
                : await NetworkContender.StartAsync(pump: true, cancellationToken).ConfigureAwait(false);
    }
}
