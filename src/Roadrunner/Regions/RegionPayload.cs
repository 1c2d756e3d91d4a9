using System.Buffers;
using Roadrunner.Diagnostics;

namespace Roadrunner.Regions;

/// <summary>
/// One payload laid out in one or more memory-mapped regions. Reference counted so a fan-out can hand the same bytes
/// to several receivers; the regions go back to their owner (a local pool, or the remote sender that lent them) when
/// the last reference is released.
/// </summary>
internal sealed class RegionPayload : ITracedPayload
{
    private readonly IRegionOwner _owner;
    private int _references = 1;

    public RegionPayload(IRegionOwner owner, Chunk[] chunks, long length, long footprint)
    {
        _owner = owner;
        Chunks = chunks;
        Length = length;
        Footprint = footprint;
    }

    /// <summary>The regions in payload order, each with the bytes it holds.</summary>
    public Chunk[] Chunks { get; }

    /// <summary>Payload bytes.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Shortens a payload nobody else references yet (a claim committed with fewer bytes than it claimed): later chunks
    /// keep their regions (returned with the payload) but hold no bytes.
    /// </summary>
    public void Trim(long length)
    {
        if (length < 0 || length > Length || Volatile.Read(ref _references) != 1)
        {
            throw new InvalidOperationException($"Cannot trim a payload of {Length} bytes to {length}.");
        }

        long left = length;
        for (int i = 0; i < Chunks.Length; i++)
        {
            int keep = (int)Math.Min(left, Chunks[i].Length);
            Chunks[i] = Chunks[i] with { Length = keep };
            left -= keep;
        }

        Length = length;
    }

    /// <summary>Bytes taken from the owner's budget.</summary>
    public long Footprint { get; }

    /// <summary>The sender's trace context, carried to the span that delivers the payload from a queue (none by default).</summary>
    public TraceContext Trace { get; set; }

    /// <summary>The transport that brought the payload (a <see cref="RoadrunnerActivity"/> mode); null: in-process.</summary>
    public string? TraceMode { get; set; }

    /// <summary>The payload as a sequence over the regions, in place.</summary>
    public ReadOnlySequence<byte> AsSequence()
    {
        if (Chunks.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (Chunks.Length == 1)
        {
            return new ReadOnlySequence<byte>(Chunks[0].Memory);
        }

        var first = new Segment(Chunks[0].Memory, 0);
        Segment last = first;
        for (int i = 1; i < Chunks.Length; i++)
        {
            last = last.Append(Chunks[i].Memory);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> bytes) into the regions.</summary>
    public void Fill(ReadOnlySpan<byte> source)
    {
        foreach (Chunk chunk in Chunks)
        {
            source[..chunk.Length].CopyTo(chunk.Region.AsSpan(chunk.Length));
            source = source[chunk.Length..];
        }
    }

    /// <summary>Copies a multi-segment <paramref name="source"/> (exactly <see cref="Length"/> bytes) into the regions.</summary>
    public void Fill(ReadOnlySequence<byte> source)
    {
        foreach (Chunk chunk in Chunks)
        {
            source.Slice(0, chunk.Length).CopyTo(chunk.Region.AsSpan(chunk.Length));
            source = source.Slice(chunk.Length);
        }
    }

    /// <summary>Copies the payload out into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        foreach (Chunk chunk in Chunks)
        {
            chunk.Region.AsSpan(chunk.Length).CopyTo(destination);
            destination = destination[chunk.Length..];
        }
    }

    /// <summary>Adds a reference (one per extra receiver).</summary>
    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new InvalidOperationException("The payload was already released.");
        }
    }

    /// <summary>Drops a reference; the last one returns the regions.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _owner.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("The payload was released too often.");
        }
    }

    /// <summary>A region and how many payload bytes it holds.</summary>
    internal readonly record struct Chunk(MappedRegion Region, int Length)
    {
        public Memory<byte> Memory => Region.Memory[..Length];
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
