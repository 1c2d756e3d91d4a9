namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// How a side of a ring waits for the other to move a shared counter. The caller has already announced that it waits
/// (so the peer knows to wake it) and re-checked the counter; the strategy then spins and/or sleeps, always bounded.
/// </summary>
internal unsafe interface IWaitStrategy
{
    /// <summary>Waits until <c>*word != observed</c>, a wake-up, or <paramref name="timeoutMicroseconds"/>.</summary>
    void Wait(int* word, int observed, long timeoutMicroseconds);

    /// <summary>Spins up to the strategy's budget waiting for <c>*word != observed</c>; true when it changed.</summary>
    bool Spin(int* word, int observed);

    /// <summary>Picks the strategy for the options.</summary>
    public static IWaitStrategy For(SharedMemoryWaitMode mode, TimeSpan spin) => mode switch
    {
        SharedMemoryWaitMode.Poll => new PollingWait(spin),
        _ => new SpinThenFutexWait(mode == SharedMemoryWaitMode.Futex ? TimeSpan.Zero : spin),
    };

    /// <summary>
    /// Busy-waits until the word changes or <paramref name="budgetTicks"/> Stopwatch ticks pass: pause instructions for
    /// the first 2 µs (a peer that answers at once is seen at once), then a yield between checks, so a spinner never
    /// holds a core another thread wants. On two cores that other thread is often the very one being waited for, or
    /// the one that must run before it can answer.
    /// </summary>
    public static bool SpinFor(int* word, int observed, long budgetTicks)
    {
        if (budgetTicks <= 0)
        {
            return Volatile.Read(ref *word) != observed;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        long end = start + budgetTicks;
        long yieldAfter = start + (System.Diagnostics.Stopwatch.Frequency / 500_000);
        while (true)
        {
            for (int i = 0; i < 16; i++)
            {
                if (Volatile.Read(ref *word) != observed)
                {
                    return true;
                }

                Thread.SpinWait(4);
            }

            if (System.Diagnostics.Stopwatch.GetTimestamp() >= yieldAfter)
            {
                Thread.Yield();
            }

            if (System.Diagnostics.Stopwatch.GetTimestamp() >= end)
            {
                return Volatile.Read(ref *word) != observed;
            }
        }
    }

    /// <summary>
    /// Polls until <c>*word == expected</c> or <paramref name="budgetTicks"/> Stopwatch ticks pass, yielding the core to
    /// anyone who wants it between checks: for a wait known to last about that long, shorter than a futex wake-up.
    /// </summary>
    public static void YieldFor(long* word, long expected, long budgetTicks)
    {
        long end = System.Diagnostics.Stopwatch.GetTimestamp() + budgetTicks;
        while (Volatile.Read(ref *word) != expected && System.Diagnostics.Stopwatch.GetTimestamp() < end)
        {
            Thread.Yield();
        }
    }
}

/// <summary>Spin briefly (cheap when the peer is busy and answers within microseconds), then block on the futex.</summary>
internal sealed unsafe class SpinThenFutexWait(TimeSpan spin) : IWaitStrategy
{
    private readonly long _budget = (long)(spin.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    public bool Spin(int* word, int observed) => IWaitStrategy.SpinFor(word, observed, _budget);

    public void Wait(int* word, int observed, long timeoutMicroseconds) => Futex.Wait(word, observed, timeoutMicroseconds);
}

/// <summary>No futex: spin, then sleep in short slices (for platforms without futexes, and as a reference).</summary>
internal sealed unsafe class PollingWait(TimeSpan spin) : IWaitStrategy
{
    private readonly long _budget = (long)(spin.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    public bool Spin(int* word, int observed) => IWaitStrategy.SpinFor(word, observed, _budget);

    public void Wait(int* word, int observed, long timeoutMicroseconds)
    {
        if (Volatile.Read(ref *word) == observed)
        {
            Thread.Sleep(1);
        }
    }
}
