using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Roadrunner.Hosting;
using Roadrunner.Hoses.SharedMemory;

namespace Roadrunner.Workloads;

/// <summary>
/// One-way latency of small messages from a .NET sender here to a child process, measured on the node's monotonic
/// clock (each message carries its send timestamp): through a shared-memory hose to a .NET handler (read in place on
/// the receive thread), and, as the baseline, through a UNIX socket to a thread blocked in <c>recv</c>. The two go in
/// alternating batches. Messages are paced (busy-waiting, so the pace is exact) so each one finds the receiver idle and
/// waiting: with a spin longer than the gap the hose's receive thread is still spinning; with no spin it sleeps on the
/// futex and the figure includes the kernel wake-up.
/// </summary>
public static class CrossProcessLatency
{
    private const int Batch = 50;

    /// <summary>One-way latency in microseconds.</summary>
    /// <param name="Median">Median, µs.</param>
    /// <param name="P99">99th percentile, µs.</param>
    /// <param name="Min">Fastest message, µs (what the path costs when no other process takes the core).</param>
    /// <param name="P10">10th percentile, µs.</param>
    public readonly record struct Figures(double Median, double P99, double Min, double P10);

    /// <summary>The hose's figures and the UNIX socket's, measured side by side.</summary>
    /// <param name="Hose">Through the shared-memory hose.</param>
    /// <param name="UnixSocket">Through a UNIX socket between the same two processes.</param>
    public readonly record struct Comparison(Figures Hose, Figures UnixSocket);

    /// <summary>Measures <paramref name="count"/> messages of <paramref name="payloadBytes"/> bytes each way.</summary>
    /// <param name="receiverSpin">How long the child's hose receive thread spins before it sleeps on the futex.</param>
    /// <param name="gap">Time from one message to the next.</param>
    /// <param name="payloadBytes">Message size (at least 8).</param>
    /// <param name="count">Messages per transport.</param>
    /// <returns>The figures.</returns>
    public static async Task<Comparison> MeasureAsync(TimeSpan receiverSpin, TimeSpan gap, int payloadBytes = 64, int count = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, 8);
        string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "rr-latency-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = new FunctionHost(new FunctionHostOptions { Regions = { Directory = folder } });
            await using SharedMemoryEndpoint endpoint = host.StartSharedMemoryEndpoint(new SharedMemoryOptions { Directory = folder });
            string socketPath = Path.Combine(folder, "latency.sock");
            await using PeerProcess peer = await PeerProcess.StartAsync(
                "shm",
                ["--dir", folder, "--latency", "latency", "--spin-us", receiverSpin.TotalMicroseconds.ToString(CultureInfo.InvariantCulture),
                 "--uds-latency", string.Create(CultureInfo.InvariantCulture, $"{socketPath}:{payloadBytes}")]).ConfigureAwait(false);
            if (!endpoint.TryResolve("latency", out IHoseSender? hose))
            {
                throw new InvalidOperationException("The child did not announce 'latency'.");
            }

            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath)); // blocking, as the pump's (see NetworkChain)
            var payload = new byte[payloadBytes];
            long gapTicks = (long)(gap.TotalSeconds * Stopwatch.Frequency);
            for (int sent = 0; sent < count; sent += Batch)
            {
                int batch = Math.Min(Batch, count - sent);
                SendPaced(batch, gapTicks, payload, p => hose.Send(p, TimeSpan.FromSeconds(10)) == HoseStatus.Ok);
                Thread.Sleep(receiverSpin + TimeSpan.FromMilliseconds(1)); // the hose's receiver stops spinning: the socket's gets the core
                SendPaced(batch, gapTicks, payload, p => socket.Send(p) == p.Length);
            }

            return new Comparison(
                Parse(await peer.RequestAsync(string.Create(CultureInfo.InvariantCulture, $"latency {count}")).ConfigureAwait(false)),
                Parse(await peer.RequestAsync(string.Create(CultureInfo.InvariantCulture, $"uds_latency {count}")).ConfigureAwait(false)));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static void SendPaced(int count, long gapTicks, byte[] payload, Func<byte[], bool> send)
    {
        long next = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            while (Stopwatch.GetTimestamp() < next)
            {
                Thread.SpinWait(16);
            }

            long now = Stopwatch.GetTimestamp();
            BitConverter.TryWriteBytes(payload, now);
            if (!send(payload))
            {
                throw new InvalidOperationException("A latency message could not be sent.");
            }

            next = now + gapTicks;
        }
    }

    private static Figures Parse(string answer)
    {
        string[] parts = answer.Split(' ');
        if (parts.Length != 4)
        {
            throw new InvalidOperationException($"The child answered '{answer}'.");
        }

        double Part(int i) => double.Parse(parts[i], CultureInfo.InvariantCulture);
        return new Figures(Part(0), Part(1), Part(2), Part(3));
    }
}
