using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The sending side of one persistent, authenticated connection to a peer. Many hoses share it (each has an id and its
/// own sequence); whole messages are written one at a time under a write lock, from the caller's memory straight to
/// the socket (or with <c>sendfile</c> from a region file), and an <see cref="AckReader"/> matches the peer's Acks to
/// the waiting senders. When the connection breaks every waiting sender gets <see cref="HoseStatus.PeerFailed"/>.
/// </summary>
internal sealed class NetworkConnection : IAsyncDisposable
{
    private const int CoalesceBytes = 16 * 1024;

    /// <summary>A Data frame's header with the trace-context extension.</summary>
    private const int MaxHead = FrameHeader.Size + TraceContext.Size;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly bool _plainTcp;
    private readonly bool _gather;
    private readonly NetworkOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly AckReader _acks;
    private readonly Dictionary<string, ClientHose> _hoses = new(StringComparer.Ordinal);
    private uint _nextHoseId;
    private int _failure; // 0 while alive, else the status every waiter gets
    private long _lastActivity = Environment.TickCount64;
    private int _sendTimeoutMilliseconds; // the socket's send timeout now (see BoundSendTimeout)

    private NetworkConnection(Socket socket, Stream stream, NetworkOptions options, PeerLimits limits)
    {
        Limits = limits;
        _socket = socket;
        _stream = stream;
        _plainTcp = stream is NetworkStream && SendFile.IsSupported;
        _gather = stream is NetworkStream && GatherWrite.IsSupported;
        _options = options;
        _sendTimeoutMilliseconds = socket.SendTimeout;
        _acks = new AckReader(this, socket, stream);
        Window = new CreditWindow(options.ConnectionWindowBytes);
    }

    public CreditWindow Window { get; }

    /// <summary>What this connection sends within: the smaller of both ends' limits, exchanged in the handshake.</summary>
    public PeerLimits Limits { get; }

    public bool IsAlive => Volatile.Read(ref _failure) == 0;

    /// <summary>When a frame last went out or came in (<see cref="Environment.TickCount64"/>).</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    public HoseStatus Failure => (HoseStatus)Volatile.Read(ref _failure);

    /// <summary>True when region payloads can go out with <c>sendfile</c> (plain TCP, no TLS).</summary>
    public bool CanSendFile => _plainTcp;

    /// <summary>The congestion-control algorithm the kernel accepted, or null when it kept the system's default.</summary>
    public string? CongestionControl { get; private init; }

    /// <summary>
    /// Connects, runs TLS if configured, and authenticates, all with blocking calls (the socket stays in blocking mode,
    /// see <see cref="BlockingReadStream"/>); a timer closes the socket if it takes longer than <paramref name="timeout"/>,
    /// and so does <paramref name="cancellationToken"/>.
    /// </summary>
    /// <exception cref="AuthenticationFailedException">The TCP connection was made but the peer refused or failed the handshake.</exception>
    /// <exception cref="SocketException">The peer could not be reached.</exception>
    public static NetworkConnection Connect(EndPoint endPoint, NetworkOptions options, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        string? congestionControl = TcpCongestion.TrySetFirst(socket, options.CongestionControlToTry);

        Stream? stream = null;
        PeerLimits limits;
        bool connected = false;
        try
        {
            using (new Timer(static state => ((Socket)state!).Dispose(), socket, timeout, Timeout.InfiniteTimeSpan))
            using (cancellationToken.UnsafeRegister(static state => ((Socket)state!).Dispose(), socket))
            {
                try
                {
                    socket.Connect(endPoint);
                }
                catch (ObjectDisposedException e)
                {
                    throw new SocketException((int)SocketError.TimedOut, $"connect timed out: {e.Message}");
                }

                connected = true;
                var network = new NetworkStream(socket, ownsSocket: true)
                {
                    ReadTimeout = (int)options.FrameTimeout.TotalMilliseconds,
                    WriteTimeout = (int)options.FrameTimeout.TotalMilliseconds,
                };
                stream = network;
                if (options.ClientTls is { } tls)
                {
                    var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                    stream = ssl;
                    ssl.AuthenticateAsClient(tls);
                }

                limits = PeerLimits.ForSending(options, Authenticator.Client(stream, options.PreSharedKey));
            }

            var connection = new NetworkConnection(socket, stream, options, limits) { CongestionControl = congestionControl };
            connection._acks.Start();
            return connection;
        }
        catch (Exception e) when (connected && e is IOException or EndOfStreamException or ObjectDisposedException or SocketException
                                      or System.Security.Authentication.AuthenticationException)
        {
            stream?.Dispose();
            socket.Dispose();
            throw new AuthenticationFailedException($"the peer refused the handshake: {e.Message}");
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds a hose id to <paramref name="name"/> on this connection (once; later calls reuse it).</summary>
    public HoseStatus Open(string name, Deadline deadline, CancellationToken cancellationToken, out ClientHose hose)
    {
        bool mine = false;
        lock (_hoses)
        {
            if (!_hoses.TryGetValue(name, out hose!))
            {
                hose = new ClientHose(++_nextHoseId, name);
                _hoses.Add(name, hose);
                mine = true;
            }
        }

        if (mine)
        {
            _acks.Register(hose.Id, 0, hose.Opened);
            HoseStatus written = WriteLocked(hose, deadline, cancellationToken, static (self, hose, _) =>
            {
                byte[] name = Encoding.UTF8.GetBytes(hose.Name);
                var frame = new byte[FrameHeader.Size + name.Length];
                new FrameHeader(FrameKind.Open, FrameFlags.None, hose.Id, (uint)name.Length, 0, 0, 0).Write(frame);
                name.CopyTo(frame, FrameHeader.Size);
                self._stream.Write(frame);
            });
            if (written != HoseStatus.Ok)
            {
                _acks.Forget(hose.Id, 0);
                hose.Opened.Complete(written);
            }
        }

        HoseStatus status = _acks.Await(hose.Opened, deadline, cancellationToken);
        if (status != HoseStatus.Ok)
        {
            lock (_hoses)
            {
                if (_hoses.TryGetValue(name, out ClientHose? current) && current == hose)
                {
                    _hoses.Remove(name); // the next send tries again (the name may be served later)
                }
            }
        }

        return status;
    }

    /// <summary>Sends one message from the caller's memory and waits for its Ack.</summary>
    public HoseStatus Send(ClientHose hose, ReadOnlySpan<byte> payload, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(hose, new SpanBody(payload), deadline, cancellationToken);

    /// <summary>Sends one message made of several segments and waits for its Ack.</summary>
    public HoseStatus Send(ClientHose hose, ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(hose, new SequenceBody(payload), deadline, cancellationToken);

    /// <summary>
    /// Sends a payload that sits in region files: with <c>sendfile</c> (no user-space copy) on plain TCP when it is
    /// large enough, else from the mapping. Waits for the Ack.
    /// </summary>
    public HoseStatus SendRegions(ClientHose hose, RegionPayload payload, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(hose, new RegionBody(payload), deadline, cancellationToken);

    /// <summary>
    /// Writes one message under the write lock, then waits for its Ack. Until the last byte is handed to the kernel the
    /// message can be withdrawn (the deadline or the token stop it: <see cref="HoseStatus.TimedOut"/>, not delivered);
    /// a message stopped half-written costs the connection, so the receiver is sure to discard it. Once written it is
    /// published: the result is its Ack, or <see cref="HoseStatus.PeerFailed"/> (outcome unknown) when the connection
    /// breaks or the caller's deadline or token ends the wait first.
    /// </summary>
    private HoseStatus SendCore<TBody>(ClientHose hose, TBody body, Deadline deadline, CancellationToken cancellationToken)
        where TBody : IMessageBody, allows ref struct
    {
        if (!TryEnterWrite(deadline, cancellationToken, out HoseStatus status))
        {
            return status;
        }

        PendingAck ack;
        ulong sequence;
        var stop = new WriteStop(deadline, cancellationToken);
        try
        {
            if (stop.IsStopped)
            {
                return HoseStatus.TimedOut; // nothing written (and the sequence not taken)
            }

            BoundSendTimeout(deadline);
            sequence = ++hose.Sequence;
            ack = _acks.Register(hose.Id, sequence);

            // A write blocked by a peer that stopped reading is cut short by the token too: failing the connection wakes
            // it with an error. Had the write completed meanwhile, the message is published and Await says PeerFailed.
            using (cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static c => ((NetworkConnection)c!).Fail(HoseStatus.PeerFailed), this) : default)
            {
                body.Write(this, hose.Id, sequence, stop);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or WithdrawnException)
        {
            // Part of the message is missing at the receiver, which drops it with the connection: not delivered.
            Fail(HoseStatus.PeerFailed);
            return e is WithdrawnException || stop.IsStopped ? HoseStatus.TimedOut : HoseStatus.PeerFailed;
        }
        finally
        {
            _writeLock.Release();
        }

        return Await(hose.Id, sequence, ack, deadline, cancellationToken);
    }

    /// <summary>Closes the connection; waiters get <paramref name="reason"/>.</summary>
    public void Fail(HoseStatus reason)
    {
        if (Interlocked.CompareExchange(ref _failure, (int)reason, 0) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
        _acks.FailAll(reason);
    }

    /// <summary>
    /// Before a send on a connection nobody reads: takes in what the peer sent meanwhile, so a connection the peer
    /// closed fails now (and the send reconnects) rather than swallowing the message. True while alive.
    /// </summary>
    public bool Probe()
    {
        _acks.Probe();
        return IsAlive;
    }

    /// <summary>Notes that a frame came in.</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    public async ValueTask DisposeAsync()
    {
        if (IsAlive && _writeLock.Wait(0))
        {
            try
            {
                // A polite goodbye so the peer does not count this as a failure.
                _stream.Write(new FrameHeader(FrameKind.Goodbye, FrameFlags.None, 0, 0, 0, 0, 0).ToArray());
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                _writeLock.Release();
            }
        }

        Fail(HoseStatus.Closed);
        _acks.Join();
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private bool TryEnterWrite(Deadline deadline, CancellationToken cancellationToken, out HoseStatus status)
    {
        status = Failure;
        if (!IsAlive)
        {
            return false;
        }

        try
        {
            if (!_writeLock.Wait(deadline.Remaining, cancellationToken))
            {
                status = HoseStatus.TimedOut;
                return false;
            }
        }
        catch (OperationCanceledException)
        {
            status = HoseStatus.TimedOut;
            return false;
        }

        if (!IsAlive)
        {
            _writeLock.Release();
            status = Failure;
            return false;
        }

        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        return true;
    }

    private HoseStatus WriteLocked(ClientHose hose, Deadline deadline, CancellationToken cancellationToken, Action<NetworkConnection, ClientHose, object?> write)
    {
        if (!TryEnterWrite(deadline, cancellationToken, out HoseStatus status))
        {
            return status;
        }

        try
        {
            BoundSendTimeout(deadline);
            write(this, hose, null);
            return HoseStatus.Ok;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Fail(HoseStatus.PeerFailed);
            return deadline.Passed ? HoseStatus.TimedOut : HoseStatus.PeerFailed; // an open, not a payload: nothing was sent
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits for the Ack of a written message until the caller's deadline; a wait given up is PeerFailed (unknown).</summary>
    private HoseStatus Await(uint hose, ulong sequence, PendingAck ack, Deadline deadline, CancellationToken cancellationToken)
    {
        _acks.Await(ack, deadline, cancellationToken);
        if (ack.IsCompleted)
        {
            return ack.Status; // the receiver's answer, or PeerFailed from a failed connection
        }

        // Given up, or the connection failed: the message is out and may be delivered, so the outcome is unknown
        // ("timed out" or "closed" would read as "not sent").
        _acks.Forget(hose, sequence);
        return HoseStatus.PeerFailed;
    }

    /// <summary>
    /// A blocked write gives up at the socket's send timeout: <see cref="NetworkOptions.FrameTimeout"/>, cut to what is
    /// left of the deadline when that is less. Called under the write lock. Above a second the value is rounded down to
    /// 100 ms, so sends with similar deadlines (a guest's send timeout equal to the frame timeout, say) reuse it without a
    /// system call; a write may then give up up to 100 ms before the deadline, never after.
    /// </summary>
    private void BoundSendTimeout(Deadline deadline)
    {
        int frame = (int)_options.FrameTimeout.TotalMilliseconds;
        TimeSpan left = deadline.Remaining;
        int wanted = left == Timeout.InfiniteTimeSpan || left.TotalMilliseconds >= frame
            ? frame
            : left.TotalMilliseconds >= 1000 ? (int)(left.TotalMilliseconds / 100) * 100 : Math.Max(1, (int)left.TotalMilliseconds);
        if (wanted != _sendTimeoutMilliseconds)
        {
            _socket.SendTimeout = wanted;
            _sendTimeoutMilliseconds = wanted;
        }
    }

    /// <summary>
    /// Writes a Data frame's header into <paramref name="head"/> (at least <see cref="MaxHead"/> bytes), on the first frame
    /// followed by the send span's trace context when there is one; returns how many bytes that took.
    /// </summary>
    private int WriteHead(Span<byte> head, uint hose, ulong sequence, int total, int offset, ReadOnlySpan<byte> body)
    {
        TraceContext trace = offset == 0 ? TraceContext.Current : default;
        Header(hose, sequence, total, offset, body, trace.IsValid).Write(head);
        if (!trace.IsValid)
        {
            return FrameHeader.Size;
        }

        trace.Write(head[FrameHeader.Size..]);
        return FrameHeader.Size + TraceContext.Size;
    }

    private FrameHeader Header(uint hose, ulong sequence, int total, int offset, ReadOnlySpan<byte> body, bool traced)
    {
        FrameFlags flags = (offset == 0 ? FrameFlags.First : 0) | (offset + body.Length == total ? FrameFlags.Last : 0) | (traced ? FrameFlags.TraceContext : 0);
        uint crc = 0;
        if (_options.Checksums)
        {
            flags |= FrameFlags.Checksummed;
            crc = Crc32C.Compute(body);
        }

        return new FrameHeader(FrameKind.Data, flags, hose, (uint)body.Length, sequence, crc, offset == 0 ? (uint)total : 0);
    }

    private void WriteMessage(uint hose, ulong sequence, ReadOnlySpan<byte> payload, WriteStop stop)
    {
        int total = payload.Length;
        if (total <= CoalesceBytes)
        {
            // Small: one write of header + body (one small copy beats a second system call).
            byte[] frame = ArrayPool<byte>.Shared.Rent(MaxHead + total);
            try
            {
                int headLength = WriteHead(frame, hose, sequence, total, 0, payload);
                payload.CopyTo(frame.AsSpan(headLength));
                _stream.Write(frame, 0, headLength + total);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }

            return;
        }

        Span<byte> head = stackalloc byte[MaxHead];
        for (int offset = 0; offset < total;)
        {
            stop.ThrowIfStopped(offset);
            ReadOnlySpan<byte> body = payload.Slice(offset, Math.Min(Limits.MaxFrameBytes, total - offset));
            WriteFrame(head[..WriteHead(head, hose, sequence, total, offset, body)], body);
            offset += body.Length;
        }
    }

    /// <summary>Header and body in one gathered write on plain TCP, two stream writes otherwise (TLS).</summary>
    private void WriteFrame(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        if (_gather)
        {
            GatherWrite.Write(_socket, head, body);
        }
        else
        {
            _stream.Write(head);
            _stream.Write(body);
        }
    }

    private void WriteMessage(uint hose, ulong sequence, ReadOnlySequence<byte> payload, WriteStop stop)
    {
        if (payload.IsSingleSegment)
        {
            WriteMessage(hose, sequence, payload.FirstSpan, stop);
            return;
        }

        int total = checked((int)payload.Length);
        int offset = 0;
        Span<byte> head = stackalloc byte[MaxHead];
        foreach (ReadOnlyMemory<byte> segment in payload)
        {
            ReadOnlySpan<byte> rest = segment.Span;
            while (!rest.IsEmpty)
            {
                stop.ThrowIfStopped(offset);
                ReadOnlySpan<byte> body = rest[..Math.Min(Limits.MaxFrameBytes, rest.Length)];
                WriteFrame(head[..WriteHead(head, hose, sequence, total, offset, body)], body);
                offset += body.Length;
                rest = rest[body.Length..];
            }
        }
    }

    /// <summary>Frame headers from memory, frame bodies straight from the region files with <c>sendfile</c>.</summary>
    private void WriteMessageWithSendFile(uint hose, ulong sequence, RegionPayload payload, WriteStop stop)
    {
        int total = checked((int)payload.Length);
        int offset = 0;
        Span<byte> head = stackalloc byte[MaxHead];
        foreach (RegionPayload.Chunk chunk in payload.Chunks)
        {
            FileStream file = chunk.Region.File; // the region's own descriptor: its name may already be gone (pool disposed)
            for (int inChunk = 0; inChunk < chunk.Length;)
            {
                stop.ThrowIfStopped(offset);
                int length = Math.Min(Limits.MaxFrameBytes, chunk.Length - inChunk);
                ReadOnlySpan<byte> body = chunk.Region.AsSpan(chunk.Length).Slice(inChunk, length);
                _stream.Write(head[..WriteHead(head, hose, sequence, total, offset, body)]);
                SendFile.Send(_socket, file, inChunk, length);
                inChunk += length;
                offset += length;
            }
        }
    }

    /// <summary>A message body and how it goes onto the socket.</summary>
    private interface IMessageBody
    {
        void Write(NetworkConnection connection, uint hose, ulong sequence, WriteStop stop);
    }

    private readonly ref struct SpanBody(ReadOnlySpan<byte> payload) : IMessageBody
    {
        private readonly ReadOnlySpan<byte> _payload = payload;

        public void Write(NetworkConnection connection, uint hose, ulong sequence, WriteStop stop) => connection.WriteMessage(hose, sequence, _payload, stop);
    }

    private readonly struct SequenceBody(ReadOnlySequence<byte> payload) : IMessageBody
    {
        public void Write(NetworkConnection connection, uint hose, ulong sequence, WriteStop stop) => connection.WriteMessage(hose, sequence, payload, stop);
    }

    private readonly struct RegionBody(RegionPayload payload) : IMessageBody
    {
        public void Write(NetworkConnection connection, uint hose, ulong sequence, WriteStop stop)
        {
            if (connection.CanSendFile && payload.Length >= connection._options.SendFileThresholdBytes)
            {
                connection.WriteMessageWithSendFile(hose, sequence, payload, stop);
            }
            else
            {
                connection.WriteMessage(hose, sequence, payload.AsSequence(), stop);
            }
        }
    }
}
