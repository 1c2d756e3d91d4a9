//! Pulling payloads from this function's own inbox into a `Vec<u8>`.

use crate::status::{check, length, Status};
use crate::sys;

/// Length of the next payload queued for this function, or [`Status::WouldBlock`] when none is.
pub fn next_length() -> Result<usize, Status> {
    // SAFETY: `next_length` takes no memory.
    let len = check(unsafe { sys::next_length() })?;
    Ok(len as usize) // check() only lets lengths >= 0 through
}

/// Moves the next queued payload into `buffer` (replacing its contents, growing it as needed)
/// and returns its length. [`Status::WouldBlock`] when none is queued (`buffer` is then empty).
pub fn receive(buffer: &mut Vec<u8>) -> Result<usize, Status> {
    buffer.clear();
    // One retry is all a correct host needs (the payload at the head of the inbox cannot change:
    // only this function takes from it); the bound keeps a broken one from spinning forever.
    for _ in 0..2 {
        let needed = next_length()?;
        reserve(buffer, needed)?;
        // SAFETY: `into_spare` passes the spare capacity of `buffer`, a live slice borrowed
        // mutably, so the host writes only into memory this function owns and nothing aliases.
        match into_spare(buffer, |ptr, cap| unsafe { sys::receive(ptr, cap) }) {
            // A payload that does not fit stays queued; size the buffer for it and try again.
            Err(Status::BufferTooSmall) => continue,
            other => return other,
        }
    }
    Err(Status::BufferTooSmall)
}

/// Like [`receive`], but waits up to `timeout_ms` milliseconds (capped by the host) for a
/// payload to arrive: [`Status::TimedOut`] when none came. `timeout_ms <= 0` does not wait.
///
/// It waits with `buffer`'s current capacity; a payload that does not fit is taken with
/// [`receive`] after growing the buffer (it stays queued meanwhile, so nothing is lost).
pub fn receive_wait(buffer: &mut Vec<u8>, timeout_ms: i32) -> Result<usize, Status> {
    buffer.clear();
    // SAFETY: as in `receive`: the range is the spare capacity of `buffer`, borrowed mutably.
    match into_spare(buffer, |ptr, cap| unsafe { sys::receive_wait(ptr, cap, timeout_ms) }) {
        Err(Status::BufferTooSmall) => receive(buffer),
        other => other,
    }
}

/// Makes `buffer` (empty) able to hold `needed` bytes; [`Status::TooLarge`] when it cannot grow.
fn reserve(buffer: &mut Vec<u8>, needed: usize) -> Result<(), Status> {
    buffer.try_reserve(needed).map_err(|_| Status::TooLarge)
}

/// Calls `import` with the empty `buffer`'s spare capacity and, when it answers a length, makes
/// that many bytes the buffer's contents.
///
/// `import` must be `receive` or `receive_wait`: given `(ptr, cap)` they write at most `cap`
/// bytes into `[ptr, ptr + cap)` and return how many they wrote, or a negative status having
/// written nothing.
fn into_spare(buffer: &mut Vec<u8>, import: impl FnOnce(*mut u8, i32) -> i32) -> Result<usize, Status> {
    debug_assert!(buffer.is_empty());
    let spare = buffer.spare_capacity_mut(); // a live, exclusively borrowed slice we own
    let cap = length(spare.len()).unwrap_or(i32::MAX); // wasm32: always fits
    let len = check(import(spare.as_mut_ptr().cast::<u8>(), cap))? as usize;
    if len > buffer.capacity() {
        // The host broke the ABI (a length past the buffer): keep the buffer empty.
        return Err(Status::Internal);
    }
    // SAFETY: the host wrote `len` bytes (<= the capacity, checked above) at the start of the
    // spare capacity before it returned `len`, so the first `len` elements are initialized.
    unsafe { buffer.set_len(len) };
    Ok(len)
}
