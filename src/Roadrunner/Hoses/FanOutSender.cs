using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// One sender, N receivers. Idle direct receivers get their copy straight from the sender's memory; all the others
/// share one copy in pooled regions (reference counted), so a payload is copied into regions at most once.
/// A fan-out send is not atomic: when it fails part-way, the targets before the failing one have the payload.
/// </summary>
internal sealed class FanOutSender : IHoseSender
{
    private readonly InProcessHose[] _targets;
    private readonly RegionPool _pool;

    public FanOutSender(string name, IReadOnlyList<InProcessHose> targets)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (targets.Count == 0)
        {
            throw new ArgumentException("A fan-out needs at least one target.", nameof(targets));
        }

        Name = name;
        _targets = [.. targets];
        _pool = _targets[0].Pool;
        if (_targets.Any(t => t.Pool != _pool))
        {
            throw new ArgumentException("Fan-out targets must share one region pool.", nameof(targets));
        }
    }

    public string Name { get; }

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => SendCore(payload, wait: false, TimeSpan.Zero, CancellationToken.None);

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        SendCore(payload, wait: true, timeout, cancellationToken);

    public async ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        // Waits for room on a pool thread: room appears as receivers drain, which never needs this thread.
        HoseStatus status = await Task.Run(() => Send(payload.Span, Timeout.InfiniteTimeSpan, cancellationToken), cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        HoseException.ThrowIfFailed(status, $"Fan-out send to '{Name}'");
    }

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsync(payload.IsSingleSegment ? payload.First : payload.ToArray(), cancellationToken);

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A fan-out cannot hand out one claim for several receivers; send the payload instead.");

    public void Complete()
    {
        foreach (InProcessHose target in _targets)
        {
            target.Complete();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private HoseStatus SendCore(ReadOnlySpan<byte> payload, bool wait, TimeSpan timeout, CancellationToken cancellationToken)
    {
        RegionPayload? shared = null;
        try
        {
            foreach (InProcessHose target in _targets)
            {
                HoseStatus status = target.TryDirect(payload);
                if (status == HoseStatus.Ok)
                {
                    continue;
                }

                if (status != HoseStatus.WouldBlock)
                {
                    return status;
                }

                if (!(wait ? target.ReserveSlot(timeout, cancellationToken) : target.TryReserveSlot()))
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
                        ? _pool.Rent(payload.Length, timeout, cancellationToken, out shared)
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
}
