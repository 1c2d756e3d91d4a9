namespace Roadrunner.Hoses;

/// <summary>
/// How long a delivery may wait for room in an inbox (a queue slot, or regions in its pool): until
/// <see cref="Deadline"/>, unless <see cref="Cancellation"/> fires first. A transport whose wait depends on something
/// else sets <see cref="KeepWaiting"/>: the wait then goes on in slices of <see cref="Slice"/> for as long as it
/// answers true (a ring receiver waits while its sender lives and the receiver runs).
/// </summary>
/// <param name="Deadline">When the wait gives up with <see cref="HoseStatus.TimedOut"/>.</param>
/// <param name="Cancellation">Ends the wait with <see cref="HoseStatus.TimedOut"/> (sync paths report, never throw).</param>
internal readonly record struct InboxWait(Deadline Deadline, CancellationToken Cancellation = default)
{
    /// <summary>Asked after each slice that ended without room: false gives up (<see cref="HoseStatus.TimedOut"/>). Null: one wait to the deadline.</summary>
    public Func<bool>? KeepWaiting { get; init; }

    /// <summary>The longest single wait when <see cref="KeepWaiting"/> is set.</summary>
    public TimeSpan Slice { get; init; }

    /// <summary>How long the next single wait may last.</summary>
    internal TimeSpan NextSlice => KeepWaiting is null ? Deadline.Remaining : Deadline.AtMost(Slice);

    /// <summary>After a slice without room: true to wait another slice.</summary>
    internal bool GoesOn() => KeepWaiting is not null && !Deadline.Passed && !Cancellation.IsCancellationRequested && KeepWaiting();
}
