using System.Diagnostics.CodeAnalysis;

namespace Roadrunner;

/// <summary>The receiving end of a hose: payloads come out whole, as leases over the bytes in place.</summary>
public interface IHoseReceiver : IAsyncDisposable
{
    /// <summary>The length of the next payload, without taking it.</summary>
    /// <param name="length">The payload length when one is queued.</param>
    /// <returns>True when a payload is queued.</returns>
    bool TryPeekLength(out long length);

    /// <summary>Takes the next payload if one is queued.</summary>
    /// <param name="lease">The payload; dispose it to give its memory back.</param>
    /// <returns>True when a payload was taken.</returns>
    bool TryReceive([NotNullWhen(true)] out HoseLease? lease);

    /// <summary>Waits for the next payload.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The payload; dispose it to give its memory back.</returns>
    /// <exception cref="HoseException">With <see cref="HoseStatus.Closed"/> once the sender completed and every payload was taken.</exception>
    ValueTask<HoseLease> ReceiveAsync(CancellationToken cancellationToken = default);
}
