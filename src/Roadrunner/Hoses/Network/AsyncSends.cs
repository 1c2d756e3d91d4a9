using System.Buffers;
using System.Diagnostics;
using Roadrunner.Diagnostics;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// The asynchronous sends of one network hose, without a pool thread: a writer thread takes them in order and does
/// what a blocking send does before its message is published (order after try-sends, connection, credit, the write),
/// then hands each published message to an Ack thread, which waits for the Acks in order with the connection's own Ack
/// protocol (on plain TCP it reads the socket itself, completing every Ack on the way; with TLS the connection's reader
/// completes them) and completes the awaiters. So the writer goes on writing while Acks are outstanding (messages are
/// pipelined as concurrent blocking sends are), N waiting sends take two threads, and each thread lingers briefly when
/// idle and then ends.
/// <para>
/// The cancellation rule (docs/network.md): a send cancelled before the writer reaches it throws
/// <see cref="OperationCanceledException"/> at once, having taken nothing; one being written is withdrawn as a blocking
/// send's is (<see cref="OperationCanceledException"/>); once published, the awaiter gets the Ack's status, or
/// <see cref="HoseException"/> with <see cref="HoseStatus.PeerFailed"/> when the wait is given up (outcome unknown).
/// </para>
/// </summary>
internal sealed class AsyncSends(AsyncSends.IPublisher sender)
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

    private readonly IPublisher _sender = sender;

    /// <summary>What an asynchronous send calls: a hose (<see cref="NetworkSender"/>) or a replica set (<see cref="NetworkReplicaSender"/>).</summary>
    internal interface IPublisher
    {
        string Name { get; }

        /// <summary>The <c>roadrunner.send</c> span of one asynchronous send, if the hose traces its sends.</summary>
        Activity? StartSpan(long length);

        /// <summary>Everything a blocking send does before the Ack; Ok once published, the Ack to wait for in <paramref name="published"/>.</summary>
        HoseStatus Publish(ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken cancellationToken, out NetworkSender.Published published);

        /// <summary>The Ack of a published message came (or its wait was given up), with <paramref name="status"/>.</summary>
        void Acked(in NetworkSender.Published published, HoseStatus status);
    }

    private readonly Worker _writer = new($"roadrunner-net-send {sender.Name}");
    private readonly Worker _acks = new($"roadrunner-net-acks {sender.Name}");

    /// <summary>
    /// Queues a send of <paramref name="payload"/> (the caller keeps its memory until the task completes);
    /// <paramref name="done"/>, if given, is called on the completing thread once the task has completed (a fan-out
    /// joins its nodes' sends with it, without a pool thread).
    /// </summary>
    public Task Enqueue(ReadOnlySequence<byte> payload, TimeSpan timeout, CancellationToken cancellationToken, Action? done = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            done?.Invoke();
            return Task.FromCanceled(cancellationToken); // before anything: nothing sent
        }

        var send = new Send(this, payload, Deadline.After(timeout), cancellationToken, done);
        _writer.Post(send.Write);
        return send.Task;
    }

    /// <summary>One asynchronous send, from its queueing to its Ack.</summary>
    private sealed class Send
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly AsyncSends _owner;
        private readonly ReadOnlySequence<byte> _payload;
        private readonly Deadline _deadline;
        private readonly CancellationToken _token;
        private readonly CancellationTokenRegistration _registration;
        private readonly Action? _done;
        private ExecutionContext? _context = ExecutionContext.Capture(); // the caller's activity, then the send span's
        private Activity? _span;
        private NetworkSender.Published _published;
        private int _taken; // 1 once the writer took it, or it was cancelled while queued

        public Send(AsyncSends owner, ReadOnlySequence<byte> payload, Deadline deadline, CancellationToken token, Action? done)
        {
            _done = done;
            _owner = owner;
            _payload = payload;
            _deadline = deadline;
            _token = token;
            _registration = token.UnsafeRegister(static self => ((Send)self!).CancelQueued(), this);
        }

        public Task Task => _completion.Task;

        /// <summary>On the writer thread: everything before the Ack.</summary>
        public void Write()
        {
            if (Interlocked.Exchange(ref _taken, 1) != 0)
            {
                return; // cancelled before its turn
            }

            _registration.Dispose(); // from now on the token is the send's own to look at
            InContext(static self => self.WriteInContext());
        }

        /// <summary>On the Ack thread: waits for the Ack and completes the awaiter.</summary>
        public void AwaitAck() => InContext(static self =>
        {
            HoseStatus status;
            try
            {
                status = self._published.AwaitAck(self._deadline, self._token); // never a wait's TimedOut: published
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or ProtocolException)
            {
                status = HoseStatus.PeerFailed; // written: the outcome is unknown
            }

            self._owner._sender.Acked(self._published, status);
            self.Complete(status);
        });

        private void WriteInContext()
        {
            _span = _owner._sender.StartSpan(_payload.Length);
            HoseStatus status;
            try
            {
                status = _owner._sender.Publish(_payload, _deadline, _token, out _published);
            }
            catch (Exception e)
            {
                RoadrunnerActivity.Ended(_span, HoseStatus.Internal);
                _completion.TrySetException(e);
                _done?.Invoke();
                return;
            }

            if (status != HoseStatus.Ok)
            {
                Complete(status);
                return;
            }

            _context = ExecutionContext.Capture(); // the Ack thread ends the span in the context that holds it
            _owner._acks.Post(AwaitAck);
        }

        private void Complete(HoseStatus status)
        {
            RoadrunnerActivity.Ended(_span, status);
            if (status == HoseStatus.Ok)
            {
                _completion.TrySetResult();
            }
            else if (status == HoseStatus.TimedOut && _token.IsCancellationRequested)
            {
                _completion.TrySetCanceled(_token); // withdrawn before it was published: nothing sent
            }
            else
            {
                _completion.TrySetException(new HoseException(status, $"Network send to '{_owner._sender.Name}'"));
            }

            _done?.Invoke();
        }

        private void CancelQueued()
        {
            if (Interlocked.Exchange(ref _taken, 1) == 0)
            {
                _completion.TrySetCanceled(_token);
                _done?.Invoke();
            }
        }

        private void InContext(Action<Send> action)
        {
            if (_context is null)
            {
                action(this);
            }
            else
            {
                ExecutionContext.Run(
                    _context,
                    static state =>
                    {
                        (Action<Send> run, Send send) = ((Action<Send>, Send))state!;
                        run(send);
                    },
                    (action, this));
            }
        }
    }

    /// <summary>A queue of work and the dedicated thread that runs it in order, started on demand, ended when idle.</summary>
    private sealed class Worker(string name)
    {
        private readonly Queue<Action> _work = new();
        private bool _running;

        public void Post(Action work)
        {
            lock (_work)
            {
                _work.Enqueue(work);
                if (_running)
                {
                    Monitor.Pulse(_work);
                    return;
                }

                _running = true;
            }

            new Thread(Run) { IsBackground = true, Name = name }.Start();
        }

        private void Run()
        {
            while (true)
            {
                Action next;
                lock (_work)
                {
                    if (_work.Count == 0 && !Monitor.Wait(_work, Linger) && _work.Count == 0)
                    {
                        _running = false;
                        return;
                    }

                    if (!_work.TryDequeue(out next!))
                    {
                        continue;
                    }
                }

                next();
            }
        }
    }
}
