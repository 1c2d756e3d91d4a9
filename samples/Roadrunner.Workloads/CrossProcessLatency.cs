using System.Diagnostics;
using System.Globalization;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Workloads;

/// <summary>
/// One-way latency of small messages from a .NET sender here to a .NET handler (read in place on the receive thread) in a child process, measured on the
/// node's monotonic clock (the payload carries the send timestamp). Messages are paced so each one finds the receiver
/// idle: with a long spin the receive thread is still spinning (the receiver is waiting); with no spin it sleeps on the
/// futex and the figure includes the kernel wake-up.
/// </summary>
public static class CrossProcessLatency
{
    /// <summary>One-way latency in microseconds.</summary>
    /// <param name="Median">Median, µs.</param>
    /// <param name="P99">99th percentile, µs.</param>
    /// <param name="Min">Fastest message, µs (what the path costs when no other process takes the core).</param>
    /// <param name="P10">10th percentile, µs.</param>
    public readonly record struct Figures(double Median, double P99, double Min, double P10);

    /// <summary>Measures <paramref name="count"/> messages of <paramref name="payloadBytes"/> bytes.</summary>
    /// <param name="receiverSpin">How long the child's receive thread spins before it sleeps on the futex.</param>
    /// <param name="payloadBytes">Message size (at least 8).</param>
    /// <param name="count">Messages.</param>
    /// <param name="gap">Pause between messages.</param>
    /// <returns>The figures.</returns>
    public static async Task<Figures> MeasureAsync(TimeSpan receiverSpin, int payloadBytes = 64, int count = 1000, TimeSpan? gap = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, 8);
        string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "rr-latency-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = new FunctionHost(new FunctionHostOptions { Regions = { Directory = folder } });
            await using SharedMemoryEndpoint endpoint = SharedMemoryEndpoint.Start(host, new SharedMemoryOptions { Directory = folder });
            await using PeerProcess peer = await PeerProcess.StartAsync(
                "shm",
                ["--dir", folder, "--latency", "latency", "--spin-us", receiverSpin.TotalMicroseconds.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
            if (!endpoint.TryResolve("latency", out IHoseSender? sender))
            {
                throw new InvalidOperationException("The child did not announce 'latency'.");
            }

            var payload = new byte[payloadBytes];
            TimeSpan pause = gap ?? TimeSpan.FromMilliseconds(1);
            for (int i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(payload, Stopwatch.GetTimestamp());
                HoseStatus status = sender.Send(payload, TimeSpan.FromSeconds(10));
                if (status != HoseStatus.Ok)
                {
                    throw new InvalidOperationException($"send failed: {status}");
                }

                Thread.Sleep(pause); // pacing, so every message finds an idle receiver
            }

            string[] parts = (await peer.RequestAsync(string.Create(CultureInfo.InvariantCulture, $"latency {count}")).ConfigureAwait(false)).Split(' ');
            double Part(int i) => double.Parse(parts[i], CultureInfo.InvariantCulture);
            return new Figures(Part(0), Part(1), Part(2), Part(3));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
