//! Zero-copy sending (ABI version 2): `Hose::claim` a [`Window`], write the payload into it,
//! [`Claim::commit`]. Dropping a claim that was not committed aborts it.

use crate::hose::Hose;
use crate::status::{check, Status};
use crate::sys;
use crate::window::Window;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// A window claimed for a payload to a hose's target: write the payload into it (it derefs to
/// the first [`Claim::len`] bytes of the window), then [`Claim::commit`] it. Dropping it without
/// a commit aborts it, so the window is never left claimed.
///
/// It borrows the hose (which cannot close meanwhile) and the window (which cannot be claimed
/// twice or received into meanwhile); `commit` and `abort` consume it, so a claim cannot be
/// committed twice or after an abort. After either, the window is ordinary memory again and its
/// contents are unspecified (the payload, or what it held before the claim): nothing written there
/// afterwards reaches a receiver.
#[derive(Debug)]
pub struct Claim<'a> {
    hose: &'a Hose,
    window: &'a mut Window,
    len: usize,
}

impl Hose {
    /// Claims `window` for a payload of up to `len` bytes to this hose's target. The claim's
    /// bytes start as this module's own (what the window held) or zeros, never another
    /// function's.
    ///
    /// Errors (nothing claimed): [`Status::BadPointer`] when `len` is larger than the window (see
    /// [`Window::reserve`]) or the window overlaps one the host already holds for this module
    /// (claimed or received through [`crate::sys`]); [`Status::BadHandle`];
    /// [`Status::TooManyHandles`] when this module holds 64 windows. A host that backs windows
    /// with the target's memory also gives the statuses of a send for want of room here
    /// ([`Status::TooLarge`], [`Status::Closed`], [`Status::WouldBlock`], [`Status::TimedOut`]);
    /// others give them from [`Claim::commit`].
    ///
    /// ```ignore
    /// let mut claim = hose.claim(&mut window, 1 << 20)?;
    /// claim.fill(7);
    /// claim.commit()?;
    /// ```
    pub fn claim<'a>(&'a self, window: &'a mut Window, len: usize) -> Result<Claim<'a>, Status> {
        // Checked here: the host only sees the pages, and pages past this window may be ones
        // the allocator owns.
        if !window.fits(len) {
            return Err(Status::BadPointer);
        }
        let claimed = u32::try_from(len).map_err(|_| Status::BadPointer)?; // wasm32: always fits
        // SAFETY: the range is `window`, pages only this value hands out, borrowed mutably for
        // as long as the claim lives; the host may map other pages there meanwhile (it zeroes
        // them or keeps this module's bytes), which any `u8` reads soundly.
        check(unsafe { sys::claim(self.handle(), window.as_ptr(), claimed) })?;
        Ok(Claim { hose: self, window, len })
    }
}

impl<'a> Claim<'a> {
    /// Bytes [`Claim::commit`] hands over: the claimed length, or less after [`Claim::truncate`].
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the payload is empty (a valid payload of 0 bytes).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Commits only the first `len` bytes (the rest never reaches a receiver); a `len` at or past
    /// [`Claim::len`] changes nothing.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Hands the payload (the first [`Claim::len`] bytes of the window) to the hose's target(s),
    /// with the statuses and meaning of [`Hose::send`]: `Ok` is handed over; every error but
    /// [`Status::PeerFailed`] means not sent and never delivered. Large payloads change hands by
    /// mapping pages, small ones are copied once; the guest cannot tell.
    ///
    /// Whatever the result, the claim is over and the window is ordinary memory again.
    pub fn commit(self) -> Result<(), Status> {
        let claim = ManuallyDrop::new(self); // ended by the commit, never aborted by Drop
        let len = claim.len as u32; // <= the claimed length, which fit in u32
        // SAFETY: `commit` takes no memory of ours beyond the window the claim holds.
        check(unsafe { sys::commit(claim.hose.handle(), claim.window.as_ptr(), len) }).map(|_| ())
    }

    /// Gives the window back without sending (dropping the claim does the same, silently).
    pub fn abort(self) -> Result<(), Status> {
        let claim = ManuallyDrop::new(self); // ended here, not again by Drop
        abort(claim.hose, claim.window)
    }
}

impl Deref for Claim<'_> {
    type Target = [u8];

    /// The payload: the first [`Claim::len`] bytes of the window.
    fn deref(&self) -> &[u8] {
        &self.window.as_slice()[..self.len]
    }
}

impl DerefMut for Claim<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        &mut self.window.as_mut_slice()[..len]
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        // Nothing to do about a failure: the window is not claimed either way.
        let _ = abort(self.hose, self.window);
    }
}

fn abort(hose: &Hose, window: &Window) -> Result<(), Status> {
    // SAFETY: `abort` takes no memory of ours beyond the window, which the claim holds.
    check(unsafe { sys::abort(hose.handle(), window.as_ptr()) }).map(|_| ())
}
