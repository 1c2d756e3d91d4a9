using Microsoft.Extensions.Logging;
using Roadrunner.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Connects a host to the other hosts on this node through shared memory. It announces the host's functions in a
/// per-user rendezvous folder and serves them (one receive thread per incoming hose, delivering into the function's
/// inbox), and, as an <see cref="IHoseDirectory"/>, resolves names other processes announce to a sender that copies the
/// payload once into a shared region and posts a descriptor. Start it with <c>host.StartSharedMemoryEndpoint(options)</c>
/// (<c>Roadrunner.Hosting.FunctionHostEndpoints</c>), which adds it to the host's directory, so guests keep opening
/// targets by name.
/// </summary>
/// <remarks>
/// Create it after loading the functions to serve (or call <see cref="Serve(string)"/> later); dispose it before the host.
/// A peer that dies, even with <c>kill -9</c>, is noticed within <see cref="SharedMemoryOptions.PeerCheckInterval"/>
/// of a wait: waiters get <see cref="HoseStatus.PeerFailed"/>, its regions are reclaimed and its files removed. Open the
/// name again to reach a restarted peer.
/// </remarks>
public sealed class SharedMemoryEndpoint : IFanOutDirectory, IAsyncDisposable
{
    private readonly ILocalInboxes _local;
    private readonly ConcurrentDictionary<string, InProcessHose> _served = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IHoseSender> _senders = new(StringComparer.Ordinal);
    private readonly List<InProcessHose> _ownInboxes = [];
    private readonly List<RingSender> _rings = [];
    private readonly Lock _connect = new();
    private readonly RingAcceptor _acceptor;
    private readonly PeerBells _peerBells;
    private readonly GuestMemoryLinks _guestMemories;
    private long _ringNumber;
    private long _directReads;
    private volatile bool _disposed;

    /// <summary>Starts an endpoint serving the functions of <paramref name="local"/> (the caller adds it to the host's directory).</summary>
    /// <param name="local">The host's functions and pool.</param>
    /// <param name="options">Validated settings.</param>
    /// <param name="loggerFactory">Where the endpoint logs.</param>
    /// <param name="memories">Lends guest memories kept in files for direct reads; null copies every payload.</param>
    /// <exception cref="IOException">The rendezvous folder is a symlink, belongs to another user, or cannot be created.</exception>
    internal SharedMemoryEndpoint(ILocalInboxes local, SharedMemoryOptions options, ILoggerFactory loggerFactory, IMemoryLender? memories)
    {
        _local = local;
        Options = options;
        Log = loggerFactory.CreateLogger("Roadrunner.SharedMemory");
        Wait = IWaitStrategy.For(options.WaitMode, options.SpinTime);
        string folder = options.ResolvedFolderPath();
        RefuseSymlinkedParents(folder);
        Pool = new RegionPool(options.PoolOptions(), loggerFactory.CreateLogger("Roadrunner.Regions")); // creates and checks the folder (0700, ours, no symlink)
        FolderPath = Pool.FolderPath;
        Tag = Pool.OwnerTag;
        RendezvousFolder.SweepDead(FolderPath);
        _acceptor = new RingAcceptor(this);
        _peerBells = new PeerBells(FolderPath, Log);
        _guestMemories = new GuestMemoryLinks(Pool, memories);
        foreach (string name in local.Names)
        {
            _served[name] = local.InboxOf(name);
        }

        Announce();
        _acceptor.Start();
    }

    /// <summary>The rendezvous folder.</summary>
    public string FolderPath { get; }

    /// <summary>The names this endpoint serves to other processes.</summary>
    public IReadOnlyCollection<string> ServedNames => [.. _served.Keys];

    internal SharedMemoryOptions Options { get; }

    internal IWaitStrategy Wait { get; }

    /// <summary>The pool payloads are copied into for sending (bounded by <see cref="SharedMemoryOptions.MaxBytesInFlight"/>).</summary>
    internal RegionPool Pool { get; }

    /// <summary>The host's pool: streamed payloads are reassembled there.</summary>
    internal RegionPool HostPool => _local.Pool;

    /// <summary>This endpoint's tag in file names (<c>&lt;pid&gt;-&lt;random&gt;</c>).</summary>
    internal string Tag { get; }

    /// <summary>What went wrong with peers so far (refused rings, bad descriptors, dead peers), newest last, at most 256.</summary>
    internal ILogger Log { get; }

    /// <summary>Receive threads running now.</summary>
    internal int ActiveReceivers => _acceptor.ActiveReceivers;

