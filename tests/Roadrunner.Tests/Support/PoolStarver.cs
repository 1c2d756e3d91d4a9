namespace Roadrunner.Tests.Support;

/// <summary>
/// Keeps every thread-pool worker busy: queues far more blocking work items than the pool has threads (it adds
/// threads only slowly when starved), so work queued afterwards (timer callbacks, continuations) does not run until
/// <see cref="Dispose"/>. A probe queued last tells whether the pool really was starved.
/// </summary>
internal sealed class PoolStarver : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private int _probeRan;

    private readonly long _deadline;

    private PoolStarver(int blockers, TimeSpan guard)
    {
        _deadline = Environment.TickCount64 + (long)guard.TotalMilliseconds;
        var firstBlocked = new ManualResetEventSlim(); // not disposed: later blockers still set it
        for (int i = 0; i < blockers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(
                self =>
                {
                    firstBlocked.Set();
                    // One deadline for all: past it every blocker leaves at once, so a regression fails instead of hanging.
                    self._release.Wait((int)Math.Max(0, self._deadline - Environment.TickCount64));
                },
                this,
                preferLocal: false);
        }

        firstBlocked.Wait(guard);
        ThreadPool.UnsafeQueueUserWorkItem(self => Volatile.Write(ref self._probeRan, 1), this, preferLocal: false);
    }

    /// <summary>True when a work item queued after the blockers ran: the pool was not starved after all.</summary>
    public bool ProbeRan => Volatile.Read(ref _probeRan) != 0;

    /// <summary>Starves the pool until disposed (at most <paramref name="guard"/>).</summary>
    public static PoolStarver Start(TimeSpan guard) => new(blockers: 512, guard);

    public void Dispose() => _release.Set();
}
