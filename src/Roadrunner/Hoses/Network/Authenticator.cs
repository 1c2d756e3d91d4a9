using System.Security.Cryptography;
using System.Text;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The handshake that opens every connection, before any payload frame is accepted. With a pre-shared key K:
/// client → Hello(Nc); server → Challenge(Ns, HMAC(K, "rrnet1 server" ‖ Nc ‖ Ns)); client checks it and →
/// Proof(HMAC(K, "rrnet1 client" ‖ Ns ‖ Nc)); server checks it and → Welcome. Nonces are 32 random bytes; proofs are
/// compared in constant time. Without a key (TLS-only, explicit opt-out) it is Hello → Welcome. Any deviation, or a
/// handshake that takes longer than the timeout, ends the connection.
/// </summary>
internal static class Authenticator
{
    public const int NonceBytes = 32;
    public const int ProofBytes = 32;
    private const int MaxHandshakeBody = NonceBytes + ProofBytes;

    private static readonly byte[] ServerLabel = Encoding.ASCII.GetBytes("rrnet1 server");
    private static readonly byte[] ClientLabel = Encoding.ASCII.GetBytes("rrnet1 client");

    /// <summary>Authenticates the server and proves the client; throws <see cref="AuthenticationFailedException"/> when refused.</summary>
    public static void Client(Stream stream, byte[]? key)
    {
        byte[] clientNonce = RandomNumberGenerator.GetBytes(NonceBytes);
        Write(stream, FrameKind.Hello, clientNonce);
        (FrameHeader header, byte[] body) = Read(stream);
        if (key is null)
        {
            Expect(header, FrameKind.Welcome, 0);
            return;
        }

        Expect(header, FrameKind.Challenge, NonceBytes + ProofBytes);
        byte[] serverNonce = body[..NonceBytes];
        if (!CryptographicOperations.FixedTimeEquals(body.AsSpan(NonceBytes), Mac(key, ServerLabel, clientNonce, serverNonce)))
        {
            throw new AuthenticationFailedException("the server does not know the pre-shared key");
        }

        Write(stream, FrameKind.Proof, Mac(key, ClientLabel, serverNonce, clientNonce));
        (header, _) = Read(stream);
        Expect(header, FrameKind.Welcome, 0);
    }

    /// <summary>Authenticates the client; throws when it fails (the caller drops the connection without a word).</summary>
    public static void Server(Stream stream, byte[]? key)
    {
        (FrameHeader header, byte[] clientNonce) = Read(stream);
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

        Write(stream, FrameKind.Welcome, []);
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

    private static (FrameHeader Header, byte[] Body) Read(Stream stream)
    {
        var head = new byte[FrameHeader.Size];
        stream.ReadExactly(head);
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
