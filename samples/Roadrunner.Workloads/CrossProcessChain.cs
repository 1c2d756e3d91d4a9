using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Workloads;

/// <summary>
/// producer.wasm in this process → consumer.wasm in a Roadrunner.Peer child process, through a shared-memory hose.
/// The producer's <c>send</c> copies its buffer once into a shared region and posts a descriptor; the child's receive
/// thread copies it once into the idle consumer; the consumer answers each payload with an 8-byte ack to "ack", a .NET
/// inbox here, so a transfer is timed from <c>send</c> until the payload is in the other process's guest.
/// </summary>
public sealed class CrossProcessChain : IAsyncDisposable
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private readonly FunctionHost _host;
    private readonly SharedMemoryEndpoint _endpoint;
    private readonly PeerProcess _peer;
    private readonly HoseProducer? _producer;
    private readonly AckCounter _acks;
    private readonly string? _ownedFolder;

    private CrossProcessChain(FunctionHost host, SharedMemoryEndpoint endpoint, PeerProcess peer, WasmFunction producer, bool zeroCopy, AckCounter acks, string? ownedFolder)
    {
        _host = host;
        _endpoint = endpoint;
        _peer = peer;
        if (zeroCopy)
        {
            ZeroCopy = new ZeroCopyProducer(producer);
        }
        else
        {
            _producer = new HoseProducer(producer);
        }

        _acks = acks;
        _ownedFolder = ownedFolder;
    }

    /// <summary>The zero-copy producer (zc-producer.wat), when the chain was started with <c>zeroCopy</c>; else null.</summary>
    public ZeroCopyProducer? ZeroCopy { get; }

    /// <summary>The child process that hosts the consumer.</summary>
    public PeerProcess Peer => _peer;

    /// <summary>This process's endpoint.</summary>
    public SharedMemoryEndpoint Endpoint => _endpoint;

    /// <summary>Starts the producer here and the consumer in a child process, connected through <paramref name="directory"/>.</summary>
    /// <param name="directory">The rendezvous folder, or null for a fresh private one (deleted on dispose).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="loggerFactory">Where the host and its endpoint log, or null for nowhere.</param>
    /// <param name="zeroCopy">Run the zero-copy guests (zc-producer.wat here, zc-consumer.wat in the child, whose guest
    /// memories are in files too) instead of producer.wasm and consumer.wasm.</param>
    /// <returns>The running chain.</returns>
    public static async Task<CrossProcessChain> StartAsync(string? directory = null, CancellationToken cancellationToken = default, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null, bool zeroCopy = false)
    {
        string? owned = null;
        if (directory is null)
        {
            owned = directory = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "rr-demo-" + Guid.NewGuid().ToString("N"));
        }

        var host = new FunctionHost(new FunctionHostOptions { Regions = { FolderPath = directory }, GuestMemoryInFiles = true }, loggerFactory: loggerFactory);
        SharedMemoryEndpoint? endpoint = null;
        try
        {
            WasmFunction producer = host.LoadFile("producer", GuestModules.PathOf(zeroCopy ? GuestModules.ZeroCopyProducer : GuestModules.Producer));
            endpoint = host.StartSharedMemoryEndpoint(new SharedMemoryOptions { FolderPath = directory });
            var acks = new AckCounter();
            endpoint.Serve("ack", acks.OnAck); // read in place on the receive thread: no queue, no thread hop
            string consumer = GuestModules.PathOf(zeroCopy ? GuestModules.ZeroCopyConsumer : GuestModules.Consumer);
            PeerProcess peer = await PeerProcess.StartAsync("shm", ["--dir", directory, "--guest", "consumer=" + consumer, .. zeroCopy ? ["--memory-in-files", "on"] : Array.Empty<string>()], cancellationToken).ConfigureAwait(false);
            string answer = await peer.RequestAsync("ack consumer 1", cancellationToken).ConfigureAwait(false);
            if (!int.TryParse(answer, CultureInfo.InvariantCulture, out int handle) || handle <= 0)
            {
                await peer.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"The consumer could not open 'ack': {answer}");
            }

            return new CrossProcessChain(host, endpoint, peer, producer, zeroCopy, acks, owned);
        }
        catch
        {
            if (endpoint is not null)
            {
                await endpoint.DisposeAsync().ConfigureAwait(false);
            }

            await host.DisposeAsync().ConfigureAwait(false);
            if (owned is not null && Directory.Exists(owned))
            {
                Directory.Delete(owned, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Fills the producer's buffer with the seed's pattern (untimed).</summary>
    /// <param name="payloadBytes">Payload size.</param>
    /// <param name="seed">Pattern seed (see <see cref="Checksum.FillPattern"/>).</param>
    /// <returns>How long a second fill of the same buffer took (the steady state: pages already in use); zero for the zero-copy producer, which fills in every transfer.</returns>
    public double Prepare(int payloadBytes, int seed)
    {
        if (ZeroCopy is not null)
        {
            ZeroCopy.Prepare(payloadBytes, seed);
            return 0;
        }

        return _producer!.Prepare(payloadBytes, seed);
    }

    /// <summary>The producer writes the prepared pattern again (see <see cref="HoseProducer.Refill"/>).</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>How long the fill took.</returns>
    public double Refill(int payloadBytes) =>
        (_producer ?? throw new InvalidOperationException("A zero-copy chain fills through ZeroCopy.")).Refill(payloadBytes);

    /// <summary>The timed part: the producer sends; completes when the consumer in the child acknowledged the payload.</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>A task that completes with the acknowledged length.</returns>
    public async ValueTask<int> TransferAsync(int payloadBytes)
    {
        int status = (_producer ?? throw new InvalidOperationException("A zero-copy chain transfers through ZeroCopy.")).Send(payloadBytes);
        if (status != 0)
        {
            throw new InvalidOperationException($"send failed with status {status}");
        }

        return await ReceiveAckAsync().ConfigureAwait(false);
    }

    /// <summary>Waits (at most 30 s) for the next ack.</summary>
    /// <returns>The length the consumer acknowledged.</returns>
    public ValueTask<int> ReceiveAckAsync() => ValueTask.FromResult(_acks.Take(AckTimeout));

    /// <summary>Sets what the consumer's handler in the child does with a payload (untimed).</summary>
    /// <param name="work">The consumer's work.</param>
    /// <returns>A task that completes when the child has set it.</returns>
    public async Task SetConsumerAsync(ConsumerWork work)
    {
        string answer = await _peer.RequestAsync($"read_all consumer {(work == ConsumerWork.ReadAll ? 1 : 0)}").ConfigureAwait(false);
        if (answer is not ("0" or "1"))
        {
            throw new InvalidOperationException($"The consumer could not be set to {work.Name()}: {answer}");
        }
    }

    /// <summary>Calls an <c>(i32) -> i32</c> (or, without <paramref name="argument"/>, an <c>() -> i32</c>) export of the consumer in the child.</summary>
    /// <param name="export">The export.</param>
    /// <param name="argument">Its argument, or null for none.</param>
    /// <returns>What it returned.</returns>
    public async Task<long> CallConsumerAsync(string export, int? argument = null)
    {
        string answer = await _peer.RequestAsync(argument is int a ? $"call consumer {export} {a}" : $"call consumer {export}").ConfigureAwait(false);
        return long.TryParse(answer, CultureInfo.InvariantCulture, out long value) ? value : throw new InvalidOperationException($"consumer {export}: {answer}");
    }

    /// <summary>Checksum of the last payload the consumer got, computed by the guest in the child.</summary>
    /// <returns>The checksum (see <see cref="Checksum.Compute"/>).</returns>
    public async Task<ulong> ConsumerChecksumAsync() =>
        ulong.Parse(await _peer.RequestAsync("checksum consumer").ConfigureAwait(false), CultureInfo.InvariantCulture);

    /// <summary>Length of the last payload the consumer got.</summary>
    /// <returns>The length.</returns>
    public async Task<int> ConsumerLastLengthAsync() =>
        int.Parse(await _peer.RequestAsync("last_length consumer").ConfigureAwait(false), CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _peer.DisposeAsync().ConfigureAwait(false);
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        if (_ownedFolder is not null && Directory.Exists(_ownedFolder))
        {
            Directory.Delete(_ownedFolder, recursive: true);
        }
    }

    /// <summary>Acks handed over from the receive thread to the waiting sender.</summary>
    private sealed class AckCounter
    {
        private readonly SemaphoreSlim _arrived = new(0);
        private volatile int _lastLength = -1;

        public void OnAck(ReadOnlySpan<byte> ack)
        {
            _lastLength = ack.Length == 8 ? BitConverter.ToInt32(ack) : -1;
            _arrived.Release();
        }

        public int Take(TimeSpan timeout) =>
            _arrived.Wait(timeout) ? _lastLength : throw new TimeoutException($"No ack within {timeout}.");
    }
}
