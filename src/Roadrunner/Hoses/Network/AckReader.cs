using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Reads the Acks of one client connection and completes the messages waiting for them.
/// <para>
/// On plain TCP the waiting senders read the socket themselves: whichever waiter finds the reader role free reads (a
/// blocking receive, so the kernel wakes it when the bytes arrive) until its own Ack is in, completing any other Ack on
/// the way, then nudges another waiter to take over. An Ack thus wakes the thread that waits for it, as in a plain
/// socket pump, instead of waking a reader thread that then wakes the sender: one thread wake-up less per message, on
/// the critical path, and one runnable thread less competing for the cores.
/// </para>
/// <para>
/// With TLS a dedicated thread reads (the <see cref="System.Net.Security.SslStream"/> buffers decrypted bytes the socket
/// no longer shows, so a waiter could not tell whether there is more to read).
/// </para>
/// </summary>
internal sealed class AckReader
{
    /// <summary>How often a blocked reader or waiter looks at its deadline, its token and the connection.</summary>
    private const int SliceMilliseconds = 100;

    private readonly ConcurrentDictionary<(uint Hose, ulong Sequence), PendingAck> _pending = new();
    private readonly byte[] _buffer = new byte[FrameHeader.Size * 128];
    private readonly NetworkConnection _connection;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly bool _sendersRead;
    private int _buffered;
    private int _reader;  // 1 while a sender reads the socket
    private int _waiting; // senders waiting without the reader role
    private Thread? _thread;

    public AckReader(NetworkConnection connection, Socket socket, Stream stream)
    {
        _connection = connection;
        _socket = socket;
        _stream = stream;
        _sendersRead = stream is NetworkStream;
    }

