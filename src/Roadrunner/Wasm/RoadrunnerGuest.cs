using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// The Roadrunner side of one guest instance: its inbox, its open handles, its cached memory and the gate that keeps
/// calls into its store one at a time. Pass it as the <see cref="Store"/>'s data (<c>new Store(engine, guest)</c>) so the
/// imports defined by <see cref="RoadrunnerLinkerExtensions.DefineRoadrunner"/> find it, then call <see cref="Bind(Instance)"/>
/// once the module is instantiated.
/// </summary>
public sealed class RoadrunnerGuest : IAsyncDisposable
{
    private readonly InProcessHose _inbox;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private PushReceiver? _push;
    private Store? _epochLimitedStore;
    private volatile bool _faulted;
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposing;

    /// <summary>Creates the guest side of a function.</summary>
    /// <param name="name">The function's name: what other functions open to reach it.</param>
    /// <param name="directory">Resolves the names this guest opens.</param>
    /// <param name="pool">Where payloads wait when this guest cannot take them at once.</param>
    /// <param name="options">Limits, or null for the defaults.</param>
    public RoadrunnerGuest(string name, IHoseDirectory directory, RegionPool pool, RoadrunnerGuestOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Options = options ?? new RoadrunnerGuestOptions();
        Name = name;
        Directory = directory;
        _inbox = new InProcessHose(name, pool, Options.Inbox);
        Handles = new HandleTable(Options.MaxHandles);
    }

    /// <summary>The function's name.</summary>
    public string Name { get; }

    /// <summary>What this guest's payloads arrive through. Send to it from .NET to reach the guest.</summary>
    public IDataHose Inbox => _inbox;

    /// <summary>True when the guest exports <c>rr_alloc</c> and <c>rr_on_message</c> and so has payloads pushed to it.</summary>
    public bool IsPushReceiver => _push is not null;

    /// <summary>True after the guest trapped while taking a payload; it receives nothing more.</summary>
    public bool IsFaulted => _faulted;

    internal RoadrunnerGuestOptions Options { get; }

    /// <summary>Where faults and refusals are logged (category <c>Roadrunner.Wasm</c> when a <c>FunctionHost</c> made the guest).</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    internal IHoseDirectory Directory { get; }

    internal HandleTable Handles { get; }

    internal GuestMemory Memory { get; } = new();

    internal InProcessHose InboxHose => _inbox;

    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>Caches the instance's memory and, when it exports both push functions, makes it a push receiver.</summary>
    /// <param name="instance">The instantiated module (it must export its memory as <c>memory</c>).</param>
    /// <exception cref="ArgumentException">
    /// The module does not export its memory, or exports only one of <c>rr_alloc</c> and <c>rr_on_message</c>, or
    /// either with a signature other than <c>(i32) -> i32</c> and <c>(i32, i32) -> ()</c>.
    /// </exception>
    public void Bind(Instance instance) => Bind(instance, epochLimitedStore: null);

    /// <summary>
    /// Like <see cref="Bind(Instance)"/>, and enforces <see cref="RoadrunnerGuestOptions.PushTimeout"/> through the
    /// epoch deadline of <paramref name="epochLimitedStore"/>. Its engine must have epoch interruption on and its epoch
    /// must advance every 10 ms; calls into the guest then run with no deadline unless the caller sets one.
    /// </summary>
    /// <param name="instance">The instantiated module.</param>
    /// <param name="epochLimitedStore">The instance's store, or null for no push time limit.</param>
    public void Bind(Instance instance, Store? epochLimitedStore)
    {
        _epochLimitedStore = epochLimitedStore;
        ArgumentNullException.ThrowIfNull(instance);
        Memory memory = instance.GetMemory("memory") ?? throw new ArgumentException("The module does not export its memory as 'memory'.", nameof(instance));
        Memory.Bind(memory);
        if (PushExports.TryFind(instance, Name, out Func<int, int>? alloc, out Action<int, int>? onMessage))
        {
            _push = new PushReceiver(this, alloc!, onMessage!);
            _inbox.DirectReceiver = _push;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> (a call into this guest) once no other call into it is running, then delivers the
    /// payloads queued for it meanwhile. Traps propagate to the caller.
    /// </summary>
    /// <typeparam name="T">The call's result.</typeparam>
    /// <param name="call">The call into the guest.</param>
    /// <param name="cancellationToken">Cancels the wait for the gate.</param>
    /// <returns>What the call returned.</returns>
    public T Invoke<T>(Func<T> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        _gate.Wait(cancellationToken);
        if (Volatile.Read(ref _disposing) != 0)
        {
            _gate.Release();
            throw new ObjectDisposedException(nameof(RoadrunnerGuest), $"Function '{Name}' is disposed.");
        }

        try
        {
            return call();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Starts the push time limit (when the store is epoch-limited); <see cref="ClearDeadline"/> ends it.</summary>
    internal void ArmPushDeadline() => _epochLimitedStore?.SetEpochDeadline(Hosting.EpochTicker.TicksFor(Options.PushTimeout));

    /// <summary>Lifts the time limit again for ordinary calls into the guest.</summary>
    internal void ClearDeadline() => _epochLimitedStore?.SetEpochDeadline(NoDeadline);

    /// <summary>Ticks that never run out in practice (about 350 years at 10 ms a tick) without overflowing.</summary>
    internal const ulong NoDeadline = 1UL << 40;

    /// <summary>Marks the guest faulted: its inbox refuses further payloads and drops queued ones.</summary>
    internal void Fault(string reason = "it trapped while taking a payload")
    {
        if (!_faulted)
        {
            RoadrunnerMetrics.GuestFaults.Add(1);
            RoadrunnerLog.GuestFaulted(Logger, Name, reason);
        }

        _faulted = true;
        _inbox.Fail(HoseStatus.PeerFailed);
    }

    /// <summary>Enters the gate if nobody is inside and the guest is not disposed.</summary>
    internal bool TryEnter()
    {
        if (!_gate.Wait(0))
        {
            return false;
        }

        if (Volatile.Read(ref _disposing) != 0)
        {
            _gate.Release();
            return false;
        }

        return true;
    }

    /// <summary>Leaves the gate and makes sure payloads queued meanwhile get pushed.</summary>
    internal void Exit()
    {
        _gate.Release();
        if (_push is not null && _inbox.QueuedCount > 0 && !_faulted)
        {
            _push.ScheduleDrain();
        }
    }

    /// <summary>
    /// Stops waits in progress, waits for the call inside the guest (if any) to leave, then drops what is queued.
    /// Afterwards no call enters the guest, so its store can be freed. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposing, 1) != 0)
        {
            await _disposed.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);
            // A Run or a push on another thread may still be executing in the store: wait for it to leave.
            await _gate.WaitAsync().ConfigureAwait(false);
            _gate.Release();
            await _inbox.DisposeAsync().ConfigureAwait(false);
            _shutdown.Dispose();
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }
}
