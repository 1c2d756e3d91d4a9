using Roadrunner.Regions;

namespace Roadrunner.Hoses.Network;

/// <summary>
/// Room in a local region for a .NET producer to write a payload in place; committing sends it from the region file
/// with <c>sendfile</c> (zero user-space copies on plain TCP) and waits for the Ack.
/// </summary>
internal sealed class NetworkClaim(NetworkSender sender, RegionPayload payload, TimeSpan timeout) : HoseClaim
{
    private RegionPayload? _payload = payload;

    public override Memory<byte> Memory =>
        _payload is { } p ? (p.Chunks.Length == 0 ? Memory<byte>.Empty : p.Chunks[0].Memory) : throw new ObjectDisposedException(nameof(HoseClaim));

    public override HoseStatus Commit()
    {
        RegionPayload taken = Interlocked.Exchange(ref _payload, null) ?? throw new InvalidOperationException("The claim was already committed or abandoned.");
        try
        {
            return sender.SendRegions(taken, Deadline.After(timeout), CancellationToken.None);
        }
        finally
        {
            taken.Release();
        }
    }

    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _payload, null)?.Release();
}
