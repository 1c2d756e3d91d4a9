namespace Roadrunner.Workloads;

/// <summary>The in-process hose as a contender: producer.wasm → consumer.wasm (one or N) in this process.</summary>
/// <param name="chain">The running chain; disposed with the contender.</param>
public sealed class InProcessContender(InProcessChain chain) : IFillTimedContender, IRefillableContender
{
    /// <inheritdoc />
    public double LastFillMicros { get; private set; }

    /// <inheritdoc />
    public string Name => "in-process";

    /// <inheritdoc />
    public int Receivers => chain.ConsumerCount;

    /// <summary>The chain under test.</summary>
    public InProcessChain Chain => chain;

    /// <inheritdoc />
    public double Refill(int payloadBytes) => chain.Refill(payloadBytes);

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        LastFillMicros = chain.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask TransferAsync(int payloadBytes)
    {
        int status = chain.Transfer(payloadBytes);
        return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"in-process send failed with status {status}.");
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        chain.SetConsumer(work);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum)
    {
        for (int i = 0; i < chain.ConsumerCount; i++)
        {
            if (chain.ConsumerLastLength(i) != payloadBytes || chain.ConsumerChecksum(i) != checksum)
            {
                return ValueTask.FromResult(false);
            }
        }

        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Every timed send should have gone straight into an idle consumer; regions mean some were queued (2 copies).
        long mapped = chain.Host.Pool.MappedBytes;
        if (mapped > 0)
        {
            Console.Error.WriteLine($"note: the in-process hose (x{chain.ConsumerCount}) mapped {mapped} bytes of regions: some sends were queued, not pushed directly.");
        }

        return chain.DisposeAsync();
    }
}
