using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>Room for one payload in a single region, written in place by a .NET producer and then enqueued.</summary>
internal sealed class RegionClaim : HoseClaim
{
    private readonly InProcessHose _hose;
    private RegionPayload? _payload;

    public RegionClaim(InProcessHose hose, RegionPayload payload)
    {
        _hose = hose;
        _payload = payload;
    }

    public override Memory<byte> Memory =>
        _payload is { } payload ? (payload.Chunks.Length == 0 ? Memory<byte>.Empty : payload.Chunks[0].Memory) : throw new ObjectDisposedException(nameof(HoseClaim));

    public override HoseStatus Commit()
    {
        RegionPayload payload = Interlocked.Exchange(ref _payload, null) ?? throw new InvalidOperationException("The claim was already committed or abandoned.");
        return _hose.Enqueue(payload);
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _payload, null) is { } payload)
        {
            // Abandoned: give back the regions and the queue slot the claim reserved.
            payload.Release();
            _hose.ReleaseSlot();
        }
    }
}
