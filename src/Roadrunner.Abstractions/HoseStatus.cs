namespace Roadrunner;

/// <summary>
/// Outcome of a hose operation. The numeric values are the guest ABI's status codes
/// (<c>RR_*</c> in <c>roadrunner.h</c>): zero is success, every failure is negative. Each value means the same on every
/// transport (docs/guest-abi.md, "Status codes"): for a send, every failure except <see cref="PeerFailed"/> promises
/// that the payload was not and will never be delivered; <see cref="PeerFailed"/> means the outcome is not known.
/// </summary>
public enum HoseStatus
{
    /// <summary>
    /// The operation completed. For a send: the payload was handed over — the receiver took it, or it is queued for the
    /// receiver (its inbox, its process's descriptor ring, or acknowledged by its node) and the hose will not lose it.
    /// </summary>
    Ok = 0,

    /// <summary>Nothing to receive now, or no room to send now; try again later.</summary>
    WouldBlock = -1,

    /// <summary>A guest pointer or length lies outside the caller's memory, or a length is negative.</summary>
    BadPointer = -2,

    /// <summary>The handle was never opened, or has been closed.</summary>
    BadHandle = -3,

    /// <summary>No function or route has that name, or the function was disposed.</summary>
    UnknownTarget = -4,

    /// <summary>The payload is larger than the maximum payload size of this host or of the receiving peer.</summary>
    TooLarge = -5,

    /// <summary>The receive buffer is smaller than the next payload; the payload stays queued.</summary>
    BufferTooSmall = -6,

    /// <summary>The hose, the target or the host is shutting down or gone, or the hose was completed.</summary>
    Closed = -7,

    /// <summary>
    /// The receiver refused or trapped on the payload, is faulted, or its process or node was lost before the outcome
    /// was known. Delivery is not known: do not resend a payload that must not arrive twice without a check.
    /// </summary>
    PeerFailed = -8,

    /// <summary>The caller has too many open handles.</summary>
    TooManyHandles = -9,

    /// <summary>A wait ended before a payload arrived or room was made. A send that times out is never delivered.</summary>
    TimedOut = -10,

    /// <summary>An unexpected error; nothing was done and the host stays up.</summary>
    Internal = -11,
}
