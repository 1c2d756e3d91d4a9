//! zc_producer: a Roadrunner guest of ABI version 2 in Rust that sends without a copy: it claims
//! a window (`Hose::claim`), writes the payload straight into it and commits it. The Rust twin of
//! the sending half of guest/c/examples/zero_copy.c (same export names and pattern).
//!
//! Exports (all i32):
//!   abi() -> version               roadrunner::abi_version() (2).
//!   produce(len, seed) -> status   claim a window for len bytes to "zc-sink" (hose opened once),
//!                                  fill it with producer.c's xorshift32 pattern, commit.
//!   abort_claim(len, seed)         the same, but abort instead of commit: nothing is sent and the
//!                                  window can be claimed again.
//!   drop_claim(len) -> status      claim and drop the claim uncommitted (it aborts itself).
//!   window_ptr() -> ptr            the window's address (0 before the first claim); unsigned.
//!   window_size() -> bytes         bytes it spans (0 before the first claim).
//!
//! What the types rule out, done through `roadrunner::sys` to show the host refuses it too (each
//! traps if a step that must succeed fails, and leaves the window unclaimed):
//!   commit_twice(len) -> status    the second commit's status (RR_BAD_POINTER).
//!   commit_after_abort(len)        the commit's status after an abort (RR_BAD_POINTER).
//!   claim_twice(len) -> status     the second claim of the same window (RR_BAD_POINTER).
//!
//! The window comes from roadrunner::Window (memory.grow), grown or replaced when a payload does
//! not fit. Negative lengths give RR_BAD_POINTER.

use roadrunner::{sys, Claim, Hose, Status, Window};
use std::cell::RefCell;

thread_local! {
    static WINDOW: RefCell<Option<Window>> = RefCell::new(None);
    static SINK: RefCell<Option<Hose>> = RefCell::new(None);
}

const SINK_NAME: &str = "zc-sink";

#[no_mangle]
pub extern "C" fn abi() -> i32 {
    roadrunner::abi_version()
}

#[no_mangle]
pub extern "C" fn produce(len: i32, seed: i32) -> i32 {
    Status::code_of(&claimed(len, |mut claim| {
        write_pattern(&mut claim, seed);
        claim.commit()
    }))
}

#[no_mangle]
pub extern "C" fn abort_claim(len: i32, seed: i32) -> i32 {
    Status::code_of(&claimed(len, |mut claim| {
        write_pattern(&mut claim, seed);
        claim.abort()
    }))
}

#[no_mangle]
pub extern "C" fn drop_claim(len: i32) -> i32 {
    Status::code_of(&claimed(len, |claim| {
        drop(claim); // aborts
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn window_ptr() -> u32 {
    WINDOW.with(|cell| cell.borrow().as_ref().map_or(0, Window::address))
}

#[no_mangle]
pub extern "C" fn window_size() -> u32 {
    WINDOW.with(|cell| cell.borrow().as_ref().map_or(0, |window| window.size() as u32))
}

/// Claims the window for `len` bytes to the sink and hands the claim to `then`. The hose is
/// opened once and reopened after `RR_BAD_HANDLE`.
fn claimed(len: i32, then: impl FnOnce(Claim<'_>) -> Result<(), Status>) -> Result<(), Status> {
    with_window(len, |hose, window, len| then(hose.claim(window, len)?))
}

/// The sink's hose and the window, sized for `len` bytes.
fn with_window<T>(
    len: i32,
    then: impl FnOnce(&Hose, &mut Window, usize) -> Result<T, Status>,
) -> Result<T, Status> {
    let len = usize::try_from(len).map_err(|_| Status::BadPointer)?;
    SINK.with(|sink| {
        WINDOW.with(|window| {
            let mut sink = sink.borrow_mut();
            if sink.is_none() {
                *sink = Some(Hose::open(SINK_NAME)?);
            }
            let mut window = window.borrow_mut();
            let window = Window::reserve_in(&mut window, len)?;
            let result = then(sink.as_ref().unwrap(), window, len);
            if let Err(Status::BadHandle) = result {
                *sink = None; // gone: open again next time
            }
            result
        })
    })
}

/// producer.c's pattern: state = seed | 1; each 4-byte chunk is the next xorshift32 state,
/// little-endian; a last partial chunk gets the low bytes of the next state.
fn write_pattern(out: &mut [u8], seed: i32) {
    let mut state = seed as u32 | 1;
    for chunk in out.chunks_mut(4) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
    }
}

#[no_mangle]
pub extern "C" fn commit_twice(len: i32) -> i32 {
    raw(len, |handle, ptr, len| {
        must(unsafe { sys::claim(handle, ptr, len) }, "claim");
        must(unsafe { sys::commit(handle, ptr, len) }, "commit");
        unsafe { sys::commit(handle, ptr, len) }
    })
}

#[no_mangle]
pub extern "C" fn commit_after_abort(len: i32) -> i32 {
    raw(len, |handle, ptr, len| {
        must(unsafe { sys::claim(handle, ptr, len) }, "claim");
        must(unsafe { sys::abort(handle, ptr) }, "abort");
        unsafe { sys::commit(handle, ptr, len) }
    })
}

#[no_mangle]
pub extern "C" fn claim_twice(len: i32) -> i32 {
    raw(len, |handle, ptr, len| {
        must(unsafe { sys::claim(handle, ptr, len) }, "claim");
        let second = unsafe { sys::claim(handle, ptr, len) };
        must(unsafe { sys::abort(handle, ptr) }, "abort");
        second
    })
}

/// Runs `calls` with the raw handle, window pointer and length (the window sized for `len`).
/// SAFETY of the calls inside: the pointer is the window this module grew for itself.
fn raw(len: i32, calls: impl FnOnce(i32, *mut u8, u32) -> i32) -> i32 {
    let result = with_window(len, |hose, window, len| Ok(calls(hose.handle(), window.as_ptr(), len as u32)));
    match result {
        Ok(code) => code,
        Err(status) => status.code(),
    }
}

/// Traps (panics) when a call that must succeed did not: the test then sees a trap, not a status.
fn must(code: i32, what: &str) {
    assert!(code == 0, "{} gave {}", what, code);
}
