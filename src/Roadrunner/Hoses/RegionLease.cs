using System.Buffers;
using Roadrunner.Regions;

namespace Roadrunner.Hoses;

/// <summary>A received payload that holds one reference on its regions until disposed.</summary>
internal sealed class RegionLease : HoseLease
{
    private RegionPayload? _payload;

    public RegionLease(RegionPayload payload)
    {
        _payload = payload;
    }

    public override long Length => Current.Length;

    public override ReadOnlySequence<byte> Payload => Current.AsSequence();

    /// <summary>The underlying regions (for a copy straight into a guest).</summary>
    public RegionPayload Current => _payload ?? throw new ObjectDisposedException(nameof(HoseLease));

    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _payload, null)?.Release();
}
