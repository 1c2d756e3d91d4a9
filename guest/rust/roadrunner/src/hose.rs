//! `Hose`: an open handle to a function or route, closed when dropped.

use crate::status::{check, length, Status};
use crate::sys;

/// Longest target name `open` accepts, in UTF-8 bytes.
pub const MAX_NAME_LENGTH: usize = 255;

/// A hose to a function or route, opened by name. Dropping it closes the handle.
///
/// ```ignore
/// let hose = roadrunner::Hose::open("consumer")?;
/// hose.send(b"hello")?;
/// ```
#[derive(Debug)]
pub struct Hose {
    handle: i32,
}

impl Hose {
    /// Opens a hose to the function or route called `name` (1 to 255 UTF-8 bytes).
    ///
    /// Errors: [`Status::UnknownTarget`] when nothing has that name (or it is empty or too long),
    /// [`Status::TooManyHandles`] past 1024 open handles, [`Status::Closed`] when the host is
    /// shutting down.
    pub fn open(name: &str) -> Result<Hose, Status> {
        let len = length(name.len())?;
        // SAFETY: the pointer and length are those of `name`, a live `&str` the host only reads
        // (it checks the range against this module's memory first).
        let handle = check(unsafe { sys::open(name.as_ptr(), len) })?;
        Ok(Hose { handle })
    }

    /// The ABI handle number (`> 0`), for calling [`crate::sys`] directly.
    pub fn handle(&self) -> i32 {
        self.handle
    }

    /// Sends `payload` whole. The host copies it before returning, so the slice may be reused at
    /// once. When the host's memory is full this waits up to the host's send timeout for room.
    ///
    /// `Ok` means handed over (the receiver has it, or it is queued for it). Errors: every
    /// status but [`Status::PeerFailed`] means the payload was not and will never be delivered;
    /// `PeerFailed` means delivery is not known (the receiver refused, trapped or was lost).
    pub fn send(&self, payload: &[u8]) -> Result<(), Status> {
        let len = length(payload.len())?;
        // SAFETY: pointer and length of `payload`, a live slice the host only reads.
        check(unsafe { sys::send(self.handle, payload.as_ptr(), len) }).map(|_| ())
    }

    /// Like [`Hose::send`] but never waits: [`Status::WouldBlock`] when there is no room now.
    pub fn try_send(&self, payload: &[u8]) -> Result<(), Status> {
        let len = length(payload.len())?;
        // SAFETY: pointer and length of `payload`, a live slice the host only reads.
        check(unsafe { sys::try_send(self.handle, payload.as_ptr(), len) }).map(|_| ())
    }

    /// Closes the hose and reports the host's answer (dropping it closes it too, silently).
    pub fn close(self) -> Result<(), Status> {
        let handle = self.handle;
        std::mem::forget(self); // closed here, not again by Drop
        close_handle(handle)
    }
}

impl Drop for Hose {
    fn drop(&mut self) {
        // Nothing to do about a failure here: the handle is unusable either way.
        let _ = close_handle(self.handle);
    }
}

fn close_handle(handle: i32) -> Result<(), Status> {
    // SAFETY: `close` takes no memory, only a handle number.
    check(unsafe { sys::close(handle) }).map(|_| ())
}
