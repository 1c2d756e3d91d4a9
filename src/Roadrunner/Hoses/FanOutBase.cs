using System.Buffers;
using Roadrunner.Diagnostics;

namespace Roadrunner.Hoses;

/// <summary>
/// What every fan-out sender (in-process, cross-process, network) shares: one name, N targets, every payload to every
/// target; no claims (one claim cannot serve several receivers); how an asynchronous send waits is each kind's own
/// (<see cref="SendAsyncCore"/>).
/// A fan-out send is not atomic: when it fails part-way, the targets before the failing one have the payload, so the
/// outcome is then <see cref="HoseStatus.PeerFailed"/> (not known as a whole), never a status that reads "not sent"
/// (<see cref="Outcome"/>). The token is honoured only until the first target accepted the payload
/// (<see cref="SendOutcome"/>): a send reported cancelled reached no target.
/// </summary>
internal abstract class FanOutBase(string name) : IHoseSender
{
    public string Name { get; } = name;

    /// <summary>How long an asynchronous send may wait for room (cancellation ends it sooner).</summary>
    protected virtual TimeSpan AsyncTimeout => Timeout.InfiniteTimeSpan;

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode), SendCore(payload, wait: false, TimeSpan.Zero, CancellationToken.None));

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RoadrunnerActivity.Ended(RoadrunnerActivity.StartSend(Name, payload.Length, TraceMode), SendCore(payload, wait: true, timeout, cancellationToken));

    /// <summary>The <c>roadrunner.mode</c> of this fan-out's send span (its targets' transport).</summary>
    protected virtual string TraceMode => RoadrunnerActivity.InProcess;

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => SendAsyncCore(payload, cancellationToken);

    /// <summary>An asynchronous fan-out send: each kind waits on its own awaitables, never a pool thread over a blocking send.</summary>
    protected abstract ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(payload.IsSingleSegment ? payload.First : payload.ToArray(), cancellationToken);

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A fan-out cannot hand out one claim for several receivers; send the payload instead.");

    public abstract void Complete();

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc cref="FanOutTally.OutcomeOf"/>
    protected static HoseStatus Outcome(HoseStatus failure, int handedOver) => FanOutTally.OutcomeOf(failure, handedOver);

    /// <summary>Delivers to every target, waiting for room up to <paramref name="timeout"/> when <paramref name="wait"/> is true.</summary>
    protected abstract HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken);
}
