using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Roadrunner.Hoses.Network;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// A server endpoint on 127.0.0.1 serving one .NET receiver, <see cref="RecordingSink"/> (as "sink", "sink2", …), whose
/// handler can be held on a gate, and a client endpoint whose directory maps "sink" and "sink2" to it. Both sides are visible to a test: what the
/// sender was told, and what the receiver's handler got.
/// </summary>
internal sealed class SinkBed : IAsyncDisposable
{
    private readonly List<string> _folders = [];

    private SinkBed()
    {
    }

    public RecordingSink Sink { get; } = new("sink");

    public NetworkEndpoint Server { get; private set; } = null!;

    public NetworkEndpoint Client { get; private set; } = null!;

    public StaticResolver Resolver { get; } = new();

    public RegionPool ServerPool { get; private set; } = null!;

    public RegionPool ClientPool { get; private set; } = null!;

    public IPEndPoint ServerAddress => Server.LocalEndPoint;

    public static SinkBed Start(Action<NetworkOptions>? client = null, Action<NetworkOptions>? server = null, long serverPoolBytes = 128L * 1024 * 1024)
    {
        var bed = new SinkBed();
        bed.ServerPool = TestPool.Create(bed.NewFolder(), maxLeased: serverPoolBytes);
        NetworkOptions serverOptions = NetworkTestbed.Options();
        serverOptions.MaxPayloadBytes = 64 * 1024 * 1024;
        server?.Invoke(serverOptions);
        bed.Server = new NetworkEndpoint(new OneName(bed.Sink), bed.ServerPool, serverOptions);
        bed.Resolver.Add("sink", bed.ServerAddress);
        bed.Resolver.Add("sink2", bed.ServerAddress); // a second hose on the same connection

        bed.ClientPool = TestPool.Create(bed.NewFolder(), maxLeased: 16L * 1024 * 1024);
        NetworkOptions clientOptions = NetworkTestbed.Options();
        clientOptions.MaxPayloadBytes = 64 * 1024 * 1024;
        clientOptions.Resolver = bed.Resolver;
        client?.Invoke(clientOptions);
        bed.Client = new NetworkEndpoint(new OneName(null), bed.ClientPool, clientOptions);
        return bed;
    }

    /// <summary>A loopback endpoint nobody listens on (connections to it are refused).</summary>
    public static IPEndPoint DeadEndPoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>A payload whose bytes say which one it is (<paramref name="id"/>) and let the receiver check them.</summary>
    public static byte[] Payload(int id, int length)
    {
        var payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)((i * 31) + id);
        }

        if (length >= 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, id);
        }

        return payload;
    }

    public IHoseSender Open(string name) =>
        Client.TryResolve(name, out IHoseSender? sender) ? sender : throw new InvalidOperationException($"'{name}' does not resolve");

    public async ValueTask DisposeAsync()
    {
        Sink.Gate.Set();
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        ClientPool.Dispose();
        ServerPool.Dispose();
        foreach (string folder in _folders)
        {
            TestPool.Delete(folder);
        }
    }

    private string NewFolder()
    {
        string folder = TestPool.NewFolder();
        _folders.Add(folder);
        return folder;
    }

    private sealed class OneName(IHoseSender? sender) : IHoseDirectory
    {
        public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? found)
        {
            found = sender is not null && name.StartsWith(sender.Name, StringComparison.Ordinal) ? sender : null; // "sink", "sink2", …
            return found is not null;
        }
    }
}

/// <summary>What the receiver's handler got: the payload's id, its length, and whether every byte was as sent.</summary>
internal readonly record struct Received(int Id, int Length, bool Intact);

/// <summary>
/// A .NET receiver for the network server: its handler signals <see cref="Entered"/>, runs <see cref="OnEnter"/>, waits
/// for <see cref="Gate"/> (open unless a test closes it), then records the payload and answers Ok.
/// </summary>
internal sealed class RecordingSink(string name) : IHoseSender
{
    public string Name { get; } = name;

    public ManualResetEventSlim Gate { get; } = new(initialState: true);

    public ManualResetEventSlim Entered { get; } = new();

    public Action? OnEnter { get; set; }

    public ConcurrentQueue<Received> Got { get; } = new();

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => Send(payload, TimeSpan.Zero);

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Handle(new ReadOnlySequence<byte>(payload.ToArray()), cancellationToken);

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(new ReadOnlySequence<byte>(payload), cancellationToken);

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default)
    {
        HoseException.ThrowIfFailed(Handle(payload, cancellationToken), "sink");
        return ValueTask.CompletedTask;
    }

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Complete()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Waits until a payload with <paramref name="id"/> was recorded (a failure guard, not a delay).</summary>
    public bool WaitFor(int id, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Got.Any(r => r.Id == id))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            lock (Got)
            {
                Monitor.Wait(Got, 50);
            }
        }

        return true;
    }

    private HoseStatus Handle(ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        Entered.Set();
        OnEnter?.Invoke();
        try
        {
            Gate.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.Closed; // the server shut down before the handler ran
        }

        byte[] bytes = payload.ToArray();
        int id = bytes.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : -1;
        bool intact = bytes.AsSpan().SequenceEqual(SinkBed.Payload(id, bytes.Length));
        Got.Enqueue(new Received(id, bytes.Length, intact));
        lock (Got)
        {
            Monitor.PulseAll(Got);
        }

        return HoseStatus.Ok;
    }
}
