using Roadrunner.Wasm;
using Wasmtime;

namespace Roadrunner.Hosting;

/// <summary>A guest module instantiated by a <see cref="FunctionHost"/> with the hose imports, reachable by its name.</summary>
public sealed class WasmFunction : IAsyncDisposable
{
    private readonly Action<WasmFunction>? _onDisposing;

    internal WasmFunction(Store store, Instance instance, RoadrunnerGuest guest, Action<WasmFunction>? onDisposing = null)
    {
        Store = store;
        Instance = instance;
        Guest = guest;
        _onDisposing = onDisposing;
    }

    /// <summary>The function's name.</summary>
    public string Name => Guest.Name;

    /// <summary>The instance's store. Call into it only through <see cref="Run{T}"/> or <see cref="Call"/>: a store runs one call at a time.</summary>
    public Store Store { get; }

    /// <summary>The instance, for looking up typed exports to use inside <see cref="Run{T}"/>.</summary>
    public Instance Instance { get; }

    /// <summary>
    /// The Roadrunner state of the instance: inbox, handles, push receiver. Send to the function from .NET through
    /// <c>Guest.Inbox</c> (or by name with <see cref="FunctionHost.Open"/>).
    /// </summary>
    public RoadrunnerGuest Guest { get; }

    /// <summary>
    /// Runs <paramref name="call"/> as the only call into this function, then pushes the payloads that queued meanwhile
    /// and returns once they were pushed (or the push failed).
    /// </summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="call">Calls exports of <see cref="Instance"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for the function to be free.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="TrapException">The guest trapped.</exception>
    /// <exception cref="InvalidOperationException">
    /// Called from inside a call into this same function (e.g. by a .NET sender it sent to), or waiting would deadlock
    /// with another thread: such a call could never start, so it fails at once.
    /// </exception>
    public T Run<T>(Func<Instance, T> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Guest.Invoke(() => call(Instance), cancellationToken);
    }

    /// <summary>Calls an export by name with boxed arguments (convenient, not the fastest path).</summary>
    /// <param name="export">The export's name.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>Its result, or null for none.</returns>
    /// <exception cref="ArgumentException">No such exported function.</exception>
    public object? Call(string export, params ValueBox[] arguments)
    {
        Function function = Instance.GetFunction(export) ?? throw new ArgumentException($"Function '{Name}' has no export '{export}'.", nameof(export));
        return Guest.Invoke(() => function.Invoke(arguments));
    }

    /// <summary>
    /// Takes the function's name out of its host (a later <c>open</c> of it gives <c>RR_UNKNOWN_TARGET</c>; handles
    /// opened before give <c>RR_CLOSED</c>), drops queued payloads and frees the instance's store, once no call is
    /// running in it.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from inside a call into this function (the task fails at once).</exception>
    public async ValueTask DisposeAsync()
    {
        _onDisposing?.Invoke(this);
        await Guest.DisposeAsync().ConfigureAwait(false);
        Store.Dispose();
    }
}
