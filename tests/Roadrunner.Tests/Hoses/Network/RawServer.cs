using System.Net;
using System.Net.Sockets;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>
/// A hand-driven server on 127.0.0.1 for one connection (on its own thread): runs the handshake with the test key,
/// acknowledges the first Open, then either dies after reading <c>dieAfter</c> bytes (a reset) or stalls, reading
/// nothing until <see cref="Go"/> is set, and then reads every Data frame body until the connection ends, counting body
/// bytes and those that differ from the expected byte.
/// </summary>
internal sealed class RawServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Thread _thread;
    private readonly long _dieAfter;
    private readonly byte _expected;

    public RawServer(long dieAfter = -1, byte expected = 0)
    {
        _dieAfter = dieAfter;
        _expected = expected;
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true, Name = "raw-server" };
        _thread.Start();
    }

    public IPEndPoint Address => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Set once the Open was acknowledged.</summary>
    public ManualResetEventSlim Opened { get; } = new();

    /// <summary>A stalled server starts reading when this is set.</summary>
    public ManualResetEventSlim Go { get; } = new();

    /// <summary>Set when the server is done (died, or read to the end).</summary>
    public ManualResetEventSlim Done { get; } = new();

    /// <summary>Data frame body bytes read (a stalled server).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>Body bytes that were not the expected byte.</summary>
    public long Changed { get; private set; }

    public Exception? Error { get; private set; }

    private void Serve()
    {
        try
        {
            using Socket socket = _listener.AcceptSocket();
            using var network = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = 20_000, WriteTimeout = 20_000 };
            Stream stream = Handshake.AsServer(network, NetworkTestbed.Options());
            FrameHeader open = ReadHeader(stream);
            stream.ReadExactly(new byte[open.Length]);
            stream.Write(RawPeer.Header(FrameKind.Ack, 0, open.Hose, 0, 0, (uint)HoseStatus.Ok));
            Opened.Set();
            if (_dieAfter >= 0)
            {
                stream.ReadExactly(new byte[_dieAfter]);
                socket.LingerState = new LingerOption(true, 0); // close with a reset: the peer died
                return;
            }

            Go.Wait(TimeSpan.FromSeconds(20));
            ReadBodies(stream);
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
        {
            // the sender closed the connection: what was read is counted
        }
        catch (Exception e)
        {
            Error = e;
        }
        finally
        {
            Done.Set();
        }
    }

    private void ReadBodies(Stream stream)
    {
        var body = new byte[1 << 20];
        while (true)
        {
            FrameHeader header = ReadHeader(stream);
            if ((header.Flags & FrameFlags.TraceContext) != 0)
            {
                stream.ReadExactly(new byte[Roadrunner.Diagnostics.TraceContext.Size]);
            }

            for (long left = header.Length; left > 0;)
            {
                int read = stream.Read(body, 0, (int)Math.Min(left, body.Length));
                if (read == 0)
                {
                    return;
                }

                BodyBytes += read;
                Changed += body.AsSpan(0, read).Length - body.AsSpan(0, read).Count(_expected);
                left -= read;
            }
        }
    }

    private static FrameHeader ReadHeader(Stream stream)
    {
        var bytes = new byte[FrameHeader.Size];
        stream.ReadExactly(bytes);
        return FrameHeader.Read(bytes, 1 << 30);
    }

    public void Dispose()
    {
        Go.Set();
        _listener.Stop();
        Done.Wait(TimeSpan.FromSeconds(20));
        _listener.Dispose();
    }
}
