using Roadrunner.Regions;

namespace Roadrunner.Hoses.SharedMemory;

/// <summary>Room for one payload in one shared region: a .NET producer writes it in place, commit posts its descriptor (0 copies).</summary>
internal sealed class SharedMemoryClaim(RingSender sender, RegionPayload payload) : HoseClaim
{
    private RegionPayload? _payload = payload;

    public override Memory<byte> Memory =>
        _payload is { } p ? (p.Chunks.Length == 0 ? Memory<byte>.Empty : p.Chunks[0].Memory) : throw new ObjectDisposedException(nameof(HoseClaim));

    public override HoseStatus Commit()
    {
        RegionPayload p = Interlocked.Exchange(ref _payload, null) ?? throw new InvalidOperationException("The claim was already committed or abandoned.");
        return sender.CommitClaim(p);
    }

    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _payload, null)?.Release();
}
