namespace Roadrunner;

/// <summary>
/// Outcome of a hose operation. The numeric values are the guest ABI's status codes
/// (<c>RR_*</c> in <c>roadrunner.h</c>): zero is success, every failure is negative.
/// </summary>
public enum HoseStatus
{
    /// <summary>The operation completed.</summary>
    Ok = 0,

    /// <summary>Nothing to receive now, or no room to send now; try again later.</summary>
    WouldBlock = -1,

    /// <summary>A guest pointer or length lies outside the caller's memory, or a length is negative.</summary>
    BadPointer = -2,

    /// <summary>The handle was never opened, or has been closed.</summary>
    BadHandle = -3,

    /// <summary>No function or route has that name.</summary>
    UnknownTarget = -4,

    /// <summary>The payload is larger than the configured maximum payload size.</summary>
    TooLarge = -5,

    /// <summary>The receive buffer is smaller than the next payload; the payload stays queued.</summary>
    BufferTooSmall = -6,

    /// <summary>The hose or host is shutting down, or the hose was completed.</summary>
    Closed = -7,

    /// <summary>The receiving function trapped or refused the payload.</summary>
    PeerFailed = -8,

    /// <summary>The caller has too many open handles.</summary>
    TooManyHandles = -9,

    /// <summary>A wait ended before a payload arrived or room was made.</summary>
    TimedOut = -10,

    /// <summary>An unexpected error; nothing was done and the host stays up.</summary>
    Internal = -11,
}
