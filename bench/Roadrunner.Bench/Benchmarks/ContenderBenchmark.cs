using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// The shared body of every benchmark: start one contender, prepare a payload, verify one untimed transfer byte for
/// byte (checksum in the consumer guest), time transfers, verify the last one again in the cleanup.
/// </summary>
/// <remarks>
/// BenchmarkDotNet times whole calls, so a zero-copy case's time includes its producer's fill of the freshly claimed
/// window (its transfer is claim, fill, commit); the cleanup prints the medians of the hop alone and of the fill, as the
/// contender timed them (<c>compare</c> reports the hop, and the fill apart).
/// </remarks>
public abstract class ContenderBenchmark
{
    private readonly double[] _hops = new double[4096]; // the last 4096 of the run, overwritten in turn
    private readonly double[] _fills = new double[4096];
    private IPayloadContender? _contender;
    private IZeroCopyContender? _zeroCopy;
    private long _timed;
    private ulong _checksum;

    /// <summary>The payload size of this case.</summary>
    protected abstract int Bytes { get; }

    /// <summary>How many consumers receive every payload.</summary>
    protected abstract int ReceiverCount { get; }

    /// <summary>The contender's key in <see cref="ContenderRegistry.ByKey"/>.</summary>
    protected abstract string Key { get; }

    /// <summary>Starts and prepares the contender, then checks one untimed transfer.</summary>
    protected void Setup()
    {
        IContenderFactory factory = ContenderRegistry.ByKey[Key];
        _contender = factory.StartAsync(ReceiverCount, CancellationToken.None).GetAwaiter().GetResult();
        _zeroCopy = _contender as IZeroCopyContender;
        int seed = PayloadSizes.SeedFor(Bytes);
        byte[] expected = GC.AllocateUninitializedArray<byte>(Bytes);
        Checksum.FillPattern(expected, seed);
        _checksum = Checksum.Compute(expected);
        _contender.PrepareAsync(Bytes, seed).AsTask().GetAwaiter().GetResult();
        _contender.TransferAsync(Bytes).AsTask().GetAwaiter().GetResult();
        Verify("setup");
    }

    /// <summary>The timed operation: one transfer.</summary>
    /// <returns>Completes when every consumer guest has the payload.</returns>
    protected ValueTask Run() => _zeroCopy is null ? _contender!.TransferAsync(Bytes) : RunZeroCopy();

    private async ValueTask RunZeroCopy()
    {
        await _zeroCopy!.TransferAsync(Bytes).ConfigureAwait(false);
        int slot = (int)(_timed++ % _hops.Length);
        _hops[slot] = _zeroCopy.LastHopMicros;
        _fills[slot] = _zeroCopy.LastFillMicros;
    }

    /// <summary>Verifies the last timed transfer and stops the contender.</summary>
    protected void Cleanup()
    {
        if (_contender is null)
        {
            return;
        }

        try
        {
            Verify("cleanup");
            Console.WriteLine($"// {Key} {PayloadSizes.Label(Bytes)} x{ReceiverCount}: verified; peak working set {Environment.WorkingSet / 1e6:0} MB now, {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB peak");
            if (_zeroCopy is not null && _timed > 0)
            {
                int count = (int)Math.Min(_timed, _hops.Length);
                string path = _zeroCopy.TakePathReportAsync().AsTask().GetAwaiter().GetResult();
                Console.WriteLine($"// {Key} {PayloadSizes.Label(Bytes)} x{ReceiverCount}: hop median {LatencySampler.Median(_hops[..count]):0.0} µs, fill median {LatencySampler.Median(_fills[..count]):0.0} µs over the last {count} calls (the times above include the fill); payloads {path}");
            }
        }
        finally
        {
            _contender.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _contender = null;
        }
    }

    private void Verify(string when)
    {
        if (!_contender!.VerifyAsync(Bytes, _checksum).AsTask().GetAwaiter().GetResult())
        {
            throw new InvalidOperationException($"{Key}: a consumer did not get the {Bytes} bytes sent ({when} verification).");
        }
    }
}
