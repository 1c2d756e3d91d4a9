using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Bounds the unacknowledged payload bytes of a connection or a hose: a sender takes credit for a message before its
/// first byte goes out and gives it back when the Ack (or a failure) comes. A message larger than the whole window
/// takes all of it, so it travels alone. A slow receiver acks late, so senders wait here instead of buffering.
/// </summary>
internal sealed class CreditWindow(long capacity)
{
    private readonly ByteBudget _budget = new(capacity);

    public long Capacity => _budget.Capacity;

    public long InFlight => _budget.InUse;

    /// <summary>Credit a message of <paramref name="length"/> bytes needs (at least 1, at most the window).</summary>
    public long CreditFor(long length) => Math.Clamp(length, 1, _budget.Capacity);

    public bool TryTake(long credit) => _budget.TryTake(credit);

    public bool Take(long credit, TimeSpan timeout, CancellationToken cancellationToken) => _budget.Take(credit, timeout, cancellationToken);

    public void Return(long credit) => _budget.Return(credit);
}
