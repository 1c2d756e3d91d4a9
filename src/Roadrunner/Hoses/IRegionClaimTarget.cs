using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// A sender that can hand out regions of the pool it sends through for a payload written in place, synchronously and
/// within a deadline: what a guest's zero-copy <c>claim</c> maps over its window. The regions belong to the transport
/// that sends them, so a commit hands them on without a copy.
/// </summary>
internal interface IRegionClaimTarget
{
    /// <summary>
    /// Claims regions (and whatever else a send needs, e.g. queue slots) for a payload of <paramref name="length"/>
    /// bytes, waiting up to <paramref name="timeout"/> for room.
    /// </summary>
    /// <param name="length">Payload bytes.</param>
    /// <param name="claimer">The claiming guest's window owner id (see <see cref="MappedRegion.Writer"/>).</param>
    /// <param name="timeout">Longest wait for room.</param>
    /// <param name="cancellationToken">Ends the wait (<see cref="HoseStatus.TimedOut"/>).</param>
    /// <param name="ticket">The claim, when <see cref="HoseStatus.Ok"/>.</param>
    /// <returns>Ok, or what a send of that size would get now: Closed, TooLarge, WouldBlock, TimedOut.</returns>
    HoseStatus TryClaim(long length, long claimer, TimeSpan timeout, CancellationToken cancellationToken, out RegionTicket? ticket);
}

/// <summary>Regions claimed for one payload: committed (handed over) or aborted, exactly once.</summary>
internal abstract class RegionTicket(RegionPayload payload)
{
    private int _done;

    /// <summary>The claimed regions (trim them before <see cref="Commit"/> when fewer bytes were written).</summary>
    public RegionPayload Payload { get; } = payload;

    /// <summary>Hands the payload over, like a send; the ticket's reference goes with it.</summary>
    public HoseStatus Commit() => Interlocked.Exchange(ref _done, 1) == 0 ? CommitCore() : throw new InvalidOperationException("The claim is already finished.");

    /// <summary>Gives the regions and whatever else was claimed back.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            AbortCore();
        }
    }

    protected abstract HoseStatus CommitCore();

    protected abstract void AbortCore();
}
