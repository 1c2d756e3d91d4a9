using System.Threading.Channels;

namespace Roadrunner.Hoses;

/// <summary>
/// Lets threads block until a queue has something to read or is completed. The wait is a monitor with its own
/// timeout: it needs no thread-pool thread to time out or to wake (a pool timer under a blocking wait made a 10 ms
/// wait last seconds while the pool was busy). Writers call <see cref="Wake"/>, which costs nothing with no one waiting.
/// </summary>
internal sealed class BlockingReadWait
{
    private readonly object _signal = new();
    private int _blocked;

    /// <summary>Waits until <paramref name="queue"/> holds a payload or is completed and empty.</summary>
    /// <returns>False when the timeout passed or the queue is completed and empty.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public bool Wait<T>(ChannelReader<T> queue, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (queue.Count > 0)
        {
            return true;
        }

        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        using CancellationTokenRegistration woken = cancellationToken.UnsafeRegister(static self => ((BlockingReadWait)self!).Wake(), this);
        lock (_signal)
        {
            // Counted before the queue is looked at, so a writer that queues after the look sees us and wakes us.
            Interlocked.Increment(ref _blocked);
            try
            {
                while (true)
                {
                    if (queue.Count > 0)
                    {
                        return true;
                    }

                    if (queue.Completion.IsCompleted)
                    {
                        return false;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0)
                    {
                        return false;
                    }

                    Monitor.Wait(_signal, (int)Math.Min(left, int.MaxValue));
                }
            }
            finally
            {
                Interlocked.Decrement(ref _blocked);
            }
        }
    }

    /// <summary>Wakes the threads blocked in <see cref="Wait"/> (cheap when there are none).</summary>
    public void Wake()
    {
        // Full fence: the write that made the queue non-empty or completed must not pass this read.
        if (Interlocked.CompareExchange(ref _blocked, 0, 0) == 0)
        {
            return;
        }

        lock (_signal)
        {
            Monitor.PulseAll(_signal);
        }
    }
}
