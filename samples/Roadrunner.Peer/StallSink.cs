using System.Buffers;

namespace Roadrunner.Peer;

/// <summary>
/// A target named "stall" for failure tests: every payload sent to it blocks its sender until <see cref="Release"/>
/// (or the sender's timeout), so the network peer holds a message without acknowledging it.
/// </summary>
internal sealed class StallSink : IHoseSender
{
    private readonly SemaphoreSlim _release = new(0);
    private int _held;

    public string Name => "stall";

    /// <summary>Payloads being held now.</summary>
    public int Held => Volatile.Read(ref _held);

    public void Release(int count) => _release.Release(count);

    public HoseStatus TrySend(ReadOnlySpan<byte> payload) => HoseStatus.WouldBlock;

    public HoseStatus Send(ReadOnlySpan<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _held);
        try
        {
            return _release.Wait(timeout, cancellationToken) ? HoseStatus.Ok : HoseStatus.TimedOut;
        }
        catch (OperationCanceledException)
        {
            return HoseStatus.Closed;
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask SendAsync(ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask<HoseClaim> ClaimAsync(int length, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Complete()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
