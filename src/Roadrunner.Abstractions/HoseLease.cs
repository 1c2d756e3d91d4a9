using System.Buffers;

namespace Roadrunner;

/// <summary>
/// A received payload, exposed in place in the hose's memory. Dispose it to return that memory to the pool;
/// the bytes must not be used afterwards.
/// </summary>
public abstract class HoseLease : IDisposable
{
    /// <summary>The payload length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>The payload, one segment per memory region it occupies.</summary>
    public abstract ReadOnlySequence<byte> Payload { get; }

    /// <summary>True when the payload lies in one contiguous segment (see <see cref="Memory"/>).</summary>
    public bool IsSingleSegment => Payload.IsSingleSegment;

    /// <summary>The payload as one contiguous block.</summary>
    /// <exception cref="InvalidOperationException">The payload spans several regions; use <see cref="Payload"/>.</exception>
    public ReadOnlyMemory<byte> Memory =>
        IsSingleSegment ? Payload.First : throw new InvalidOperationException("The payload spans several regions; read Payload instead.");

    /// <summary>Copies the payload into <paramref name="destination"/>, which must hold at least <see cref="Length"/> bytes.</summary>
    /// <param name="destination">Where the bytes go.</param>
    public void CopyTo(Span<byte> destination) => Payload.CopyTo(destination);

    /// <summary>Returns the payload's memory to the pool.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the payload's memory.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);
}
