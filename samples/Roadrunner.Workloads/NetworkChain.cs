using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Workloads;

/// <summary>
/// The network hose between two processes on this machine: the producer guest runs here, the consumer guest runs in a
/// Roadrunner.Peer child (<c>network</c> command) reached over loopback TCP through a <see cref="NetworkEndpoint"/>. A
/// transfer is one <c>send</c> from the producer; it returns once the child acknowledged that the consumer guest got
/// the payload (read from the socket straight into its memory). The same child also runs a plain socket pump (length +
/// bytes, one-byte answer) between the same two processes: the baseline for the network hose's throughput.
/// </summary>
public sealed class NetworkChain : IAsyncDisposable
{
    private readonly PeerProcess _peer;
    private readonly FunctionHost _host;
    private readonly NetworkEndpoint _endpoint;
    private readonly HoseProducer _producer;
    private readonly Socket _pump;
    private readonly string _keyFolder;
    private byte[] _pumpPayload = [];

    private NetworkChain(PeerProcess peer, FunctionHost host, NetworkEndpoint endpoint, WasmFunction producer, Socket pump, string keyFolder)
    {
        _peer = peer;
        _host = host;
        _endpoint = endpoint;
        _producer = new HoseProducer(producer);
        _pump = pump;
        _keyFolder = keyFolder;
    }

    /// <summary>The child process (to ask it things, or to kill it).</summary>
    public PeerProcess Peer => _peer;

    /// <summary>This side's endpoint.</summary>
    public NetworkEndpoint Endpoint => _endpoint;

