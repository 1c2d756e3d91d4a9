using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The handshake that opens every connection, before any payload frame is accepted. With a pre-shared key K:
/// client → Hello(Nc); server → Challenge(Ns, HMAC(K, "rrnet1 server" ‖ Nc ‖ Ns)); client checks it and →
/// Proof(HMAC(K, "rrnet1 client" ‖ Ns ‖ Nc)); server checks it and → Welcome(its <see cref="PeerLimits"/>). Nonces are
/// 32 random bytes; proofs are compared in constant time. Without a key (TLS-only, explicit opt-out) it is Hello →
/// Welcome. Any deviation, or a handshake that takes longer than the timeout, ends the connection. A Hello of another
/// protocol version is answered with a Goodbye whose body says which version this end speaks, then the connection ends.
/// </summary>
internal static class Authenticator
{
    public const int NonceBytes = 32;
    public const int ProofBytes = 32;
    private const int MaxHandshakeBody = NonceBytes + ProofBytes;
    private const int MaxReasonBytes = 256;

    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("rrnet1 server");
    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("rrnet1 client");

    /// <summary>Authenticates the server and proves the client; throws <see cref="AuthenticationFailedException"/> when refused.</summary>
    /// <returns>The server's limits, from its Welcome.</returns>
    public static PeerLimits Client(Stream stream, byte[]? key)
    {
        byte[] clientNonce = RandomNumberGenerator.GetBytes(NonceBytes);
        Write(stream, FrameKind.Hello, clientNonce);
        FrameHeader header;
        byte[] body;
        try
        {
            (header, body) = Read(stream);
        }
        catch (EndOfStreamException)
        {
            // A server of protocol version 1 closes at once on a Hello of another version, without a word.
            throw new AuthenticationFailedException(
                $"the peer closed the connection before answering Hello: it may speak an older network protocol than version {FrameHeader.CurrentVersion}, or be at its connection limit");
        }

        if (key is null)
        {
            Expect(header, FrameKind.Welcome, PeerLimits.Size);
            return PeerLimits.Read(body);
        }

        Expect(header, FrameKind.Challenge, NonceBytes + ProofBytes);
        byte[] serverNonce = body[..NonceBytes];
        if (!CryptographicOperations.FixedTimeEquals(body.AsSpan(NonceBytes), Mac(key, ServerLabel, clientNonce, serverNonce)))
        {
            throw new AuthenticationFailedException("the server does not know the pre-shared key");
        }

        Write(stream, FrameKind.Proof, Mac(key, ClientLabel, serverNonce, clientNonce));
        (header, body) = Read(stream);
        Expect(header, FrameKind.Welcome, PeerLimits.Size);
        return PeerLimits.Read(body);
    }

    /// <summary>
    /// Authenticates the client and tells it <paramref name="limits"/>; throws when it fails (the caller drops the
    /// connection without a word, except to a Hello of another version, which learns the version spoken here).
    /// </summary>
    public static void Server(Stream stream, byte[]? key, PeerLimits limits)
    {
        (FrameHeader header, byte[] clientNonce) = Read(stream, answerOtherVersions: true);
        Expect(header, FrameKind.Hello, NonceBytes);
        if (key is not null)
        {
            byte[] serverNonce = RandomNumberGenerator.GetBytes(NonceBytes);
            Write(stream, FrameKind.Challenge, [.. serverNonce, .. Mac(key, ServerLabel, clientNonce, serverNonce)]);
            (header, byte[] proof) = Read(stream);
            Expect(header, FrameKind.Proof, ProofBytes);
            if (!CryptographicOperations.FixedTimeEquals(proof, Mac(key, ClientLabel, serverNonce, clientNonce)))
            {
                throw new AuthenticationFailedException("the client does not know the pre-shared key");
            }
        }

        Write(stream, FrameKind.Welcome, limits.ToArray());
    }

    private static byte[] Mac(byte[] key, byte[] label, byte[] first, byte[] second) => HMACSHA256.HashData(key, (byte[])[.. label, .. first, .. second]);

    private static void Expect(FrameHeader header, FrameKind kind, int length)
    {
        if (header.Kind != kind || header.Length != length)
        {
            throw new AuthenticationFailedException($"expected {kind} of {length} bytes, got {header.Kind} of {header.Length}");
        }
    }

    private static void Write(Stream stream, FrameKind kind, byte[] body)
    {
        var frame = new byte[FrameHeader.Size + body.Length];
        new FrameHeader(kind, FrameFlags.None, 0, (uint)body.Length, 0, 0, 0).Write(frame);
        body.CopyTo(frame, FrameHeader.Size);
        stream.Write(frame);
        stream.Flush();
    }

    private static (FrameHeader Header, byte[] Body) Read(Stream stream, bool answerOtherVersions = false)
    {
        var head = new byte[FrameHeader.Size];
        stream.ReadExactly(head);
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) == FrameHeader.Magic && head[4] != FrameHeader.CurrentVersion)
        {
            string reason = $"this endpoint speaks network protocol version {FrameHeader.CurrentVersion}, the peer version {head[4]}: run the same Roadrunner version on both nodes";
            if (answerOtherVersions && head[5] == (byte)FrameKind.Hello)
            {
                Write(stream, FrameKind.Goodbye, Encoding.UTF8.GetBytes(reason));
            }
            else if (head[5] == (byte)FrameKind.Goodbye)
            {
                // A newer peer says why it refuses us; show its words.
                uint length = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(12));
                if (length <= MaxReasonBytes)
                {
                    var text = new byte[length];
                    stream.ReadExactly(text);
                    reason = $"the peer refused the handshake: {Encoding.UTF8.GetString(text)}";
                }
            }

            throw new AuthenticationFailedException(reason);
        }

        FrameHeader header;
        try
        {
            header = FrameHeader.Read(head, MaxHandshakeBody);
        }
        catch (ProtocolException e)
        {
            throw new AuthenticationFailedException(e.Message);
        }

        var body = new byte[header.Length];
        stream.ReadExactly(body);
        return (header, body);
    }
}

/// <summary>The peer failed the handshake (wrong key, wrong protocol).</summary>
internal sealed class AuthenticationFailedException(string message) : Exception(message)
{
}
