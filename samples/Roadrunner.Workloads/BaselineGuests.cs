using Wasmtime;

namespace Roadrunner.Workloads;

/// <summary>
/// The guests of a baseline: one producer and <c>N</c> consumers, the same <c>producer.wasm</c> and
/// <c>consumer.wasm</c> the hose runs, each instance in its own store, on one engine and without any Roadrunner host
/// (the <c>roadrunner</c> imports are stubs the baselines never reach).
/// </summary>
internal sealed class BaselineGuests : IDisposable
{
    private readonly Engine _engine;
    private readonly Linker _linker;
    private readonly Module _producerModule;
    private readonly Module _consumerModule;
    private readonly List<ConsumerGuest> _consumers = [];

    private BaselineGuests(int consumers, bool compiledAsTheHostCompiles)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        // A FunctionHost's engine has epoch interruption on (the push deadline), which puts a check in every loop of
        // the guests it compiles; a floor that must run the very same guest code needs the same.
        _engine = compiledAsTheHostCompiles ? new Engine(new Config().WithEpochInterruption(true)) : new Engine();
        try
        {
            _linker = new Linker(_engine);
            DefineUnusedRoadrunnerImports(_linker);
            _producerModule = Module.FromFile(_engine, GuestModules.PathOf(GuestModules.Producer));
            _consumerModule = Module.FromFile(_engine, GuestModules.PathOf(GuestModules.Consumer));
            Producer = new ProducerGuest(GuestInstance.Create(_engine, _linker, _producerModule, GuestModules.Producer));
            for (int i = 0; i < consumers; i++)
            {
                _consumers.Add(new ConsumerGuest(GuestInstance.Create(_engine, _linker, _consumerModule, $"{GuestModules.Consumer}-{i + 1}")));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The producer guest.</summary>
    public ProducerGuest Producer { get; } = null!;

    /// <summary>The consumer guests; every payload goes to each of them.</summary>
    public IReadOnlyList<ConsumerGuest> Consumers => _consumers;

    /// <summary>Compiles both modules and instantiates the producer and <paramref name="consumers"/> consumers.</summary>
    /// <param name="consumers">How many consumers receive every payload.</param>
    /// <param name="compiledAsTheHostCompiles">Compile with epoch interruption on, as a <c>FunctionHost</c>'s engine
    /// does (a check in every loop): the guests then run the very code the hose's guests run.</param>
    public static BaselineGuests Create(int consumers, bool compiledAsTheHostCompiles = false) => new(consumers, compiledAsTheHostCompiles);

    /// <summary>Untimed: the producer fills its buffer.</summary>
    public void Prepare(int payloadBytes, int seed)
    {
        Producer.Gate.Wait();
        try
        {
            Producer.Fill(payloadBytes, seed);
        }
        finally
        {
            Producer.Gate.Release();
        }
    }

    /// <summary>Untimed: sets what every consumer does with a payload.</summary>
    public void SetConsumer(ConsumerWork work)
    {
        foreach (ConsumerGuest consumer in _consumers)
        {
            consumer.SetConsumer(work);
        }
    }

    /// <summary>Untimed: checks every consumer's last payload.</summary>
    public bool Verify(int payloadBytes, ulong checksum)
    {
        foreach (ConsumerGuest consumer in _consumers)
        {
            if (!consumer.Verify(payloadBytes, checksum))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The guests import <c>roadrunner.*</c>; a baseline has no Roadrunner host, so every import answers with a
    /// status code (the baselines never call the guest functions that use them).
    /// </summary>
    public static void DefineUnusedRoadrunnerImports(Linker linker)
    {
        const string module = "roadrunner";
        const int UnknownTarget = -4;
        const int BadHandle = -3;
        const int WouldBlock = -1;
        const int TimedOut = -10;
        linker.DefineFunction(module, "open", (int namePtr, int nameLen) => UnknownTarget);
        linker.DefineFunction(module, "close", (int handle) => BadHandle);
        linker.DefineFunction(module, "send", (int handle, int ptr, int len) => BadHandle);
        linker.DefineFunction(module, "try_send", (int handle, int ptr, int len) => BadHandle);
        linker.DefineFunction(module, "next_length", () => WouldBlock);
        linker.DefineFunction(module, "receive", (int ptr, int cap) => WouldBlock);
        linker.DefineFunction(module, "receive_wait", (int ptr, int cap, int timeoutMs) => TimedOut);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (ConsumerGuest consumer in _consumers)
        {
            consumer.Dispose();
        }

        Producer?.Dispose();
        _consumerModule?.Dispose();
        _producerModule?.Dispose();
        _linker?.Dispose();
        _engine.Dispose();
    }
}
