/*
 * consumer.c - a Roadrunner PUSH receiver (it exports rr_alloc and
 * rr_on_message), with pull and JSON helpers for comparison.
 *
 * Buffer ownership: rr_alloc hands out ONE reusable message buffer (grown with
 * realloc when a bigger payload comes, never freed per message). So this
 * function holds only one message at a time: the next rr_alloc/pull/decode
 * overwrites the previous payload. The statistics below describe the last
 * message; checksum() reads the buffer, so it is valid until the next payload
 * starts to arrive.
 *
 * Exports (all i32 unless noted):
 *   rr_alloc(len) -> ptr, rr_on_message(ptr, len)     push receiver
 *   message_count()     messages recorded so far
 *   last_length()       length of the last message (0 before the first)
 *   last_first_byte()   its first byte, -1 when it was empty (or none yet)
 *   last_last_byte()    its last byte, -1 when it was empty (or none yet)
 *   checksum() -> i64   FNV-style hash of the last message (see below)
 *   pull(cap)           rr_receive into the message buffer (grown to cap)
 *   pull_wait(cap, timeout_ms)  the same with rr_receive_wait
 *   next_length()       rr_next_length
 *   json_buffer(len) -> ptr     a buffer where the host writes a JSON body
 *   decode_json(len)    parse {"payload":"<base64>"} from that buffer
 *   set_ack(enable)     when enable != 0, every pushed message is answered
 *                       with an 8-byte ack (length, count; little-endian i32s)
 *                       sent to the target named "ack"; returns the open
 *                       status (a handle > 0, or a negative RR_* code)
 *   set_read_all(enable) when enable != 0, every message recorded is also
 *                       read in full (the benchmarks' "read-all" consumer):
 *                       its bytes summed, see read_sum; returns the old flag
 *   read_sum() -> i64   that sum for the last message (0 when it was not read)
 *
 * Acks let a sender in another process or on another node see when a payload
 * has arrived (the hose equivalent of an HTTP response). They cost O(1).
 *
 * It imports only from module "roadrunner".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RR_PUSH_RECEIVER
#include "roadrunner.h"

/* The reusable message buffer. */
static uint8_t *msg;
static int32_t msg_cap;

/* The JSON input buffer (separate, so decoding never overlaps its input). */
static uint8_t *json;
static int32_t json_cap;

/* The last message recorded. */
static const uint8_t *last_ptr;
static int32_t last_len;
static int32_t last_first = -1;
static int32_t last_last = -1;
static int32_t count;

/* The read-all consumer (off by default: the paper's O(1) consumer). */
static int32_t read_all;
static uint64_t last_sum;

/*
 * Makes the message buffer hold at least len bytes (at least 1, so the
 * pointer is never 0). Grows by at least 1.5x so a slowly rising size does not
 * realloc every time. Returns 0 when it cannot allocate.
 */
static int ensure_msg(int32_t len)
{
    if (len < 0) {
        return 0;
    }
    if (msg != NULL && len <= msg_cap) {
        return 1;
    }
    int64_t want = len > 0 ? len : 1;
    int64_t grown = (int64_t)msg_cap + msg_cap / 2;
    if (grown > want && grown <= INT32_MAX) {
        want = grown;
    }
    uint8_t *p = (uint8_t *)realloc(msg, (size_t)want);
    if (p == NULL && want > (len > 0 ? len : 1)) {
        want = len > 0 ? len : 1; /* retry with exactly what is needed */
        p = (uint8_t *)realloc(msg, (size_t)want);
    }
    if (p == NULL) {
        return 0;
    }
    if (last_ptr != NULL && last_ptr >= msg && last_ptr < msg + msg_cap) {
        last_ptr = p + (last_ptr - msg); /* realloc moved the previous message */
    }
    msg = p;
    msg_cap = (int32_t)want;
    return 1;
}

/*
 * Reads every byte: the wrapping sum of the little-endian 64-bit words, four
 * at a time in four sums, then of the tail bytes. The zero-copy benchmark
 * guest (Roadrunner.Workloads, ZeroCopyGuests) reads with the same loop.
 */
static uint64_t sum_bytes(const uint8_t *p, uint32_t len)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    uint32_t i = 0;
    for (; i + 32 <= len; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        a += w[0];
        b += w[1];
        c += w[2];
        d += w[3];
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a += w;
    }
    for (; i < len; i++) {
        a += p[i];
    }
    return a + b + c + d;
}

/* Records a message: O(1), never reads more than two bytes, unless read_all. */
static void record(const uint8_t *ptr, int32_t len)
{
    last_ptr = ptr;
    last_len = len;
    if (len > 0) {
        last_first = ptr[0];
        last_last = ptr[len - 1];
    } else {
        last_first = -1;
        last_last = -1;
    }
    last_sum = read_all && len > 0 ? sum_bytes(ptr, (uint32_t)len) : 0;
    count++;
}

