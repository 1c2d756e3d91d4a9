//! The raw imports of the guest ABI, module `roadrunner` (see docs/guest-abi.md).
//!
//! Every value is an `i32` in WebAssembly; pointers are 32-bit on `wasm32`. The host checks every
//! `(pointer, length)` against this module's memory before it reads or writes a byte and answers
//! bad input with a status, never a trap. `receive` and `receive_wait` write into the range they
//! are given, so callers must pass memory they own: the safe wrappers in this crate only ever pass
//! ranges of live slices.
//!
//! The declarations use the ABI names (`open`, `send`, ...); rustc imports them from module
//! `roadrunner` even where the C library defines the same names (checked on `wasm32-wasi`).

#[link(wasm_import_module = "roadrunner")]
extern "C" {
    /// `open(name_ptr, name_len) -> handle`: a handle `> 0`, or a negative status.
    pub fn open(name: *const u8, name_len: i32) -> i32;
    /// `close(handle) -> status`.
    pub fn close(handle: i32) -> i32;
    /// `send(handle, ptr, len) -> status`: may wait (up to the host's send timeout) for room.
    pub fn send(handle: i32, ptr: *const u8, len: i32) -> i32;
    /// `try_send(handle, ptr, len) -> status`: never waits.
    pub fn try_send(handle: i32, ptr: *const u8, len: i32) -> i32;
    /// `next_length() -> len`: length of the next queued payload, or `RR_WOULD_BLOCK`.
    pub fn next_length() -> i32;
    /// `receive(ptr, cap) -> len`: moves the next payload into `[ptr, ptr + cap)`.
    pub fn receive(ptr: *mut u8, cap: i32) -> i32;
    /// `receive_wait(ptr, cap, timeout_ms) -> len`: like `receive`, waiting up to `timeout_ms`.
    pub fn receive_wait(ptr: *mut u8, cap: i32, timeout_ms: i32) -> i32;
}
