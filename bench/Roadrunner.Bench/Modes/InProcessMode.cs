using Roadrunner.Bench.Contenders;
using Roadrunner.Hosting;
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
        Task.FromResult<IPayloadContender>(new Contender(InProcessChain.Start(receivers)));

    /// <summary>
    /// The running chain as a contender. It calls the producer's <c>produce</c> export through one cached delegate
    /// (what a host that sends in a loop does), so a transfer allocates nothing in the harness.
    /// </summary>
    private sealed class Contender : IPayloadContender
    {
        private readonly InProcessChain chain;
        private readonly WasmFunction producer;
        private readonly Func<int> produce;
        private int size;

        public Contender(InProcessChain chain)
        {
            this.chain = chain;
            producer = chain.Host["producer"];
            Func<int, int> export = producer.Instance.GetFunction<int, int>("produce")
                ?? throw new InvalidOperationException("producer.wasm lacks produce");
            produce = () => export(size);
        }

        public string Name => "in-process";

        public int Receivers => chain.ConsumerCount;

        public ValueTask PrepareAsync(int payloadBytes, int seed)
        {
            chain.Prepare(payloadBytes, seed);
            return ValueTask.CompletedTask;
        }

        public ValueTask TransferAsync(int payloadBytes)
        {
            size = payloadBytes;
            int status = producer.Guest.Invoke(produce);
            return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"in-process send failed with status {status}.");
        }

        public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
        {
            for (int i = 0; i < chain.ConsumerCount; i++)
            {
                if (chain.ConsumerLastLength(i) != payloadBytes || chain.ConsumerChecksum(i) != checksum)
                {
                    return ValueTask.FromResult(false);
                }
            }

            return ValueTask.FromResult(true);
        }

        public ValueTask DisposeAsync()
        {
            // Every timed send should have gone straight into an idle consumer; regions mean some were queued (2 copies).
            long mapped = chain.Host.Pool.MappedBytes;
            if (mapped > 0)
            {
                Console.Error.WriteLine($"note: the in-process hose (x{chain.ConsumerCount}) mapped {mapped} bytes of regions: some sends were queued, not pushed directly.");
            }

            return chain.DisposeAsync();
        }
    }
}
