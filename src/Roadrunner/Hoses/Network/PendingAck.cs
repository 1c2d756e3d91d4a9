namespace Roadrunner.Hoses.Network;

/// <summary>
/// A message (or an open) waiting for the receiver's Ack; completed once, with the status it carried or with a failure.
/// The sender blocks on an event that the Ack reader sets directly (a task's waiter would be woken through the thread
/// pool: one more hop per message).
/// </summary>
internal sealed class PendingAck
{
    private readonly ManualResetEventSlim _done = new(false, spinCount: 20);
    private int _completed;
    private volatile int _status;

    public bool IsCompleted => _done.IsSet;

    public void Complete(HoseStatus status)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _status = (int)status;
            _done.Set();
        }
    }

    /// <summary>Blocks until the Ack or the deadline; <see cref="HoseStatus.TimedOut"/> after it.</summary>
    public HoseStatus Wait(Deadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            return _done.Wait(deadline.Remaining, cancellationToken) ? (HoseStatus)_status : HoseStatus.TimedOut;
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }
    }
}

/// <summary>A point in time a blocking send must finish by.</summary>
internal readonly record struct Deadline(long At)
{
    public static Deadline After(TimeSpan timeout) =>
        new(timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Max(0, timeout.TotalMilliseconds));

    public TimeSpan Remaining => At == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, At - Environment.TickCount64));

    /// <summary>This deadline, or <paramref name="span"/> from now if that is later.</summary>
    public Deadline AtLeast(TimeSpan span) => new(Math.Max(At, Environment.TickCount64 + (long)span.TotalMilliseconds));

    public bool Passed => At != long.MaxValue && Environment.TickCount64 >= At;
}
