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
    [ThreadStatic]
    private static long t_pushDeadline; // the earliest deadline of the pushes this thread is inside; 0 when none

    private readonly InProcessHose _inbox;
    private readonly GuestGate _gate;
    private readonly CancellationTokenSource _shutdown = new();
    private PushReceiver? _push;
    private Store? _epochLimitedStore;
    private volatile bool _faulted;
    private long _pushDeadline = long.MaxValue; // Environment.TickCount64 at which the running push's time is up
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
        Options.Validate();
        Name = name;
        Directory = directory;
        _gate = new GuestGate(name);
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

    /// <summary>The zero-copy windows this guest claimed or receives into.</summary>
    internal GuestWindows Windows { get; } = new();

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
        if (!PushExports.TryFind(instance, Name, out Func<int, int>? alloc, out Action<int, int>? onMessage))
        {
            PushExports.FindWindowExport(instance, Name, isPushReceiver: false); // refuses a stray rr_alloc_window
        }
        else
        {
            Func<int, int>? allocWindow = PushExports.FindWindowExport(instance, Name, isPushReceiver: true);
            _push = new PushReceiver(this, alloc!, onMessage!, allocWindow is null ? null : new MappedDelivery(this, allocWindow));
            _inbox.DirectReceiver = _push;
            // A push receiver's inbox is drained only from inside the guest.
            _inbox.OnlyThisThreadCanDrain = () => _gate.IsHeldByCurrentThread;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> (a call into this guest) once no other call into it is running, then, before it
    /// returns, pushes the payloads that queued for it meanwhile (a push receiver only). Traps propagate to the caller.
    /// </summary>
    /// <typeparam name="T">The call's result.</typeparam>
    /// <param name="call">The call into the guest.</param>
    /// <param name="cancellationToken">Cancels the wait for the gate.</param>
    /// <returns>What the call returned.</returns>
    /// <exception cref="InvalidOperationException">
    /// The calling thread is already inside this guest (a re-entry, e.g. from a .NET sender the guest sent to), or
    /// waiting would deadlock with another thread inside it: such a call could never start, so it fails at once.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The guest is disposed.</exception>
    public T Invoke<T>(Func<T> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        _gate.Enter(cancellationToken);
        if (Volatile.Read(ref _disposing) != 0)
        {
            _gate.Exit();
            throw new ObjectDisposedException(nameof(RoadrunnerGuest), $"Function '{Name}' is disposed.");
        }

        try
        {
            return call();
        }
        finally
        {
            try
            {
                // What queued while the call ran is pushed before the call returns, as documented; not what comes
                // later, so a steady stream of payloads cannot hold the caller.
                _push?.DrainHeld(_inbox.QueuedCount);
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>
    /// Starts the push time limit (when the store is epoch-limited); <see cref="ClearDeadline"/> ends it.
    /// </summary>
    /// <returns>The thread's previous push deadline, to hand back to <see cref="ClearDeadline"/>.</returns>
    internal long ArmPushDeadline()
    {
        long outer = t_pushDeadline;
        if (_epochLimitedStore is not null)
        {
            _pushDeadline = Environment.TickCount64 + PushLimitMilliseconds;
            t_pushDeadline = outer == 0 ? _pushDeadline : Math.Min(outer, _pushDeadline);
            _epochLimitedStore.SetEpochDeadline(EpochTicker.TicksFor(Options.PushTimeout));
        }

        return outer;
    }

    /// <summary>Lifts the time limit again for ordinary calls into the guest.</summary>
    /// <param name="outer">What <see cref="ArmPushDeadline"/> returned.</param>
    internal void ClearDeadline(long outer)
    {
        t_pushDeadline = outer;
        _pushDeadline = long.MaxValue;
        _epochLimitedStore?.SetEpochDeadline(NoDeadline);
    }

    /// <summary>
    /// True when this thread runs another guest's push handler (a send from inside it) whose time ends before a push
    /// into this guest would have to: pushing straight in could make that handler overrun, so the payload is queued.
    /// </summary>
    internal bool OuterPushEndsSooner()
    {
        long outer = t_pushDeadline;
        return outer != 0 && (_epochLimitedStore is null || outer < Environment.TickCount64 + PushLimitMilliseconds);
    }

    private long PushLimitMilliseconds => (long)Math.Ceiling(Options.PushTimeout.TotalMilliseconds);

    /// <summary>
    /// Cuts a wait an import is about to make to what is left of the running push's time limit (read on the thread
    /// inside the guest, the only one that sets it).
    /// </summary>
    /// <param name="wait">The wait the import would make.</param>
    /// <param name="cut">True when the push limit, not <paramref name="wait"/>, bounds the result.</param>
    internal TimeSpan BoundByPushDeadline(TimeSpan wait, out bool cut)
    {
        long deadline = _pushDeadline;
        cut = false;
        if (deadline == long.MaxValue)
        {
            return wait;
        }

        var left = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
        if (wait == Timeout.InfiniteTimeSpan || left < wait)
        {
            cut = true;
            return left;
        }

        return wait;
    }

    /// <summary>
    /// Traps the guest (the import throws, which Wasmtime turns into a trap) when the running push is past its time
    /// limit, so a handler waiting in a host call is faulted like one spinning in wasm.
    /// </summary>
    /// <param name="import">The import's name, for the message.</param>
    /// <param name="force">Trap even if the clock has not quite reached the deadline (a wait cut by it ended).</param>
    internal void TrapIfPushOverran(string import, bool force = false)
    {
        long deadline = _pushDeadline;
        if (deadline != long.MaxValue && (force || Environment.TickCount64 >= deadline))
        {
            throw new PushDeadlineExceededException(
                $"Function '{Name}' ran past its push time limit of {Options.PushTimeout.TotalMilliseconds} ms while in '{import}'.");
        }
    }

    /// <summary>Ticks that never run out in practice (about 350 years at 10 ms a tick) without overflowing.</summary>
    internal const ulong NoDeadline = 1UL << 40;

    /// <summary>Marks the guest faulted: its inbox refuses further payloads and drops queued ones.</summary>
    internal void Fault(string reason = "it trapped while taking a payload")
    {
        if (!_faulted)
        {
            RoadrunnerMetrics.Faulted(Name);
            RoadrunnerLog.GuestFaulted(Logger, Name, reason);
        }

        _faulted = true;
        _inbox.Fail(HoseStatus.PeerFailed);
    }

    /// <summary>Enters the gate if nobody is inside (this thread included) and the guest is not disposed.</summary>
    internal bool TryEnter()
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        if (Volatile.Read(ref _disposing) != 0)
        {
            _gate.Exit();
            return false;
        }

        return true;
    }

    /// <summary>True once disposal began: no payload is pushed any more.</summary>
    internal bool IsDisposing => Volatile.Read(ref _disposing) != 0;

    /// <summary>Leaves the gate and makes sure payloads queued meanwhile get pushed.</summary>
    internal void Exit()
    {
        _gate.Exit();
        if (_push is not null && _inbox.QueuedCount > 0 && !_faulted)
        {
            _push.ScheduleDrain();
        }
    }

    /// <summary>
    /// Stops waits in progress, waits for the call inside the guest (if any) to leave, then drops what is queued.
    /// Afterwards no call enters the guest, so its store can be freed. Safe to call more than once.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Called from inside a call into this guest (the returned task fails at once): the disposal would wait for the
    /// very call it is part of.
    /// </exception>
    public async ValueTask DisposeAsync()
    {
        if (_gate.IsHeldByCurrentThread)
        {
            throw new InvalidOperationException($"Function '{Name}' is running on this thread; it cannot be disposed from inside its own call.");
        }

        if (Interlocked.Exchange(ref _disposing, 1) != 0)
        {
            await _disposed.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            // Cancel inline: waits in imports wake at once, without needing a thread-pool thread.
            _shutdown.Cancel();
            // A Run or a push on another thread may still be executing in the store: wait for it to leave.
            await _gate.WaitUntilFreeAsync().ConfigureAwait(false);
            Windows.AbortAll(); // the guest's own pages back over its claimed windows, then the regions to their pool
            await _inbox.DisposeAsync().ConfigureAwait(false);
            _shutdown.Dispose();
        }
        finally
        {
            _disposed.TrySetResult();
        }
    }
}
