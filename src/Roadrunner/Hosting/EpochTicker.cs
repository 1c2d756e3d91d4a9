using Wasmtime;

namespace Roadrunner.Hosting;

/// <summary>
/// Advances an engine's epoch at a fixed period, so a store's epoch deadline becomes a wall-clock time limit: a guest
/// that runs past it traps instead of wedging the thread that called it.
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    /// <summary>Time between ticks; deadlines are whole ticks.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private readonly Timer _timer;

    public EpochTicker(Engine engine)
    {
        _timer = new Timer(static state => ((Engine)state!).IncrementEpoch(), engine, Period, Period);
    }

    /// <summary>The number of ticks that covers <paramref name="limit"/> (at least one).</summary>
    public static ulong TicksFor(TimeSpan limit) => (ulong)Math.Max(1, Math.Ceiling(limit / Period));

    public void Dispose()
    {
        using var stopped = new ManualResetEvent(false);
        _timer.Dispose(stopped);
        stopped.WaitOne();
    }
}
