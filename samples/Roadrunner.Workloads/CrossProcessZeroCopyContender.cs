using System.Diagnostics;

namespace Roadrunner.Workloads;

/// <summary>
/// The cross-process zero-copy hop as a contender: zc-producer.wat here claims, fills and commits a window to
/// zc-consumer.wat in a Roadrunner.Peer child process (guest memories in files on both sides); the hop is the claim plus
/// the time from commit until the consumer's 8-byte ack came back. The fill is timed apart. Which path the payloads
/// really took (mapped into the receiver's window, or copied by the host) is counted by the receiver and reported.
/// </summary>
/// <param name="chain">The running chain (started with <c>zeroCopy</c>); disposed with the contender.</param>
public sealed class CrossProcessZeroCopyContender(CrossProcessChain chain) : IZeroCopyContender
{
    /// <summary>The mode's name in records and tables.</summary>
    public const string ModeName = "cross-process-zero-copy";

    private readonly ZeroCopyProducer _producer = chain.ZeroCopy ?? throw new ArgumentException("The chain was not started with zeroCopy.", nameof(chain));
    private ConsumerWork _work;
    private PatternFacts? _facts;
    private long _messages;
    private long _windowed;

    /// <inheritdoc />
    public string Name => ModeName;

    /// <inheritdoc />
    public int Receivers => 1;

    /// <inheritdoc />
    public double LastHopMicros { get; private set; }

    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <summary>Starts a chain with a new child process.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The contender.</returns>
    public static async Task<IPayloadContender> StartAsync(CancellationToken cancellationToken = default) =>
        new CrossProcessZeroCopyContender(await CrossProcessChain.StartAsync(cancellationToken: cancellationToken, zeroCopy: true).ConfigureAwait(false));

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Prepare(payloadBytes, seed);
        _facts = PatternFacts.Of(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask SetConsumerAsync(ConsumerWork work)
    {
        await chain.CallConsumerAsync("set_read_all", work == ConsumerWork.ReadAll ? 1 : 0).ConfigureAwait(false);
        _work = work;
    }

    /// <inheritdoc />
    public async ValueTask TransferAsync(int payloadBytes)
    {
        _producer.Use(payloadBytes);
        double claim = _producer.Claim();
        LastFillMicros = _producer.Fill();
        long committing = Stopwatch.GetTimestamp();
        _producer.Commit();
        int acknowledged = await chain.ReceiveAckAsync().ConfigureAwait(false);
        LastHopMicros = claim + Timing.MicrosSince(committing);
        if (acknowledged != payloadBytes)
        {
            throw new InvalidOperationException($"The consumer acknowledged {acknowledged} bytes, not {payloadBytes}.");
        }
    }

    /// <inheritdoc />
    /// <remarks>As <see cref="InProcessZeroCopyContender.VerifyAsync"/>, with the receiver in the child process.</remarks>
    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        PatternFacts facts = _facts ?? throw new InvalidOperationException("Nothing was prepared.");
        bool sawLast = facts.Matches(
            _work,
            (int)await chain.CallConsumerAsync("last_length").ConfigureAwait(false),
            (int)await chain.CallConsumerAsync("last_first_byte").ConfigureAwait(false),
            (int)await chain.CallConsumerAsync("last_last_byte").ConfigureAwait(false),
            (ulong)long.Parse(await chain.Peer.RequestAsync("call64 consumer read_sum").ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture));
        if (!sawLast)
        {
            return false;
        }

        await chain.CallConsumerAsync("set_verify", 1).ConfigureAwait(false);
        try
        {
            await TransferAsync(payloadBytes).ConfigureAwait(false);
        }
        finally
        {
            await chain.CallConsumerAsync("set_verify", 0).ConfigureAwait(false);
        }

        return await chain.ConsumerLastLengthAsync().ConfigureAwait(false) == payloadBytes
            && await chain.ConsumerChecksumAsync().ConfigureAwait(false) == checksum;
    }

    /// <inheritdoc />
    public async ValueTask<string> TakePathReportAsync()
    {
        long messages = await chain.CallConsumerAsync("message_count").ConfigureAwait(false);
        long windowed = await chain.CallConsumerAsync("windowed_count").ConfigureAwait(false);
        string report = InProcessZeroCopyContender.PathReport((int)(windowed - _windowed), (int)(messages - _messages));
        (_messages, _windowed) = (messages, windowed);
        return report;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => chain.DisposeAsync();
}
