namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// Where one ring's asynchronous sends and claims wait for room, instead of each on a pool thread. Room comes back when
/// the receiving process releases slots and regions, and its only signal is the ring's futex, so some thread of this
/// process must sleep on it: one dedicated thread per ring, started while anything waits and ended shortly after
/// nothing is left, runs the waiting operations in order with the blocking path (the same waits, deadlines and reclaim as a
/// blocking send) and completes each awaiter. N waiting sends take one thread, and none of the pool's.
/// <para>
/// Cancellation follows the one rule (<see cref="SendOutcome"/>): a wait cancelled before its turn is dropped at once,
/// having taken nothing (<see cref="OperationCanceledException"/>); one under way sees its token in the blocking wait,
/// which gives back what it took; once the payload is published the token is ignored and the awaiter completes with
/// the outcome. A value produced (a claim) is always returned, never dropped because the token fired meanwhile.
/// </para>
/// </summary>
internal sealed class RingWaitQueue(string name)
{
    /// <summary>How long the thread stays for more work once none is left (a burst of waits starts it once).</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

    private readonly Queue<Waiter> _waiting = new();
    private bool _running;
    private int _pending; // queued or running

    /// <summary>True while operations wait or run: a new one queues behind them (keeps the order of async sends).</summary>
    public bool IsBusy => Volatile.Read(ref _pending) != 0;

    /// <summary>
    /// Queues <paramref name="operation"/> (given the token; it returns a status and, when Ok, a value) and returns
    /// its completion: the value, <see cref="OperationCanceledException"/> for a wait the token ended, else a
    /// <see cref="HoseException"/> naming <paramref name="what"/>.
    /// </summary>
    public Task<T> Enqueue<T>(Func<CancellationToken, (HoseStatus Status, T? Value)> operation, string what, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken); // it would have to wait: nothing taken, nothing sent
        }

        var waiter = new Waiter<T>(operation, what, cancellationToken);
        lock (_waiting)
        {
            _waiting.Enqueue(waiter);
            Interlocked.Increment(ref _pending);
            if (_running)
            {
                Monitor.Pulse(_waiting);
                return waiter.Task;
            }

            _running = true;
        }

        new Thread(Run) { IsBackground = true, Name = $"roadrunner-shm send {name}" }.Start();
        return waiter.Task;
    }

    private void Run()
    {
        while (true)
        {
            Waiter next;
            lock (_waiting)
            {
                if (_waiting.Count == 0 && !Monitor.Wait(_waiting, Linger) && _waiting.Count == 0)
                {
                    _running = false;
                    return;
                }

                if (!_waiting.TryDequeue(out next!))
                {
                    continue;
                }
            }

            next.Run();
            Interlocked.Decrement(ref _pending);
        }
    }

    private abstract class Waiter
    {
        public abstract void Run();
    }

    private sealed class Waiter<T> : Waiter
    {
        private const int Queued = 0;
        private const int Taken = 1; // running, or cancelled while queued

        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<CancellationToken, (HoseStatus Status, T? Value)> _operation;
        private readonly string _what;
        private readonly CancellationToken _token;
        private readonly ExecutionContext? _context = ExecutionContext.Capture(); // the caller's activity and async-locals
        private readonly CancellationTokenRegistration _registration;
        private int _state;

        public Waiter(Func<CancellationToken, (HoseStatus Status, T? Value)> operation, string what, CancellationToken token)
        {
            _operation = operation;
            _what = what;
            _token = token;
            _registration = token.UnsafeRegister(static self => ((Waiter<T>)self!).CancelQueued(), this);
        }

        public Task<T> Task => _completion.Task;

        public override void Run()
        {
            if (Interlocked.Exchange(ref _state, Taken) != Queued)
            {
                return; // cancelled before its turn
            }

            _registration.Dispose(); // from now on the token is the blocking wait's to look at
            if (_context is null)
            {
                Execute();
            }
            else
            {
                ExecutionContext.Run(_context, static self => ((Waiter<T>)self!).Execute(), this);
            }
        }

        private void CancelQueued()
        {
            if (Interlocked.Exchange(ref _state, Taken) == Queued)
            {
                _completion.TrySetCanceled(_token);
            }
        }

        private void Execute()
        {
            try
            {
                (HoseStatus status, T? value) = _operation(_token);
                SendOutcome.ThrowIfNotSent(status, _what, _token);
                _completion.TrySetResult(value!);
            }
            catch (OperationCanceledException) when (_token.IsCancellationRequested)
            {
                _completion.TrySetCanceled(_token);
            }
            catch (Exception e)
            {
                _completion.TrySetException(e);
            }
        }
    }
}
