using System.Diagnostics;

namespace Roadrunner.Diagnostics;

/// <summary>
/// Roadrunner's spans, under the <see cref="ActivitySource"/> named <see cref="RoadrunnerMetrics.ActivitySourceName"/>:
/// <c>roadrunner.send</c> (<see cref="ActivityKind.Producer"/>) per send and <c>roadrunner.deliver</c>
/// (<see cref="ActivityKind.Consumer"/>) per payload handed to its receiver, tagged after the OpenTelemetry messaging
/// semantic conventions (<c>messaging.system</c>, <c>messaging.destination.name</c>, <c>messaging.operation.type</c>,
/// <c>messaging.message.body.size</c>) plus <c>roadrunner.mode</c>, <c>roadrunner.path</c> and <c>roadrunner.status</c>.
/// With nobody listening nothing is created and nothing allocated. See docs/observability.md.
/// </summary>
internal static class RoadrunnerActivity
{
    public const string SendName = "roadrunner.send";
    public const string DeliverName = "roadrunner.deliver";

    public const string InProcess = "in-process";
    public const string CrossProcess = "cross-process";
    public const string Network = "network";

    /// <summary>Into an idle push receiver, straight from the sender's bytes.</summary>
    public const string Direct = "direct";

    /// <summary>Into an idle push receiver, its pages mapped into the receiver's window (no copy).</summary>
    public const string Mapped = "mapped";

    /// <summary>Through the receiver's queue (pooled regions).</summary>
    public const string Queued = "queued";

    /// <summary>Cross-process: read straight out of the sending guest's memory file into an idle receiver.</summary>
    public const string Borrowed = "borrowed";

    /// <summary>Cross-process: the payload rode in the descriptor's slot.</summary>
    public const string Inline = "inline";

    /// <summary>Cross-process: in the sender's pooled regions, mapped by the receiver.</summary>
    public const string Regions = "regions";

    /// <summary>Larger than the bytes in flight (cross-process), or read from the socket straight into the receiver (network).</summary>
    public const string Streamed = "streamed";

    /// <summary>Network: the frame bodies went out with <c>sendfile</c> from a file (regions, or a guest's memory file): no user-space copy.</summary>
    public const string SendFile = "sendfile";

    /// <summary>Handed on to another sender (a route served over the network).</summary>
    public const string Forwarded = "forwarded";

    public static readonly ActivitySource Source = new(RoadrunnerMetrics.ActivitySourceName, "1.0");

    /// <summary>Where the payload an inbox is about to hand to a direct receiver came from (set for the call only).</summary>
    [ThreadStatic]
    private static Inbound t_direct;

    /// <summary>Starts a send span (child of the current activity, or of <paramref name="parent"/>); null when nobody listens.</summary>
    public static Activity? StartSend(string target, long bytes, string mode, ActivityContext parent = default)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity? span = Source.StartActivity(SendName, ActivityKind.Producer, parent);
        if (span is { IsAllDataRequested: true })
        {
            Tag(span, target, bytes, mode, "send");
        }

