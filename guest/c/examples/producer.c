/*
 * producer.c - a Roadrunner guest that makes payloads and sends them.
 *
 * Exports (all i32 unless noted):
 *   fill(len, seed) -> ptr      (re)allocate the payload buffer and fill it with
 *                               the xorshift32 pattern (see fill below); 0 when
 *                               it cannot allocate.
 *   buffer_ptr() -> ptr         the payload buffer (0 before the first fill).
 *   produce(len) -> status      rr_send the first len bytes to "consumer"
 *                               (handle opened once and cached).
 *   try_produce(len) -> status  the same with rr_try_send.
 *   produce_to(name_ptr, name_len, len) -> status
 *                               rr_open the named target, rr_send, rr_close.
 *   encode_json(len) -> jsonlen encode the first len bytes as
 *                               {"payload":"<base64>"} into the JSON buffer.
 *   json_ptr() -> ptr           the JSON buffer (0 before the first encode).
 *
 * The produce* functions return RR_BAD_POINTER when len is negative or larger
 * than the last fill; otherwise they return what the host returned.
 *
 * It imports only from module "roadrunner"; malloc comes from wasi-libc and
 * needs no WASI import.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roadrunner.h"

/* Payload buffer: buf_cap bytes allocated, buf_len bytes filled. */
static uint8_t *buf;
static int32_t buf_cap;
static int32_t buf_len;

/* JSON output buffer. */
static uint8_t *json;
static int32_t json_cap;

/* Cached handle to "consumer" (0 = not open). */
static int32_t consumer_handle;

static const char CONSUMER_NAME[] = "consumer";

/*
 * fill: make sure the buffer holds len bytes, then write the pattern:
 *   state = (uint32)seed | 1
 *   for each 4-byte chunk: state ^= state << 13; state ^= state >> 17;
 *                          state ^= state << 5; write state little-endian
 *   (a last partial chunk gets the low bytes of the stepped state).
 * Returns the buffer pointer, or 0 when len < 0 or allocation failed.
 */
RR_EXPORT("fill")
int32_t fill(int32_t len, int32_t seed)
{
    if (len < 0) {
        return 0;
    }
    if (buf == NULL || len > buf_cap) {
        /* The old contents are overwritten anyway: free + malloc avoids the
         * copy realloc would make. At least 1 byte so the pointer is never 0. */
        free(buf);
        buf = (uint8_t *)malloc(len > 0 ? (size_t)len : 1u);
        buf_cap = buf != NULL ? (len > 0 ? len : 1) : 0;
        buf_len = 0;
        if (buf == NULL) {
            return 0;
        }
    }

    uint32_t state = (uint32_t)seed | 1u;
    int32_t full = len & ~3;
    uint8_t *p = buf;
    for (int32_t i = 0; i < full; i += 4) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        memcpy(p + i, &state, 4); /* wasm is little-endian */
    }
    if (full < len) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        for (int32_t i = full; i < len; i++) {
            p[i] = (uint8_t)state;
            state >>= 8;
        }
    }
    buf_len = len;
    return (int32_t)(uintptr_t)buf;
}

RR_EXPORT("buffer_ptr")
int32_t buffer_ptr(void)
{
    return (int32_t)(uintptr_t)buf;
}

/* Opens "consumer" once and caches the handle. Returns the handle or a status. */
static int32_t consumer(void)
{
    if (consumer_handle <= 0) {
        int32_t h = rr_open(CONSUMER_NAME, (int32_t)(sizeof CONSUMER_NAME - 1));
        if (h < 0) {
            return h;
        }
        consumer_handle = h;
    }
    return consumer_handle;
}

typedef int32_t (*send_fn)(int32_t handle, const void *ptr, int32_t len);

/* Send on the cached handle; reopen once if the host says it is gone. */
static int32_t send_to_consumer(send_fn send, int32_t len)
{
    if (len < 0 || len > buf_len) {
        return RR_BAD_POINTER;
    }
    int32_t h = consumer();
    if (h < 0) {
        return h;
    }
    int32_t status = send(h, buf, len);
    if (status == RR_BAD_HANDLE) {
        consumer_handle = 0;
        h = consumer();
        if (h < 0) {
            return h;
        }
        status = send(h, buf, len);
    }
    return status;
}

