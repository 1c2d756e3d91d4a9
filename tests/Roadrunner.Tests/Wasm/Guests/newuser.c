/*
 * newuser.c - a guest of ABI version 2 written from docs/guest-abi.md and
 * roadrunner.h alone, by a new user: a zero-copy sender (rr_claim / rr_commit),
 * a push receiver that opts into mapped windows (rr_alloc_window) and a pull
 * receiver (rr_receive_window / rr_release), plus thin wrappers around every
 * window import so tests can make hostile calls. Built by build.sh next to it.
 *
 * rr_alloc_window answers by `window_mode`: 0 declines, 1 the receive window
 * (grown on demand), 2 the receive window + 4096 (unaligned), 3 the memory's
 * current size (out of bounds), 4 the page holding the data segment (page 1 if that is page 0),
 * 5 `window_override` (e.g. a claimed or held window).
 * handler_mode acts once, then goes back to 0.
 * rr_on_message records each payload, then by `handler_mode`: 1 commits the
 * window claimed in `pending_window` to `pending_handle`, 2 releases its own
 * payload pointer, 3 commits its own payload pointer, 4 traps, 5 grows memory,
 * 6 forwards its payload with rr_send to `pending_handle`, 7 waits 60 s in
 * rr_receive_wait (past any push time limit).
 */
#include <stdint.h>
#include <stdlib.h>

#ifndef PULL_ONLY
#define RR_PUSH_RECEIVER
#define RR_WINDOW_RECEIVER
#endif
#include "roadrunner.h"

static char names[256];
static uint8_t *rx_window;
static uint32_t rx_size;
static uint8_t *tx_window;
static uint32_t tx_size;

static int32_t window_mode = 1;
static uint32_t window_override;
static int32_t handler_mode;
static uint32_t pending_window;
static int32_t pending_handle;
static int32_t pending_len;
static int32_t inner_status = 1;

static int32_t count;
static int32_t last_len = -1;
static uint32_t last_ptr;
static uint32_t last_sum;

static uint32_t checksum(const uint8_t *p, uint32_t n)
{
    uint32_t h = 17;
    for (uint32_t i = 0; i < n; i++) {
        h = h * 31 + p[i];
    }
    return h;
}

static uint8_t *ensure(uint8_t **w, uint32_t *size, uint32_t len)
{
    if (*w == 0 || rr_window_size(len) > *size) {
        *w = (uint8_t *)rr_window_alloc(len);
        *size = *w ? rr_window_size(len) : 0;
    }
    return *w;
}

/* Sender side. */
RR_EXPORT("names") uint32_t names_ptr(void) { return (uint32_t)(uintptr_t)names; }
RR_EXPORT("open") int32_t open_name(int32_t len) { return rr_open(names, len); }
RR_EXPORT("close") int32_t close_handle(int32_t h) { return rr_close(h); }
RR_EXPORT("abi") int32_t abi(void) { return rr_abi_version(); }
RR_EXPORT("window") uint32_t window(uint32_t len) { return (uint32_t)(uintptr_t)rr_window_alloc(len); }
RR_EXPORT("grow") int32_t grow(int32_t pages) { return (int32_t)__builtin_wasm_memory_grow(0, pages); }
RR_EXPORT("size") uint32_t size(void) { return (uint32_t)__builtin_wasm_memory_size(0) * RR_WINDOW_ALIGN; }
RR_EXPORT("claim") int32_t claim(int32_t h, uint32_t p, uint32_t len) { return rr_claim(h, (void *)(uintptr_t)p, len); }
RR_EXPORT("commit") int32_t commit(int32_t h, uint32_t p, uint32_t len) { return rr_commit(h, (void *)(uintptr_t)p, len); }
RR_EXPORT("abort") int32_t abort_window(int32_t h, uint32_t p) { return rr_abort(h, (void *)(uintptr_t)p); }
RR_EXPORT("receive_window") int32_t receive_window(uint32_t p, uint32_t cap) { return rr_receive_window((void *)(uintptr_t)p, cap); }
RR_EXPORT("release") int32_t release(uint32_t p) { return rr_release((void *)(uintptr_t)p); }
RR_EXPORT("sum") uint32_t sum(uint32_t p, uint32_t n) { return checksum((const uint8_t *)(uintptr_t)p, n); }

