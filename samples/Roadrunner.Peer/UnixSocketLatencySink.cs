using System.Net.Sockets;

namespace Roadrunner.Peer;

/// <summary>
/// The baseline for the cross-process latency: a UNIX socket whose reader thread blocks in <c>recv</c> (the kernel
/// wakes it), reading fixed-size timestamped messages into a <see cref="LatencyRecorder"/>.
/// </summary>
internal sealed class UnixSocketLatencySink : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _path;

    /// <summary>Listens at <paramref name="path"/> and serves one connection of <paramref name="messageBytes"/>-byte messages.</summary>
    public UnixSocketLatencySink(string path, int messageBytes)
    {
        _path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        new Thread(() => Serve(messageBytes)) { IsBackground = true, Name = "uds-latency" }.Start();
    }

    /// <summary>The messages' latencies.</summary>
    public LatencyRecorder Latencies { get; } = new();

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_path);
    }

    private void Serve(int messageBytes)
    {
        try
        {
            using Socket connection = _listener.Accept();
            var message = new byte[messageBytes];
            while (true)
            {
                for (int read = 0; read < message.Length;)
                {
                    int got = connection.Receive(message.AsSpan(read));
                    if (got == 0)
                    {
                        return;
                    }

                    read += got;
                }

                Latencies.Record(message);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The sender went away or we are shutting down.
        }
    }
}
