using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Roadrunner.Diagnostics;
using Roadrunner.Hoses;
using Roadrunner.Regions;
using Roadrunner.Wasm;
using Wasmtime;

namespace Roadrunner.Hosting;

/// <summary>
/// Hosts Wasm functions in this process: loads modules, instantiates each with the hose imports in its own store,
/// and connects them by name. Functions address each other only by name through <see cref="Directory"/>, so names
/// served by other processes or nodes can be added later with <see cref="AddDirectory"/> without changing guests.
/// </summary>
public sealed class FunctionHost : IAsyncDisposable
{
    private readonly FunctionHostOptions _options;
    private readonly Linker _linker;
    private readonly LocalDirectory _directory = new();
    private readonly Dictionary<string, WasmFunction> _functions = new(StringComparer.Ordinal);
    private readonly List<InProcessHose> _inboxes = [];
    private readonly bool _ownsEngine;
    private readonly EpochTicker? _ticker;
    private readonly ILogger _guestLogger;
    private readonly ILogger _wasmLogger;
    private int _disposed;

    /// <summary>Creates a host with its own engine and region pool.</summary>
    /// <param name="options">Settings, or null for the defaults.</param>
    /// <param name="engine">
    /// An engine to share, or null to create one. Only an engine the host creates (with epoch interruption on) enforces
    /// <see cref="RoadrunnerGuestOptions.PushTimeout"/>.
    /// </param>
    /// <param name="loggerFactory">Where the host logs, guests' output included (<see cref="GuestOutput.Log"/>); null for nowhere.</param>
    public FunctionHost(FunctionHostOptions? options = null, Engine? engine = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new FunctionHostOptions();
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _guestLogger = LoggerFactory.CreateLogger(RoadrunnerLog.GuestCategory);
        _wasmLogger = LoggerFactory.CreateLogger("Roadrunner.Wasm");
        _ownsEngine = engine is null;
        if (engine is not null && _options.GuestMemoryInFiles)
        {
            throw new ArgumentException("Guest memories in files need an engine the host creates.", nameof(engine));
        }

        Pool = new RegionPool(_options.Regions, LoggerFactory.CreateLogger("Roadrunner.Regions"));
        if (engine is null)
        {
            try
            {
                var config = new Config().WithEpochInterruption(true);
                Engine = new Engine(_options.GuestMemoryInFiles ? GuestMemoryFileCreator.Install(config, Pool.Folder) : config);
            }
            catch
            {
                Pool.Dispose();
                throw;
            }

            _ticker = new EpochTicker(Engine);
        }
        else
        {
            Engine = engine;
        }

        _linker = new Linker(Engine);
        if (_options.EnableWasi)
        {
            _linker.DefineWasi();
        }

        _linker.DefineRoadrunner();
    }

    /// <summary>Where the host and the endpoints started on it log.</summary>
    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>The Wasmtime engine modules are compiled with.</summary>
    public Engine Engine { get; }

    /// <summary>The pool queued payloads wait in.</summary>
    public RegionPool Pool { get; }

    /// <summary>Resolves the names guests open: functions, routes, then added directories.</summary>
    public IHoseDirectory Directory => _directory;

    /// <summary>The functions loaded so far.</summary>
    public IReadOnlyCollection<WasmFunction> Functions
    {
        get
        {
            lock (_functions)
            {
                return [.. _functions.Values];
            }
        }
    }

    /// <summary>A loaded function by name.</summary>
    /// <param name="name">The function's name.</param>
    public WasmFunction this[string name]
    {
        get
        {
            lock (_functions)
            {
                return _functions.TryGetValue(name, out WasmFunction? function) ? function : throw new KeyNotFoundException($"No function named '{name}'.");
            }
        }
    }

    /// <summary>Loads a module from a <c>.wasm</c> or <c>.wat</c> file and instantiates it as function <paramref name="name"/>.</summary>
    /// <param name="name">The name other functions open to reach it.</param>
    /// <param name="path">The module file; <c>.wat</c> files are compiled from text.</param>
    /// <param name="options">This function's own settings, or null for the host's.</param>
    /// <returns>The function.</returns>
    public WasmFunction LoadFile(string name, string path, WasmFunctionOptions? options = null)
    {
        using Module module = path.EndsWith(".wat", StringComparison.OrdinalIgnoreCase)
            ? Module.FromTextFile(Engine, path)
            : Module.FromFile(Engine, path);
        return Load(name, module, options);
    }