RR_ALLOC_EXPORT
void *rr_alloc(int32_t len)
{
    return ensure_msg(len) ? msg : NULL;
}

/* Handle of the "ack" target, or 0 when acks are off. */
static int32_t ack_handle;

RR_EXPORT("set_ack")
int32_t set_ack(int32_t enable)
{
    if (ack_handle > 0) {
        rr_close(ack_handle);
        ack_handle = 0;
    }
    if (!enable) {
        return RR_OK;
    }
    int32_t h = rr_open_str("ack");
    if (h > 0) {
        ack_handle = h;
    }
    return h;
}

RR_ON_MESSAGE_EXPORT
void rr_on_message(void *ptr, int32_t len)
{
    record((const uint8_t *)ptr, len);
    if (ack_handle > 0) {
        int32_t ack[2] = { len, count };
        rr_send(ack_handle, ack, (int32_t)sizeof ack);
    }
}

RR_EXPORT("set_read_all")
int32_t set_read_all(int32_t enable)
{
    int32_t old = read_all;
    read_all = enable != 0;
    return old;
}

RR_EXPORT("read_sum")
int64_t read_sum(void) { return (int64_t)last_sum; }

RR_EXPORT("message_count")
int32_t message_count(void) { return count; }

RR_EXPORT("last_length")
int32_t last_length(void) { return last_len; }

RR_EXPORT("last_first_byte")
int32_t last_first_byte(void) { return last_first; }

RR_EXPORT("last_last_byte")
int32_t last_last_byte(void) { return last_last; }

/*
 * checksum of the last message (len = its length, 0 before the first):
 *   h = 0xcbf29ce484222325
 *   for each full 8-byte little-endian word w:  h = (h ^ w) * 0x100000001b3
 *   for each remaining tail byte b:              h = (h ^ b) * 0x100000001b3
 *   h ^= (uint64)len
 * Same as Roadrunner.Workloads.Checksum.Compute.
 */
RR_EXPORT("checksum")
int64_t checksum(void)
{
    const uint64_t prime = 0x100000001b3ull;
    uint64_t h = 0xcbf29ce484222325ull;
    const uint8_t *p = last_ptr;
    uint32_t len = last_len > 0 ? (uint32_t)last_len : 0u;
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8); /* unaligned little-endian load */
        h = (h ^ w) * prime;
    }
    for (; i < len; i++) {
        h = (h ^ p[i]) * prime;
    }
    h ^= (uint64_t)len;
    return (int64_t)h;
}

/* ------------------------------------------------------------------------ */
/* Pull model                                                               */
/* ------------------------------------------------------------------------ */

/*
 * pull: rr_receive into the message buffer (grown to cap bytes first).
 * Returns the payload length (and records the message like rr_on_message),
 * or the host's status; RR_BAD_POINTER when cap < 0, RR_TOO_LARGE when the
 * buffer cannot be grown to cap bytes.
 */
RR_EXPORT("pull")
int32_t pull(int32_t cap)
{
    if (cap < 0) {
        return RR_BAD_POINTER;
    }
    if (!ensure_msg(cap)) {
        return RR_TOO_LARGE;
    }
    int32_t n = rr_receive(msg, cap);
    if (n >= 0) {
        record(msg, n);
    }
    return n;
}

/* pull_wait: like pull, with rr_receive_wait. */
RR_EXPORT("pull_wait")
int32_t pull_wait(int32_t cap, int32_t timeout_ms)
{
    if (cap < 0) {
        return RR_BAD_POINTER;
    }
    if (!ensure_msg(cap)) {
        return RR_TOO_LARGE;
    }
    int32_t n = rr_receive_wait(msg, cap, timeout_ms);
    if (n >= 0) {
        record(msg, n);
    }
    return n;
}

RR_EXPORT("next_length")
int32_t next_length(void)
{
    return rr_next_length();
}

/* ------------------------------------------------------------------------ */
/* JSON + base64                                                            */
/* ------------------------------------------------------------------------ */