RR_EXPORT("produce")
int32_t produce(int32_t len)
{
    return send_to_consumer(rr_send, len);
}

RR_EXPORT("try_produce")
int32_t try_produce(int32_t len)
{
    return send_to_consumer(rr_try_send, len);
}

RR_EXPORT("produce_to")
int32_t produce_to(int32_t name_ptr, int32_t name_len, int32_t len)
{
    if (len < 0 || len > buf_len) {
        return RR_BAD_POINTER;
    }
    int32_t h = rr_open((const void *)(uintptr_t)name_ptr, name_len);
    if (h < 0) {
        return h;
    }
    int32_t status = rr_send(h, buf, len);
    rr_close(h);
    return status;
}

/* ------------------------------------------------------------------------ */
/* JSON + base64                                                            */
/* ------------------------------------------------------------------------ */

static const char B64[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char JSON_HEAD[] = "{\"payload\":\"";
static const char JSON_TAIL[] = "\"}";
#define JSON_HEAD_LEN ((int32_t)(sizeof JSON_HEAD - 1))
#define JSON_TAIL_LEN ((int32_t)(sizeof JSON_TAIL - 1))

/* Standard base64 with padding; writes 4 * ceil(n / 3) chars to out. */
static void base64_encode(uint8_t *restrict out, const uint8_t *restrict in, uint32_t n)
{
    uint32_t i = 0;
    /* 3 input bytes -> 4 output chars per step, stored with one 32-bit write. */
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        uint32_t w = (uint32_t)(uint8_t)B64[v >> 18]
                   | (uint32_t)(uint8_t)B64[(v >> 12) & 63] << 8
                   | (uint32_t)(uint8_t)B64[(v >> 6) & 63] << 16
                   | (uint32_t)(uint8_t)B64[v & 63] << 24;
        memcpy(out, &w, 4);
        out += 4;
    }
    uint32_t rest = n - i;
    if (rest == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[0] = (uint8_t)B64[v >> 18];
        out[1] = (uint8_t)B64[(v >> 12) & 63];
        out[2] = '=';
        out[3] = '=';
    } else if (rest == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[0] = (uint8_t)B64[v >> 18];
        out[1] = (uint8_t)B64[(v >> 12) & 63];
        out[2] = (uint8_t)B64[(v >> 6) & 63];
        out[3] = '=';
    }
}

/*
 * encode_json: writes {"payload":"<base64 of the first len bytes>"} into the
 * JSON buffer (grown as needed) and returns its length.
 * -1: allocation failed; -2: len is negative or larger than the last fill;
 * -3: the JSON would not fit in 2 GiB.
 */
RR_EXPORT("encode_json")
int32_t encode_json(int32_t len)
{
    if (len < 0 || len > buf_len) {
        return -2;
    }
    uint64_t b64_len = 4u * (((uint64_t)len + 2u) / 3u);
    uint64_t total = (uint64_t)JSON_HEAD_LEN + b64_len + (uint64_t)JSON_TAIL_LEN;
    if (total > INT32_MAX) {
        return -3;
    }
    if (json == NULL || (int32_t)total > json_cap) {
        free(json);
        json = (uint8_t *)malloc((size_t)total);
        json_cap = json != NULL ? (int32_t)total : 0;
        if (json == NULL) {
            return -1;
        }
    }
    uint8_t *out = json;
    memcpy(out, JSON_HEAD, (size_t)JSON_HEAD_LEN);
    out += JSON_HEAD_LEN;
    base64_encode(out, buf, (uint32_t)len);
    out += b64_len;
    memcpy(out, JSON_TAIL, (size_t)JSON_TAIL_LEN);
    return (int32_t)total;
}

RR_EXPORT("json_ptr")
int32_t json_ptr(void)
{
    return (int32_t)(uintptr_t)json;
}
