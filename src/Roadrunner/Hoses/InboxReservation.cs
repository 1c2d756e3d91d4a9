using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// Room held in one inbox for one payload (Aeron's <c>BufferClaim</c>, a pipe writer's <c>GetMemory</c>): a queue slot
/// and, once known, the regions that hold the bytes. Made by <see cref="InboxWriter"/>'s Reserve methods; ended exactly
/// once by <see cref="InboxWriter.Commit"/> (queued) or <see cref="InboxWriter.Abort"/> (everything given back).
/// A default value holds nothing (aborting it does nothing).
/// </summary>
internal readonly struct InboxReservation
{
    private InboxReservation(RegionPayload? regions)
    {
        HoldsSlot = true;
        Regions = regions;
    }

    /// <summary>True when a queue slot is held (false for a default value or after a failed reserve).</summary>
    public bool HoldsSlot { get; }

    /// <summary>
    /// The regions to fill (rented by <see cref="InboxWriter.Reserve"/>), or null for a slot alone: the transport
    /// brings its own with <see cref="WithRegions"/> (regions it read a socket into, a lease over a peer's region).
    /// </summary>
    public RegionPayload? Regions { get; }

    /// <summary>This slot with <paramref name="regions"/> as its payload; the reservation takes over their reference.</summary>
    public InboxReservation WithRegions(RegionPayload regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        return HoldsSlot && Regions is null ? new(regions) : throw new InvalidOperationException("Regions go into a reservation that holds a slot and no regions yet.");
    }

    internal static InboxReservation Slot(RegionPayload? regions = null) => new(regions);
}
