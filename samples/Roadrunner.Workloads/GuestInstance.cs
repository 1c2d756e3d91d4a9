using Wasmtime;

namespace Roadrunner.Workloads;

/// <summary>
/// One instantiated guest: its own <see cref="Store"/>, <see cref="Instance"/> and exported
/// <c>memory</c>. A Wasmtime store is not thread-safe: callers serialize every use of one instance.
/// </summary>
internal sealed class GuestInstance : IDisposable
{
    private GuestInstance(string name, Store store, Instance instance, Memory memory)
    {
        Name = name;
        Store = store;
        Instance = instance;
        Memory = memory;
    }

    /// <summary>The guest's name, for messages.</summary>
    public string Name { get; }

    /// <summary>The store that owns the instance.</summary>
    public Store Store { get; }

    /// <summary>The instance.</summary>
    public Instance Instance { get; }

    /// <summary>The guest's exported linear memory.</summary>
    public Memory Memory { get; }

    /// <summary>Instantiates <paramref name="module"/> in a new store.</summary>
    public static GuestInstance Create(Engine engine, Linker linker, Module module, string name)
    {
        var store = new Store(engine);
        store.SetEpochDeadline(1UL << 40); // never runs out; only matters on an engine with epoch interruption
        try
        {
            Instance instance = linker.Instantiate(store, module);
            Memory memory = instance.GetMemory("memory")
                ?? throw new InvalidOperationException($"Guest '{name}' does not export its memory as 'memory'.");
            return new GuestInstance(name, store, instance, memory);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>Returns <paramref name="function"/>, or throws when the export was missing or had another type.</summary>
    public T Require<T>(T? function, string export)
        where T : class =>
        function ?? throw new InvalidOperationException($"Guest '{Name}' has no export '{export}' of the expected type.");

    /// <summary>Copies <paramref name="length"/> bytes at <paramref name="address"/> out of the guest.</summary>
    public void CopyOut(int address, int length, Span<byte> destination) =>
        Memory.GetSpan(address, length).CopyTo(destination);

    /// <inheritdoc />
    public void Dispose() => Store.Dispose();
}
