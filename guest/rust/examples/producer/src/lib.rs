//! producer: a Roadrunner guest in Rust that makes payloads and sends them; the Rust twin of
//! guest/c/examples/producer.c (same export names and pattern).
//!
//! Exports (all i32):
//!   fill(len, seed) -> ptr      (re)fill the payload buffer with the xorshift32 pattern of
//!                               producer.c; 0 when len < 0 or it cannot allocate.
//!   buffer_ptr() -> ptr         the payload buffer (0 before the first fill).
//!   produce(len) -> status      send the first len bytes to "consumer" (hose opened once).
//!   try_produce(len) -> status  the same with try_send.
//!
//! produce/try_produce answer RR_BAD_POINTER when len is negative or larger than the last fill,
//! otherwise what the host answered.

use roadrunner::{Hose, Status};
use std::cell::RefCell;

thread_local! {
    static PAYLOAD: RefCell<Vec<u8>> = RefCell::new(Vec::new());
    static CONSUMER: RefCell<Option<Hose>> = RefCell::new(None);
}

const CONSUMER_NAME: &str = "consumer";

/// The pattern: state = seed | 1; each 4-byte chunk is the next xorshift32 state, little-endian;
/// a last partial chunk gets the low bytes of the next state.
fn write_pattern(out: &mut Vec<u8>, len: usize, seed: i32) {
    let mut state = seed as u32 | 1;
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let take = (len - out.len()).min(4);
        out.extend_from_slice(&state.to_le_bytes()[..take]);
    }
}

#[no_mangle]
pub extern "C" fn fill(len: i32, seed: i32) -> *const u8 {
    let len = match usize::try_from(len) {
        Ok(len) => len,
        Err(_) => return std::ptr::null(),
    };
    PAYLOAD.with(|cell| {
        let mut payload = cell.borrow_mut();
        payload.clear();
        // At least 1 byte, so the pointer is a real allocation and never reads as 0.
        if payload.try_reserve(len.max(1)).is_err() {
            return std::ptr::null();
        }
        write_pattern(&mut payload, len, seed);
        payload.as_ptr()
    })
}

#[no_mangle]
pub extern "C" fn buffer_ptr() -> *const u8 {
    PAYLOAD.with(|cell| {
        let payload = cell.borrow();
        if payload.capacity() == 0 {
            std::ptr::null()
        } else {
            payload.as_ptr()
        }
    })
}

#[no_mangle]
pub extern "C" fn produce(len: i32) -> i32 {
    Status::code_of(&send_to_consumer(len, Hose::send))
}

#[no_mangle]
pub extern "C" fn try_produce(len: i32) -> i32 {
    Status::code_of(&send_to_consumer(len, Hose::try_send))
}

/// Sends the first `len` bytes on the cached hose; reopens once if the host says it is gone.
fn send_to_consumer(len: i32, send: fn(&Hose, &[u8]) -> Result<(), Status>) -> Result<(), Status> {
    PAYLOAD.with(|payload| {
        let payload = payload.borrow();
        let bytes = usize::try_from(len)
            .ok()
            .and_then(|len| payload.get(..len))
            .ok_or(Status::BadPointer)?;
        CONSUMER.with(|consumer| {
            let mut consumer = consumer.borrow_mut();
            for attempt in 0..2 {
                if consumer.is_none() {
                    *consumer = Some(Hose::open(CONSUMER_NAME)?);
                }
                match send(consumer.as_ref().unwrap(), bytes) {
                    Err(Status::BadHandle) if attempt == 0 => *consumer = None,
                    result => return result,
                }
            }
            Err(Status::BadHandle)
        })
    })
}
