using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Modes;

/// <summary>
/// The network zero-copy hop (guest ABI version 2): zc-producer.wat here claims, fills and commits a window to
/// zc-consumer.wat in a Roadrunner.Peer child over loopback TCP (sendfile from the producer's memory file from the
/// mapping crossover); the idle consumer gets the socket read straight into its memory. Timed from claim until the
/// commit's Ack, the fill apart. Compared with the network mode's baselines, today's path (<c>network</c>) and the
/// other way to receive, <c>network-zero-copy-mapped-receive</c> (read into regions, then mapped into the consumer).
/// </summary>
public sealed class NetworkZeroCopyMode : IHoseMode
{
    /// <summary>Creates the mode and its baselines: today's network mode, its socket pump, and the mapped receive.</summary>
    public NetworkZeroCopyMode()
    {
        var today = new NetworkMode();
        OwnBaselines = [today, .. today.OwnBaselines, new MappedReceive()];
    }

    /// <inheritdoc />
    public string Name => NetworkZeroCopyContender.ModeName;

    /// <inheritdoc />
    public int Order => 5;

    /// <inheritdoc />
    public bool SupportsFanOut => false;

    /// <inheritdoc />
    public IReadOnlyList<string> Baselines { get; } =
        [BaselineNames.HttpJson, BaselineNames.HttpJsonHost, BaselineNames.SocketPump, "network", NetworkZeroCopyContender.MappedReceiveName];

    /// <inheritdoc />
    public IReadOnlyList<IContenderFactory> OwnBaselines { get; }

    /// <inheritdoc />
    public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
        NetworkZeroCopyContender.StartAsync(mappedReceive: false, cancellationToken);

    /// <summary>The same hop, with the consumer's side reading each message into regions and mapping it into the consumer.</summary>
    private sealed class MappedReceive : IContenderFactory
    {
        public string Name => NetworkZeroCopyContender.MappedReceiveName;

        public bool SupportsFanOut => false;

        public Task<IPayloadContender> StartAsync(int receivers, CancellationToken cancellationToken) =>
            NetworkZeroCopyContender.StartAsync(mappedReceive: true, cancellationToken);
    }
}
