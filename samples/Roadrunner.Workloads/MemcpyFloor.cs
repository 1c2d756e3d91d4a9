namespace Roadrunner.Workloads;

/// <summary>
/// The floor no transport can beat with stock Wasmtime: the host copies the producer guest's payload bytes once into
/// each consumer guest's memory (<see cref="Span{T}.CopyTo(Span{T})"/> between the two memories), asking the consumer
/// for a buffer first (<c>rr_alloc</c>) and running its O(1) handler after (<c>rr_on_message</c>) — exactly the work a
/// hose does for an idle push receiver, without the hose. Its guests are compiled as a <c>FunctionHost</c> compiles
/// them (epoch interruption on), so a consumer that reads every byte runs the same machine code in both.
/// </summary>
public sealed class MemcpyFloor : IPayloadContender
{
    private readonly BaselineGuests _guests;

    private MemcpyFloor(BaselineGuests guests)
    {
        _guests = guests;
    }

    /// <inheritdoc />
    public string Name => "memcpy";

    /// <inheritdoc />
    public int Receivers => _guests.Consumers.Count;

    /// <summary>Loads the producer and <paramref name="consumers"/> consumer guests.</summary>
    /// <param name="consumers">How many consumers receive every payload.</param>
    /// <returns>The floor; dispose it to free the guests.</returns>
    public static MemcpyFloor Start(int consumers = 1) => new(BaselineGuests.Create(consumers, compiledAsTheHostCompiles: true));

    /// <inheritdoc />
    public ValueTask PrepareAsync(int payloadBytes, int seed)
    {
        _guests.Prepare(payloadBytes, seed);
        return ValueTask.CompletedTask;
    }

    /// <summary>The timed part: one copy into each consumer, then its handler.</summary>
    /// <param name="payloadBytes">The payload size.</param>
    public void Transfer(int payloadBytes)
    {
        ProducerGuest producer = _guests.Producer;
        producer.Gate.Wait();
        try
        {
            IReadOnlyList<ConsumerGuest> consumers = _guests.Consumers;
            for (int i = 0; i < consumers.Count; i++)
            {
                ConsumerGuest consumer = consumers[i];
                consumer.Gate.Wait();
                try
                {
                    Span<byte> destination = consumer.Allocate(payloadBytes, out int address);
                    if (address == 0)
                    {
                        throw new InvalidOperationException($"The consumer guest refused {payloadBytes} bytes.");
                    }

                    // Fetch the source after the consumer call; no producer code runs in between.
                    producer.Payload(payloadBytes).CopyTo(destination);
                    consumer.OnMessage(address, payloadBytes);
                }
                finally
                {
                    consumer.Gate.Release();
                }
            }
        }
        finally
        {
            producer.Gate.Release();
        }
    }

    /// <inheritdoc />
    ValueTask IPayloadContender.TransferAsync(int payloadBytes)
    {
        Transfer(payloadBytes);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SetConsumerAsync(ConsumerWork work)
    {
        _guests.SetConsumer(work);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> VerifyAsync(int payloadBytes, ulong checksum) =>
        ValueTask.FromResult(_guests.Verify(payloadBytes, checksum));

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _guests.Dispose();
        return ValueTask.CompletedTask;
    }
}
