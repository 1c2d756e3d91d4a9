namespace Roadrunner.Regions;

/// <summary>Whoever lent a payload's regions and takes them back when the payload's last reference is released.</summary>
internal interface IRegionOwner
{
    /// <summary>Takes back the regions of <paramref name="payload"/> (called once per payload).</summary>
    void Return(RegionPayload payload);
}
