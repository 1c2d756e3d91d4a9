using System.Runtime.InteropServices;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>What the receiver does with a descriptor the <see cref="PayloadAssembler"/> took.</summary>
internal enum AssemblyStep
{
    /// <summary>The ring is broken (see <see cref="AssemblyDecision.Error"/>): fail the hose.</summary>
    Fail,

    /// <summary>A chunk of a region payload; more follow before it can be delivered.</summary>
    Wait,

    /// <summary>A whole payload in the slot itself.</summary>
    Inline,

    /// <summary>A whole payload borrowed from the sending guest's memory.</summary>
    Borrowed,

    /// <summary>A region payload is complete: its descriptors are <see cref="PayloadAssembler.Pending"/>.</summary>
    Regions,

    /// <summary>A chunk of a streamed payload: copy it out at <see cref="AssemblyDecision.Position"/>.</summary>
    StreamChunk,
}

/// <summary>The assembler's decision for one descriptor.</summary>
/// <param name="Step">What to do.</param>
/// <param name="Error">Why the ring is broken (<see cref="AssemblyStep.Fail"/> only).</param>
/// <param name="Position">Where a stream chunk goes in its payload (bytes).</param>
/// <param name="StartsStream">The chunk is a stream's first: rent room for the whole payload first.</param>
/// <param name="EndsStream">The chunk is a stream's last: deliver the payload after it.</param>
/// <param name="InPlace">A complete region payload starts each chunk at offset 0, so it can be leased in place.</param>
internal readonly record struct AssemblyDecision(AssemblyStep Step, string? Error = null, long Position = 0, bool StartsStream = false, bool EndsStream = false, bool InPlace = false)
{
    public static AssemblyDecision Failed(string error) => new(AssemblyStep.Fail, error);
}

/// <summary>
/// The receiver's reassembly state machine, without any I/O: descriptors in ring order in, one decision each out.
/// It checks each descriptor (sequence, flags, bounds) and how descriptors may follow each other: an inline or
/// borrowed payload stands alone; region chunks of one payload follow each other and add up to its length; a stream's
/// chunks follow each other and fill its length exactly; nothing interleaves with a payload in progress.
/// </summary>
internal sealed class PayloadAssembler(long maxPayloadBytes)
{
    private readonly List<Descriptor> _pending = [];
    private bool _regionsDone; // the pending chunks were handed out as a whole payload: start afresh
    private bool _streaming;
    private long _streamLength;
    private long _streamPosition;

    /// <summary>The sequence the next descriptor must carry (how many were taken).</summary>
    public long Next { get; private set; }

    /// <summary>The chunks of the region payload in progress, or (after <see cref="AssemblyStep.Regions"/>) complete.</summary>
    public ReadOnlySpan<Descriptor> Pending => _regionsDone || _pending.Count > 0 ? CollectionsMarshal.AsSpan(_pending) : default;

    /// <summary>
    /// What is lost if the sender dies now: the chunks of a region payload in progress, plus one for a stream in
    /// progress (the count the "partial payloads dropped" log reports).
    /// </summary>
    public int Partial => (_regionsDone ? 0 : _pending.Count) + (_streaming ? 1 : 0);

    /// <summary>Takes the next descriptor; a failed one is not taken.</summary>
    public AssemblyDecision Take(in Descriptor d)
    {
        if (_regionsDone)
        {
            _pending.Clear();
            _regionsDone = false;
        }

        long sequence = Next;
        string? error = d.Validate(sequence, maxPayloadBytes);
        if (error is not null)
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: {error}");
        }

        Next++;
        if (d.IsInline || d.IsBorrowed)
        {
            return _streaming || _pending.Count > 0
                ? AssemblyDecision.Failed($"descriptor {sequence}: {(d.IsInline ? "inline payload" : "borrowed bytes")} inside a chunked payload")
                : new AssemblyDecision(d.IsInline ? AssemblyStep.Inline : AssemblyStep.Borrowed);
        }

        return d.IsStreamed ? TakeStreamed(d, sequence) : TakeRegion(d, sequence);
    }

    /// <summary>The hose ends: partial payloads are dropped.</summary>
    public void Reset()
    {
        _pending.Clear();
        _regionsDone = false;
        _streaming = false;
    }

    private AssemblyDecision TakeRegion(in Descriptor d, long sequence)
    {
        if (_streaming || (_pending.Count > 0 && _pending[0].PayloadLength != d.PayloadLength))
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: chunk does not continue the payload in progress");
        }

        _pending.Add(d);
        long sum = 0;
        bool inPlace = true;
        foreach (Descriptor chunk in _pending)
        {
            sum += chunk.Length;
            inPlace &= chunk.Offset == 0;
        }

        if (sum > d.PayloadLength || (d.HasMoreChunks && sum == d.PayloadLength && d.PayloadLength > 0) || (!d.HasMoreChunks && sum != d.PayloadLength))
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: chunks add up to {sum}, not {d.PayloadLength}");
        }

        if (d.HasMoreChunks)
        {
            return new AssemblyDecision(AssemblyStep.Wait);
        }

        _regionsDone = true;
        return new AssemblyDecision(AssemblyStep.Regions, InPlace: inPlace);
    }

    private AssemblyDecision TakeStreamed(in Descriptor d, long sequence)
    {
        if (_pending.Count > 0)
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: a stream starts inside another payload");
        }

        bool starts = !_streaming;
        if (starts)
        {
            _streamLength = d.PayloadLength;
            _streamPosition = 0;
        }
        else if (_streamLength != d.PayloadLength)
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: stream length changed");
        }

        long end = _streamPosition + d.Length;
        if (end > d.PayloadLength || (d.HasMoreChunks && end == d.PayloadLength) || (!d.HasMoreChunks && end != d.PayloadLength))
        {
            return AssemblyDecision.Failed($"descriptor {sequence}: stream chunk does not fit");
        }

        long position = _streamPosition;
        _streamPosition = end;
        _streaming = d.HasMoreChunks;
        return new AssemblyDecision(AssemblyStep.StreamChunk, Position: position, StartsStream: starts, EndsStream: !d.HasMoreChunks);
    }
}
