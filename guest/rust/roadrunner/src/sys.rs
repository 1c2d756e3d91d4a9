//! The raw imports of the guest ABI (version 2), module `roadrunner` (see docs/guest-abi.md).
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

// Version 2: zero-copy windows. A window's pointer and length are read by the host as unsigned
// 32-bit values (a window may lie above 2 GiB); every result is a status (0 or negative), never a
// pointer, so no address can read as a failure.
#[link(wasm_import_module = "roadrunner")]
extern "C" {
    /// `abi_version() -> i32`: the ABI version the host speaks (2). A host older than version 2
    /// lacks this import, so a module calling it fails to instantiate there.
    pub fn abi_version() -> i32;
    /// `claim(handle, ptr, len) -> status`: reserves the window `[ptr, ptr + window_size(len))`
    /// (`ptr` a multiple of 65536) for a payload of up to `len` bytes.
    pub fn claim(handle: i32, ptr: *mut u8, len: u32) -> i32;
    /// `commit(handle, ptr, len) -> status`: hands the first `len` bytes of the window claimed at
    /// `ptr` over, like `send`; afterwards the window is ordinary memory (contents unspecified).
    pub fn commit(handle: i32, ptr: *mut u8, len: u32) -> i32;
    /// `abort(handle, ptr) -> status`: gives the window claimed at `ptr` back without sending.
    pub fn abort(handle: i32, ptr: *mut u8) -> i32;
    /// `receive_window(ptr, cap) -> len`: takes the next payload into the window
    /// `[ptr, ptr + window_size(cap))`, where it stays until `release(ptr)`.
    pub fn receive_window(ptr: *mut u8, cap: u32) -> i32;
    /// `receive_window_wait(ptr, cap, timeout_ms) -> len`: `receive_window` that waits up to
    /// `timeout_ms` (capped by the host) for a payload; `RR_TIMED_OUT` when none came.
    pub fn receive_window_wait(ptr: *mut u8, cap: u32, timeout_ms: i32) -> i32;
    /// `release(ptr) -> status`: ends the window `receive_window` filled at `ptr`.
    pub fn release(ptr: *mut u8) -> i32;
}
