using Roadrunner.Hosting;
using Roadrunner.Regions;

namespace Roadrunner.Workloads;

/// <summary>
/// The Roadrunner way: the producer guest sends with one <c>send</c> import call; the host copies the bytes once,
/// straight from the producer's memory into each idle consumer's memory (push model), and each consumer's handler does
/// O(1) work. With several consumers the name "consumer" is a fan-out route.
/// </summary>
public sealed class InProcessChain : IAsyncDisposable
{
    private readonly FunctionHost _host;
    private readonly HoseProducer _producer;
    private readonly WasmFunction[] _consumers;

    private InProcessChain(FunctionHost host, WasmFunction producer, WasmFunction[] consumers)
    {
        _host = host;
        _producer = new HoseProducer(producer);
        _consumers = consumers;
    }

    /// <summary>Number of consumers every payload reaches.</summary>
    public int ConsumerCount => _consumers.Length;

    /// <summary>The host, for inspection (pool, functions).</summary>
    public FunctionHost Host => _host;

    /// <summary>Loads the producer and <paramref name="consumers"/> consumers into a new host.</summary>
    /// <param name="consumers">How many consumers receive every payload (1 = a plain chain).</param>
    /// <param name="regions">Region pool settings, or null for the defaults.</param>
    /// <returns>The running chain.</returns>
    public static InProcessChain Start(int consumers = 1, RegionPoolOptions? regions = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var host = new FunctionHost(new FunctionHostOptions { Regions = regions ?? new RegionPoolOptions() });
        try
        {
            using var producerModule = Wasmtime.Module.FromFile(host.Engine, GuestModules.PathOf(GuestModules.Producer));
            using var consumerModule = Wasmtime.Module.FromFile(host.Engine, GuestModules.PathOf(GuestModules.Consumer));
            WasmFunction producer = host.Load("producer", producerModule);
            var loaded = new WasmFunction[consumers];
            for (int i = 0; i < consumers; i++)
            {
                loaded[i] = host.Load(consumers == 1 ? "consumer" : $"consumer-{i + 1}", consumerModule);
            }

            if (consumers > 1)
            {
                host.AddRoute("consumer", [.. loaded.Select(c => c.Name)]);
            }

            return new InProcessChain(host, producer, loaded);
        }
        catch
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Fills the producer's buffer with the seed's pattern (untimed preparation).</summary>
    /// <param name="payloadBytes">Payload size.</param>
    /// <param name="seed">Pattern seed (see <see cref="Checksum.FillPattern"/>).</param>
    /// <returns>How long a second fill of the same buffer took (the steady state: pages already in use).</returns>
    public double Prepare(int payloadBytes, int seed) => _producer.Prepare(payloadBytes, seed);

    /// <summary>The producer writes the prepared pattern again (see <see cref="HoseProducer.Refill"/>).</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>How long the fill took.</returns>
    public double Refill(int payloadBytes) => _producer.Refill(payloadBytes);

    /// <summary>The timed part: the producer sends its buffer to every consumer.</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>The <c>send</c> status (0 = delivered).</returns>
    public int Transfer(int payloadBytes)
    {
        return _producer.Send(payloadBytes);
    }

    /// <summary>Sets what every consumer's handler does with a payload (untimed).</summary>
    /// <param name="work">The consumer's work.</param>
    public void SetConsumer(ConsumerWork work)
    {
        foreach (WasmFunction consumer in _consumers)
        {
            consumer.Run(i => i.GetFunction<int, int>("set_read_all")!(work == ConsumerWork.ReadAll ? 1 : 0));
        }
    }

    /// <summary>Checksum of the last payload consumer <paramref name="index"/> got, computed by the consumer guest.</summary>
    /// <param name="index">Which consumer.</param>
    /// <returns>The checksum (see <see cref="Checksum.Compute"/>).</returns>
    public ulong ConsumerChecksum(int index = 0) =>
        (ulong)_consumers[index].Run(i => i.GetFunction<long>("checksum")!());

    /// <summary>What the read-all consumer <paramref name="index"/> summed of its last payload (0 for the touch consumer).</summary>
    /// <param name="index">Which consumer.</param>
    /// <returns>The sum (see <see cref="Checksum.Sum"/>).</returns>
    public ulong ConsumerReadSum(int index = 0) =>
        (ulong)_consumers[index].Run(i => i.GetFunction<long>("read_sum")!());

    /// <summary>Length of the last payload consumer <paramref name="index"/> got.</summary>
    /// <param name="index">Which consumer.</param>
    /// <returns>The length.</returns>
    public int ConsumerLastLength(int index = 0) =>
        _consumers[index].Run(i => i.GetFunction<int>("last_length")!());

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
