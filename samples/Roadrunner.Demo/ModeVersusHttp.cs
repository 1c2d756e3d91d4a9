using Roadrunner.Workloads;

namespace Roadrunner.Demo;

/// <summary>
/// One payload size through one hose mode and through HTTP+JSON, in alternating batches. Every HTTP transfer and every
/// in-process hose transfer is verified; a hose whose consumer is in another process is verified after the last
/// transfer of each batch, because verifying takes round trips to the child (and, for zero-copy, one more transfer)
/// that left its threads cold for the next timed hop: a 1 KB cross-process zero-copy hop read 31 µs verified after
/// every transfer, 18 µs verified once per batch.
/// </summary>
internal static class ModeVersusHttp
{
    public static async Task<DemoResult> RunAsync(IPayloadContender mode, HttpJsonBaseline http, DemoStep step, Action<double> advance)
    {
        int size = step.PayloadBytes;
        int seed = size ^ 0x5eed;
        var expected = new byte[size];
        Checksum.FillPattern(expected, seed);
        ulong checksum = Checksum.Compute(expected);
        await mode.PrepareAsync(size, seed);
        if (mode is IZeroCopyContender before)
        {
            _ = await before.TakePathReportAsync(); // count this step's payloads only
        }

        http.Prepare(size, seed);
        int hoseVerified = 0;
        int httpVerified = 0;
        bool hoseRan = false;
        bool verifyEveryHop = mode.Name.StartsWith("in-process", StringComparison.Ordinal);

        (double[] hose, double[] baseline) = await LatencySampler.InterleaveAsync(
            step.Iterations,
            rounds: 3,
            async () =>
            {
                await mode.TransferAsync(size);
                hoseRan = true;
            },
            async () =>
            {
                int got = await http.TransferAsync(size, CancellationToken.None);
                if (got != size)
                {
                    throw new InvalidOperationException($"HTTP consumer got {got} bytes, not {size}");
                }

                hoseRan = false;
            },
            (_, lastOfBatch) =>
            {
                advance(0.5); // one step per hose + HTTP pair
                if (hoseRan && !verifyEveryHop && !lastOfBatch)
                {
                    return;
                }

                bool ok = hoseRan
                    ? mode.VerifyAsync(size, checksum).AsTask().GetAwaiter().GetResult()
                    : http.ConsumerChecksum() == checksum;
                if (!ok)
                {
                    throw new InvalidOperationException($"Checksum mismatch after a {(hoseRan ? mode.Name : "HTTP")} transfer of {size} bytes");
                }

                if (hoseRan)
                {
                    hoseVerified++;
                }
                else
                {
                    httpVerified++;
                }
            },
            mode is IZeroCopyContender zeroCopy ? () => zeroCopy.LastHopMicros : null);

        string? path = mode is IZeroCopyContender counted ? await counted.TakePathReportAsync() : null;
        return new DemoResult(mode.Name, size, LatencySampler.Median(hose), LatencySampler.Median(baseline), hoseVerified, httpVerified, path);
    }
}
