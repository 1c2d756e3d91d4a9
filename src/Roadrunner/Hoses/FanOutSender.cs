using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// One sender, N receivers. Idle direct receivers get their copy straight from the sender's memory; all the others
/// share one copy in pooled regions (reference counted), so a payload is copied into regions at most once.
/// </summary>
internal sealed class FanOutSender : FanOutBase
{
    private readonly InProcessHose[] _targets;
    private readonly RegionPool _pool;

    public FanOutSender(string name, IReadOnlyList<InProcessHose> targets)
        : base(name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (targets.Count == 0)
        {
            throw new ArgumentException("A fan-out needs at least one target.", nameof(targets));
        }

        _targets = [.. targets];
        _pool = _targets[0].Pool;
        if (_targets.Any(t => t.Pool != _pool))
        {
            throw new ArgumentException("Fan-out targets must share one region pool.", nameof(targets));
        }
    }

    public override void Complete()
    {
        foreach (InProcessHose target in _targets)
        {
            target.Complete();
        }
    }

    protected override HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        RegionPayload? shared = null;
        long deadline = Environment.TickCount64 + (timeout == Timeout.InfiniteTimeSpan ? 0 : (long)timeout.TotalMilliseconds);
        try
        {
            foreach (InProcessHose target in _targets)
            {
                HoseStatus status = target.TryDirect(payload);
                if (status == HoseStatus.Ok)
                {
                    cancellationToken = CancellationToken.None; // a target has it: no longer withdrawn by cancellation
                    continue;
                }

                if (status != HoseStatus.WouldBlock)
                {
                    return status;
                }

                if (!(wait ? target.ReserveSlot(Left(timeout, deadline), cancellationToken) : target.TryReserveSlot()))
                {
                    return wait ? HoseStatus.TimedOut : HoseStatus.WouldBlock;
                }

                if (shared is null)
                {
                    if (!wait && _pool.FootprintOf(payload.Length) > _pool.MaxLeasedBytes)
                    {
                        target.ReleaseSlot();
                        return HoseStatus.TooLarge; // would never fit: retrying cannot help (Send says the same)
                    }

                    HoseStatus rented = wait
                        ? _pool.Rent(payload.Length, Left(timeout, deadline), cancellationToken, out shared)
                        : _pool.TryRent(payload.Length, out shared) ? HoseStatus.Ok : HoseStatus.WouldBlock;
                    if (rented != HoseStatus.Ok)
                    {
                        target.ReleaseSlot();
                        shared = null;
                        return rented;
                    }

                    shared.Fill(payload);
                }

                shared.AddReference();
                status = target.Enqueue(shared);
                if (status != HoseStatus.Ok)
                {
                    return status;
                }

                cancellationToken = CancellationToken.None;
            }

            return HoseStatus.Ok;
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.TimedOut;
        }
        finally
        {
            // Drop the reference this method held; each queued target holds its own.
            shared?.Release();
        }
    }

    /// <summary>What is left of <paramref name="timeout"/> at <paramref name="deadline"/>: one limit for the whole send, not one per target.</summary>
    private static TimeSpan Left(TimeSpan timeout, long deadline) =>
        timeout == Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
}
