using System.Diagnostics;
using Roadrunner.Diagnostics;

namespace Roadrunner.Peer;

/// <summary>
/// Listens to Roadrunner's spans (with <c>--trace on</c>) and remembers the last <c>roadrunner.deliver</c> span per
/// receiver, so a test in another process can check that the sender's trace context arrived: command
/// <c>trace NAME</c> answers "TRACEID PARENTSPANID MODE PATH" (W3C hex), waiting up to 20 s for the first one, else "none".
/// </summary>
internal sealed class TraceRecorder : IDisposable
{
    private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);
    private readonly ActivityListener _listener;

    public TraceRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RoadrunnerMetrics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public string Last(string name)
    {
        long deadline = Environment.TickCount64 + 20_000;
        lock (_last)
        {
            string? last;
            while (!_last.TryGetValue(name, out last) && Monitor.Wait(_last, (int)Math.Max(0, deadline - Environment.TickCount64)))
            {
            }

            return last ?? "none";
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Activity span)
    {
        if (span.OperationName == "roadrunner.deliver" && span.GetTagItem("messaging.destination.name") is string name)
        {
            lock (_last)
            {
                _last[name] = $"{span.TraceId.ToHexString()} {span.ParentSpanId.ToHexString()} {span.GetTagItem("roadrunner.mode")} {span.GetTagItem("roadrunner.path")}";
                Monitor.PulseAll(_last);
            }
        }
    }
}
