namespace Roadrunner.Hoses;

/// <summary>Limits of a hose.</summary>
public sealed class HoseOptions
{
    /// <summary>Largest payload accepted; larger ones get <see cref="HoseStatus.TooLarge"/>. Default: 1 GiB.</summary>
    public long MaxPayloadBytes { get; set; } = 1L << 30;

    /// <summary>Most payloads queued in one hose; a sender to a full hose waits or gets <see cref="HoseStatus.WouldBlock"/>. Default: 1024.</summary>
    public int MaxQueuedPayloads { get; set; } = 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPayloadBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedPayloads, 1);
    }
}