    /// <summary>Starts reading: sets the receive timeout the waiting senders read with, or starts the TLS reader thread.</summary>
    public void Start()
    {
        if (_sendersRead)
        {
            _socket.ReceiveTimeout = SliceMilliseconds;
            return;
        }

        // Acks are waited for as long as the connection lives: no read timeout on this thread.
        _socket.ReceiveTimeout = 0;
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "roadrunner-net-acks" };
        _thread.Start();
    }

    /// <summary>Waits for the TLS reader thread to end (after the connection failed).</summary>
    public void Join() => _thread?.Join(TimeSpan.FromSeconds(10));

    /// <summary>Expects an Ack for (<paramref name="hose"/>, <paramref name="sequence"/>); a failed connection completes it at once.</summary>
    public PendingAck Register(uint hose, ulong sequence, PendingAck? ack = null)
    {
        ack ??= new PendingAck();
        _pending[(hose, sequence)] = ack;
        if (!_connection.IsAlive && _pending.TryRemove((hose, sequence), out _))
        {
            ack.Complete(_connection.Failure);
        }

        return ack;
    }

    /// <summary>Stops expecting an Ack (its sender gave up); one that comes later is ignored.</summary>
    public void Forget(uint hose, ulong sequence) => _pending.TryRemove((hose, sequence), out _);

    /// <summary>
    /// The connection failed: completes every waiting open with <paramref name="status"/>, and every written message
    /// with <see cref="HoseStatus.PeerFailed"/> whatever the reason (its outcome is unknown, even when the connection was
    /// closed politely: "closed" would read as "not sent").
    /// </summary>
    public void FailAll(HoseStatus status)
    {
        foreach ((uint Hose, ulong Sequence) key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out PendingAck? ack))
            {
                ack.Complete(key.Sequence == 0 ? status : HoseStatus.PeerFailed);
            }
        }
    }

    /// <summary>Blocks until <paramref name="ack"/> completes; <see cref="HoseStatus.TimedOut"/> at the deadline or on cancellation.</summary>
    public HoseStatus Await(PendingAck ack, Deadline deadline, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            while (!ack.IsCompleted)
            {
                if (deadline.Passed || cancellationToken.IsCancellationRequested)
                {
                    return HoseStatus.TimedOut;
                }

                if (!_connection.IsAlive)
                {
                    return ack.IsCompleted ? ack.Status : _connection.Failure;
                }

                if (_sendersRead && Interlocked.CompareExchange(ref _reader, 1, 0) == 0)
                {
                    Interlocked.Decrement(ref _waiting);
                    try
                    {
                        ReadUntil(ack, deadline, cancellationToken);
                    }
                    finally
                    {
                        Interlocked.Increment(ref _waiting);
                        Interlocked.Exchange(ref _reader, 0);
                    }

                    continue;
                }

                TimeSpan remaining = deadline.Remaining;
                ack.WaitCompletedOrNudged(remaining == Timeout.InfiniteTimeSpan || remaining.TotalMilliseconds > SliceMilliseconds
                    ? TimeSpan.FromMilliseconds(SliceMilliseconds)
                    : remaining);
            }

            return ack.Status;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            HandOff();
        }
    }

    /// <summary>
    /// Reads what the peer sent while no sender waited — a late Ack, or the end of the stream when the peer closed or
    /// went away (the connection fails then, so the next send reconnects instead of writing into a dead socket).
    /// </summary>
    public void Probe()
    {
        if (!_sendersRead || Interlocked.CompareExchange(ref _reader, 1, 0) != 0)
        {
            return; // a reader is at it already
        }

        try
        {
            if (_socket.Poll(0, SelectMode.SelectRead))
            {
                int available = _socket.Available;
                if (available == 0)
                {
                    _connection.Fail(HoseStatus.PeerFailed); // readable with nothing to read: closed or reset
                    return;
                }

                Receive(Math.Min(available, _buffer.Length - _buffered));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ProtocolException)
        {
            _connection.Fail(HoseStatus.PeerFailed);
        }
        finally
        {
            Interlocked.Exchange(ref _reader, 0);
        }
    }

    /// <summary>Reads Acks (holding the reader role) until <paramref name="ack"/> completes, the deadline passes or the connection fails.</summary>
    private void ReadUntil(PendingAck ack, Deadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            while (!ack.IsCompleted && !deadline.Passed && !cancellationToken.IsCancellationRequested && _connection.IsAlive)
            {
                Receive(_buffer.Length - _buffered);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ProtocolException)
        {
            _connection.Fail(HoseStatus.PeerFailed);
        }
    }

    /// <summary>One blocking receive of up to <paramref name="count"/> bytes (a timed-out slice reads nothing), then handles every whole frame.</summary>
    private void Receive(int count)
    {
        int n = _socket.Receive(_buffer.AsSpan(_buffered, count), SocketFlags.None, out SocketError error);
        if (error is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
        {
            return;
        }

        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }

        if (n == 0)
        {
            _connection.Fail(HoseStatus.PeerFailed);
            return;
        }

        Consume(n);
    }

    /// <summary>The dedicated reader of a TLS connection.</summary>
    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                int n = _stream.Read(_buffer.AsSpan(_buffered));
                if (n == 0)
                {
                    _connection.Fail(HoseStatus.PeerFailed);
                    return;
                }

                Consume(n);
                if (!_connection.IsAlive)
                {
                    return; // a Goodbye
                }
            }
        }
        catch (Exception)
        {
            _connection.Fail(HoseStatus.PeerFailed);
        }
    }

    /// <summary>Handles the whole frames among the <paramref name="count"/> bytes just read; keeps a partial one for later.</summary>
    private void Consume(int count)
    {
        _buffered += count;
        int offset = 0;
        for (; _buffered - offset >= FrameHeader.Size; offset += FrameHeader.Size)
        {
            // Nothing the server sends has a body after the handshake.
            Handle(FrameHeader.Read(_buffer.AsSpan(offset, FrameHeader.Size), maxFrameBytes: 0));
        }

        _buffer.AsSpan(offset, _buffered - offset).CopyTo(_buffer);
        _buffered -= offset;
        _connection.Touch();
    }

    private void Handle(FrameHeader header)
    {
        switch (header.Kind)
        {
            case FrameKind.Ack:
                int status = unchecked((int)header.Extra);
                if (status is > 0 or < (int)HoseStatus.Internal)
                {
                    throw new ProtocolException($"ack with unknown status {status}");
                }

                if (_pending.TryRemove((header.Hose, header.Sequence), out PendingAck? ack))
                {
                    ack.Complete((HoseStatus)status);
                }

                break;
            case FrameKind.Pong:
                break;
            case FrameKind.Goodbye:
                _connection.Fail(HoseStatus.Closed);
                break;
            default:
                throw new ProtocolException($"unexpected {header.Kind} from the server");
        }
    }

    /// <summary>
    /// When nobody reads the socket and senders wait, wakes them so one takes the reader role (all of them: the first
    /// pending message may belong to a sender still busy writing).
    /// </summary>
    private void HandOff()
    {
        if (!_sendersRead || Volatile.Read(ref _waiting) == 0 || Volatile.Read(ref _reader) != 0)
        {
            return;
        }

        foreach (KeyValuePair<(uint, ulong), PendingAck> entry in _pending)
        {
            if (!entry.Value.IsCompleted)
            {
                entry.Value.Nudge();
            }
        }
    }
}