/* Standard base64 alphabet value of each byte; 0xff = not in the alphabet. */
static const uint8_t B64_DECODE[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3e, 0xff, 0xff, 0xff, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static const char JSON_HEAD[] = "{\"payload\":\"";
#define JSON_HEAD_LEN ((int32_t)(sizeof JSON_HEAD - 1))
#define JSON_TAIL_LEN 2 /* "} */

/* decode_json error codes. */
#define JSON_ERR_MALFORMED (-1)
#define JSON_ERR_NO_MEMORY (-2)
#define JSON_ERR_BAD_LENGTH (-3)

/*
 * json_buffer: a buffer of at least len bytes for the host to write a JSON
 * body into (grown as needed, reused). 0 when len < 0 or it cannot allocate.
 */
RR_EXPORT("json_buffer")
int32_t json_buffer(int32_t len)
{
    if (len < 0) {
        return 0;
    }
    if (json == NULL || len > json_cap) {
        free(json); /* contents are about to be overwritten: no copy */
        json = (uint8_t *)malloc(len > 0 ? (size_t)len : 1u);
        json_cap = json != NULL ? (len > 0 ? len : 1) : 0;
        if (json == NULL) {
            return 0;
        }
    }
    return (int32_t)(uintptr_t)json;
}

/*
 * Strict standard base64 (with padding) of n chars (n % 4 == 0, n > 0) into
 * out. Returns the decoded length, or -1 on any invalid character, misplaced
 * padding, or non-zero unused bits.
 */
static int32_t base64_decode(uint8_t *restrict out, const uint8_t *restrict in, uint32_t n)
{
    const uint8_t *t = B64_DECODE;
    uint32_t bad = 0;
    uint32_t o = 0;
    uint32_t body = n - 4; /* the last quad may carry padding */
    for (uint32_t i = 0; i < body; i += 4) {
        uint32_t a = t[in[i]], b = t[in[i + 1]], c = t[in[i + 2]], d = t[in[i + 3]];
        bad |= a | b | c | d; /* any 0xff sets bits 6..7 */
        uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        out[o + 2] = (uint8_t)v;
        o += 3;
    }
    if (bad & 0xc0u) {
        return -1;
    }

    const uint8_t *q = in + body;
    uint32_t a = t[q[0]], b = t[q[1]];
    if ((a | b) & 0xc0u) {
        return -1;
    }
    if (q[2] == '=' && q[3] == '=') {
        if (b & 0x0fu) {
            return -1; /* non-canonical: unused bits set */
        }
        out[o] = (uint8_t)((a << 2) | (b >> 4));
        return (int32_t)(o + 1);
    }
    uint32_t c = t[q[2]];
    if (c & 0xc0u) {
        return -1;
    }
    if (q[3] == '=') {
        if (c & 0x03u) {
            return -1;
        }
        uint32_t v = (a << 18) | (b << 12) | (c << 6);
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        return (int32_t)(o + 2);
    }
    uint32_t d = t[q[3]];
    if (d & 0xc0u) {
        return -1;
    }
    uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o] = (uint8_t)(v >> 16);
    out[o + 1] = (uint8_t)(v >> 8);
    out[o + 2] = (uint8_t)v;
    return (int32_t)(o + 3);
}

/*
 * decode_json: parses exactly {"payload":"<standard base64>"} (no whitespace)
 * from the first len bytes of the JSON buffer, decodes the payload into the
 * message buffer and records it like rr_on_message.
 * Returns the payload length, or
 *   -1 malformed JSON or base64, -2 cannot allocate the message buffer,
 *   -3 len is negative or larger than the JSON buffer.
 * On failure nothing is recorded (the previous message's statistics stay,
 * but its bytes may have been overwritten).
 */
RR_EXPORT("decode_json")
int32_t decode_json(int32_t len)
{
    if (len < 0 || json == NULL || len > json_cap) {
        return JSON_ERR_BAD_LENGTH;
    }
    if (len < JSON_HEAD_LEN + JSON_TAIL_LEN) {
        return JSON_ERR_MALFORMED;
    }
    if (memcmp(json, JSON_HEAD, (size_t)JSON_HEAD_LEN) != 0 ||
        json[len - 2] != '"' || json[len - 1] != '}') {
        return JSON_ERR_MALFORMED;
    }
    const uint8_t *b64 = json + JSON_HEAD_LEN;
    uint32_t n = (uint32_t)(len - JSON_HEAD_LEN - JSON_TAIL_LEN);
    if (n == 0) {
        if (!ensure_msg(0)) {
            return JSON_ERR_NO_MEMORY;
        }
        record(msg, 0);
        return 0;
    }
    if (n % 4u != 0) {
        return JSON_ERR_MALFORMED;
    }
    /* An embedded '"' or '}' is not in the base64 alphabet, so the decoder
     * rejects any extra JSON structure inside the string. */
    if (!ensure_msg((int32_t)(n / 4u * 3u))) {
        return JSON_ERR_NO_MEMORY;
    }
    int32_t out_len = base64_decode(msg, b64, n);
    if (out_len < 0) {
        return JSON_ERR_MALFORMED;
    }
    record(msg, out_len);
    return out_len;
}
