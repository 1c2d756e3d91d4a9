using Microsoft.Extensions.Logging;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One accepted connection: runs the <see cref="Handshake"/>, then reads frames with a <see cref="PipeReader"/>, binds
/// the hoses the client opens (<see cref="ServedHoseTable"/>), delivers each message into its target
/// (<see cref="NetworkDelivery"/>) and answers every message with an Ack carrying the delivery status. Anything that
/// breaks the protocol, a stalled read or an idle connection drops this connection only (<see cref="Drop"/>).
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkOptions _options;
    private readonly NetworkDelivery _delivery;
    private readonly ReceiveMeter _meter;
    private readonly CancellationTokenSource _stop = new();
    private readonly ServedHoseTable _hoses;
    private readonly object _writeLock = new();
    private Stream? _stream;
    private FrameWriter? _writer;
    private Stream? _reads;
    private volatile bool _authenticated;
    private int _dropReason; // 0, else the first ConnectionDrop recorded
    private readonly ILogger _log;

    public ServerConnection(Socket socket, NetworkOptions options, Func<string, IHoseSender?> resolve, RegionPool pool, ReceiveShare share, ILogger log)
    {
        _log = log;
        _socket = socket;
        _options = options;
        _hoses = new ServedHoseTable(options, resolve);
        _delivery = new NetworkDelivery(options, pool, share, _stop.Token);
        _meter = new ReceiveMeter(options.MinReceiveBytesPerSecond, options.MinReceiveRateGracePeriod);
    }

    /// <summary>The peer's address, for the log.</summary>
    private string Remote
    {
        get
        {
            try
            {
                return _socket.RemoteEndPoint?.ToString() ?? "?";
            }
            catch (ObjectDisposedException)
            {
                return "?";
            }
        }
    }

    /// <summary>Messages delivered on this connection (for tests and diagnostics).</summary>
    public long Delivered { get; private set; }

    /// <summary>When the connection was accepted (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).</summary>
    public long AcceptedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>True once the peer passed the handshake.</summary>
    public bool IsAuthenticated => _authenticated;

    /// <summary>Why the connection was dropped, if it was (set once).</summary>
    public ConnectionDrop DropReason => (ConnectionDrop)Volatile.Read(ref _dropReason);

    /// <summary>Serves the connection on the calling thread (a dedicated one) until it ends; never throws.</summary>
    public void Run()
    {
        try
        {
            _socket.NoDelay = true;
            var network = new NetworkStream(_socket, ownsSocket: true)
            {
                ReadTimeout = (int)_options.HandshakeTimeout.TotalMilliseconds,
                WriteTimeout = (int)_options.FrameTimeout.TotalMilliseconds,
            };
            _stream = network;

            // The whole handshake has one deadline: a peer that trickles bytes is cut off when it passes.
            using (new Timer(static state => ((ServerConnection)state!).Drop(ConnectionDrop.Handshake), this, _options.HandshakeTimeout, Timeout.InfiniteTimeSpan))
            {
                try
                {
                    _stream = Handshake.AsServer(network, _options);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Record(ConnectionDrop.Handshake);
                    throw;
                }
            }

            _writer = new FrameWriter(_socket, _stream, _options, _options.MaxFrameBytes);
            _authenticated = true;
            _reads = new MeteredStream(_stream, _meter);
            Serve(network);
        }
        catch (Exception e) when (e is IOException or SocketException or ProtocolException or AuthenticationFailedException
                                      or OperationCanceledException or ObjectDisposedException or EndOfStreamException
                                      or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            // The peer misbehaved, stalled, left or we are stopping: drop this connection only.
            Record(e is ProtocolException ? ConnectionDrop.Protocol : ConnectionDrop.Stalled);
        }
        finally
        {
            Close();
        }
    }

    /// <summary>
    /// Called by the listener's watchdog, one call at a time: true when the peer sends the frame it has begun slower than
    /// <see cref="NetworkOptions.MinReceiveBytesPerSecond"/> (the watchdog then drops it).
    /// </summary>
    public bool IsTooSlow(long now) => _authenticated && _meter.IsBelowRate(now);

    /// <summary>Closes the connection (a blocked read fails at once).</summary>
    public void Close()
    {
        _stop.Cancel();
        try
        {
            _socket.Dispose();
            _stream?.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>Records why, then closes: the blocked read fails, and the message in progress gives back what it held.</summary>
    public void Drop(ConnectionDrop reason)
    {
        Record(reason);
        Close();
    }

    private void Record(ConnectionDrop reason)
    {
        if (Interlocked.CompareExchange(ref _dropReason, (int)reason, 0) == 0 && !_stop.IsCancellationRequested)
        {
            Diagnostics.RoadrunnerMetrics.CountDroppedConnection(reason.Tag());
            Diagnostics.RoadrunnerLog.NetworkConnectionDropped(_log, Remote, reason.ToString(), _authenticated ? "authenticated" : "before the handshake completed");
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private void Serve(NetworkStream network)
    {
        Stream stream = _reads!;
        PipeReader reader = PipeReader.Create(new BlockingReadStream(stream), new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        int idle = (int)Math.Min(int.MaxValue, _options.IdleTimeout.TotalMilliseconds);
        int frame = (int)_options.FrameTimeout.TotalMilliseconds;
        // Waiting for the next frame may take up to the idle timeout; a frame must keep flowing (the frame timeout). On
        // plain TCP the idle wait is a poll while the pipe holds nothing, so the socket's read timeout stays at the frame
        // timeout instead of being set twice per message. TLS may hold decrypted bytes the socket no longer shows: there
        // the read timeout switches.
        bool plain = _stream is NetworkStream;
        network.ReadTimeout = frame;
        bool empty = true;
        try
        {
            while (true)
            {
                if (!plain)
                {
                    network.ReadTimeout = idle;
                }
                else if (empty && !_socket.Poll(_options.IdleTimeout, SelectMode.SelectRead))
                {
                    Record(ConnectionDrop.Idle);
                    return;
                }

                // Inside a frame the peer must keep up the minimum rate; waiting for the next frame is the idle wait.
                _meter.Metering = !empty;
                ValueTask<ReadResult> pending = reader.ReadAsync(_stop.Token);
                ReadResult result = pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
                if (!plain)
                {
                    network.ReadTimeout = frame;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = Process(buffer, stream, out bool goodbye);
                empty = buffer.Slice(consumed).IsEmpty;
                reader.AdvanceTo(consumed, buffer.End);
                if (goodbye)
                {
                    return;
                }

                if (result.IsCompleted)
                {
                    if (!buffer.Slice(consumed).IsEmpty)
                    {
                        throw new ProtocolException("the connection ended inside a frame");
                    }

                    return;
                }
            }
        }
        finally
        {
            reader.Complete();
        }
    }

    /// <summary>Handles every whole frame in <paramref name="buffer"/>; returns how far it consumed.</summary>
    private SequencePosition Process(ReadOnlySequence<byte> buffer, Stream stream, out bool goodbye)
    {
        goodbye = false;
        while (buffer.Length >= FrameHeader.Size)
        {
            FrameHeader header = FrameHeader.Read(buffer, _options.MaxFrameBytes);
            switch (header.Kind)
            {
                case FrameKind.Data:
                    _meter.Metering = true;
                    var source = new BufferedStreamSource(buffer.Slice(FrameHeader.Size), stream);
                    var message = new IncomingMessage(header, source, _options.MaxFrameBytes);
                    HoseStatus status = Deliver(message);
                    WriteAck(message.Hose, message.Sequence, status);
                    if (source.Drained)
                    {
                        return buffer.End;
                    }

                    buffer = buffer.Slice(source.Position);
                    break;

                case FrameKind.Open:
                    if (buffer.Length < FrameHeader.Size + header.Length)
                    {
                        return buffer.Start;
                    }

                    WriteAck(header.Hose, 0, _hoses.Open(header, buffer.Slice(FrameHeader.Size, header.Length)));
                    buffer = buffer.Slice(FrameHeader.Size + header.Length);
                    break;

                case FrameKind.Ping when header.Length == 0:
                    WriteFrame(new FrameHeader(FrameKind.Pong, FrameFlags.None, 0, 0, header.Sequence, 0, 0));
                    buffer = buffer.Slice(FrameHeader.Size);
                    break;

                case FrameKind.Goodbye when header.Length == 0:
                    goodbye = true;
                    return buffer.Slice(FrameHeader.Size).Start;

                default:
                    throw new ProtocolException($"unexpected {header.Kind} frame");
            }
        }

        return buffer.Start;
    }

    private HoseStatus Deliver(IncomingMessage message)
    {
        ServedHose hose = _hoses.Next(message.Hose, message.Sequence);
        HoseStatus status = _delivery.Deliver(hose, message);

        // A refused message is still read to its end, so the next frame starts where the header says.
        message.SkipRest();
        if (status == HoseStatus.Ok)
        {
            Delivered++;
        }

        return status;
    }

    private void WriteAck(uint hose, ulong sequence, HoseStatus status)
    {
        lock (_writeLock)
        {
            _writer!.WriteAck(hose, sequence, status);
        }
    }

    private void WriteFrame(FrameHeader header)
    {
        lock (_writeLock)
        {
            _writer!.WriteHeader(header);
        }
    }
}
