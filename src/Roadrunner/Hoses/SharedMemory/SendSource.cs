using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>The bytes of one send: a span, or a sequence (from an async send). Copied, never kept.</summary>
internal readonly ref struct SendSource
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly ReadOnlySequence<byte> _sequence;

    public SendSource(ReadOnlySpan<byte> span) => _span = span;

    public SendSource(ReadOnlySequence<byte> sequence)
    {
        _sequence = sequence;
        IsSequence = true;
    }

    /// <summary>True when the bytes are a sequence (they cannot be borrowed in place then).</summary>
    public bool IsSequence { get; }

    /// <summary>The bytes of a span source.</summary>
    public ReadOnlySpan<byte> Span => _span;

    public long Length => IsSequence ? _sequence.Length : _span.Length;

    public void CopyTo(Span<byte> destination)
    {
        if (IsSequence)
        {
            _sequence.CopyTo(destination);
        }
        else
        {
            _span.CopyTo(destination);
        }
    }

    /// <summary>Copies every byte into <paramref name="payload"/>.</summary>
    public void Fill(RegionPayload payload)
    {
        if (IsSequence)
        {
            payload.Fill(_sequence);
        }
        else
        {
            payload.Fill(_span);
        }
    }

    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="start"/> into <paramref name="payload"/>.</summary>
    public void FillSlice(RegionPayload payload, long start, int length)
    {
        if (IsSequence)
        {
            payload.Fill(_sequence.Slice(start, length));
        }
        else
        {
            payload.Fill(_span.Slice((int)start, length));
        }
    }
}
