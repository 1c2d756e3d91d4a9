namespace Roadrunner.Hoses.Network;

/// <summary>A message (or an open) waiting for the receiver's Ack; completed with the status it carried or with a failure.</summary>
internal sealed class PendingAck
{
    private readonly TaskCompletionSource<HoseStatus> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HoseStatus> Task => _completion.Task;

    public void Complete(HoseStatus status) => _completion.TrySetResult(status);

    /// <summary>Blocks until the Ack or the deadline; <see cref="HoseStatus.TimedOut"/> after it.</summary>
    public HoseStatus Wait(Deadline deadline, CancellationToken cancellationToken)
    {
        try
        {
            return _completion.Task.Wait(deadline.Remaining, cancellationToken) ? _completion.Task.Result : HoseStatus.TimedOut;
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
