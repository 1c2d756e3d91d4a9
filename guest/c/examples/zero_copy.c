/*
 * zero_copy.c - a Roadrunner guest of ABI version 2: a zero-copy producer
 * (rr_claim / rr_commit from a window) and a receiver that takes large
 * payloads mapped into a window (push: rr_alloc_window; pull:
 * rr_receive_window / rr_release). See docs/zero-copy.md.
 *
 * Exports (all i32 unless noted):
 *   abi() -> version            rr_abi_version() (2).
 *   produce(len, seed) -> status
 *                               claim a window for len bytes to "zc-sink"
 *                               (handle opened once), fill it with
 *                               producer.c's xorshift32 pattern, commit.
 *   rr_alloc, rr_alloc_window, rr_on_message
 *                               push receiver: small payloads are copied into
 *                               a malloc'd buffer, large ones mapped into the
 *                               receive window; the handler records each one.
 *   pull(cap) -> len            rr_receive_window into the receive window,
 *                               record, rr_release; or the host's status.
 *   checksum() -> i64           consumer.c's checksum of the last payload
 *                               (computed while it was in the window).
 *   message_count(), last_length(), last_in_window() (1 when the last
 *   payload was handed in the receive window, 0 when in a copy buffer).
 *
 * Windows come from rr_window_alloc (memory.grow): one for sending, one for
 * receiving, each replaced by a larger one when a payload does not fit (the
 * old one is never freed: memory cannot shrink). Imports only from module
 * "roadrunner"; malloc comes from wasi-libc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RR_PUSH_RECEIVER
#define RR_WINDOW_RECEIVER
#include "roadrunner.h"

static uint8_t *send_window;
static uint32_t send_window_size;
static uint8_t *receive_window;
static uint32_t receive_window_size;
static uint8_t *copy_buf;
static int32_t copy_cap;
static int32_t sink_handle;

static int32_t count;
static int32_t last_len;
static int32_t last_in_window;
static int64_t last_checksum;

/* A window of at least len bytes in *window (replaced when too small); 0 when memory cannot grow. */
static uint8_t *ensure_window(uint8_t **window, uint32_t *size, uint32_t len)
{
    if (*window == 0 || rr_window_size(len) > *size) {
        *window = (uint8_t *)rr_window_alloc(len);
        *size = *window != 0 ? (rr_window_size(len) > 0 ? rr_window_size(len) : RR_WINDOW_ALIGN) : 0;
    }
    return *window;
}

/* consumer.c's checksum: FNV-style over 8-byte little-endian words, then tail bytes, then the length. */
static int64_t checksum_of(const uint8_t *p, uint32_t len)
{
    const uint64_t prime = 0x100000001b3ull;
    uint64_t h = 0xcbf29ce484222325ull;
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * prime;
    }
    for (; i < len; i++) {
        h = (h ^ p[i]) * prime;
    }
    h ^= (uint64_t)len;
    return (int64_t)h;
}

/* The payload is readable only now (a mapped window goes back when this returns): record what the tests check. */
static void record(const uint8_t *ptr, int32_t len)
{
    count++;
    last_len = len;
    last_in_window = ptr != 0 && ptr == receive_window;
    last_checksum = checksum_of(ptr, len > 0 ? (uint32_t)len : 0u);
}

RR_EXPORT("abi")
int32_t abi(void) { return rr_abi_version(); }

RR_EXPORT("produce")
int32_t produce(int32_t len, int32_t seed)
{
    if (len < 0) {
        return RR_BAD_POINTER;
    }
    if (sink_handle <= 0) {
        sink_handle = rr_open_str("zc-sink");
        if (sink_handle < 0) {
            int32_t status = sink_handle;
            sink_handle = 0;
            return status;
        }
    }
    uint8_t *w = ensure_window(&send_window, &send_window_size, (uint32_t)len);
    if (w == 0) {
        return RR_TOO_LARGE;
    }
    int32_t status = rr_claim(sink_handle, w, (uint32_t)len);
    if (status != RR_OK) {
        return status;
    }

    /* producer.c's pattern, written straight into the window. */
    uint32_t state = (uint32_t)seed | 1u;
    int32_t full = len & ~3;
    for (int32_t i = 0; i < full; i += 4) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        memcpy(w + i, &state, 4);
    }
    if (full < len) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        for (int32_t i = full; i < len; i++) {
            w[i] = (uint8_t)state;
            state >>= 8;
        }
    }
    return rr_commit(sink_handle, w, (uint32_t)len);
}

RR_ALLOC_EXPORT void *rr_alloc(int32_t len)
{
    if (copy_buf == 0 || len > copy_cap) {
        free(copy_buf);
        copy_buf = (uint8_t *)malloc((size_t)len);
        copy_cap = copy_buf != 0 ? len : 0;
    }
    return copy_buf;
}

RR_ALLOC_WINDOW_EXPORT void *rr_alloc_window(uint32_t len)
{
    return ensure_window(&receive_window, &receive_window_size, len);
}

RR_ON_MESSAGE_EXPORT void rr_on_message(void *ptr, int32_t len)
{
    record((const uint8_t *)ptr, len);
}

RR_EXPORT("pull")
int32_t pull(int32_t cap)
{
    if (cap < 0) {
        return RR_BAD_POINTER;
    }
    uint8_t *w = ensure_window(&receive_window, &receive_window_size, (uint32_t)cap);
    if (w == 0) {
        return RR_TOO_LARGE;
    }
    int32_t len = rr_receive_window(w, (uint32_t)cap);
    if (len < 0) {
        return len;
    }
    record(w, len);
    int32_t released = rr_release(w);
    return released == RR_OK ? len : released;
}

RR_EXPORT("checksum")
int64_t checksum(void) { return last_checksum; }

RR_EXPORT("message_count")
int32_t message_count(void) { return count; }

RR_EXPORT("last_length")
int32_t last_length(void) { return last_len; }

RR_EXPORT("last_in_window")
int32_t last_in_window_export(void) { return last_in_window; }