    /// <summary>Compiles a module from WebAssembly text and instantiates it as function <paramref name="name"/>.</summary>
    /// <param name="name">The name other functions open to reach it.</param>
    /// <param name="wat">The module in the text format.</param>
    /// <param name="options">This function's own settings, or null for the host's.</param>
    /// <returns>The function.</returns>
    public WasmFunction LoadText(string name, string wat, WasmFunctionOptions? options = null)
    {
        using Module module = Module.FromText(Engine, name, wat);
        return Load(name, module, options);
    }

    /// <summary>Instantiates a compiled module as function <paramref name="name"/>. The module can be reused for more functions.</summary>
    /// <param name="name">The name other functions open to reach it.</param>
    /// <param name="module">A module compiled with <see cref="Engine"/>.</param>
    /// <param name="options">This function's own settings, or null for the host's.</param>
    /// <returns>The function.</returns>
    /// <exception cref="ArgumentException">The name is taken, or the module does not export its memory.</exception>
    /// <exception cref="DirectoryNotFoundException">A folder to preopen for WASI does not exist.</exception>
    public WasmFunction Load(string name, Module module, WasmFunctionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(module);
        var guest = new RoadrunnerGuest(name, _directory, Pool, options?.Guest ?? _options.Guest) { Logger = _wasmLogger };
        var store = new Store(Engine, guest);
        Action completeOutput = static () => { };
        try
        {
            if (_options.EnableWasi)
            {
                store.SetWasiConfiguration(WasiSetup.Build(name, options?.Wasi, _options.InheritStandardOutput, _guestLogger, out completeOutput));
            }

            if ((options?.MaxMemoryBytes ?? _options.MaxGuestMemoryBytes) is long maxMemory)
            {
                store.SetLimits(memorySize: maxMemory);
            }

            if (_ticker is not null)
            {
                store.SetEpochDeadline(RoadrunnerGuest.NoDeadline);
            }

            Instance instance = _linker.Instantiate(store, module);
            guest.Bind(instance, _ticker is not null ? store : null);
            var function = new WasmFunction(store, instance, guest, f =>
            {
                Forget(f);
                completeOutput();
            });
            lock (_functions)
            {
                if (!_directory.TryAdd(name, guest.Inbox))
                {
                    throw new ArgumentException($"The name '{name}' is already taken.", nameof(name));
                }

                _functions.Add(name, function);
            }

            return function;
        }
        catch
        {
            store.Dispose();
            // Completes synchronously: no call ever entered this guest, so there is nothing to wait for.
            guest.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>Takes a function that is being disposed out of the host, so its name no longer resolves.</summary>
    private void Forget(WasmFunction function)
    {
        lock (_functions)
        {
            if (_functions.TryGetValue(function.Name, out WasmFunction? known) && ReferenceEquals(known, function))
            {
                _functions.Remove(function.Name);
                _directory.TryRemove(function.Name, function.Guest.Inbox);
            }
        }
    }

    /// <summary>
    /// Adds a route: a name that delivers every payload to each of its targets (a fan-out), or an alias when there is
    /// one target. Targets are functions and inboxes of this host, or names served elsewhere through the endpoints
    /// added to it (<c>StartSharedMemoryEndpoint</c>, <c>StartNetworkEndpoint</c>), in any mix. The local targets share
    /// one copy of the payload in regions, the targets in other processes on this machine one copy in shared regions,
    /// and a target on another node gets its own send. Targets outside this host are looked up on every open of the
    /// route (their processes announce, restart and go): while one is not served, opening the route answers
    /// <see cref="HoseStatus.UnknownTarget"/>. A send is not atomic: when a target fails after others took the payload,
    /// it reads <see cref="HoseStatus.PeerFailed"/>.
    /// </summary>
    /// <param name="route">The route's name.</param>
    /// <param name="targets">Names of functions or inboxes of this host, or of functions served by other processes or nodes.</param>
    /// <exception cref="ArgumentException">The route's name is empty or taken, or there are no targets.</exception>
    /// <exception cref="KeyNotFoundException">A target is not in this host and the host has no endpoint to look it up elsewhere.</exception>
    public void AddRoute(string route, params string[] targets)
    {
        ArgumentException.ThrowIfNullOrEmpty(route);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Length == 0)
        {
            throw new ArgumentException("A route needs at least one target.", nameof(targets));
        }

        InProcessHose?[] found = [.. targets.Select(LocalTarget)];
        InProcessHose[] local = [.. found.OfType<InProcessHose>()];
        string[] elsewhere = [.. targets.Where((_, i) => found[i] is null)];
        if (elsewhere.Length > 0 && !_directory.HasFallbacks)
        {
            throw new KeyNotFoundException($"'{elsewhere[0]}' is neither a function nor an inbox of this host, and the host has no endpoint to look it up elsewhere (start one before adding the route).");
        }

        IHoseSender? localPart = local.Length switch
        {
            0 => null,
            1 => local[0],
            _ => new FanOutSender(route, local),
        };
        bool added = elsewhere.Length == 0
            ? _directory.TryAdd(route, localPart!)
            : _directory.TryAddOpenedEachTime(route, new RouteToElsewhere(route, localPart, elsewhere, _directory).Open);
        if (!added)
        {
            throw new ArgumentException($"The name '{route}' is already taken.", nameof(route));
        }
    }

    /// <summary>
    /// Creates a .NET receiver named <paramref name="name"/> in this host's directory: guests and .NET code in this
    /// host reach it with <c>open</c> / <see cref="Open"/> like a function, and routes can fan out to it. Receive with
    /// <see cref="IHoseReceiver.ReceiveAsync"/>; each lease reads the payload in place, dispose it to give the region back.
    /// To make a .NET receiver reachable from other processes, use <see cref="Hoses.SharedMemory.SharedMemoryEndpoint.CreateInbox"/>.
    /// </summary>
    /// <param name="name">The name senders open; must not be taken by a function, route or other inbox.</param>
    /// <param name="options">Limits of the inbox (queued payloads, largest payload, send timeout), or null for the defaults.</param>
    /// <returns>The inbox; it is completed (receivers see the end, senders get <see cref="HoseStatus.Closed"/>) when the host is disposed.</returns>
    /// <exception cref="ArgumentException">The name is null, empty or taken.</exception>
    public IDataHose CreateInbox(string name, HoseOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var inbox = new InProcessHose(name, Pool, options);
        lock (_functions)
        {
            if (!_directory.TryAdd(name, inbox))
            {
                throw new ArgumentException($"The name '{name}' is already taken.", nameof(name));
            }

            _inboxes.Add(inbox);
        }

        return inbox;
    }

    /// <summary>The inbox of a loaded function, or a .NET inbox made with <see cref="CreateInbox"/>; null for any other name.</summary>
    private InProcessHose? LocalTarget(string name)
    {
        lock (_functions)
        {
            return _inboxes.Find(inbox => inbox.Name == name) ?? (_functions.TryGetValue(name, out WasmFunction? function) ? function.Guest.InboxHose : null);
        }
    }

    /// <summary>Asks <paramref name="directory"/> for names this host does not serve (other processes or nodes).</summary>
    /// <param name="directory">A directory of remote functions.</param>
    public void AddDirectory(IHoseDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory.AddFallback(directory);
    }

    private InProcessHose[] TakeInboxes()
    {
        lock (_functions)
        {
            InProcessHose[] inboxes = [.. _inboxes];
            _inboxes.Clear();
            return inboxes;
        }
    }

    /// <summary>Opens a hose to a function or route by name, for .NET code that sends to guests.</summary>
    /// <param name="name">The target's name.</param>
    /// <returns>The sender.</returns>
    /// <exception cref="HoseException">With <see cref="HoseStatus.UnknownTarget"/> when nothing has that name.</exception>
    public IHoseSender Open(string name) =>
        _directory.TryResolve(name, out IHoseSender? sender) ? sender : throw new HoseException(HoseStatus.UnknownTarget, $"Open '{name}'");

    /// <summary>Disposes every function, then the pool (deleting its files) and the engine if the host created it. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // safe to call more than once (a DI container may dispose a host its owner already disposed)
        }

        foreach (WasmFunction function in Functions)
        {
            await function.DisposeAsync().ConfigureAwait(false);
        }

        foreach (InProcessHose inbox in TakeInboxes())
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }

        _linker.Dispose();
        Pool.Dispose();
        _ticker?.Dispose();
        if (_ownsEngine)
        {
            Engine.Dispose();
        }
    }
}
