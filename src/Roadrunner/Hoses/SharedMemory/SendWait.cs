namespace Roadrunner.Hoses.SharedMemory;

/// <summary>How a send may wait for room: at all, until when, and what cancels it.</summary>
/// <param name="Wait">False: return <see cref="HoseStatus.WouldBlock"/> instead of waiting.</param>
/// <param name="Deadline">When a wait gives up with <see cref="HoseStatus.TimedOut"/>.</param>
/// <param name="Token">Cancels a wait (reported as <see cref="HoseStatus.TimedOut"/>).</param>
internal readonly record struct SendWait(bool Wait, Deadline Deadline, CancellationToken Token)
{
    /// <summary>Never waits.</summary>
    public static SendWait None => new(false, Deadline.Infinite, CancellationToken.None);

    /// <summary>Waits as long as it takes, unless cancelled.</summary>
    public static SendWait Forever(CancellationToken token) => new(true, Deadline.Infinite, token);

    /// <summary>Waits up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public static SendWait For(bool wait, TimeSpan timeout, CancellationToken token) => new(wait, Deadline.After(timeout), token);
}
