using System.Diagnostics;
using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Workloads;

/// <summary>
/// The network zero-copy hop as a contender: zc-producer.wat here (guest memory in a file) claims, fills and commits a
/// window to zc-consumer.wat in a Roadrunner.Peer <c>network</c> child over loopback TCP; on plain TCP the commit goes
/// out with <c>sendfile</c> from the producer's memory file. Two ways to receive: the socket read straight into the
/// idle consumer's memory (the kernel's copy only), or, with <c>mappedReceive</c>, read into regions and mapped into
/// the consumer's window. The hop is the claim plus the commit, which returns with the Ack, after the consumer's
/// handler returned; the fill is timed apart.
/// </summary>
public sealed class NetworkZeroCopyContender : IZeroCopyContender
{
    /// <summary>The mode's name in records and tables.</summary>
    public const string ModeName = "network-zero-copy";

    /// <summary>The mapped-receive variant's name (a baseline of <see cref="ModeName"/>).</summary>
    public const string MappedReceiveName = "network-zero-copy-mapped-receive";

    private readonly NetworkChain.Child _child;
    private readonly FunctionHost _host;
    private readonly NetworkEndpoint _endpoint;
    private readonly ZeroCopyProducer _producer;
    private readonly bool _mappedReceive;
    private ConsumerWork _work;
    private PatternFacts? _facts;
    private long _messages;
    private long _windowed;

    private NetworkZeroCopyContender(NetworkChain.Child child, FunctionHost host, NetworkEndpoint endpoint, WasmFunction producer, bool mappedReceive)
    {
        _child = child;
        _host = host;
        _endpoint = endpoint;
        _producer = new ZeroCopyProducer(producer);
        _mappedReceive = mappedReceive;
    }

    /// <inheritdoc />
    public string Name => _mappedReceive ? MappedReceiveName : ModeName;

    /// <inheritdoc />
    public int Receivers => 1;

    /// <inheritdoc />
    public double LastHopMicros { get; private set; }

    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <summary>Starts a child process and the producer's host.</summary>
    /// <param name="mappedReceive">The child reads messages into regions and maps them into the consumer.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The contender.</returns>
    public static async Task<IPayloadContender> StartAsync(bool mappedReceive, CancellationToken cancellationToken = default)
    {
        NetworkChain.Child child = await NetworkChain.StartChildAsync(
            GuestModules.ZeroCopyConsumer, mappedReceive ? ["--zero-copy", "--mapped-receive"] : ["--zero-copy"], cancellationToken).ConfigureAwait(false);
        FunctionHost? host = null;
        try
        {
            host = new FunctionHost(new FunctionHostOptions { GuestMemoryInFiles = true });
            WasmFunction producer = host.LoadFile("producer", GuestModules.PathOf(GuestModules.ZeroCopyProducer));
            NetworkEndpoint endpoint = host.StartNetworkEndpoint(child.ClientOptions(checksums: false, "consumer"));
            return new NetworkZeroCopyContender(child, host, endpoint, producer, mappedReceive);
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

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        _producer.Prepare(payloadBytes, seed);
        _facts = PatternFacts.Of(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask SetConsumerAsync(ConsumerWork work)
    {
        await CallAsync("set_read_all", work == ConsumerWork.ReadAll ? 1 : 0).ConfigureAwait(false);
        _work = work;
    }

    /// <inheritdoc />
    public ValueTask TransferAsync(int payloadBytes)
    {
        _producer.Use(payloadBytes);
        double claim = _producer.Claim();
        LastFillMicros = _producer.Fill();
        LastHopMicros = claim + _producer.Commit(); // returns with the Ack: the consumer's handler has returned
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>As <see cref="CrossProcessZeroCopyContender.VerifyAsync"/>, with the receiver on the other end of the socket.</remarks>
    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        PatternFacts facts = _facts ?? throw new InvalidOperationException("Nothing was prepared.");
        bool sawLast = facts.Matches(
            _work,
            (int)await CallAsync("last_length").ConfigureAwait(false),
            (int)await CallAsync("last_first_byte").ConfigureAwait(false),
            (int)await CallAsync("last_last_byte").ConfigureAwait(false),
            (ulong)long.Parse(await _child.Peer.RequestAsync("call64 read_sum").ConfigureAwait(false), CultureInfo.InvariantCulture));
        if (!sawLast)
        {
            return false;
        }

        await CallAsync("set_verify", 1).ConfigureAwait(false);
        try
        {
            await TransferAsync(payloadBytes).ConfigureAwait(false);
        }
        finally
        {
            await CallAsync("set_verify", 0).ConfigureAwait(false);
        }

        return await CallAsync("last_length").ConfigureAwait(false) == payloadBytes
            && (ulong)long.Parse(await _child.Peer.RequestAsync("call64 checksum").ConfigureAwait(false), CultureInfo.InvariantCulture) == checksum;
    }

    /// <inheritdoc />
    public async ValueTask<string> TakePathReportAsync()
    {
        long messages = await CallAsync("message_count").ConfigureAwait(false);
        long windowed = await CallAsync("windowed_count").ConfigureAwait(false);
        string report = InProcessZeroCopyContender.PathReport((int)(windowed - _windowed), (int)(messages - _messages));
        (_messages, _windowed) = (messages, windowed);
        return report;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        await _child.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<long> CallAsync(string export, int? argument = null)
    {
        string answer = await _child.Peer.RequestAsync(argument is int a ? $"call {export} {a}" : $"call {export}").ConfigureAwait(false);
        return long.TryParse(answer, CultureInfo.InvariantCulture, out long value) ? value : throw new InvalidOperationException($"consumer {export}: {answer}");
    }
}
