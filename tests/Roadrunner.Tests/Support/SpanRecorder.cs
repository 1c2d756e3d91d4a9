using System.Diagnostics;
using Roadrunner.Diagnostics;

namespace Roadrunner.Tests.Support;

/// <summary>Records every Roadrunner span that ends while it listens; waits for one on an event, never by sleeping.</summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly List<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RoadrunnerMetrics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                lock (_stopped)
                {
                    _stopped.Add(span);
                    Monitor.PulseAll(_stopped);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The one ended span named <paramref name="operation"/> for <paramref name="target"/>, waiting up to 20 s for it.</summary>
    public Activity Single(string operation, string target)
    {
        long deadline = Environment.TickCount64 + 20_000;
        lock (_stopped)
        {
            while (true)
            {
                Activity[] found = [.. _stopped.Where(s => s.OperationName == operation && Equals(s.GetTagItem("messaging.destination.name"), target))];
                if (found.Length > 0)
                {
                    Assert.That(found, Has.Length.EqualTo(1), $"one {operation} span for {target}");
                    return found[0];
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_stopped, (int)left))
                {
                    Assert.Fail($"no {operation} span for {target} within 20 s");
                }
            }
        }
    }

    /// <summary>Every span named <paramref name="operation"/> for <paramref name="target"/> that ended so far.</summary>
    public IReadOnlyList<Activity> All(string operation, string target)
    {
        lock (_stopped)
        {
            return [.. _stopped.Where(s => s.OperationName == operation && Equals(s.GetTagItem("messaging.destination.name"), target))];
        }
    }

    public void Dispose() => _listener.Dispose();
}