    /// <summary>Starts the child, connects the producer's host to it, and connects the pump.</summary>
    /// <param name="checksums">Checksum every frame (both ends).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running chain.</returns>
    public static async Task<NetworkChain> StartAsync(bool checksums = false, CancellationToken cancellationToken = default)
    {
        Child child = await StartChildAsync(GuestModules.Consumer, checksums ? ["--checksums"] : [], cancellationToken).ConfigureAwait(false);
        FunctionHost? host = null;
        try
        {
            int pumpPort = int.Parse(await child.Peer.RequestAsync("pump-port", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            host = new FunctionHost();
            WasmFunction producer = host.LoadFile("producer", GuestModules.PathOf(GuestModules.Producer));
            NetworkEndpoint endpoint = host.StartNetworkEndpoint(child.ClientOptions(checksums, "consumer", "stall"));
            // A blocking connect: an asynchronous one would switch the socket to non-blocking mode for good, and .NET
            // then emulates every blocking send and receive with a wake-up through its epoll thread.
            var pump = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            pump.Connect(new IPEndPoint(IPAddress.Loopback, pumpPort));
            return new NetworkChain(child.Peer, host, endpoint, producer, pump, child.KeyFolder);
        }
        catch
        {
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            child.Peer.Kill();
            await child.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a Roadrunner.Peer <c>network</c> child hosting <paramref name="consumerModule"/> as "consumer", with a new
    /// pre-shared key in a file only this user can read.
    /// </summary>
    /// <param name="consumerModule">The consumer's file name (see <see cref="GuestModules"/>).</param>
    /// <param name="arguments">Further arguments for the child.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running child.</returns>
    internal static async Task<Child> StartChildAsync(string consumerModule, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        string folder = Directory.CreateTempSubdirectory("rr-net-").FullName; // mode 0700
        string keyFile = Path.Combine(folder, "psk");
        if (OperatingSystem.IsWindows())
        {
            await File.WriteAllBytesAsync(keyFile, key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            await using var file = new FileStream(keyFile, create);
            await file.WriteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        PeerProcess? peer = null;
        try
        {
            peer = await PeerProcess.StartAsync("network", ["--module", GuestModules.PathOf(consumerModule), "--key-file", keyFile, .. arguments], cancellationToken).ConfigureAwait(false);
            int port = int.Parse(await peer.RequestAsync("port", cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            return new Child(peer, key, folder, port);
        }
        catch
        {
            if (peer is not null)
            {
                peer.Kill();
                await peer.DisposeAsync().ConfigureAwait(false);
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>A running network child: the process, its key (and the folder holding the key file), its hose port.</summary>
    internal sealed record Child(PeerProcess Peer, byte[] Key, string KeyFolder, int Port) : IAsyncDisposable
    {
        /// <summary>Options for this side's endpoint, resolving <paramref name="names"/> to the child.</summary>
        public NetworkOptions ClientOptions(bool checksums, params string[] names)
        {
            var resolver = new StaticResolver();
            foreach (string name in names)
            {
                resolver.Add(name, new IPEndPoint(IPAddress.Loopback, Port));
            }

            return new NetworkOptions { PreSharedKey = Key, Checksums = checksums, Resolver = resolver };
        }

        /// <summary>Ends the child and deletes the key.</summary>
        public async ValueTask DisposeAsync()
        {
            await Peer.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(KeyFolder, recursive: true);
        }
    }

    /// <summary>Fills the producer's buffer (and the pump's) with the seed's pattern (untimed).</summary>
    /// <param name="payloadBytes">Payload size.</param>
    /// <param name="seed">Pattern seed (see <see cref="Checksum.FillPattern"/>).</param>
    public void Prepare(int payloadBytes, int seed)
    {
        _producer.Prepare(payloadBytes, seed);

        _pumpPayload = new byte[payloadBytes];
        Checksum.FillPattern(_pumpPayload, seed);
    }

    /// <summary>The timed part: the producer guest sends its buffer to "consumer" on the other process.</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>The <c>send</c> status: 0 once the consumer guest has the payload.</returns>
    public int Transfer(int payloadBytes)
    {
        return _producer.Send(payloadBytes);
    }

    /// <summary>Sends from .NET to a name on the other process (for tests).</summary>
    /// <param name="name">"consumer" or "stall".</param>
    /// <param name="payload">The bytes.</param>
    /// <param name="timeout">The longest wait for the acknowledgement.</param>
    /// <returns>The delivery status.</returns>
    public HoseStatus Send(string name, ReadOnlySpan<byte> payload, TimeSpan timeout) => _host.Open(name).Send(payload, timeout);

    /// <summary>The baseline: the same bytes through a plain socket to the same child, answered with one byte.</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    public void Pump(int payloadBytes)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(head, payloadBytes);
        _pump.Send(head);
        ReadOnlySpan<byte> rest = _pumpPayload.AsSpan(0, payloadBytes);
        while (!rest.IsEmpty)
        {
            rest = rest[_pump.Send(rest)..];
        }

        Span<byte> answer = stackalloc byte[1];
        if (_pump.Receive(answer) != 1)
        {
            throw new InvalidOperationException("The pump closed.");
        }
    }

    /// <summary>The consumer guest's checksum and length of the last payload it got, asked over the child's stdin.</summary>
    /// <returns>Checksum and length.</returns>
    public Task<(ulong Checksum, int Length)> ConsumerChecksumAsync() => AskAsync("checksum");

    /// <summary>Sets what the consumer guest in the child does with a payload (untimed).</summary>
    /// <param name="work">The consumer's work.</param>
    /// <returns>A task that completes when the child has set it.</returns>
    public async Task SetConsumerAsync(ConsumerWork work)
    {
        string answer = await _peer.RequestAsync($"set-read-all {(work == ConsumerWork.ReadAll ? 1 : 0)}").ConfigureAwait(false);
        if (answer is not ("0" or "1"))
        {
            throw new InvalidOperationException($"The consumer could not be set to {work.Name()}: {answer}");
        }
    }

    /// <summary>The pump's checksum and length of the last payload it got.</summary>
    /// <returns>Checksum and length.</returns>
    public Task<(ulong Checksum, int Length)> PumpChecksumAsync() => AskAsync("pump-checksum");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _pump.Dispose();
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        await _peer.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_keyFolder, recursive: true);
    }

    private async Task<(ulong, int)> AskAsync(string command)
    {
        string[] words = (await _peer.RequestAsync(command).ConfigureAwait(false)).Split(' ');
        return (ulong.Parse(words[0], CultureInfo.InvariantCulture), int.Parse(words[1], CultureInfo.InvariantCulture));
    }
}
