//! The `RR_*` status codes as a Rust enum.

use std::fmt;

/// A failure status of the guest ABI: the negative `RR_*` codes (`RR_OK` is the `Ok` of a
/// `Result`). The numbers and meanings are those of docs/guest-abi.md and `Roadrunner.HoseStatus`.
///
/// Every status but [`Status::PeerFailed`] on a send means "not sent, never delivered", so a retry
/// cannot make a duplicate; `PeerFailed` means delivery is not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `RR_WOULD_BLOCK` (-1): nothing to receive now, or no room to send now.
    WouldBlock,
    /// `RR_BAD_POINTER` (-2): a pointer or length lies outside the caller's memory.
    BadPointer,
    /// `RR_BAD_HANDLE` (-3): the handle was never opened, or is closed.
    BadHandle,
    /// `RR_UNKNOWN_TARGET` (-4): no function or route has that name, or it was disposed.
    UnknownTarget,
    /// `RR_TOO_LARGE` (-5): the payload is larger than the host's or the receiver's limit.
    TooLarge,
    /// `RR_BUFFER_TOO_SMALL` (-6): the receive buffer is smaller than the next payload.
    BufferTooSmall,
    /// `RR_CLOSED` (-7): the hose, the target or the host is shutting down or gone.
    Closed,
    /// `RR_PEER_FAILED` (-8): the receiver refused or trapped, or was lost: delivery is not known.
    PeerFailed,
    /// `RR_TOO_MANY_HANDLES` (-9): this instance has too many open handles (1024).
    TooManyHandles,
    /// `RR_TIMED_OUT` (-10): a wait ended before a payload arrived or room was made.
    TimedOut,
    /// `RR_INTERNAL` (-11): the host hit an unexpected error; the call did nothing.
    Internal,
    /// A negative code this version of the crate does not know (from a newer host); `code()`
    /// gives it back unchanged.
    Other(i32),
}

impl Status {
    /// The status for a result of an import: `None` for `>= 0` (success: a handle, a length or
    /// `RR_OK`), otherwise the matching status.
    pub fn from_code(code: i32) -> Option<Status> {
        let status = match code {
            c if c >= 0 => return None,
            -1 => Status::WouldBlock,
            -2 => Status::BadPointer,
            -3 => Status::BadHandle,
            -4 => Status::UnknownTarget,
            -5 => Status::TooLarge,
            -6 => Status::BufferTooSmall,
            -7 => Status::Closed,
            -8 => Status::PeerFailed,
            -9 => Status::TooManyHandles,
            -10 => Status::TimedOut,
            -11 => Status::Internal,
            other => Status::Other(other),
        };
        Some(status)
    }

    /// The ABI's number for this status (negative).
    pub fn code(self) -> i32 {
        match self {
            Status::WouldBlock => -1,
            Status::BadPointer => -2,
            Status::BadHandle => -3,
            Status::UnknownTarget => -4,
            Status::TooLarge => -5,
            Status::BufferTooSmall => -6,
            Status::Closed => -7,
            Status::PeerFailed => -8,
            Status::TooManyHandles => -9,
            Status::TimedOut => -10,
            Status::Internal => -11,
            Status::Other(code) => code,
        }
    }

    /// The symbolic name, e.g. `"RR_TIMED_OUT"` (`"RR_UNKNOWN_STATUS"` for [`Status::Other`]).
    pub fn name(self) -> &'static str {
        match self {
            Status::WouldBlock => "RR_WOULD_BLOCK",
            Status::BadPointer => "RR_BAD_POINTER",
            Status::BadHandle => "RR_BAD_HANDLE",
            Status::UnknownTarget => "RR_UNKNOWN_TARGET",
            Status::TooLarge => "RR_TOO_LARGE",
            Status::BufferTooSmall => "RR_BUFFER_TOO_SMALL",
            Status::Closed => "RR_CLOSED",
            Status::PeerFailed => "RR_PEER_FAILED",
            Status::TooManyHandles => "RR_TOO_MANY_HANDLES",
            Status::TimedOut => "RR_TIMED_OUT",
            Status::Internal => "RR_INTERNAL",
            Status::Other(_) => "RR_UNKNOWN_STATUS",
        }
    }

    /// True only for [`Status::PeerFailed`]: a send that failed with it may have been delivered.
    pub fn delivery_unknown(self) -> bool {
        self == Status::PeerFailed
    }

    /// The code an export hands back to the host: 0 for `Ok`, the status's code otherwise.
    pub fn code_of<T>(result: &Result<T, Status>) -> i32 {
        match result {
            Ok(_) => 0,
            Err(status) => status.code(),
        }
    }
}

impl fmt::Display for Status {
    /// Writes the name and the code, e.g. `RR_TIMED_OUT (-10)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

impl std::error::Error for Status {}

/// Splits an import's result: `>= 0` is a value, a negative number a status.
pub(crate) fn check(code: i32) -> Result<i32, Status> {
    match Status::from_code(code) {
        None => Ok(code),
        Some(status) => Err(status),
    }
}

/// A slice length as the ABI's `i32`. On `wasm32` a slice is never longer than `i32::MAX`, so
/// this never fails there; elsewhere a longer one is [`Status::TooLarge`] (never sent).
pub(crate) fn length(len: usize) -> Result<i32, Status> {
    i32::try_from(len).map_err(|_| Status::TooLarge)
}
