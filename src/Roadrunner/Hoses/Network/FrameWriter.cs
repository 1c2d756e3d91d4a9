using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Puts frames onto one connection: a message as Data frames cut at the connection's frame maximum (the send span's
/// trace context after the first header), from memory or with <c>sendfile</c> from region files; and the small frames
/// (Open, Ack, Pong, Goodbye). Not thread-safe: its connection calls it under its write lock.
/// </summary>
internal sealed class FrameWriter
{
    private const int CoalesceBytes = 16 * 1024;

    /// <summary>A Data frame's header with the trace-context extension.</summary>
    private const int MaxHead = FrameHeader.Size + TraceContext.Size;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly NetworkOptions _options;
    private readonly int _maxFrameBytes;
    private readonly bool _plainTcp; // region payloads can go out with sendfile (no TLS)
    private readonly bool _gather;
    private int _sendTimeoutMilliseconds = -1; // the socket's send timeout now, -1 until set (see BoundSendTimeout)

    /// <summary>A writer onto <paramref name="stream"/> (over <paramref name="socket"/>), cutting Data frames at <paramref name="maxFrameBytes"/>.</summary>
    public FrameWriter(Socket socket, Stream stream, NetworkOptions options, int maxFrameBytes)
    {
        _socket = socket;
        _stream = stream;
        _options = options;
        _maxFrameBytes = maxFrameBytes;
        _plainTcp = stream is NetworkStream && SendFile.IsSupported;
        _gather = stream is NetworkStream && GatherWrite.IsSupported;
    }

    /// <summary>
    /// A blocked write gives up at the socket's send timeout: <see cref="NetworkOptions.FrameTimeout"/>, cut to what is
    /// left of the deadline when that is less. Above a second the value is rounded down to 100 ms, so sends with similar
    /// deadlines (a guest's send timeout equal to the frame timeout, say) reuse it without a system call; a write may
    /// then give up up to 100 ms before the deadline, never after.
    /// </summary>
    public void BoundSendTimeout(Deadline deadline)
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

    /// <summary>A frame without a body (Ack, Pong, Goodbye).</summary>
    public void WriteHeader(FrameHeader header)
    {
        Span<byte> bytes = stackalloc byte[FrameHeader.Size];
        header.Write(bytes);
        _stream.Write(bytes);
    }

    /// <summary>The Ack of message <paramref name="sequence"/> on <paramref name="hose"/> (0: of its Open), carrying <paramref name="status"/>.</summary>
    public void WriteAck(uint hose, ulong sequence, HoseStatus status) =>
        WriteHeader(new FrameHeader(FrameKind.Ack, FrameFlags.None, hose, 0, sequence, 0, unchecked((uint)(int)status)));

    /// <summary>The Open frame binding <paramref name="hose"/> to <paramref name="name"/>.</summary>
    public void WriteOpen(uint hose, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        var frame = new byte[FrameHeader.Size + bytes.Length];
        new FrameHeader(FrameKind.Open, FrameFlags.None, hose, (uint)bytes.Length, 0, 0, 0).Write(frame);
        bytes.CopyTo(frame, FrameHeader.Size);
        _stream.Write(frame);
    }

    /// <summary>One message from memory.</summary>
    /// <exception cref="WithdrawnException"><paramref name="stop"/> ended it after its first frame.</exception>
    public void WriteMessage(uint hose, ulong sequence, ReadOnlySpan<byte> payload, WriteStop stop)
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
            ReadOnlySpan<byte> body = payload.Slice(offset, Math.Min(_maxFrameBytes, total - offset));
            WriteFrame(head[..WriteHead(head, hose, sequence, total, offset, body)], body);
            offset += body.Length;
        }
    }

    /// <summary>One message made of several segments.</summary>
    /// <exception cref="WithdrawnException"><paramref name="stop"/> ended it after its first frame.</exception>
    public void WriteMessage(uint hose, ulong sequence, ReadOnlySequence<byte> payload, WriteStop stop)
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
                ReadOnlySpan<byte> body = rest[..Math.Min(_maxFrameBytes, rest.Length)];
                WriteFrame(head[..WriteHead(head, hose, sequence, total, offset, body)], body);
                offset += body.Length;
                rest = rest[body.Length..];
            }
        }
    }

    /// <summary>
    /// One message that sits in region files: with <c>sendfile</c> (no user-space copy) on plain TCP when it is large
    /// enough, else from the mapping.
    /// </summary>
    /// <exception cref="WithdrawnException"><paramref name="stop"/> ended it after its first frame.</exception>
    public void WriteMessage(uint hose, ulong sequence, RegionPayload payload, WriteStop stop)
    {
        if (_plainTcp && payload.Length >= _options.SendFileThresholdBytes)
        {
            WriteMessageWithSendFile(hose, sequence, payload, stop);
        }
        else
        {
            WriteMessage(hose, sequence, payload.AsSequence(), stop);
        }
    }

    /// <summary>
    /// One message whose bytes also lie in a file from <see cref="FilePages.Offset"/> (a guest's committed window in its
    /// memory file): with <c>sendfile</c> from that file on plain TCP when it is large enough, else from memory. The
    /// caller keeps the bytes unchanged until the receiver has them (its Ack).
    /// </summary>
    /// <exception cref="WithdrawnException"><paramref name="stop"/> ended it after its first frame.</exception>
    public void WriteMessage(uint hose, ulong sequence, ReadOnlySpan<byte> payload, FilePages pages, WriteStop stop)
    {
        if (_plainTcp && !pages.IsEmpty && payload.Length >= _options.SendFileThresholdBytes)
        {
            int offset = 0;
            WriteFromFile(hose, sequence, payload.Length, ref offset, payload, pages.File!, pages.Offset, stop);
            RoadrunnerActivity.TagPath(RoadrunnerActivity.SendFile);
        }
        else
        {
            WriteMessage(hose, sequence, payload, stop);
        }
    }

    /// <summary>Frame headers from memory, frame bodies straight from the region files with <c>sendfile</c>.</summary>
    private void WriteMessageWithSendFile(uint hose, ulong sequence, RegionPayload payload, WriteStop stop)
    {
        int total = checked((int)payload.Length);
        int offset = 0;
        foreach (RegionPayload.Chunk chunk in payload.Chunks)
        {
            // The region's own descriptor: its name may already be gone (pool disposed).
            WriteFromFile(hose, sequence, total, ref offset, chunk.Region.AsSpan(chunk.Length), chunk.Region.File.SafeFileHandle, 0, stop);
        }

        RoadrunnerActivity.TagPath(RoadrunnerActivity.SendFile);
    }

    /// <summary>
    /// The frames of <paramref name="bytes"/> (the message's part from <paramref name="offset"/>, which it advances):
    /// headers from memory, bodies with <c>sendfile</c> from <paramref name="file"/> at <paramref name="fileOffset"/>.
    /// With checksums on, each header's CRC is computed from <paramref name="bytes"/>, which reads the pages once.
    /// </summary>
    private void WriteFromFile(uint hose, ulong sequence, int total, ref int offset, ReadOnlySpan<byte> bytes, System.Runtime.InteropServices.SafeHandle file, long fileOffset, WriteStop stop)
    {
        Span<byte> head = stackalloc byte[MaxHead];
        for (int done = 0; done < bytes.Length;)
        {
            stop.ThrowIfStopped(offset);
            int length = Math.Min(_maxFrameBytes, bytes.Length - done);
            _stream.Write(head[..WriteHead(head, hose, sequence, total, offset, bytes.Slice(done, length))]);
            SendFile.Send(_socket, file, fileOffset + done, length);
            done += length;
            offset += length;
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
}