    /// <summary>Serves a function loaded into the host after the endpoint started.</summary>
    /// <param name="functionName">The function's name in the host.</param>
    /// <exception cref="KeyNotFoundException">The host has no function of that name.</exception>
    public void Serve(string functionName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _served[functionName] = _local.InboxOf(functionName);
        Announce();
    }

    /// <summary>
    /// Creates a .NET receiver that other processes reach by <paramref name="name"/>: payloads arrive as leases over
    /// the sender's shared regions (zero copies); dispose each lease to hand its region back.
    /// </summary>
    /// <param name="name">The name to announce.</param>
    /// <param name="options">Limits of the inbox, or null for the defaults.</param>
    /// <returns>The inbox; it is completed when the endpoint is disposed.</returns>
    public IDataHose CreateInbox(string name, HoseOptions? options = null) => CreateInboxCore(name, options, announce: true);

    private InProcessHose CreateInboxCore(string name, HoseOptions? options, bool announce)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var inbox = new InProcessHose(name, _local.Pool, options);
        if (!_served.TryAdd(name, inbox))
        {
            throw new ArgumentException($"The name '{name}' is already served.", nameof(name));
        }

        lock (_ownInboxes)
        {
            _ownInboxes.Add(inbox);
        }

        if (announce)
        {
            Announce();
        }

