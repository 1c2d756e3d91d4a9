using Microsoft.Extensions.Logging;
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One accepted connection: authenticates the peer, then reads frames with a <see cref="PipeReader"/> and delivers
/// each message into its target — straight into an idle push guest's memory, else into rented regions that are
/// queued in the target's inbox — and answers every message with an Ack carrying the delivery status. Anything that
/// breaks the protocol, a stalled read or an idle connection drops this connection only.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly Socket _socket;
    private readonly NetworkOptions _options;
    private readonly Func<string, IHoseSender?> _resolve;
    private readonly RegionPool _pool;
    private readonly ReceiveShare _share;
    private readonly ReceiveMeter _meter;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<uint, OpenHose> _hoses = [];
    private readonly object _writeLock = new();
    private Stream? _stream;
    private Stream? _reads;
    private volatile bool _authenticated;
    private int _dropReason; // 0, else the first ConnectionDrop recorded
    private readonly ILogger _log;

    public ServerConnection(Socket socket, NetworkOptions options, Func<string, IHoseSender?> resolve, RegionPool pool, ReceiveShare share, ILogger log)
    {
        _log = log;
        _socket = socket;
        _options = options;
        _resolve = resolve;
        _pool = pool;
        _share = share;
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
                    if (_options.ServerTls is { } tls)
                    {
                        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
                        _stream = ssl;
                        ssl.AuthenticateAsServer(tls);
                    }

                    Authenticator.Server(_stream, _options.PreSharedKey, PeerLimits.Of(_options));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Record(ConnectionDrop.Handshake);
                    throw;
                }
            }

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
            Diagnostics.RoadrunnerMetrics.CountDroppedConnection(reason);
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

                    Open(header, buffer.Slice(FrameHeader.Size, header.Length));
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

    private void Open(FrameHeader header, ReadOnlySequence<byte> nameBytes)
    {
        if (header.Sequence != 0 || header.Length is 0 or > 255 || _hoses.ContainsKey(header.Hose))
        {
            throw new ProtocolException("bad open");
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(nameBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("a hose name is not UTF-8");
        }

        // Over the limit the open is refused, not the connection: the client's other hoses keep working.
        IHoseSender? target = _hoses.Count >= _options.MaxHosesPerConnection ? null : _resolve(name);
        if (target is not null)
        {
            _hoses.Add(header.Hose, new OpenHose(target, name));
        }

        WriteAck(header.Hose, 0, target is not null ? HoseStatus.Ok : _hoses.Count >= _options.MaxHosesPerConnection ? HoseStatus.TooManyHandles : HoseStatus.UnknownTarget);
    }

    private HoseStatus Deliver(IncomingMessage message)
    {
        if (!_hoses.TryGetValue(message.Hose, out OpenHose? hose))
        {
            throw new ProtocolException($"data for hose {message.Hose} that was never opened");
        }

        if (message.Sequence != hose.NextSequence)
        {
            throw new ProtocolException($"hose {message.Hose} expected message {hose.NextSequence}, got {message.Sequence}");
        }

        hose.NextSequence++;
        HoseStatus status;
        try
        {
            // Over this endpoint's limit (a sender that ignored the Welcome): refused, skipped, the connection kept.
            status = message.Length > _options.MaxPayloadBytes ? HoseStatus.TooLarge
                : hose.Target is InProcessHose inbox ? DeliverToInbox(inbox, message)
                : RoadrunnerActivity.Ended(RoadrunnerActivity.StartForwarded(hose.Name, message.Length, new(RoadrunnerActivity.Network, null, message.Trace)), DeliverToSender(hose.Target, message));
        }
        catch (OperationCanceledException)
        {
            status = HoseStatus.Closed;
        }

        // A refused message is still read to its end, so the next frame starts where the header says.
        message.SkipRest();
        if (status == HoseStatus.Ok)
        {
            Delivered++;
        }

        return status;
    }

    private HoseStatus DeliverToInbox(InProcessHose inbox, IncomingMessage message)
    {
        // 1. Straight from the socket into an idle push guest's memory: one copy, no region.
        HoseStatus status = inbox.TryDirect((int)message.Length, message.Read, new RoadrunnerActivity.Inbound(RoadrunnerActivity.Network, RoadrunnerActivity.Streamed, message.Trace));
        if (status != HoseStatus.WouldBlock)
        {
            return status;
        }

        // 2. Into regions (read from the socket straight into the mapping), then queued.
        var deadline = Deadline.After(_options.DeliveryTimeout);
        if (!inbox.ReserveSlot(_options.DeliveryTimeout, _stop.Token))
        {
            return HoseStatus.TimedOut;
        }

        try
        {
            status = ReadIntoRegions(inbox.Pool, message, deadline, out RegionPayload payload);
            return status == HoseStatus.Ok ? inbox.Enqueue(payload, new RoadrunnerActivity.Inbound(RoadrunnerActivity.Network, RoadrunnerActivity.Queued, message.Trace)) : status;
        }
        finally
        {
            if (status != HoseStatus.Ok)
            {
                inbox.ReleaseSlot();
            }
        }
    }

    /// <summary>The message into regions, within this connection's share of the budget; nothing stays held on failure.</summary>
    private HoseStatus ReadIntoRegions(RegionPool pool, IncomingMessage message, Deadline deadline, out RegionPayload payload)
    {
        payload = null!;
        if (!_share.Enter(pool.FootprintOf(message.Length), deadline.Remaining, _stop.Token))
        {
            return HoseStatus.TimedOut;
        }

        try
        {
            return message.ReadIntoRegions(pool, deadline, _stop.Token, out payload);
        }
        finally
        {
            _share.Exit();
        }
    }

    /// <summary>
    /// Any other target (a route, a .NET sink): read into regions from the pool (so memory stays within its budget),
    /// then hand the bytes on.
    /// </summary>
    private HoseStatus DeliverToSender(IHoseSender target, IncomingMessage message)
    {
        HoseStatus rented = ReadIntoRegions(_pool, message, Deadline.After(_options.DeliveryTimeout), out RegionPayload payload);
        if (rented != HoseStatus.Ok)
        {
            return rented;
        }

        try
        {
            if (payload.Chunks.Length <= 1)
            {
                Span<byte> bytes = payload.Chunks.Length == 0 ? [] : payload.Chunks[0].Region.AsSpan(payload.Chunks[0].Length);
                return target.Send(bytes, _options.DeliveryTimeout, _stop.Token);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(_options.DeliveryTimeout);
            try
            {
                target.SendAsync(payload.AsSequence(), timeout.Token).AsTask().GetAwaiter().GetResult();
                return HoseStatus.Ok;
            }
            catch (HoseException e)
            {
                return e.Status;
            }
            catch (OperationCanceledException)
            {
                return HoseStatus.TimedOut;
            }
        }
        finally
        {
            payload.Release();
        }
    }

    private void WriteAck(uint hose, ulong sequence, HoseStatus status) =>
        WriteFrame(new FrameHeader(FrameKind.Ack, FrameFlags.None, hose, 0, sequence, 0, unchecked((uint)(int)status)));

    private void WriteFrame(FrameHeader header)
    {
        Span<byte> bytes = stackalloc byte[FrameHeader.Size];
        header.Write(bytes);
        lock (_writeLock)
        {
            _stream!.Write(bytes);
        }
    }

    private sealed class OpenHose(IHoseSender target, string name)
    {
        public IHoseSender Target { get; } = target;

        public string Name { get; } = name;

        public ulong NextSequence { get; set; } = 1;
    }
}
