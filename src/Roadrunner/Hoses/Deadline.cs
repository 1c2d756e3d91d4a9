namespace Roadrunner.Hoses;

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

    /// <summary>No limit.</summary>
    public static Deadline Infinite => new(long.MaxValue);

    public bool IsInfinite => At == long.MaxValue;

    /// <summary>Milliseconds left (0 once passed); meaningless when <see cref="IsInfinite"/>.</summary>
    public long MillisecondsLeft => Math.Max(0, At - Environment.TickCount64);
}
