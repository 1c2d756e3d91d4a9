namespace Roadrunner.Hoses;

/// <summary>
/// A fan-out whose targets are reached in different ways (functions in this process, functions in other processes,
/// nodes): every payload goes to each part in turn, and each part copies it once its own way (the local inboxes share
/// one region copy, the targets in other processes one copy into shared regions). Not atomic, as every fan-out
/// (<see cref="FanOutBase"/>): when a part fails, the parts before it have the payload and the outcome is PeerFailed.
/// </summary>
internal sealed class RouteFanOut(string name, IReadOnlyList<IHoseSender> parts) : FanOutBase(name)
{
    private readonly IHoseSender[] _parts = [.. parts];

    public override void Complete()
    {
        foreach (IHoseSender part in _parts)
        {
            part.Complete();
        }
    }

    /// <summary>Awaits each part's own asynchronous send in turn (no pool thread waits unless a part's does).</summary>
    protected override async ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        int handedOver = 0;
        foreach (IHoseSender part in _parts)
        {
            try
            {
                // Once a part has the payload, cancellation can no longer withdraw it (SendOutcome).
                await part.SendAsync(payload, handedOver == 0 ? cancellationToken : CancellationToken.None).ConfigureAwait(false);
            }
            catch (HoseException e) when (handedOver > 0)
            {
                throw new HoseException(HoseStatus.PeerFailed, $"Fan-out send to '{Name}': a target failed ({e.Status}) after others took the payload");
            }

            handedOver++;
        }
    }

    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Deadline deadline = Deadline.After(timeout);
        int handedOver = 0;
        foreach (IHoseSender part in _parts)
        {
            HoseStatus status;
            try
            {
                status = wait ? part.Send(payload, deadline.Remaining, cancellationToken) : part.TrySend(payload);
            }
            catch (OperationCanceledException)
            {
                status = HoseStatus.TimedOut;
            }

            if (status != HoseStatus.Ok)
            {
                return Outcome(status, handedOver);
            }

            handedOver++;
            cancellationToken = CancellationToken.None; // a part has it: no longer withdrawn by cancellation (SendOutcome)
        }

        return HoseStatus.Ok;
    }
}