        return span;
    }

    /// <summary>Ends <paramref name="span"/> with <paramref name="status"/>; returns the status (for <c>return Sent(span, …)</c>).</summary>
    public static HoseStatus Ended(Activity? span, HoseStatus status)
    {
        if (span is not null)
        {
            span.SetTag("roadrunner.status", status.ToString());
            if (status is not HoseStatus.Ok and not HoseStatus.WouldBlock)
            {
                span.SetStatus(ActivityStatusCode.Error, status.ToString());
            }

            span.Dispose();
        }

        return status;
    }

    /// <summary>Ends an asynchronous send's span when it completes; the caller's current activity is given back at once.</summary>
    public static ValueTask Traced(Activity? span, ValueTask send)
    {
        if (span is null)
        {
            return send;
        }

        if (send.IsCompletedSuccessfully)
        {
            Ended(span, HoseStatus.Ok);
            return send;
        }

        Activity.Current = span.Parent; // the span stays current only inside the send
        return AwaitAsync(span, send);

        static async ValueTask AwaitAsync(Activity span, ValueTask send)
        {
            try
            {
                await send.ConfigureAwait(false);
                Ended(span, HoseStatus.Ok);
            }
            catch (HoseException e)
            {
                Ended(span, e.Status);
                throw;
            }
            catch (Exception e)
            {
                span.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                span.Dispose();
                throw;
            }
        }
    }

    /// <summary>Notes on the current send span which path the payload took (the span is the current activity while it sends).</summary>
    public static void TagPath(string path)
    {
        // HasListeners first: without a listener there is no span, and Activity.Current (an AsyncLocal) costs a hop.
        if (Source.HasListeners() && Activity.Current is { OperationName: SendName, IsAllDataRequested: true } span && span.Source == Source)
        {
            span.SetTag("roadrunner.path", path);
        }
    }

    /// <summary>
    /// Marks, for the duration of a direct delivery on this thread, where the payload came from; the receiver's
    /// <see cref="StartDirectDeliver"/> reads it. Without a mark the payload is an in-process send's (the current activity).
    /// </summary>
    public static DirectScope MarkDirect(in Inbound from)
    {
        if (from.Mode is null || !Source.HasListeners())
        {
            return default;
        }

        t_direct = from;
        return new DirectScope(true);
    }

    /// <summary>Starts the deliver span of a payload an idle receiver takes straight from its sender; null when nobody listens.</summary>
    public static Activity? StartDirectDeliver(string target, long bytes)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Inbound from = t_direct;
        t_direct = default; // taken: a send the receiver makes while handling it is a new, in-process one
        return StartDeliver(target, bytes, from.Mode ?? InProcess, from.Path ?? Direct, from.Trace);
    }

    /// <summary>Starts the deliver span of a payload taken from a queue; its parent is the context the payload carries.</summary>
    public static Activity? StartQueuedDeliver(string target, ITracedPayload payload) =>
        Source.HasListeners() ? StartDeliver(target, payload.Length, payload.TraceMode ?? InProcess, Queued, payload.Trace) : null;

    /// <summary>
    /// Starts the deliver span of a payload a transport hands on to another sender (a route): current while it is sent
    /// on, so the onward sends are its children.
    /// </summary>
    public static Activity? StartForwarded(string target, long bytes, in Inbound from) =>
        Source.HasListeners() ? StartDeliver(target, bytes, from.Mode ?? InProcess, Forwarded, from.Trace) : null;

    /// <summary>Stamps a payload about to be queued with where it came from (an in-process send: the current activity).</summary>
    public static void Stamp(ITracedPayload payload, in Inbound from)
    {
        payload.Trace = from.Mode is null ? TraceContext.Current : from.Trace;
        payload.TraceMode = from.Mode;
    }

    private static Activity? StartDeliver(string target, long bytes, string mode, string path, TraceContext trace)
    {
        Activity? span = Source.StartActivity(DeliverName, ActivityKind.Consumer, trace.AsParent(isRemote: mode != InProcess));
        if (span is { IsAllDataRequested: true })
        {
            Tag(span, target, bytes, mode, "process");
            span.SetTag("roadrunner.path", path);
        }

        return span;
    }

    private static void Tag(Activity span, string target, long bytes, string mode, string operation)
    {
        span.SetTag("messaging.system", "roadrunner");
        span.SetTag("messaging.destination.name", target);
        span.SetTag("messaging.operation.type", operation);
        span.SetTag("messaging.message.body.size", bytes);
        span.SetTag("roadrunner.mode", mode);
    }

    /// <summary>Where a payload handed to an inbox came from: its transport, the path it took and its sender's trace context.</summary>
    internal readonly record struct Inbound(string? Mode, string? Path, TraceContext Trace);

    /// <summary>Clears the direct-delivery mark when disposed.</summary>
    internal readonly struct DirectScope(bool set) : IDisposable
    {
        public void Dispose()
        {
            if (set)
            {
                t_direct = default;
            }
        }
    }
}
