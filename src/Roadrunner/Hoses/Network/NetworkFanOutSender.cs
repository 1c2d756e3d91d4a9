using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// One name served by several nodes: every node gets every payload. A large payload is copied once into a region and
/// sent to all nodes at the same time with <c>sendfile</c> (no further user-space copy per node); a small one is written
/// to each connection from the sender's memory. Every node is tried, within one deadline for the whole fan-out (a dead
/// node costs no more than its refusal). Like the in-process fan-out it is not atomic: the result is the first failure
/// when no node took the payload, PeerFailed when some did (never a "not sent" status for a payload that went out), else Ok. <c>TrySend</c> hands the payload to every node's
/// <see cref="NetworkSender.TrySend"/> and never waits. A guest's committed window goes to every node with <c>sendfile</c>
/// straight from the guest's memory file, without the copy into a region.
/// </summary>
internal sealed class NetworkFanOutSender(string name, NetworkSender[] targets, NetworkOptions options, RegionPool pool) : FanOutBase(name), IPageSender
{
    protected override TimeSpan AsyncTimeout => options.DeliveryTimeout + options.FrameTimeout;

    protected override string TraceMode => Diagnostics.RoadrunnerActivity.Network;

    /// <summary>
    /// Every node's own asynchronous send at once (their writer and Ack threads: no pool thread waits, and the last
    /// node's completion completes the fan-out), the token reaching each. Ok when every node took the payload; when none
    /// did, the first node's failure (<see cref="OperationCanceledException"/> when it was withdrawn); else
    /// <see cref="HoseStatus.PeerFailed"/>, as when some node's outcome is unknown.
    /// </summary>
    protected override ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        System.Diagnostics.Activity? previous = System.Diagnostics.Activity.Current;
        System.Diagnostics.Activity? span = Diagnostics.RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode);
        if (payload.Length > options.MaxPayloadBytes)
        {
            return ValueTask.FromException(new HoseException(Diagnostics.RoadrunnerActivity.Ended(span, HoseStatus.TooLarge), $"Fan-out send to '{Name}'"));
        }

        var join = new Join(Name, span, targets.Length, cancellationToken);
        for (int i = 0; i < targets.Length; i++)
        {
            join.Sends[i] = targets[i].SendAsync(payload, cancellationToken, join.OneDone);
        }

        if (span is not null)
        {
            System.Diagnostics.Activity.Current = previous; // the nodes' sends are its children; the caller's activity is its own again
        }

        join.OneDone(); // the caller's share: every task is stored now
        return new ValueTask(join.Task);
    }

    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (payload.Length > options.MaxPayloadBytes)
        {
            return HoseStatus.TooLarge;
        }

        if (!wait)
        {
            var tried = new HoseStatus[targets.Length];
            for (int i = 0; i < targets.Length; i++)
            {
                tried[i] = targets[i].TrySend(payload);
            }

            return Outcome(tried);
        }

        Deadline deadline = Deadline.After(timeout);
        if (payload.Length < options.SendFileThresholdBytes || options.ClientTls is not null)
        {
            var results = new HoseStatus[targets.Length];
            for (int i = 0; i < targets.Length; i++)
            {
                results[i] = targets[i].Send(payload, deadline, cancellationToken);
            }

            return Outcome(results);
        }

        HoseStatus rented;
        RegionPayload regions;
        try
        {
            rented = pool.Rent(payload.Length, deadline.Remaining, cancellationToken, out regions);
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }

        if (rented != HoseStatus.Ok)
        {
            return rented;
        }

        try
        {
            regions.Fill(payload);
            return Outcome(SendToEveryNodeAtOnce(node => node.SendRegions(regions, deadline, cancellationToken)));
        }
        finally
        {
            regions.Release();
        }
    }

    /// <summary>
    /// A guest's committed window: from <see cref="NetworkOptions.SendFileThresholdBytes"/> on plain TCP, sent to every node
    /// at once with <c>sendfile</c> from its file (no copy into a region); otherwise as <see cref="FanOutBase.Send"/>.
    /// </summary>
    public unsafe HoseStatus Send(ReadOnlySpan<byte> payload, FilePages pages, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (pages.IsEmpty || payload.Length < options.SendFileThresholdBytes || options.ClientTls is not null || payload.Length > options.MaxPayloadBytes)
        {
            return Send(payload, timeout, cancellationToken);
        }

        System.Diagnostics.Activity? span = Diagnostics.RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode);
        Deadline deadline = Deadline.After(timeout);
        fixed (byte* start = payload)
        {
            // The bytes do not move (a guest memory) and every node's send ends before this returns: each thread rebuilds the span.
            nint address = (nint)start;
            int length = payload.Length;
            return Diagnostics.RoadrunnerActivity.Ended(span, Outcome(SendToEveryNodeAtOnce(
                node => node.Send(new ReadOnlySpan<byte>((byte*)address, length), pages, deadline, cancellationToken))));
        }
    }

    bool IPageSender.PagesOutliveFailedSends => true;

    public override void Complete()
    {
        foreach (NetworkSender target in targets)
        {
            target.Complete();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (NetworkSender target in targets)
        {
            await target.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends to every node at the same time (regions or a guest's memory file), so the kernel sends the same pages to all of them: the caller's
    /// thread takes the first node and a short-lived thread of its own each other one (blocking sends bounded by the
    /// deadline). This is a synchronous send, so it borrows no pool thread and waits on no task; a thread costs tens of
    /// microseconds, little beside a payload of at least <see cref="NetworkOptions.SendFileThresholdBytes"/>.
    /// </summary>
    private HoseStatus[] SendToEveryNodeAtOnce(Func<NetworkSender, HoseStatus> send)
    {
        var results = new HoseStatus[targets.Length];
        var failures = new System.Runtime.ExceptionServices.ExceptionDispatchInfo?[targets.Length];
        void SendTo(int node)
        {
            try
            {
                results[node] = send(targets[node]);
            }
            catch (Exception e)
            {
                failures[node] = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e); // rethrown on the caller's thread
            }
        }

        var others = new Thread[targets.Length - 1];
        for (int i = 0; i < others.Length; i++)
        {
            int node = i + 1;
            others[i] = new Thread(() => SendTo(node)) { IsBackground = true, Name = "roadrunner-net-fanout" }; // Start flows the caller's context (its activity)
            others[i].Start();
        }

        SendTo(0);
        foreach (Thread other in others)
        {
            other.Join();
        }

        Array.Find(failures, f => f is not null)?.Throw();
        return results;
    }

    /// <summary>The first failure when no node took the payload, PeerFailed when some did, else Ok.</summary>
    private static HoseStatus Outcome(HoseStatus[] results) =>
        Outcome(results.FirstOrDefault(s => s != HoseStatus.Ok, HoseStatus.Ok), results.Count(s => s == HoseStatus.Ok));

    /// <summary>Joins the nodes' asynchronous sends of one fan-out send: the last to complete decides the outcome.</summary>
    private sealed class Join(string name, System.Diagnostics.Activity? span, int count, CancellationToken token)
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left = count + 1;

        public Task[] Sends { get; } = new Task[count];

        public Task Task => _completion.Task;

        public void OneDone()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                Finish();
            }
        }

        private void Finish()
        {
            int delivered = Sends.Count(s => s.IsCompletedSuccessfully);
            if (delivered == Sends.Length)
            {
                Diagnostics.RoadrunnerActivity.Ended(span, HoseStatus.Ok);
                _completion.TrySetResult();
                return;
            }

            bool unknown = Sends.Any(s => s.Exception?.InnerException is HoseException { Status: HoseStatus.PeerFailed });
            if (delivered > 0 || unknown)
            {
                Diagnostics.RoadrunnerActivity.Ended(span, HoseStatus.PeerFailed);
                _completion.TrySetException(new HoseException(HoseStatus.PeerFailed, $"Fan-out send to '{name}' reached {delivered} of {Sends.Length} nodes"));
                return;
            }

            Task first = Sends.First(s => !s.IsCompletedSuccessfully); // no node has it
            if (first.IsCanceled)
            {
                Diagnostics.RoadrunnerActivity.Ended(span, HoseStatus.TimedOut);
                _completion.TrySetCanceled(token);
            }
            else
            {
                Exception failure = first.Exception!.InnerException!;
                Diagnostics.RoadrunnerActivity.Ended(span, (failure as HoseException)?.Status ?? HoseStatus.Internal);
                _completion.TrySetException(failure);
            }
        }
    }
}
