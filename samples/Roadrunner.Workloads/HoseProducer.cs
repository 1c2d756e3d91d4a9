using Roadrunner.Hosting;

namespace Roadrunner.Workloads;

/// <summary>
/// producer.wasm loaded in a <see cref="FunctionHost"/>: fills its buffer with a seeded pattern (untimed) and sends it
/// to "consumer" through the hose with one <c>send</c> import call. A send allocates nothing (the call is cached).
/// </summary>
public sealed class HoseProducer
{
    private readonly WasmFunction _function;
    private readonly Func<int, int, int> _fill;
    private readonly Func<int> _send;
    private int _nextPayloadBytes;
    private int _seed;

    /// <summary>Wraps a loaded producer.wasm.</summary>
    /// <param name="function">The producer function.</param>
    public HoseProducer(WasmFunction function)
    {
        _function = function;
        _fill = function.Instance.GetFunction<int, int, int>("fill") ?? throw new InvalidOperationException("producer.wasm lacks fill");
        Func<int, int> produce = function.Instance.GetFunction<int, int>("produce") ?? throw new InvalidOperationException("producer.wasm lacks produce");
        _send = () => produce(_nextPayloadBytes);
    }

    /// <summary>The producer function.</summary>
    public WasmFunction Function => _function;

    /// <summary>Fills the producer's buffer with the seed's pattern (see <see cref="Checksum.FillPattern"/>).</summary>
    /// <param name="payloadBytes">Payload size.</param>
    /// <param name="seed">Pattern seed.</param>
    /// <returns>How long a second fill of the same buffer took: the steady state, with the buffer's pages already in use.</returns>
    public double Prepare(int payloadBytes, int seed)
    {
        if (_function.Run(_ => _fill(payloadBytes, seed)) == 0)
        {
            throw new InvalidOperationException($"The producer could not allocate {payloadBytes} bytes.");
        }

        _seed = seed;
        return Refill(payloadBytes);
    }

    /// <summary>
    /// Writes the prepared pattern again, as a producer making a fresh payload for every send does (untimed by the
    /// caller's hop): the bytes are the same, but the producer's core now holds them freshly written.
    /// </summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>How long the fill took.</returns>
    public double Refill(int payloadBytes)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _function.Run(_ => _fill(payloadBytes, _seed));
        return Timing.MicrosSince(start);
    }

    /// <summary>The producer guest sends the first <paramref name="payloadBytes"/> bytes of its buffer to "consumer".</summary>
    /// <param name="payloadBytes">Payload size (at most what <see cref="Prepare"/> filled).</param>
    /// <returns>The <c>send</c> status (0 = accepted; for remote targets, acknowledged).</returns>
    public int Send(int payloadBytes)
    {
        _nextPayloadBytes = payloadBytes;
        return _function.Guest.Invoke(_send);
    }
}
