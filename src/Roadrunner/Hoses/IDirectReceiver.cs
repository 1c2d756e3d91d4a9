namespace Roadrunner.Hoses;

/// <summary>
/// A receiver that can take a payload straight from the sender's memory into its own (one copy, no region), when it
/// is idle. A Wasm push receiver is one. The hose falls back to its queue when the receiver is busy.
/// </summary>
internal interface IDirectReceiver
{
    /// <summary>Delivers <paramref name="payload"/> now if the receiver is idle.</summary>
    /// <returns><see cref="HoseStatus.Ok"/> when delivered, <see cref="HoseStatus.WouldBlock"/> when busy (queue it), or a failure.</returns>
    HoseStatus TryDeliver(ReadOnlySpan<byte> payload);

    /// <summary>A payload was queued: the receiver should take it as soon as it is idle.</summary>
    void OnQueued();
}