/* The producer as the docs describe it: claim, write in place, commit. */
RR_EXPORT("produce") int32_t produce(int32_t h, uint32_t len, uint32_t seed)
{
    uint8_t *w = ensure(&tx_window, &tx_size, len);
    if (w == 0) {
        return RR_INTERNAL;
    }
    int32_t s = rr_claim(h, w, len);
    if (s != RR_OK) {
        return s;
    }
    uint32_t x = seed | 1u;
    for (uint32_t i = 0; i < len; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        w[i] = (uint8_t)x;
    }
    return rr_commit(h, w, len);
}

/* Sends len bytes to h (itself: queued while it runs) and takes the next payload into a fresh window it keeps. */
RR_EXPORT("produce_and_hold") uint32_t produce_and_hold(int32_t h, uint32_t len, uint32_t seed)
{
    int32_t s = produce(h, len, seed);
    if (s != RR_OK) {
        return (uint32_t)s;
    }
    uint8_t *w = (uint8_t *)rr_window_alloc(len);
    int32_t n = rr_receive_window(w, len);
    if (n < 0) {
        return (uint32_t)n;
    }
    last_sum = checksum(w, (uint32_t)n);
    return (uint32_t)(uintptr_t)w;
}

/* Pull receiver: take the next payload into a window, checksum it, release it. */
RR_EXPORT("pull") int32_t pull(uint32_t cap)
{
    uint8_t *w = ensure(&rx_window, &rx_size, cap);
    if (w == 0) {
        return RR_INTERNAL;
    }
    int32_t n = rr_receive_window(w, cap);
    if (n < 0) {
        return n;
    }
    count++;
    last_len = n;
    last_ptr = (uint32_t)(uintptr_t)w;
    last_sum = checksum(w, (uint32_t)n);
    int32_t r = rr_release(w);
    return r == RR_OK ? n : r;
}

/* Push receiver (left out of newuser_pull.wasm, a pull receiver). */
#ifndef PULL_ONLY
static void *copied;

RR_ALLOC_EXPORT void *rr_alloc(int32_t len) { return copied = malloc((size_t)len); }

RR_ALLOC_WINDOW_EXPORT void *rr_alloc_window(uint32_t len)
{
    switch (window_mode) {
    case 0: return 0;
    case 1: return ensure(&rx_window, &rx_size, len);
    case 2: return ensure(&rx_window, &rx_size, len) + 4096;
    case 3: return (void *)(uintptr_t)size();
    case 4: {
        /* the page holding the static data (page 1 when that is page 0, which would read as a decline) */
        uint32_t page = (uint32_t)(uintptr_t)names & ~(RR_WINDOW_ALIGN - 1u);
        return (void *)(uintptr_t)(page != 0 ? page : RR_WINDOW_ALIGN);
    }
    default: return (void *)(uintptr_t)window_override;
    }
}

RR_ON_MESSAGE_EXPORT void rr_on_message(void *ptr, int32_t len)
{
    count++;
    last_len = len;
    last_ptr = (uint32_t)(uintptr_t)ptr;
    last_sum = checksum((const uint8_t *)ptr, (uint32_t)len);
    int32_t mode = handler_mode;
    handler_mode = 0; /* one shot */
    switch (mode) {
    case 1: inner_status = rr_commit(pending_handle, (void *)(uintptr_t)pending_window, (uint32_t)pending_len); break;
    case 2: inner_status = rr_release(ptr); break;
    case 3: inner_status = rr_commit(pending_handle, ptr, (uint32_t)len); break;
    case 4: __builtin_trap();
    case 5: inner_status = grow(16); break;
    case 6: inner_status = rr_send(pending_handle, ptr, len); break;
    case 7: inner_status = rr_receive_wait(names, sizeof names, 60000); break;
    default: break;
    }
    if (ptr != 0 && ptr == copied) {
        /* a copied payload (rr_alloc) is ours to free; a window is not */
        free(ptr);
        copied = 0;
    }
}

#endif

RR_EXPORT("set_window_mode") void set_window_mode(int32_t m, uint32_t w) { window_mode = m; window_override = w; }
RR_EXPORT("set_handler_mode") void set_handler_mode(int32_t m, int32_t h, uint32_t w, int32_t len)
{
    handler_mode = m;
    pending_handle = h;
    pending_window = w;
    pending_len = len;
}
RR_EXPORT("inner") int32_t inner(void) { return inner_status; }
RR_EXPORT("count") int32_t message_count(void) { return count; }
RR_EXPORT("last_len") int32_t last_length(void) { return last_len; }
RR_EXPORT("last_ptr") uint32_t last_pointer(void) { return last_ptr; }
RR_EXPORT("last_sum") uint32_t last_checksum(void) { return last_sum; }
RR_EXPORT("rx_window") uint32_t rx(void) { return (uint32_t)(uintptr_t)rx_window; }
