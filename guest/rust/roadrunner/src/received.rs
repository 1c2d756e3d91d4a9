//! Pulling into a window (ABI version 2): [`receive_window`] takes the next payload into a
//! [`Window`], where it stays (mapped when large, copied when small) until the guard is dropped.

use crate::status::{check, Status};
use crate::sys;
use crate::window::Window;
use std::mem::ManuallyDrop;
use std::ops::Deref;

/// A payload held in a window by [`receive_window`]; it derefs to the payload's bytes. Dropping
/// it releases the window ([`Received::release`] reports the host's answer), which is then this
/// module's ordinary memory again, holding what it held before.
///
/// A large payload is mapped into the window: it keeps its pages, which count against the host's
/// memory budget, until released. Keep it no longer than needed.
#[derive(Debug)]
pub struct Received<'a> {
    window: &'a mut Window,
    len: usize,
}

/// Takes the next payload queued for this function into `window` and holds it there until the
/// returned guard is dropped. At or above the host's mapping crossover (with guest memories in
/// files) its pages are mapped there, copy-on-write: no copy.
///
/// Errors: [`Status::WouldBlock`] when none is queued; [`Status::BufferTooSmall`] when it is
/// larger than the window (it stays queued: [`crate::next_length`], [`Window::reserve`], call
/// again); [`Status::Closed`]; [`Status::BadPointer`] when the window overlaps one the host
/// already holds for this module; [`Status::TooManyHandles`] when it holds 64 windows.
///
/// ```ignore
/// let payload = roadrunner::receive_window(&mut window)?;
/// consume(&payload);
/// // dropped: released
/// ```
pub fn receive_window(window: &mut Window) -> Result<Received<'_>, Status> {
    let cap = u32::try_from(window.size()).unwrap_or(u32::MAX); // wasm32: always fits
    // SAFETY: the range is `window`, pages only this value hands out, borrowed mutably by the
    // guard for as long as the host holds the payload there (any `u8` the host puts there reads
    // soundly).
    let len = check(unsafe { sys::receive_window(window.as_ptr(), cap) })?;
    hold(window, len)
}

/// [`receive_window`] that waits up to `timeout_ms` milliseconds (capped by the host, as for
/// [`crate::receive_wait`]) for a payload. Errors as [`receive_window`], plus
/// [`Status::TimedOut`] when none came; `timeout_ms <= 0` does not wait.
pub fn receive_window_wait(window: &mut Window, timeout_ms: i32) -> Result<Received<'_>, Status> {
    let cap = u32::try_from(window.size()).unwrap_or(u32::MAX);
    // SAFETY: as in `receive_window`.
    let len = check(unsafe { sys::receive_window_wait(window.as_ptr(), cap, timeout_ms) })?;
    hold(window, len)
}

/// The guard over a payload of `len` bytes the host put into `window`.
fn hold(window: &mut Window, len: i32) -> Result<Received<'_>, Status> {
    let len = len as usize;
    let received = Received { window, len };
    if len > received.window.size() {
        // The host broke the ABI (a length past the window): give the window back, report it.
        let _ = received.release();
        return Err(Status::Internal);
    }
    Ok(received)
}

impl<'a> Received<'a> {
    /// Ends the hold: the window is ordinary memory again (a mapped payload's pages go back to the
    /// host, and writes into them are gone). [`Status::BadPointer`] when the host no longer held
    /// it (released through [`crate::sys`]).
    pub fn release(self) -> Result<(), Status> {
        let received = ManuallyDrop::new(self); // released here, not again by Drop
        release(received.window)
    }
}

impl Deref for Received<'_> {
    type Target = [u8];

    /// The payload: the first bytes of the window.
    fn deref(&self) -> &[u8] {
        &self.window.as_slice()[..self.len]
    }
}

impl Drop for Received<'_> {
    fn drop(&mut self) {
        // Nothing to do about a failure: the window is not held either way.
        let _ = release(self.window);
    }
}

fn release(window: &Window) -> Result<(), Status> {
    // SAFETY: `release` takes no memory of ours beyond the window, which the guard holds.
    check(unsafe { sys::release(window.as_ptr()) }).map(|_| ())
}
