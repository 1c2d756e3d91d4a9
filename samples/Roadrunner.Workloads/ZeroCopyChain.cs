using Roadrunner.Hosting;
using Roadrunner.Regions;

namespace Roadrunner.Workloads;

/// <summary>
/// The zero-copy way in one process: zc-producer.wat claims a window, fills it and commits it to "consumer"; each
/// zc-consumer.wat (a push receiver exporting <c>rr_alloc_window</c>) gets the payload's pages mapped over its own window
/// while its handler runs. Guest memories live in files (<c>GuestMemoryInFiles</c>), which mapping needs. With several
/// consumers the name "consumer" is a fan-out route: every receiver maps the same pages.
/// </summary>
public sealed class ZeroCopyChain : IAsyncDisposable
{
    private readonly FunctionHost _host;
    private readonly WasmFunction[] _consumers;

    private ZeroCopyChain(FunctionHost host, WasmFunction producer, WasmFunction[] consumers, string? folder)
    {
        _host = host;
        Folder = folder;
        HugePages = RegionPool.HasHugePages(folder);
        if (HugePages)
        {
            foreach (WasmFunction guest in consumers.Prepend(producer))
            {
                guest.Run(i => i.GetFunction<int, int>("set_huge")!(1));
            }
        }
        Producer = new ZeroCopyProducer(producer);
        _consumers = consumers;
    }

    /// <summary>The producer.</summary>
    public ZeroCopyProducer Producer { get; }

    /// <summary>Where regions and guest memories go; null for the region pool's default folder.</summary>
    public string? Folder { get; }

    /// <summary>
    /// True when <see cref="Folder"/> has huge pages: the guests then put windows of 2 MiB and more on a 2 MiB boundary
    /// (their <c>set_huge</c>), which they do not elsewhere (there it makes every hop free and refill page tables).
    /// </summary>
    public bool HugePages { get; }

    /// <summary>The receivers.</summary>
    public IReadOnlyList<WasmFunction> Consumers => _consumers;

    /// <summary>The host.</summary>
    public FunctionHost Host => _host;

    /// <summary>Loads the producer and <paramref name="consumers"/> receivers into a new host with guest memories in files.</summary>
    /// <param name="consumers">How many receivers get every payload (1 = a plain chain).</param>
    /// <param name="directory">Where regions and guest memories go, or null for the region pool's default folder.</param>
    /// <returns>The running chain.</returns>
    public static ZeroCopyChain Start(int consumers = 1, string? directory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = directory }, GuestMemoryInFiles = true });
        try
        {
            WasmFunction producer = host.LoadFile("producer", GuestModules.PathOf(GuestModules.ZeroCopyProducer));
            var loaded = new WasmFunction[consumers];
            for (int i = 0; i < consumers; i++)
            {
                loaded[i] = host.LoadFile(consumers == 1 ? "consumer" : $"consumer-{i + 1}", GuestModules.PathOf(GuestModules.ZeroCopyConsumer));
            }

            if (consumers > 1)
            {
                host.AddRoute("consumer", [.. loaded.Select(c => c.Name)]);
            }

            return new ZeroCopyChain(host, producer, loaded, directory);
        }
        catch
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Calls an <c>(i32) -> i32</c> export of every receiver (set_read_all, set_verify).</summary>
    /// <param name="export">The export.</param>
    /// <param name="argument">Its argument.</param>
    public void CallConsumers(string export, int argument)
    {
        foreach (WasmFunction consumer in _consumers)
        {
            consumer.Run(i => i.GetFunction<int, int>(export)!(argument));
        }
    }

    /// <summary>Reads an <c>() -> i32</c> export of receiver <paramref name="index"/>.</summary>
    /// <param name="index">Which receiver.</param>
    /// <param name="export">The export, e.g. <c>last_length</c>.</param>
    /// <returns>Its value.</returns>
    public int Read(int index, string export) => _consumers[index].Run(i => i.GetFunction<int>(export)!());

    /// <summary>Reads an <c>() -> i64</c> export of receiver <paramref name="index"/> (checksum, read_sum).</summary>
    /// <param name="index">Which receiver.</param>
    /// <param name="export">The export.</param>
    /// <returns>Its value.</returns>
    public ulong Read64(int index, string export) => (ulong)_consumers[index].Run(i => i.GetFunction<long>(export)!());

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
