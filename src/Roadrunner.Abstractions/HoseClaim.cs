namespace Roadrunner;

/// <summary>
/// Room for one payload, reserved in the hose's memory. Write the payload into <see cref="Memory"/>, then call
/// <see cref="Commit"/>; disposing an uncommitted claim abandons it and frees the room.
/// </summary>
public abstract class HoseClaim : IDisposable
{
    /// <summary>The writable payload bytes, exactly the claimed length.</summary>
    public abstract Memory<byte> Memory { get; }

    /// <summary>The writable payload bytes as a span.</summary>
    public Span<byte> Span => Memory.Span;

    /// <summary>Delivers the payload. A claim can be committed once; when the commit fails its room is given back.</summary>
    /// <returns><see cref="HoseStatus.Ok"/>, or a failure such as <see cref="HoseStatus.Closed"/> when the hose closed or failed since the claim (the payload is not sent).</returns>
    public abstract HoseStatus Commit();

    /// <summary>Abandons the claim if it was not committed.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the reserved room unless it was committed.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);
}
