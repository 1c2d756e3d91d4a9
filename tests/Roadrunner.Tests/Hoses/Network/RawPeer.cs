using System.Net.Sockets;
using System.Text;
using Roadrunner.Hoses.Network;

namespace Roadrunner.Tests.Hoses.Network;

/// <summary>A hand-driven client on a raw socket (authenticated with the test key): writes frames as a hostile or old peer would.</summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Socket _socket;

    public RawPeer(NetworkTestbed bed, bool authenticate = true)
    {
        _socket = bed.Connect(authenticate, out NetworkStream stream);
        Stream = stream;
    }

    public NetworkStream Stream { get; }

    /// <summary>Opens hose <paramref name="hose"/> to <paramref name="name"/> and returns the status of its Ack.</summary>
    public HoseStatus Open(uint hose, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        Stream.Write(Header(FrameKind.Open, 0, hose, (uint)bytes.Length, 0, 0));
        Stream.Write(bytes);
        return ReadAck(hose, 0);
    }

    /// <summary>Writes the header of a message's first frame (the body is written separately).</summary>
    public void BeginMessage(uint hose, ulong sequence, uint frameLength, uint messageLength, bool last) =>
        Stream.Write(Header(FrameKind.Data, FrameFlags.First | (last ? FrameFlags.Last : 0), hose, frameLength, sequence, messageLength));

    /// <summary>Writes a whole message as frames of at most <paramref name="frameBytes"/>.</summary>
    public void WriteMessage(uint hose, ulong sequence, byte[] payload, int frameBytes)
    {
        for (int offset = 0; offset == 0 || offset < payload.Length;)
        {
            int length = Math.Min(frameBytes, payload.Length - offset);
            FrameFlags flags = (offset == 0 ? FrameFlags.First : 0) | (offset + length == payload.Length ? FrameFlags.Last : 0);
            Stream.Write(Header(FrameKind.Data, flags, hose, (uint)length, sequence, offset == 0 ? (uint)payload.Length : 0));
            Stream.Write(payload, offset, length);
            offset += length;
            if (length == 0)
            {
                break;
            }
        }
    }

    /// <summary>Reads the next frame, which must be the Ack of (<paramref name="hose"/>, <paramref name="sequence"/>), and returns its status.</summary>
    public HoseStatus ReadAck(uint hose, ulong sequence)
    {
        var bytes = new byte[FrameHeader.Size];
        Stream.ReadExactly(bytes);
        FrameHeader ack = FrameHeader.Read(bytes, 0);
        Assert.That((ack.Kind, ack.Hose, ack.Sequence), Is.EqualTo((FrameKind.Ack, hose, sequence)));
        return (HoseStatus)unchecked((int)ack.Extra);
    }

    public static byte[] Header(FrameKind kind, FrameFlags flags, uint hose, uint length, ulong sequence, uint extra) =>
        new FrameHeader(kind, flags, hose, length, sequence, 0, extra).ToArray();

    public void Dispose()
    {
        Stream.Dispose();
        _socket.Dispose();
    }
}
