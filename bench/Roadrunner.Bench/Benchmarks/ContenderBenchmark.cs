using Roadrunner.Bench.Contenders;
using Roadrunner.Workloads;

namespace Roadrunner.Bench.Benchmarks;

/// <summary>
/// The shared body of every benchmark: start one contender, prepare a payload, verify one untimed transfer byte for
/// byte (checksum in the consumer guest), time transfers, verify the last one again in the cleanup.
/// </summary>
public abstract class ContenderBenchmark
{
    private IPayloadContender? _contender;
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
    protected ValueTask Run() => _contender!.TransferAsync(Bytes);

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
