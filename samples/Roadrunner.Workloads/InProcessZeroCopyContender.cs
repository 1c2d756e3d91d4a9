using Roadrunner.Regions;

namespace Roadrunner.Workloads;

/// <summary>
/// The in-process zero-copy hop as a contender: zc-producer.wat claims, fills and commits a window; each zc-consumer.wat
/// gets its pages mapped while its handler runs (<see cref="ZeroCopyChain"/>). The hop is claim + commit; the fill is
/// timed apart.
/// </summary>
/// <param name="chain">The running chain; disposed with the contender.</param>
public sealed class InProcessZeroCopyContender(ZeroCopyChain chain) : IZeroCopyContender
{
    /// <summary>The mode's name in records and tables.</summary>
    public const string ModeName = "in-process-zero-copy";

    private ConsumerWork _work;
    private PatternFacts? _facts;
    private int _messages;
    private int _windowed;

    /// <inheritdoc />
    public string Name => ModeName;

    /// <inheritdoc />
    public int Receivers => chain.Consumers.Count;

    /// <summary>The chain under test.</summary>
    public ZeroCopyChain Chain => chain;

    /// <inheritdoc />
    public double LastHopMicros { get; private set; }

    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <summary>Starts a chain with <paramref name="receivers"/> receivers.</summary>
    /// <param name="receivers">How many receivers get every payload.</param>
    /// <param name="folder">Where regions and guest memories go; null for the region pool's default folder.</param>
    /// <returns>The contender.</returns>
    public static InProcessZeroCopyContender Start(int receivers = 1, string? folder = null) => new(ZeroCopyChain.Start(receivers, folder));

    /// <summary>
    /// zc-consumer.wat's <c>set_read_all</c> value for <paramref name="work"/>: 0 touch; 1 read every byte and decline
    /// windows (copied: with 4 KiB pages a fault a page costs more than the copy); 2 read every byte through the
    /// mapped window, where the folder has huge pages (<see cref="RegionPool.HasHugePages"/>).
    /// </summary>
    /// <param name="work">The consumer's work.</param>
    /// <param name="hugePages">True when the receivers' folder has huge pages.</param>
    /// <returns>The value.</returns>
    public static int ReadAllMode(ConsumerWork work, bool hugePages) => work != ConsumerWork.ReadAll ? 0 : hugePages ? 2 : 1;

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        chain.Producer.Prepare(payloadBytes, seed);
        _facts = PatternFacts.Of(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        chain.CallConsumers("set_read_all", ReadAllMode(work, chain.HugePages));
        _work = work;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferAsync(int payloadBytes)
    {
        ZeroCopyProducer producer = chain.Producer;
        producer.Use(payloadBytes);
        double claim = producer.Claim();
        LastFillMicros = producer.Fill();
        LastHopMicros = claim + producer.Commit();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Checks what every receiver recorded of the last timed payload (length, end bytes, the read-all sum), then runs one
    /// more transfer, untimed, in which every receiver checksums the whole payload while it is mapped.
    /// </remarks>
    public async ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        PatternFacts facts = _facts ?? throw new InvalidOperationException("Nothing was prepared.");
        for (int i = 0; i < chain.Consumers.Count; i++)
        {
            if (!facts.Matches(_work, chain.Read(i, "last_length"), chain.Read(i, "last_first_byte"), chain.Read(i, "last_last_byte"), chain.Read64(i, "read_sum")))
            {
                return false;
            }
        }

        chain.CallConsumers("set_verify", 1);
        try
        {
            await TransferAsync(payloadBytes).ConfigureAwait(false);
        }
        finally
        {
            chain.CallConsumers("set_verify", 0);
        }

        for (int i = 0; i < chain.Consumers.Count; i++)
        {
            if (chain.Read(i, "last_length") != payloadBytes || chain.Read64(i, "checksum") != checksum)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public ValueTask<string> TakePathReportAsync()
    {
        int messages = 0;
        int windowed = 0;
        for (int i = 0; i < chain.Consumers.Count; i++)
        {
            messages += chain.Read(i, "message_count");
            windowed += chain.Read(i, "windowed_count");
        }

        string report = PathReport(windowed - _windowed, messages - _messages);
        (_messages, _windowed) = (messages, windowed);
        return ValueTask.FromResult(report);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => chain.DisposeAsync();

    /// <summary><c>mapped N/M</c>, <c>copied N/M</c> or <c>mapped A/M, copied B/M</c>.</summary>
    /// <param name="mapped">Payloads that arrived in the receiver's window.</param>
    /// <param name="total">Payloads received.</param>
    /// <returns>The summary.</returns>
    internal static string PathReport(int mapped, int total) =>
        mapped == total ? $"mapped {mapped}/{total}"
        : mapped == 0 ? $"copied {total}/{total}"
        : $"mapped {mapped}/{total}, copied {total - mapped}/{total}";
}
