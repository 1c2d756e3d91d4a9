namespace Roadrunner.Hoses.Network;

/// <summary>
/// A message (or an open) waiting for the receiver's Ack; completed once, with the status it carried or with a failure.
/// Its waiters block on this object's monitor. Besides completion, a waiter can be nudged: "nobody reads the socket
/// now, come and read it yourself" (see <see cref="AckReader"/>).
/// </summary>
internal sealed class PendingAck
{
    private readonly object _lock = new(); // a monitor (Wait/Pulse), not a Lock
    private volatile bool _completed;
    private bool _nudged;
    private HoseStatus _status;

    public bool IsCompleted => _completed;

    /// <summary>The status it was completed with (meaningful once <see cref="IsCompleted"/>).</summary>
    public HoseStatus Status => _status;

    public void Complete(HoseStatus status)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _status = status;
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Wakes the waiters without completing: the reader role is free.</summary>
    public void Nudge()
    {
        lock (_lock)
        {
            _nudged = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Blocks until completed, nudged or <paramref name="timeout"/>; true when completed.</summary>
    public bool WaitCompletedOrNudged(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (!_completed && !_nudged)
            {
                Monitor.Wait(_lock, timeout);
            }

            _nudged = false;
            return _completed;
        }
    }
}

/// <summary>
/// A point in time a blocking send must finish by: one value threaded through every wait of the send (connect, credit,
/// the write lock, the write, the Ack), so the send returns by its own limit.
/// </summary>
internal readonly record struct Deadline(long At)
{
    public static Deadline After(TimeSpan timeout) =>
        new(timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds));

    public TimeSpan Remaining => At == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, At - Environment.TickCount64));

    /// <summary>What is left, but at most <paramref name="span"/>.</summary>
    public TimeSpan AtMost(TimeSpan span)
    {
        TimeSpan left = Remaining;
        return left == Timeout.InfiniteTimeSpan || left > span ? span : left;
    }

    public bool Passed => At != long.MaxValue && Environment.TickCount64 >= At;
}
