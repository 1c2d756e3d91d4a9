//! Safe Rust wrappers over the Roadrunner guest ABI, version 2 (docs/guest-abi.md; the C header
//! guest/c/roadrunner.h declares the same contract).
//!
//! A WebAssembly module built with this crate for `wasm32-unknown-unknown` becomes a Roadrunner
//! function:
//!
//! - [`Hose::open`] a hose to another function or route by name, then [`Hose::send`] or
//!   [`Hose::try_send`] slices to it; the hose closes when dropped.
//! - Pull payloads from this function's inbox with [`receive()`] / [`receive_wait`] into a `Vec<u8>`.
//! - Or be a push receiver: [`push_handler!`] exports `rr_alloc` and `rr_on_message` so that a
//!   plain `fn(&[u8])` gets every payload.
//!
//! Zero-copy windows (version 2; a module using none of them runs on version-1 hosts too):
//!
//! - A [`Window`] is whole 64 KiB pages of this module's memory, taken with `memory.grow`.
//! - Send from one: [`Hose::claim`] it, write the payload into the [`Claim`], [`Claim::commit`]
//!   (dropping an uncommitted claim aborts it).
//! - Pull into one: [`receive_window`] holds the payload in the window until the [`Received`]
//!   guard is dropped.
//! - Push into one: [`push_handler_windowed!`] also exports `rr_alloc_window`, so large payloads
//!   arrive mapped instead of copied.
//! - [`abi_version`] asks the host which version it speaks.
//!
//! Every failure is a [`Status`], the ABI's negative `RR_*` codes. The crate has no dependencies
//! and builds with Rust 1.63. `unsafe` is used only to call the imports ([`sys`])
//! and to view a [`Window`] (pages this crate grew for it alone) as a slice.

mod claim;
mod hose;
pub mod push;
pub mod push_window;
mod receive;
mod received;
mod status;
pub mod sys;
mod window;

pub use claim::Claim;
pub use hose::{Hose, MAX_NAME_LENGTH};
pub use receive::{next_length, receive, receive_wait};
pub use received::{receive_window, receive_window_wait, Received};
pub use status::Status;
pub use window::{window_size, Window, HUGE_ALIGN, WINDOW_ALIGN};

/// Version of the guest ABI this crate speaks (version 2 adds the zero-copy windows).
pub const ABI_VERSION: i32 = 2;

/// The guest ABI version the host speaks (2 for a host with zero-copy windows).
///
/// Calling it makes the module import `abi_version`, which a host older than version 2 lacks: the
/// module then fails to load there instead of misbehaving.
pub fn abi_version() -> i32 {
    // SAFETY: `abi_version` takes no memory.
    unsafe { sys::abi_version() }
}
