using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Roadrunner.Peer;

/// <summary>
/// The plain socket pump the network hose is measured against: on 127.0.0.1, each message is an 8-byte little-endian
/// length and that many bytes, read into one reused array; the answer is one byte. No framing, no acks, no guest.
/// </summary>
internal sealed class PumpServer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private byte[] _buffer = [];
    private int _lastLength = -1;

    public PumpServer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        // Blocking accepts on a thread of their own keep the accepted sockets in blocking mode (an asynchronous accept
        // would make them non-blocking, and every receive would then be emulated through .NET's epoll thread).
        new Thread(AcceptLoop) { IsBackground = true, Name = "pump-accept" }.Start();
    }

    public int Port { get; }

    /// <summary>Checksum of the last message (same function as the consumer guest's), and its length.</summary>
    public string Describe()
    {
        lock (_listener)
        {
            return _lastLength < 0 ? "0 -1" : $"{Fnv(_buffer.AsSpan(0, _lastLength))} {_lastLength}";
        }
    }

    public void Dispose() => _listener.Dispose();

    private static ulong Fnv(ReadOnlySpan<byte> data)
    {
        ulong h = 0xcbf29ce484222325UL;
        int i = 0;
        for (; i <= data.Length - 8; i += 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[i..])) * 0x100000001b3UL;
        }

        for (; i < data.Length; i++)
        {
            h = (h ^ data[i]) * 0x100000001b3UL;
        }

        return h ^ (ulong)data.Length;
    }

    private void AcceptLoop()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Factory.StartNew(() => Serve(socket), TaskCreationOptions.LongRunning);
        }
    }

    private void Serve(Socket socket)
    {
        using (socket)
        {
            socket.NoDelay = true;
            Span<byte> head = stackalloc byte[8];
            byte[] one = [1];
            try
            {
                while (true)
                {
                    if (!ReadExactly(socket, head))
                    {
                        return;
                    }

                    long length = BinaryPrimitives.ReadInt64LittleEndian(head);
                    if (length is < 0 or > int.MaxValue)
                    {
                        return;
                    }

                    lock (_listener)
                    {
                        if (_buffer.Length < length)
                        {
                            _buffer = GC.AllocateUninitializedArray<byte>((int)length);
                        }

                        if (!ReadExactly(socket, _buffer.AsSpan(0, (int)length)))
                        {
                            return;
                        }

                        _lastLength = (int)length;
                    }

                    socket.Send(one);
                }
            }
            catch (SocketException)
            {
            }
        }
    }

    private static bool ReadExactly(Socket socket, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n = socket.Receive(destination);
            if (n == 0)
            {
                return false;
            }

            destination = destination[n..];
        }

        return true;
    }
}
