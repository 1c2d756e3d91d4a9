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
