using Roadrunner.Regions;

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

    /// <summary>
    /// Delivers a payload of <paramref name="length"/> bytes that <paramref name="write"/> produces straight into the
    /// receiver's memory (a network hose reads it from the socket there), if the receiver is idle. Receivers that
    /// cannot do this answer <see cref="HoseStatus.WouldBlock"/> without calling <paramref name="write"/>.
    /// </summary>
    /// <returns>As <see cref="TryDeliver(ReadOnlySpan{byte})"/>; <paramref name="write"/> was called only when the receiver took the payload.</returns>
    HoseStatus TryDeliver(int length, PayloadWriter write) => HoseStatus.WouldBlock;

    /// <summary>
    /// Like <see cref="TryDeliver(ReadOnlySpan{byte})"/> for bytes that also live in <paramref name="pages"/>: a receiver
    /// that can map them does, instead of copying. The pages must not change until this returns.
    /// </summary>
    HoseStatus TryDeliver(ReadOnlySpan<byte> payload, FilePages pages, out bool mapped)
    {
        mapped = false;
        return TryDeliver(payload);
    }

    /// <summary>
    /// Zero-copy hook (issue 11): takes a payload that already lies in regions (a claim, a fan-out's shared copy, a
    /// lease over a peer's region) without copying its bytes, by mapping its pages into the receiver's memory, if the
    /// receiver is idle and takes payloads that way. The caller keeps its own reference and releases it after the call;
    /// a receiver that uses the pages after returning takes a reference of its own (<see cref="RegionPayload.AddReference"/>).
    /// <see cref="InboxWriter"/> offers every payload here before queueing it. Receivers that do not map answer
    /// <see cref="HoseStatus.WouldBlock"/> (the payload is queued as before).
    /// </summary>
    /// <param name="payload">The payload.</param>
    /// <param name="mapped">True when the pages were mapped into the receiver (false: it copied them after all).</param>
    /// <returns>As <see cref="TryDeliver(ReadOnlySpan{byte})"/>.</returns>
    HoseStatus TryDeliver(RegionPayload payload, out bool mapped)
    {
        mapped = false;
        return HoseStatus.WouldBlock;
    }
}

/// <summary>Writes a payload into <paramref name="destination"/> (exactly its length); throws when the bytes cannot be produced.</summary>
internal delegate void PayloadWriter(Span<byte> destination);
