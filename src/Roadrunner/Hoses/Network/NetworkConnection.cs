using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The sending side of one persistent, authenticated connection to a peer. Many hoses share it (each has an id and its
/// own sequence, see <see cref="ClientHoseTable"/>); whole messages are written one at a time under a write lock by a
/// <see cref="FrameWriter"/>, from the caller's memory straight to the socket (or with <c>sendfile</c> from a region
/// file), and an <see cref="AckReader"/> matches the peer's Acks to the waiting senders. When the connection breaks
/// (<see cref="Fail"/>) every waiting sender gets <see cref="HoseStatus.PeerFailed"/>.
/// </summary>
internal sealed class NetworkConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly FrameWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly AckReader _acks;
    private readonly ClientHoseTable _hoses = new();
    private int _failure; // 0 while alive, else the status every waiter gets
    private long _lastActivity = Environment.TickCount64;

    private NetworkConnection(Socket socket, Stream stream, NetworkOptions options, PeerLimits limits)
    {
        Limits = limits;
        _socket = socket;
        _stream = stream;
        _writer = new FrameWriter(socket, stream, options, limits.MaxFrameBytes);
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

    /// <summary>The congestion-control algorithm the kernel accepted, or null when it kept the system's default.</summary>
    public string? CongestionControl { get; private init; }

    /// <summary>
    /// Connects and runs the <see cref="Handshake"/> (TLS if configured, authentication, limits), all with blocking
    /// calls (the socket stays in blocking mode, see <see cref="BlockingReadStream"/>); a timer closes the socket if it
    /// takes longer than <paramref name="timeout"/>, and so does <paramref name="cancellationToken"/>.
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
                stream = Handshake.AsClient(network, options, out limits);
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
        hose = _hoses.GetOrAdd(name, out bool mine);
        if (mine)
        {
            _acks.Register(hose.Id, 0, hose.Opened);
            HoseStatus written = WriteOpen(hose, deadline, cancellationToken);
            if (written != HoseStatus.Ok)
            {
                _acks.Forget(hose.Id, 0);
                hose.Opened.Complete(written);
            }
        }

        HoseStatus status = _acks.Await(hose.Opened, deadline, cancellationToken);
        if (status != HoseStatus.Ok)
        {
            _hoses.Remove(hose); // the next send tries again (the name may be served later)
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
    /// Sends a payload whose bytes also lie in a file (a guest's committed window): with <c>sendfile</c> from the file on
    /// plain TCP when it is large enough, else from memory. Waits for the Ack; the caller keeps the bytes unchanged until then.
    /// </summary>
    public HoseStatus SendPages(ClientHose hose, ReadOnlySpan<byte> payload, FilePages pages, Deadline deadline, CancellationToken cancellationToken) =>
        SendCore(hose, new PagesBody(payload, pages), deadline, cancellationToken);

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
        HoseStatus status = Publish(hose, body, deadline, cancellationToken, out PendingAck? ack, out ulong sequence);
        return status == HoseStatus.Ok ? Await(hose.Id, sequence, ack!, deadline, cancellationToken) : status;
    }

    /// <summary>
    /// The first half of an asynchronous send: writes the message like <see cref="Send(ClientHose, ReadOnlySequence{byte}, Deadline, CancellationToken)"/>
    /// and returns once it is published (Ok, with the Ack to wait for) or not sent (its status); the Ack is awaited with
    /// <see cref="AwaitAck"/>, on another thread.
    /// </summary>
    public HoseStatus Publish(ClientHose hose, ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken cancellationToken, out PendingAck? ack, out ulong sequence) =>
        Publish(hose, new SequenceBody(payload), deadline, cancellationToken, out ack, out sequence);

    /// <summary>Waits for the Ack of a message <see cref="Publish(ClientHose, ReadOnlySequence{byte}, Deadline, CancellationToken, out PendingAck?, out ulong)"/> wrote: its status, or PeerFailed (unknown) when the wait is given up.</summary>
    public HoseStatus AwaitAck(ClientHose hose, ulong sequence, PendingAck ack, Deadline deadline, CancellationToken cancellationToken) =>
        Await(hose.Id, sequence, ack, deadline, cancellationToken);

    /// <summary>Writes one message under the write lock; Ok once its last byte is handed to the kernel.</summary>
    private HoseStatus Publish<TBody>(ClientHose hose, TBody body, Deadline deadline, CancellationToken cancellationToken, out PendingAck? ack, out ulong sequence)
        where TBody : IMessageBody, allows ref struct
    {
        ack = null;
        sequence = 0;
        if (!TryEnterWrite(deadline, cancellationToken, out HoseStatus status))
        {
            return status;
        }

        var stop = new WriteStop(deadline, cancellationToken);
        try
        {
            if (stop.IsStopped)
            {
                return HoseStatus.TimedOut; // nothing written (and the sequence not taken)
            }

            _writer.BoundSendTimeout(deadline);
            sequence = ++hose.Sequence;
            ack = _acks.Register(hose.Id, sequence);

            // A write blocked by a peer that stopped reading is cut short by the token too: failing the connection wakes
            // it with an error. Had the write completed meanwhile, the message is published and Await says PeerFailed.
            using (cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static c => ((NetworkConnection)c!).Fail(HoseStatus.PeerFailed), this) : default)
            {
                body.Write(_writer, hose.Id, sequence, stop);
            }
        }
        catch (Exception e) when (IsWriteFailure(e) || e is WithdrawnException)
        {
            // Part of the message is missing at the receiver, which drops it with the connection: not delivered.
            return WriteFailed(stoppedByCaller: e is WithdrawnException || stop.IsStopped);
        }
        finally
        {
            _writeLock.Release();
        }

        return HoseStatus.Ok;
    }

    /// <summary>Closes the connection (once: the first reason stays); waiters get <paramref name="reason"/>.</summary>
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
                _writer.WriteHeader(new FrameHeader(FrameKind.Goodbye, FrameFlags.None, 0, 0, 0, 0, 0));
            }
            catch (Exception e) when (IsWriteFailure(e))
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

    /// <summary>Writes the Open frame of <paramref name="hose"/> under the write lock.</summary>
    private HoseStatus WriteOpen(ClientHose hose, Deadline deadline, CancellationToken cancellationToken)
    {
        if (!TryEnterWrite(deadline, cancellationToken, out HoseStatus status))
        {
            return status;
        }

        try
        {
            _writer.BoundSendTimeout(deadline);
            _writer.WriteOpen(hose.Id, hose.Name);
            return HoseStatus.Ok;
        }
        catch (Exception e) when (IsWriteFailure(e))
        {
            return WriteFailed(stoppedByCaller: deadline.Passed); // an open, not a payload: nothing was sent
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static bool IsWriteFailure(Exception e) => e is IOException or SocketException or ObjectDisposedException;

    /// <summary>
    /// A write that threw costs the connection (the peer must not take a partial frame for a whole one); the writer gets
    /// <see cref="HoseStatus.TimedOut"/> when its own deadline or token stopped it, else <see cref="HoseStatus.PeerFailed"/>.
    /// </summary>
    private HoseStatus WriteFailed(bool stoppedByCaller)
    {
        Fail(HoseStatus.PeerFailed);
        return stoppedByCaller ? HoseStatus.TimedOut : HoseStatus.PeerFailed;
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

    /// <summary>A message body and how it goes onto the socket.</summary>
    private interface IMessageBody
    {
        void Write(FrameWriter writer, uint hose, ulong sequence, WriteStop stop);
    }

    private readonly ref struct SpanBody(ReadOnlySpan<byte> payload) : IMessageBody
    {
        private readonly ReadOnlySpan<byte> _payload = payload;

        public void Write(FrameWriter writer, uint hose, ulong sequence, WriteStop stop) => writer.WriteMessage(hose, sequence, _payload, stop);
    }

    private readonly ref struct PagesBody(ReadOnlySpan<byte> payload, FilePages pages) : IMessageBody
    {
        private readonly ReadOnlySpan<byte> _payload = payload;

        public void Write(FrameWriter writer, uint hose, ulong sequence, WriteStop stop) => writer.WriteMessage(hose, sequence, _payload, pages, stop);
    }

    private readonly struct SequenceBody(ReadOnlySequence<byte> payload) : IMessageBody
    {
        public void Write(FrameWriter writer, uint hose, ulong sequence, WriteStop stop) => writer.WriteMessage(hose, sequence, payload, stop);
    }

    private readonly struct RegionBody(RegionPayload payload) : IMessageBody
    {
        public void Write(FrameWriter writer, uint hose, ulong sequence, WriteStop stop) => writer.WriteMessage(hose, sequence, payload, stop);
    }
}
