using System.Diagnostics;

namespace Roadrunner.Diagnostics;

/// <summary>
/// The W3C trace context of a payload's send span in binary form (https://www.w3.org/TR/trace-context/, the
/// <c>traceparent</c> fields): trace-id 16 bytes, parent-id 8 bytes, trace-flags 1 byte. The traceparent version is
/// implied (00) by the ring or protocol version that carries it. All zero means "no context" (the W3C invalid value).
/// </summary>
internal readonly record struct TraceContext(ActivityTraceId TraceId, ActivitySpanId SpanId, ActivityTraceFlags Flags)
{
    /// <summary>Bytes on the wire / in a ring slot.</summary>
    public const int Size = 25;

    /// <summary>True when there is a context to carry (a nonzero trace id).</summary>
    public bool IsValid => TraceId != default;

    /// <summary>The context of the current activity (the send span), or none; reads nothing else and allocates nothing.</summary>
    public static TraceContext Current => Activity.Current is { } current && current.IdFormat == ActivityIdFormat.W3C
        ? new TraceContext(current.TraceId, current.SpanId, current.ActivityTraceFlags)
        : default;

    /// <summary>As the parent of a span started on the receiving side.</summary>
    public ActivityContext AsParent(bool isRemote) => IsValid ? new ActivityContext(TraceId, SpanId, Flags, isRemote: isRemote) : default;

    /// <summary>Writes the 25 bytes (all zero when invalid).</summary>
    public void Write(Span<byte> destination)
    {
        if (!IsValid)
        {
            destination[..Size].Clear();
            return;
        }

        TraceId.CopyTo(destination[..16]);
        SpanId.CopyTo(destination.Slice(16, 8));
        destination[24] = (byte)Flags;
    }

    /// <summary>Reads 25 bytes; all-zero or otherwise invalid ids (a zero span id with a trace id) read as no context.</summary>
    public static TraceContext Read(ReadOnlySpan<byte> source)
    {
        ReadOnlySpan<byte> traceId = source[..16];
        ReadOnlySpan<byte> spanId = source.Slice(16, 8);
        if (!traceId.ContainsAnyExcept((byte)0) || !spanId.ContainsAnyExcept((byte)0))
        {
            return default;
        }

        return new TraceContext(ActivityTraceId.CreateFromBytes(traceId), ActivitySpanId.CreateFromBytes(spanId), (ActivityTraceFlags)(source[24] & 1));
    }
}
