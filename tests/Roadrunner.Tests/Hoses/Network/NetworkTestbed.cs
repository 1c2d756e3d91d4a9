using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;
using Roadrunner.Regions;
using Roadrunner.Tests.Support;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// A server host (pull receivers "pull" and "pull2", push receiver "push") behind a <see cref="NetworkEndpoint"/> on
/// 127.0.0.1, and a client endpoint whose directory maps those names (and "missing") to it. Everything on loopback.
/// </summary>
internal sealed class NetworkTestbed : IAsyncDisposable
{
    public static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly List<string> _folders = [];

    private NetworkTestbed()
    {
    }

    public FunctionHost Server { get; private set; } = null!;

    public NetworkEndpoint ServerEndpoint { get; private set; } = null!;

    public RegionPool ClientPool { get; private set; } = null!;

    public NetworkEndpoint Client { get; private set; } = null!;

    public NetworkOptions ServerOptions { get; private set; } = null!;

    public NetworkOptions ClientOptions { get; private set; } = null!;

    public StaticNetworkDirectory Directory { get; } = new();

    public IPEndPoint ServerAddress => ServerEndpoint.LocalEndPoint;

    public static NetworkTestbed Start(
        Action<NetworkOptions>? server = null,
        Action<NetworkOptions>? client = null,
        Action<FunctionHostOptions>? host = null,
        string? extraGuestName = null,
        string? extraGuestWat = null,
        Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var bed = new NetworkTestbed();
        var hostOptions = new FunctionHostOptions
        {
            Regions = new RegionPoolOptions { Directory = bed.NewFolder(), SizeClasses = [TestPool.Small, TestPool.Large], MaxLeasedBytes = 64L * 1024 * 1024 },
        };
        host?.Invoke(hostOptions);
        bed.Server = new FunctionHost(hostOptions, loggerFactory: logs);
        bed.Server.LoadText("pull", Guests.Caller);
        bed.Server.LoadText("pull2", Guests.Caller);
        bed.Server.LoadText("push", Guests.PushReceiver);
        if (extraGuestName is not null)
        {
            bed.Server.LoadText(extraGuestName, extraGuestWat!);
        }

        bed.ServerOptions = Options();
        server?.Invoke(bed.ServerOptions);
        bed.ServerEndpoint = bed.Server.StartNetworkEndpoint(bed.ServerOptions);

        foreach (string name in (string[])["pull", "pull2", "push", "missing", extraGuestName ?? "pull"])
        {
            bed.Directory.Add(name, bed.ServerAddress);
        }

        bed.ClientPool = new RegionPool(new RegionPoolOptions { Directory = bed.NewFolder(), SizeClasses = [TestPool.Small, TestPool.Large], MaxLeasedBytes = 64L * 1024 * 1024 });
        bed.ClientOptions = Options();
        bed.ClientOptions.Directory = bed.Directory;
        client?.Invoke(bed.ClientOptions);
        bed.Client = new NetworkEndpoint(new NoNames(), bed.ClientPool, bed.ClientOptions, logs);
        return bed;
    }

    public static NetworkOptions Options() => new()
    {
        PreSharedKey = Key,
        Checksums = true,
        HandshakeTimeout = TimeSpan.FromSeconds(5),
        FrameTimeout = TimeSpan.FromSeconds(5),
        DeliveryTimeout = TimeSpan.FromSeconds(5),
    };

    public IHoseSender Open(string name) =>
        Client.TryResolve(name, out IHoseSender? sender) ? sender : throw new InvalidOperationException($"'{name}' does not resolve");

    public int PushCount() => Server["push"].Run(i => i.GetFunction<int>("count")!());

    /// <summary>Takes the next payload queued for <paramref name="function"/> on the server, or null.</summary>
    public byte[]? TakeFrom(string function)
    {
        if (!Server[function].Inbox.TryReceive(out HoseLease? lease))
        {
            return null;
        }

        using (lease)
        {
            return lease.Payload.ToArray();
        }
    }

    /// <summary>A raw TCP connection to the server, optionally through the handshake.</summary>
    public Socket Connect(bool authenticate, out NetworkStream stream)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(ServerAddress);
        stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = 10_000, WriteTimeout = 10_000 };
        if (authenticate)
        {
            Authenticator.Client(stream, Key);
        }

        return socket;
    }

    /// <summary>True when the server closes the connection (reads end or reset) within the read timeout.</summary>
    public static bool IsDropped(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (stream.Read(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            return true;
        }
        catch (IOException)
        {
            return false; // the read timed out: still open
        }
    }

    public string NewFolder()
    {
        string folder = TestPool.NewFolder();
        _folders.Add(folder);
        return folder;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await ServerEndpoint.DisposeAsync();
        await Server.DisposeAsync();
        ClientPool.Dispose();
        foreach (string folder in _folders)
        {
            TestPool.Delete(folder);
        }
    }

    public async Task RestartServerEndpointAsync()
    {
        IPEndPoint address = ServerAddress;
        await ServerEndpoint.DisposeAsync();
        ServerOptions.ListenEndPoint = address;
        ServerEndpoint = new NetworkEndpoint(Server.Directory, Server.Pool, ServerOptions);
    }

    public Task StopServerEndpointAsync() => ServerEndpoint.DisposeAsync().AsTask();

    private sealed class NoNames : IHoseDirectory
    {
        public bool TryResolve(string name, [NotNullWhen(true)] out IHoseSender? sender)
        {
            sender = null;
            return false;
        }
    }
}
