using System.Diagnostics.CodeAnalysis;

namespace Roadrunner.Regions;

/// <summary>
/// A bounded count of bytes handed out first come, first served. Takers wait (cancellable, with a timeout) or fail
/// at once; a large request at the head of the line is not starved by small ones behind it.
/// </summary>
internal sealed class ByteBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _available;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _available = capacity;
    }

    /// <summary>Total bytes the budget can hand out.</summary>
    public long Capacity { get; }

    /// <summary>Bytes handed out now.</summary>
    public long InUse
    {
        get
        {
            lock (_gate)
            {
                return Capacity - _available;
            }
        }
    }

    /// <summary>Takes <paramref name="bytes"/> if they are free and nobody is waiting before us.</summary>
    public bool TryTake(long bytes)
    {
        lock (_gate)
        {
            if (_waiters.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                return true;
            }

            return false;
        }
    }

    /// <summary>Waits for <paramref name="bytes"/>, blocking the thread.</summary>
    /// <returns>False when the timeout passed first, or the request can never be met.</returns>
    public bool Take(long bytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!TryEnqueue(bytes, out Waiter? waiter, out bool granted))
        {
            return granted;
        }

        try
        {
            if (waiter.Completion.Task.Wait(timeout, cancellationToken))
            {
                return true;
            }
        }
        catch (OperationCanceledException)
        {
            Abandon(waiter);
            throw;
        }

        Abandon(waiter);
        return false;
    }

    /// <summary>Waits for <paramref name="bytes"/> asynchronously.</summary>
    /// <returns>False when the request can never be met (more than the capacity).</returns>
    public async ValueTask<bool> TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (!TryEnqueue(bytes, out Waiter? waiter, out bool granted))
        {
            return granted;
        }

        try
        {
            await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            Abandon(waiter);
            throw;
        }
    }

    /// <summary>Gives bytes back and wakes the waiters they now satisfy, in order.</summary>
    public void Return(long bytes)
    {
        List<Waiter>? granted = null;
        lock (_gate)
        {
            _available += bytes;
            if (_available > Capacity)
            {
                throw new InvalidOperationException("More bytes returned than taken.");
            }

            while (_waiters.First is { } head && head.Value.Bytes <= _available)
            {
                _available -= head.Value.Bytes;
                _waiters.RemoveFirst();
                (granted ??= []).Add(head.Value);
            }
        }

        if (granted is not null)
        {
            foreach (Waiter waiter in granted)
            {
                if (!waiter.Completion.TrySetResult(true))
                {
                    // The waiter gave up at the same moment: its bytes go back.
                    Return(waiter.Bytes);
                }
            }
        }
    }

    /// <summary>Grants at once when possible; otherwise joins the line.</summary>
    /// <returns>True when the caller must wait on <paramref name="waiter"/>; else <paramref name="granted"/> says the outcome.</returns>
    private bool TryEnqueue(long bytes, [NotNullWhen(true)] out Waiter? waiter, out bool granted)
    {
        waiter = null;
        granted = false;
        if (bytes > Capacity)
        {
            return false;
        }

        lock (_gate)
        {
            if (_waiters.Count == 0 && _available >= bytes)
            {
                _available -= bytes;
                granted = true;
                return false;
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
            return true;
        }
    }

    /// <summary>Leaves the line after a timeout or cancellation, giving back bytes granted in the meantime.</summary>
    private void Abandon(Waiter waiter)
    {
        bool stillWaiting;
        lock (_gate)
        {
            stillWaiting = waiter.Node!.List is not null;
            if (stillWaiting)
            {
                _waiters.Remove(waiter.Node);
            }
        }

        if (!stillWaiting && !waiter.Completion.TrySetCanceled())
        {
            // Granted while we gave up: keep nothing.
            Return(waiter.Bytes);
        }

        // Our leaving may let the next waiter in.
        Return(0);
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
