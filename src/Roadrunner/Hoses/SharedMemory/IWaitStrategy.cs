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
    public static IWaitStrategy For(SharedMemoryWaitMode mode, int spinIterations) => mode switch
    {
        SharedMemoryWaitMode.Poll => new PollingWait(spinIterations),
        _ => new SpinThenFutexWait(mode == SharedMemoryWaitMode.Futex ? 0 : spinIterations),
    };
}

/// <summary>Spin briefly (cheap when the peer is busy and answers within microseconds), then block on the futex.</summary>
internal sealed unsafe class SpinThenFutexWait(int spinIterations) : IWaitStrategy
{
    public bool Spin(int* word, int observed)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < spinIterations; i++)
        {
            if (Volatile.Read(ref *word) != observed)
            {
                return true;
            }

            if (i < 64)
            {
                Thread.SpinWait(20);
            }
            else
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        return Volatile.Read(ref *word) != observed;
    }

    public void Wait(int* word, int observed, long timeoutMicroseconds) => Futex.Wait(word, observed, timeoutMicroseconds);
}

/// <summary>No futex: spin, then sleep in short slices (for platforms without futexes, and as a reference).</summary>
internal sealed unsafe class PollingWait(int spinIterations) : IWaitStrategy
{
    public bool Spin(int* word, int observed)
    {
        for (int i = 0; i < spinIterations; i++)
        {
            if (Volatile.Read(ref *word) != observed)
            {
                return true;
            }

            Thread.SpinWait(20);
        }

        return Volatile.Read(ref *word) != observed;
    }

    public void Wait(int* word, int observed, long timeoutMicroseconds)
    {
        if (Volatile.Read(ref *word) == observed)
        {
            Thread.Sleep(1);
        }
    }
}
