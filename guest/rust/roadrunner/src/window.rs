//! `Window`: a 64 KiB-aligned range of this module's memory for zero-copy payloads (ABI version 2).
//!
//! Windows are taken with `memory.grow`, like `rr_window_alloc` in roadrunner.h, so no allocator
//! ever hands their pages out for anything else: the host may map a payload over them. Memory
//! cannot shrink, so a window is never freed: keep one and reuse it (after a commit, an abort or a
//! release it is this module's ordinary memory again).

use crate::status::Status;
use std::slice;

/// Alignment and size granule of a window: the wasm page size, 65536 bytes.
pub const WINDOW_ALIGN: usize = 65536;

/// With the crate feature `huge-pages`, [`Window::new`] starts windows of this many bytes and
/// more (2 MiB, the x86-64 and arm64 huge page) on a multiple of it: where the host keeps memories
/// on a tmpfs with huge pages, a mapped payload then costs one fault per 2 MiB instead of one per
/// 4 KiB. Leave the feature off elsewhere: with 4 KiB pages such windows make every hop free and
/// refill page tables (docs/zero-copy.md, "Huge pages"). Like `RR_HUGE_PAGES` in roadrunner.h.
pub const HUGE_ALIGN: usize = 2 << 20;

/// Bytes a window for a payload of `len` bytes spans: `len` rounded up to [`WINDOW_ALIGN`], at
/// least one page (an empty payload still spans a page). `None` when no memory could hold it.
pub fn window_size(len: usize) -> Option<usize> {
    let size = len.checked_add(WINDOW_ALIGN - 1)? & !(WINDOW_ALIGN - 1);
    Some(size.max(WINDOW_ALIGN))
}

/// A window: whole wasm pages of this module's memory that only this value hands out.
///
/// Fill it through [`crate::Hose::claim`] to send without a copy, or take a payload into it with
/// [`crate::receive_window`]. Both borrow it mutably, so a window is claimed or received into
/// once at a time, and is reusable as soon as the claim or the received payload is gone.
///
/// ```ignore
/// let mut window = roadrunner::Window::new(4 << 20)?; // 4 MiB, 64 pages
/// ```
#[derive(Debug)]
pub struct Window {
    start: usize, // a multiple of WINDOW_ALIGN, never 0
    size: usize,  // a multiple of WINDOW_ALIGN, at least one page
}

impl Window {
    /// A fresh window of [`window_size`]`(len)` bytes at the end of memory (the memory grows by
    /// that much; its new pages read as zeros). With the feature `huge-pages`, a window of
    /// [`HUGE_ALIGN`] bytes or more starts on a multiple of it (the pages skipped to get there, at
    /// most 2 MiB - 64 KiB, stay unused).
    ///
    /// Errors: [`Status::TooLarge`] when the memory cannot grow that far (its maximum, or the
    /// host's memory limit), or `len` is larger than any memory.
    pub fn new(len: usize) -> Result<Window, Status> {
        let size = span(len)?;
        if cfg!(feature = "huge-pages") && len >= HUGE_ALIGN {
            let per = HUGE_ALIGN / WINDOW_ALIGN;
            let pad = (per - memory::pages() % per) % per;
            if pad != 0 {
                memory::grow(pad).ok_or(Status::TooLarge)?;
            }
        }
        let start = memory::grow(size / WINDOW_ALIGN).ok_or(Status::TooLarge)?;
        if start == 0 {
            // Only an empty memory grows from page 0, and a Rust module always has a stack.
            return Err(Status::Internal);
        }
        Ok(Window { start: start * WINDOW_ALIGN, size })
    }

    /// Makes this window span at least [`window_size`]`(len)` bytes: nothing to do when it
    /// does; it grows in place when it ends where the memory ends; otherwise it is replaced by a
    /// new window (the old pages stay unused: memory cannot shrink). Errors as [`Window::new`];
    /// on an error the window is unchanged.
    pub fn reserve(&mut self, len: usize) -> Result<(), Status> {
        let size = span(len)?;
        if size <= self.size {
            return Ok(());
        }
        // In pages: the end of a window at the top of a 4 GiB memory is 2^32 bytes.
        let end = self.start / WINDOW_ALIGN + self.size / WINDOW_ALIGN;
        if memory::pages() == end {
            // Nothing else runs between the two calls, so the new pages start at `end`.
            let grown = memory::grow((size - self.size) / WINDOW_ALIGN).ok_or(Status::TooLarge)?;
            if grown == end {
                self.size = size;
                return Ok(());
            }
        }
        *self = Window::new(len)?;
        Ok(())
    }

    /// The window in `slot`, created by the first call and made to span at least
    /// [`window_size`]`(len)` bytes ([`Window::reserve`]): the pattern for a window kept across
    /// calls in a `static` or `thread_local!`.
    pub fn reserve_in(slot: &mut Option<Window>, len: usize) -> Result<&mut Window, Status> {
        match slot {
            Some(window) => {
                window.reserve(len)?;
                Ok(window)
            }
            None => Ok(slot.insert(Window::new(len)?)),
        }
    }

    /// Where the window starts in this module's memory (a multiple of [`WINDOW_ALIGN`]).
    pub fn as_ptr(&self) -> *mut u8 {
        self.start as *mut u8
    }

    /// The window's address as the ABI reads it: an unsigned 32-bit value (never negative, even
    /// above 2 GiB).
    pub fn address(&self) -> u32 {
        self.start as u32
    }

    /// Bytes the window spans (a multiple of [`WINDOW_ALIGN`], at least one page).
    pub fn size(&self) -> usize {
        self.size
    }

    /// True when a payload of `len` bytes fits.
    pub fn fits(&self, len: usize) -> bool {
        len <= self.size
    }

    /// The whole window.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the window's pages were grown for this value alone (no allocator owns them),
        // lie inside the memory (which never shrinks) and hold initialized bytes (zeros at first,
        // later whatever the host or this module put there); the borrow of `self` keeps every
        // mutable view away meanwhile.
        unsafe { slice::from_raw_parts(self.as_ptr(), self.size) }
    }

    /// The whole window, to write into.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; the exclusive borrow of `self` makes this the only view.
        unsafe { slice::from_raw_parts_mut(self.as_ptr(), self.size) }
    }
}

/// [`window_size`], limited to what a slice may span (`isize::MAX` bytes: 2 GiB on wasm32).
fn span(len: usize) -> Result<usize, Status> {
    match window_size(len) {
        Some(size) if size <= isize::MAX as usize => Ok(size),
        _ => Err(Status::TooLarge),
    }
}

/// `memory.grow` and `memory.size` of memory 0, in pages. Other targets have no linear memory to
/// grow, so there a window cannot be made.
#[cfg(target_arch = "wasm32")]
mod memory {
    use core::arch::wasm32;

    /// Grows the memory by `pages` and returns the first new page; `None` when it cannot.
    pub fn grow(pages: usize) -> Option<usize> {
        match wasm32::memory_grow(0, pages) {
            usize::MAX => None,
            old => Some(old),
        }
    }

    /// The memory's current size.
    pub fn pages() -> usize {
        wasm32::memory_size(0)
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod memory {
    pub fn grow(_pages: usize) -> Option<usize> {
        None
    }

    pub fn pages() -> usize {
        0
    }
}
