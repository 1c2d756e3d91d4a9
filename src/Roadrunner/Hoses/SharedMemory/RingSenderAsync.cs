using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// The asynchronous API of a ring sender. What can go at once goes on the caller's thread (a try-send); what must wait
/// for room waits in the ring's <see cref="RingWaitQueue"/>, completed by the ring's own waiting thread when the
/// receiver releases slots or bytes — no pool thread is held while it waits.
/// </summary>
internal sealed partial class RingSender
{
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (!_waiters.IsBusy) // else queue behind the waiting sends: async sends keep their order
        {
            HoseStatus status = TrySend(payload.Span);
            if (status != HoseStatus.WouldBlock)
            {
                return Completed(status);
            }
        }

        return WaitAndSendAsync(new ReadOnlySequence<byte>(payload), cancellationToken);
    }

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.IsSingleSegment)
        {
            return SendAsync(payload.First, cancellationToken);
        }

        if (!_waiters.IsBusy)
        {
            HoseStatus status = SendCore(new SendSource(payload), SendWait.None);
            if (status != HoseStatus.WouldBlock)
            {
                return Completed(status);
            }
        }

        return WaitAndSendAsync(payload, cancellationToken);
    }

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        RegionPool pool = _endpoint.Pool;
        if (length > pool.LargestRegion)
        {
            throw new HoseException(HoseStatus.TooLarge, $"A claim is one region: at most {pool.LargestRegion} bytes, not {length}");
        }

        HoseStatus failure = CurrentFailure();
        if (failure != HoseStatus.Ok)
        {
            throw new HoseException(failure, $"Hose to '{Name}' is not usable");
        }

        if (!_waiters.IsBusy && _slots.RentRegions(length, SendWait.None, out RegionPayload? rented) == HoseStatus.Ok)
        {
            return ValueTask.FromResult<HoseClaim>(new RegionPayloadClaim(rented!, CommitClaim));
        }

        return new ValueTask<HoseClaim>(_waiters.Enqueue<HoseClaim>(
            token =>
            {
                HoseStatus status = _slots.RentRegions(length, SendWait.Forever(token), out RegionPayload? payload);
                return (status, status == HoseStatus.Ok ? new RegionPayloadClaim(payload!, CommitClaim) : null);
            },
            $"Claim on '{Name}'",
            cancellationToken));
    }

    /// <summary>Runs a blocking operation that may wait for room (a fan-out's send) on this ring's waiting thread, in turn.</summary>
    internal ValueTask RunWaitingAsync(Func<CancellationToken, HoseStatus> operation, string what, CancellationToken cancellationToken) =>
        new(_waiters.Enqueue<bool>(token => (operation(token), true), what, cancellationToken));

    private ValueTask WaitAndSendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken) =>
        new(_waiters.Enqueue<bool>(token => (SendCore(new SendSource(payload), SendWait.Forever(token)), true), $"Send to '{Name}'", cancellationToken));

    private ValueTask Completed(HoseStatus status) =>
        status == HoseStatus.Ok ? ValueTask.CompletedTask : ValueTask.FromException(new HoseException(status, $"Send to '{Name}'"));
}
