//! Safe Rust wrappers over the Roadrunner guest ABI, version 1 (docs/guest-abi.md; the C header
//! guest/c/roadrunner.h declares the same contract).
//!
//! A WebAssembly module built with this crate for `wasm32-unknown-unknown` becomes a Roadrunner
//! function:
//!
//! - [`Hose::open`] a hose to another function or route by name, then [`Hose::send`] or
//!   [`Hose::try_send`] slices to it; the hose closes when dropped.
//! - Pull payloads from this function's inbox with [`receive`] / [`receive_wait`] into a `Vec<u8>`.
//! - Or be a push receiver: [`push_handler!`] exports `rr_alloc` and `rr_on_message` so that a
//!   plain `fn(&[u8])` gets every payload.
//!
//! Every failure is a [`Status`], the ABI's negative `RR_*` codes. The crate has no dependencies
//! and builds with Rust 1.63. `unsafe` is used only to call the imports ([`sys`]).

mod hose;
pub mod push;
mod receive;
mod status;
pub mod sys;

pub use hose::{Hose, MAX_NAME_LENGTH};
pub use receive::{next_length, receive, receive_wait};
pub use status::Status;

/// Version of the guest ABI this crate speaks.
pub const ABI_VERSION: i32 = 1;
