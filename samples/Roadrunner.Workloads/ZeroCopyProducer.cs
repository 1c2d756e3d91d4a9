using System.Diagnostics;
using Roadrunner.Hosting;

namespace Roadrunner.Workloads;

/// <summary>
/// zc-producer.wat loaded in a <see cref="FunctionHost"/>: one transfer is three calls into the guest, timed apart —
/// <c>claim</c> (the window gets memory that can change hands), <c>fill</c> (the guest writes the payload straight into
/// the window) and <c>commit</c> (the window's pages go to "consumer"). The hop is claim + commit; the fill is reported
/// on its own, so a cost moved into it (faults on fresh pages) stays visible.
/// </summary>
public sealed class ZeroCopyProducer
{
    private readonly WasmFunction _function;
    private readonly Func<int> _claim;
    private readonly Func<int> _fill;
    private readonly Func<int> _commit;
    private int _length;
    private int _seed;

    /// <summary>Wraps a loaded zc-producer.wat.</summary>
    /// <param name="function">The producer function.</param>
    public ZeroCopyProducer(WasmFunction function)
    {
        _function = function;
        Func<int, int> claim = Export<Func<int, int>>(function.Instance.GetFunction<int, int>("claim"), "claim");
        Func<int, int, int> fill = Export<Func<int, int, int>>(function.Instance.GetFunction<int, int, int>("fill"), "fill");
        Func<int, int> commit = Export<Func<int, int>>(function.Instance.GetFunction<int, int>("commit"), "commit");
        // Cached delegates reading fields: a transfer allocates nothing.
        _claim = () => claim(_length);
        _fill = () => fill(_length, _seed);
        _commit = () => commit(_length);
    }

    /// <summary>The producer function.</summary>
    public WasmFunction Function => _function;

    /// <summary>The guest ABI version the host told the guest (2 with zero-copy windows).</summary>
    public int AbiVersion => _function.Run(i => i.GetFunction<int>("abi")!());

    /// <summary>Untimed: makes the window for <paramref name="payloadBytes"/> bytes (memory grows once) and keeps the seed.</summary>
    /// <param name="payloadBytes">Payload size.</param>
    /// <param name="seed">Pattern seed (see <see cref="Checksum.FillPattern"/>).</param>
    public void Prepare(int payloadBytes, int seed)
    {
        if (_function.Run(i => i.GetFunction<int, int>("window")!(payloadBytes)) == 0)
        {
            throw new InvalidOperationException($"The producer could not grow a window of {payloadBytes} bytes.");
        }

        _length = payloadBytes;
        _seed = seed;
    }

    /// <summary>Claims the window for the prepared length; returns how long it took (µs).</summary>
    /// <returns>Elapsed time.</returns>
    /// <exception cref="InvalidOperationException">claim returned a failure status.</exception>
    public double Claim() => Timed(_claim, "claim");

    /// <summary>The guest writes the payload into its claimed window; returns how long it took (µs).</summary>
    /// <returns>Elapsed time.</returns>
    public double Fill()
    {
        long start = Stopwatch.GetTimestamp();
        if (_function.Guest.Invoke(_fill) == 0)
        {
            throw new InvalidOperationException($"The producer could not fill {_length} bytes.");
        }

        return Timing.MicrosSince(start);
    }

    /// <summary>Commits the window to "consumer"; returns how long it took (in-process: until every receiver returned).</summary>
    /// <returns>Elapsed time.</returns>
    /// <exception cref="InvalidOperationException">commit returned a failure status.</exception>
    public double Commit() => Timed(_commit, "commit");

    /// <summary>Sets the length of the next transfers (at most what <see cref="Prepare"/> made room for).</summary>
    /// <param name="payloadBytes">Payload size.</param>
    public void Use(int payloadBytes) => _length = payloadBytes;

    private double Timed(Func<int> call, string name)
    {
        long start = Stopwatch.GetTimestamp();
        int status = _function.Guest.Invoke(call);
        double elapsed = Timing.MicrosSince(start);
        return status == 0 ? elapsed : throw new InvalidOperationException($"{name} of {_length} bytes failed with status {status}.");
    }

    private static T Export<T>(T? function, string name)
        where T : class =>
        function ?? throw new InvalidOperationException($"zc-producer lacks the export '{name}'.");
}
