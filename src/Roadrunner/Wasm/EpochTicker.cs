using Wasmtime;

namespace Roadrunner.Wasm;

/// <summary>
/// Advances an engine's epoch at a fixed period, so a store's epoch deadline becomes a wall-clock time limit: a guest
/// that runs past it traps instead of wedging the thread that called it. A dedicated thread that sleeps between ticks:
/// a thread-pool timer woke a pool worker for every tick, which then spun looking for more work (an idle host burnt
/// about 6% of a core).
/// </summary>
internal sealed class EpochTicker : IDisposable
{
    /// <summary>Time between ticks; deadlines are whole ticks.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private readonly ManualResetEvent _stop = new(false);
    private readonly Thread _thread;

    public EpochTicker(Engine engine)
    {
        _thread = new Thread(() => Tick(engine)) { IsBackground = true, Name = "roadrunner-epoch" };
        _thread.Start();
    }

    /// <summary>The number of ticks that covers <paramref name="limit"/> (at least one).</summary>
    public static ulong TicksFor(TimeSpan limit) => (ulong)Math.Max(1, Math.Ceiling(limit / Period));

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }

    private void Tick(Engine engine)
    {
        while (!_stop.WaitOne(Period))
        {
            engine.IncrementEpoch();
        }
    }
}