        return inbox;
    }

    /// <summary>
    /// Serves <paramref name="name"/> with a .NET handler that reads each payload in place, on the receive thread,
    /// as soon as it arrives: zero copies and no thread hop (the lowest latency). Keep the handler short; payloads that
    /// arrive while it runs wait in order and are handed over on a pool thread.
    /// </summary>
    /// <param name="name">The name to announce.</param>
    /// <param name="handler">Called once per payload, one call at a time.</param>
    /// <param name="options">Limits of the queue used while the handler is busy, or null for the defaults.</param>
    public void Serve(string name, PayloadHandler handler, HoseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        InProcessHose inbox = CreateInboxCore(name, options, announce: false);
        inbox.DirectReceiver = new HandlerReceiver(inbox, handler);
        Announce();
    }

    /// <summary>
    /// A fan-out to names other processes announced: the payload is copied once into shared regions and a descriptor
    /// naming the same regions is posted on every target's ring; the regions come back when every target released them.
    /// Routes are added with <c>FunctionHost.AddRoute</c>, which asks this for the targets it serves.
    /// </summary>
    /// <returns>False when a target is not announced (now), or the endpoint is disposed.</returns>
    bool IFanOutDirectory.TryResolveFanOut(string route, IReadOnlyList<string> targets, [NotNullWhen(true)] out IHoseSender? sender)
    {
        sender = null;
        var rings = new List<RingSender>(targets.Count);
        foreach (string target in targets)
        {
            if (!TryResolve(target, out IHoseSender? one) || one is not RingSender ring)
            {
                return false;
            }

            rings.Add(ring);
        }

        sender = new RemoteFanOut(this, route, rings);
        return true;
    }

    /// <inheritdoc />
    public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender)
    {
        sender = null;
        if (_disposed || string.IsNullOrEmpty(name))
        {
            return false;
        }

        if (_senders.TryGetValue(name, out IHoseSender? known) && IsUsable(known))
        {
            sender = known;
            return true;
        }

        lock (_connect)
        {
            if (_senders.TryGetValue(name, out known))
            {
                if (IsUsable(known))
                {
                    sender = known;
                    return true;
                }

                _senders.TryRemove(name, out _);
            }

            RendezvousFolder.Announcement? target = RendezvousFolder.ReadAll(FolderPath, Tag).FirstOrDefault(a => a.Names.Contains(name));
            if (target is null)
            {
                return false;
            }

            var ring = RingSender.Connect(this, name, target, Interlocked.Increment(ref _ringNumber));
            lock (_rings)
            {
                _rings.Add(ring);
            }

            sender = ring;
            _senders[name] = sender;
            return true;
        }
    }

    /// <summary>Stops serving, closes every hose (peers get <see cref="HoseStatus.Closed"/>) and deletes this endpoint's files.</summary>
    /// <returns>A task that completes when the receive threads have stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RendezvousFolder.TryDelete(RendezvousFolder.NamesPath(FolderPath, Tag));
        _acceptor.Stop(TimeSpan.FromSeconds(5), Options.DrainTimeout);
        _senders.Clear();
        RingSender[] rings;
        lock (_rings)
        {
            rings = [.. _rings];
            _rings.Clear();
        }

        // Payloads reported handed over live in this endpoint's region files, which go with it: give live receivers
        // (bounded) time to take what they were sent before the files are deleted.
        var drain = Deadline.After(Options.DrainTimeout);
        foreach (RingSender ring in rings)
        {
            await ring.DisposeAsync().ConfigureAwait(false); // completes the hose: no more sends
            if (!ring.Drain(drain) && ring.InFlight > 0)
            {
                RoadrunnerLog.SharedMemoryUndrained(Log, ring.Name, ring.InFlight);
            }
        }

        foreach (RingSender ring in rings)
        {
            ring.Close(); // every ring this endpoint ever opened, failed ones too: unmapped only now
        }

        InProcessHose[] inboxes;
        lock (_ownInboxes)
        {
            inboxes = [.. _ownInboxes];
        }

        foreach (InProcessHose inbox in inboxes)
        {
            await inbox.DisposeAsync().ConfigureAwait(false);
        }

        _peerBells.Dispose();
        _acceptor.Dispose();
        Pool.Dispose();
    }

    /// <summary>The inbox serving <paramref name="name"/>, if any.</summary>
    internal InProcessHose? FindInbox(string name) => _served.TryGetValue(name, out InProcessHose? inbox) ? inbox : null;

    /// <summary>Tells the endpoint <paramref name="tag"/> that a new ring waits for it.</summary>
    internal void RingBell(string tag) => _peerBells.Ring(tag);

    /// <summary>Payloads this endpoint's senders had read straight out of a guest's memory (see <see cref="TryShare"/>).</summary>
    internal long DirectReads => Interlocked.Read(ref _directReads);

    /// <summary>Counts a payload a receiver read straight out of a guest's memory.</summary>
    internal void OnDirectRead()
    {
        Interlocked.Increment(ref _directReads);
        Diagnostics.RoadrunnerMetrics.DirectReads.Add(1);
    }

    /// <summary>
    /// When <paramref name="bytes"/> lie in a guest memory kept in a file that receivers can open under this endpoint's
    /// region names: that name's number, the memory's size and where the bytes start. The file gets a hard link in
    /// this endpoint's naming the first time (false, and remembered, when the file system refuses).
    /// </summary>
    internal bool TryShare(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ILendableMemory? memory, out long number, out long memorySize, out long offset) =>
        _guestMemories.TryShare(bytes, out memory, out number, out memorySize, out offset);

    /// <summary>
    /// Reclaims released regions on every hose, failed ones too: their regions come back as their receiver releases
    /// them, or all at once when it is gone (called by a sender waiting for bytes in flight).
    /// </summary>
    internal int ReclaimAll()
    {
        RingSender[] rings;
        lock (_rings)
        {
            rings = [.. _rings];
        }

        int count = 0;
        foreach (RingSender ring in rings)
        {
            count += ring.Reclaim();
        }

        return count;
    }

    internal void Forget(RingSender sender)
    {
        foreach (KeyValuePair<string, IHoseSender> entry in _senders)
        {
            if (ReferenceEquals(entry.Value, sender))
            {
                _senders.TryRemove(entry);
            }
        }
    }

    /// <summary>A hose failed (its receiver died or closed): the next resolve connects anew.</summary>
    internal void OnSenderFailed(RingSender sender)
    {
        Forget(sender);
        if (!PeerAlive(sender.ReceiverTag))
        {
            OnPeerDied();
        }
    }

    /// <summary>A peer died: remove its files and forget its bell.</summary>
    internal void OnPeerDied()
    {
        _peerBells.ForgetDead(PeerAlive);

        try
        {
            RendezvousFolder.SweepDead(FolderPath);
        }
        catch (IOException e)
        {
            RoadrunnerLog.SharedMemoryFolderError(Log, "sweep", e.Message);
        }
    }

    internal void OnReceiverEnded(RingReceiver receiver) => _acceptor.OnReceiverEnded(receiver);

    private static bool PeerAlive(string tag) => new PeerIdentity(RendezvousFolder.PidOf(tag), 0).IsAlive();

    private static bool IsUsable(IHoseSender sender) => sender is not RingSender ring || ring.IsUsable;

    /// <summary>Refuses a rendezvous folder reached through a symlink (checked on every existing part of the path).</summary>
    private static void RefuseSymlinkedParents(string folder)
    {
        for (string? path = folder; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (UnixFileStatus.TryRead(path, out UnixFileStatus status) && status.IsSymlink)
            {
                throw new IOException($"The rendezvous folder path '{path}' is a symlink; refused.");
            }
        }
    }

    private void Announce()
    {
        if (!_disposed)
        {
            RendezvousFolder.Announce(FolderPath, Tag, PeerIdentity.Current, _served.Keys);
        }
    }
}
