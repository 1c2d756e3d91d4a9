using Roadrunner.Workloads;
using Spectre.Console;

namespace Roadrunner.Demo;

/// <summary>One payload size through the in-process hose and through HTTP+JSON, interleaved, every transfer verified.</summary>
internal static class InProcessVersusHttp
{
    public static async Task<DemoResult> RunAsync(InProcessChain chain, HttpJsonBaseline http, DemoStep step, ProgressTask task)
    {
        int size = step.PayloadBytes;
        int seed = size ^ 0x5eed;
        var expected = new byte[size];
        Checksum.FillPattern(expected, seed);
        ulong checksum = Checksum.Compute(expected);
        chain.Prepare(size, seed);
        http.Prepare(size, seed);
        int verified = 0;

        (double[] hose, double[] baseline) = await LatencySampler.InterleaveAsync(
            step.Iterations,
            rounds: 3,
            () =>
            {
                int status = chain.Transfer(size);
                return status == 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"send failed with status {status}");
            },
            async () =>
            {
                int got = await http.TransferAsync(size, CancellationToken.None);
                if (got != size)
                {
                    throw new InvalidOperationException($"HTTP consumer got {got} bytes, not {size}");
                }
            },
            contender =>
            {
                bool ok = contender == 0
                    ? chain.ConsumerLastLength() == size && chain.ConsumerChecksum() == checksum
                    : http.ConsumerChecksum() == checksum;
                if (!ok)
                {
                    throw new InvalidOperationException($"Checksum mismatch after a {(contender == 0 ? "hose" : "HTTP")} transfer of {size} bytes");
                }

                verified++;
                task.Increment(0.5); // one step per hose + HTTP pair
            });

        return new DemoResult("in-process", size, LatencySampler.Median(hose), LatencySampler.Median(baseline), verified);
    }
}
