using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>
/// One sender, several functions in other processes: the payload is copied once into shared regions and a descriptor
/// naming the same regions is posted on every target's ring; the regions return when the last target released them.
/// Not atomic: when a target fails part-way, the targets before it have the payload (the outcome is then PeerFailed).
/// </summary>
internal sealed class RemoteFanOut(SharedMemoryEndpoint endpoint, string name, IReadOnlyList<RingSender> targets) : FanOutBase(name)
{
    private readonly RingSender[] _targets = [.. targets];

    public bool IsUsable => _targets.All(t => t.IsUsable);

    protected override string TraceMode => Diagnostics.RoadrunnerActivity.CrossProcess;

    public override void Complete()
    {
        foreach (RingSender target in _targets)
        {
            target.Complete();
        }
    }

    /// <summary>Waits on the first target's ring thread (<see cref="RingWaitQueue"/>), not on a pool thread.</summary>
    protected override ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        _targets[0].RunWaitingAsync(token => Send(payload.Span, AsyncTimeout, token), $"Fan-out send to '{Name}'", cancellationToken);

    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        RegionPool pool = endpoint.Pool;
        if (payload.Length > endpoint.Options.MaxPayloadBytes || pool.FootprintOf(payload.Length) > pool.MaxLeasedBytes)
        {
            return HoseStatus.TooLarge; // a fan-out does not stream: every target holds the same regions
        }

        RegionPayload? shared = null;
        int handedOver = 0;
        long deadline = Environment.TickCount64 + (timeout == Timeout.InfiniteTimeSpan ? 0 : (long)timeout.TotalMilliseconds);
        try
        {
            while (!pool.TryRent(payload.Length, out shared))
            {
                shared = null;
                if (endpoint.ReclaimAll() > 0)
                {
                    continue;
                }

                if (!wait)
                {
                    return HoseStatus.WouldBlock;
                }

                if (cancellationToken.IsCancellationRequested || (timeout != Timeout.InfiniteTimeSpan && Environment.TickCount64 >= deadline))
                {
                    return HoseStatus.TimedOut;
                }

                HoseStatus rented = pool.Rent(payload.Length, TimeSpan.FromMilliseconds(2), cancellationToken, out shared);
                if (rented == HoseStatus.Ok)
                {
                    break;
                }

                shared = null;
                if (rented != HoseStatus.TimedOut)
                {
                    return rented; // the region folder is full: waiting would only spin
                }
            }

            shared.Fill(payload);
            foreach (RingSender target in _targets)
            {
                TimeSpan left = timeout == Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
                HoseStatus status = target.PostShared(shared, wait, left, cancellationToken);
                if (status != HoseStatus.Ok)
                {
                    return Outcome(status, handedOver);
                }

                handedOver++;
                cancellationToken = CancellationToken.None; // a target has it: no longer withdrawn by cancellation
            }

            return HoseStatus.Ok;
        }
        catch (OperationCanceledException)
        {
            return Outcome(HoseStatus.TimedOut, handedOver);
        }
        finally
        {
            shared?.Release();
        }
    }
}
