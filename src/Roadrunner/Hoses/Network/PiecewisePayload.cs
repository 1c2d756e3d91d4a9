using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// A received message larger than one region, whose regions were rented one by one as its bytes arrived (so a slow
/// peer holds budget only for what it sent): one payload over the parts, releasing every part when it is released.
/// </summary>
internal sealed class PiecewisePayload : IRegionOwner
{
    private readonly List<RegionPayload> _parts;

    private PiecewisePayload(List<RegionPayload> parts) => _parts = parts;

    /// <summary>Joins <paramref name="parts"/> (one chunk each, in order) into one payload that owns them.</summary>
    public static RegionPayload Join(List<RegionPayload> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }

        RegionPayload.Chunk[] chunks = [.. parts.SelectMany(p => p.Chunks)];
        return new RegionPayload(new PiecewisePayload(parts), chunks, parts.Sum(p => p.Length), parts.Sum(p => p.Footprint));
    }

    /// <summary>Releases every part (a message that could not be finished).</summary>
    public static void Release(List<RegionPayload> parts)
    {
        foreach (RegionPayload part in parts)
        {
            part.Release();
        }

        parts.Clear();
    }

    void IRegionOwner.Return(RegionPayload payload)
    {
        foreach (RegionPayload part in _parts)
        {
            part.Release();
        }
    }
}
