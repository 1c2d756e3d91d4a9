namespace Roadrunner.Wasm;

/// <summary>
/// Lets one call at a time into a guest, and refuses at once, instead of deadlocking, a wait that could never end:
/// a call from the thread already inside (a re-entry: a .NET sender or directory reached from the guest's own import
/// calling back into it), or a wait that would close a cycle of threads each inside one guest and waiting for another
/// (A's call runs B while B's call runs A, on two threads).
/// </summary>
internal sealed class GuestGate(string name)
{
    /// <summary>How long a suspected cycle is given to resolve before it is called a deadlock (a stale read may fake one).</summary>
    private static readonly TimeSpan CycleRecheck = TimeSpan.FromMilliseconds(20);

    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private volatile ThreadMark? _owner;

    /// <summary>True when the calling thread is inside this guest.</summary>
    public bool IsHeldByCurrentThread => _owner == ThreadMark.Current;

    /// <summary>Waits until no other call is inside, then enters.</summary>
    /// <exception cref="InvalidOperationException">The calling thread is inside already, or waiting would deadlock.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public void Enter(CancellationToken cancellationToken)
    {
        ThreadMark me = ThreadMark.Current;
        if (_owner == me)
        {
            throw new InvalidOperationException($"Function '{name}' is already running on this thread; re-entering a guest from inside its own call is not allowed.");
        }

        if (!_semaphore.Wait(0))
        {
            WaitAsLongAsNoCycle(me, cancellationToken);
        }

        _owner = me;
    }

    /// <summary>Enters if nobody is inside (the calling thread included); never waits.</summary>
    public bool TryEnter()
    {
        if (!_semaphore.Wait(0))
        {
            return false;
        }

        _owner = ThreadMark.Current;
        return true;
    }

    /// <summary>Leaves; the caller must be inside.</summary>
    public void Exit()
    {
        _owner = null;
        _semaphore.Release();
    }

    /// <summary>Waits without blocking a thread until nobody is inside, and leaves it free (for disposal).</summary>
    public async ValueTask WaitUntilFreeAsync()
    {
        if (!_semaphore.Wait(0))
        {
            await _semaphore.WaitAsync().ConfigureAwait(false);
        }

        _semaphore.Release();
    }

    private void WaitAsLongAsNoCycle(ThreadMark me, CancellationToken cancellationToken)
    {
        // Publish what we wait for before looking at the others: of two threads closing a cycle at once, at least
        // one then sees the other's mark.
        Interlocked.Exchange(ref me.WaitingFor, this);
        try
        {
            while (ClosesCycle(me))
            {
                if (_semaphore.Wait(CycleRecheck, cancellationToken))
                {
                    return;
                }

                if (ClosesCycle(me))
                {
                    throw new InvalidOperationException($"Function '{name}' is running on another thread that waits for a function this thread is running; waiting for it would deadlock.");
                }
            }

            _semaphore.Wait(cancellationToken);
        }
        finally
        {
            Volatile.Write(ref me.WaitingFor, null);
        }
    }

    /// <summary>Follows "inside → waits for" from this gate; true when the chain comes back to <paramref name="me"/>.</summary>
    private bool ClosesCycle(ThreadMark me)
    {
        GuestGate? gate = this;
        for (int hops = 0; gate is not null && hops < 64; hops++)
        {
            ThreadMark? owner = gate._owner;
            if (owner is null)
            {
                return false;
            }

            if (owner == me)
            {
                return true;
            }

            gate = Volatile.Read(ref owner.WaitingFor);
        }

        return false;
    }

    /// <summary>One per thread: which gate the thread waits for, if any.</summary>
    private sealed class ThreadMark
    {
        [ThreadStatic]
        private static ThreadMark? t_current;

        public GuestGate? WaitingFor;

        public static ThreadMark Current => t_current ??= new ThreadMark();
    }
}
