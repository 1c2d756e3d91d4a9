using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Keeps one served connection from taking the whole region budget with the message it receives
/// (<see cref="NetworkOptions.ReceiveBudgetShare"/>): a message whose regions exceed the share is received only while
/// no other connection is receiving one into regions; it waits for that (bounded by the caller's timeout).
/// </summary>
internal sealed class ReceiveShare(RegionPool pool, double share)
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);
    private readonly object _gate = new(); // a monitor (Wait/PulseAll)
    private int _receiving;

    /// <summary>Most region bytes one connection's message may hold while other connections receive.</summary>
    public long Bytes => (long)(pool.MaxLeasedBytes * share);

    /// <summary>
    /// Admits a message of <paramref name="footprint"/> region bytes; false when the timeout passed first. Every admitted
    /// message must <see cref="Exit"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled (the connection is closing).</exception>
    public bool Enter(long footprint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.After(timeout);
        lock (_gate)
        {
            while (footprint > Bytes && _receiving > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan left = deadline.Remaining;
                if (left == TimeSpan.Zero)
                {
                    return false;
                }

                // Woken when a message leaves; the slice bounds how late a cancellation is seen.
                Monitor.Wait(_gate, left == Timeout.InfiniteTimeSpan || left > Slice ? Slice : left);
            }

            _receiving++;
            return true;
        }
    }

    public void Exit()
    {
        lock (_gate)
        {
            _receiving--;
            Monitor.PulseAll(_gate);
        }
    }
}
