using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>
/// Room for one payload in one pooled region: a .NET producer writes it in place, and <see cref="Commit"/> hands the
/// region to <paramref name="send"/> (which takes references of its own for whatever outlives the call); the claim then
/// drops its own. Used by the hoses whose claims are a plain region (cross-process rings, network senders).
/// </summary>
internal sealed class RegionPayloadClaim(RegionPayload payload, Func<RegionPayload, HoseStatus> send) : HoseClaim
{
    private RegionPayload? _payload = payload;

    public override Memory<byte> Memory =>
        _payload is { } p ? (p.Chunks.Length == 0 ? Memory<byte>.Empty : p.Chunks[0].Memory) : throw new ObjectDisposedException(nameof(HoseClaim));

    public override HoseStatus Commit()
    {
        RegionPayload taken = Interlocked.Exchange(ref _payload, null) ?? throw new InvalidOperationException("The claim was already committed or abandoned.");
        try
        {
            return send(taken);
        }
        finally
        {
            taken.Release();
        }
    }

    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _payload, null)?.Release();
}
