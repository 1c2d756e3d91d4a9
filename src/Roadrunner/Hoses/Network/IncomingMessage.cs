using System.Buffers;
using Roadrunner.Diagnostics;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One message arriving as a run of Data frames. Reads its bytes in order into whatever destination the receiver
/// chose (guest memory or region chunks), checking every continuation header (same hose and sequence, no gaps, no
/// overrun, Last exactly at the declared length) and every frame checksum. Any violation is a <see cref="ProtocolException"/>.
/// </summary>
internal sealed class IncomingMessage
{
    private readonly BufferedStreamSource _source;
    private readonly int _maxFrameBytes;
    private long _framed;   // bytes covered by the frame headers seen so far
    private long _read;     // bytes read
    private uint _frameLeft;
    private bool _checksummed;
    private uint _crc;
    private uint _expectedCrc;

    public IncomingMessage(FrameHeader first, BufferedStreamSource source, int maxFrameBytes)
    {
        _source = source;
        _maxFrameBytes = maxFrameBytes;
        if (first.Kind != FrameKind.Data || !first.Has(FrameFlags.First))
        {
            throw new ProtocolException("a message must start with a First data frame");
        }

        Hose = first.Hose;
        Sequence = first.Sequence;
        Length = first.Extra;
        if (first.Has(FrameFlags.TraceContext))
        {
            Span<byte> trace = stackalloc byte[TraceContext.Size];
            _source.ReadExactly(trace);
            Trace = TraceContext.Read(trace);
        }

        StartFrame(first);
    }

    public uint Hose { get; }

    public ulong Sequence { get; }

    /// <summary>The sender's trace context from the first frame's extension (none when it had no span).</summary>
    public TraceContext Trace { get; }

    /// <summary>The declared length (up to 4 GiB − 1: the receiver refuses what is over its maximum, and skips it).</summary>
    public long Length { get; }

    public long Remaining => Length - _read;

    /// <summary>Reads the next <paramref name="destination"/>.Length bytes of the message.</summary>
    public void Read(Span<byte> destination)
    {
        if (destination.Length > Remaining)
        {
            throw new InvalidOperationException("Read past the end of the message.");
        }

        while (!destination.IsEmpty)
        {
            if (_frameLeft == 0)
            {
                NextFrame();
            }

            int n = (int)Math.Min(_frameLeft, (uint)destination.Length);
            Span<byte> part = destination[..n];
            _source.ReadExactly(part);
            if (_checksummed)
            {
                _crc = Crc32C.Append(_crc, part);
            }

            _frameLeft -= (uint)n;
            _read += n;
            destination = destination[n..];
            if (_frameLeft == 0)
            {
                EndFrame();
            }
        }
    }

    /// <summary>
    /// Reads the whole message into regions rented from <paramref name="pool"/>: the first region's worth is rented and
    /// read before the rest is rented, so a peer that announces a large message and then trickles holds one region, not
    /// the whole footprint. Renting waits until <paramref name="deadline"/> (<see cref="HoseStatus.TimedOut"/>); a message
    /// the pool can never hold is <see cref="HoseStatus.TooLarge"/>. On any failure nothing stays rented.
    /// </summary>
    public HoseStatus ReadIntoRegions(RegionPool pool, Deadline deadline, CancellationToken cancellationToken, out RegionPayload payload)
    {
        payload = null!;
        if (pool.FootprintOf(Length) > pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge;
        }

        var parts = new List<RegionPayload>(2);
        try
        {
            while (parts.Count == 0 || Remaining > 0)
            {
                long size = parts.Count == 0 ? Math.Min(Length, pool.LargestRegion) : Remaining;
                HoseStatus status = pool.Rent(size, deadline.Remaining, cancellationToken, out RegionPayload part);
                if (status != HoseStatus.Ok)
                {
                    PiecewisePayload.Release(parts);
                    return status;
                }

                parts.Add(part);
                foreach (RegionPayload.Chunk chunk in part.Chunks)
                {
                    Read(chunk.Region.AsSpan(chunk.Length));
                }
            }
        }
        catch
        {
            PiecewisePayload.Release(parts);
            throw;
        }

        payload = PiecewisePayload.Join(parts);
        return HoseStatus.Ok;
    }

    /// <summary>Reads and drops the rest of the message (it was refused), keeping the stream in step.</summary>
    public void SkipRest()
    {
        if (Remaining == 0)
        {
            return;
        }

        byte[] scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(Remaining, 256 * 1024));
        try
        {
            while (Remaining > 0)
            {
                Read(scratch.AsSpan(0, (int)Math.Min(Remaining, scratch.Length)));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private void NextFrame()
    {
        Span<byte> head = stackalloc byte[FrameHeader.Size];
        _source.ReadExactly(head);
        FrameHeader header = FrameHeader.Read(head, _maxFrameBytes);
        if (header.Kind != FrameKind.Data || header.Has(FrameFlags.First) || header.Hose != Hose || header.Sequence != Sequence)
        {
            throw new ProtocolException("frames of another message interleaved with an unfinished message");
        }

        if (header.Length == 0)
        {
            throw new ProtocolException("empty continuation frame");
        }

        StartFrame(header);
    }

    private void StartFrame(FrameHeader header)
    {
        _framed += header.Length;
        if (_framed > Length)
        {
            throw new ProtocolException("frame lengths add up to more than the message length");
        }

        if (header.Has(FrameFlags.Last) != (_framed == Length))
        {
            throw new ProtocolException("the Last flag disagrees with the message length");
        }

        _frameLeft = header.Length;
        _checksummed = header.Has(FrameFlags.Checksummed);
        _crc = Crc32C.Seed;
        _expectedCrc = header.Checksum;
        if (_frameLeft == 0)
        {
            EndFrame();
        }
    }

    private void EndFrame()
    {
        if (_checksummed && Crc32C.Finish(_crc) != _expectedCrc)
        {
            throw new ProtocolException("frame checksum mismatch");
        }
    }
}
