/*
 * echo.c - a Roadrunner PULL function that forwards what it receives.
 *
 * Export:
 *   run(max_messages) -> i32
 *     Opens a hose to "sink", then up to max_messages times: waits up to
 *     1000 ms for a payload (rr_receive_wait), growing its buffer with
 *     rr_next_length when the payload does not fit, and rr_sends it to "sink".
 *     Returns the number of payloads echoed. It stops early, returning that
 *     number, when a wait times out or the host is closing (RR_TIMED_OUT,
 *     RR_CLOSED). Any other failure returns the negative status (e.g.
 *     RR_UNKNOWN_TARGET when "sink" does not exist, or the status rr_send
 *     gave); RR_TOO_LARGE when the buffer cannot be grown.
 *
 * It does not export rr_alloc / rr_on_message, so the host queues payloads
 * for it until it calls rr_receive*. It imports only from module "roadrunner".
 */
#include <stdint.h>
#include <stdlib.h>

#include "roadrunner.h"

#define WAIT_MS 1000
#define INITIAL_CAP (64 * 1024)

static uint8_t *buf;
static int32_t cap;

/* Grows the buffer to at least want bytes (old contents are not kept). */
static int grow(int32_t want)
{
    if (buf != NULL && want <= cap) {
        return 1;
    }
    free(buf);
    buf = (uint8_t *)malloc(want > 0 ? (size_t)want : 1u);
    cap = buf != NULL ? (want > 0 ? want : 1) : 0;
    return buf != NULL;
}

RR_EXPORT("run")
int32_t run(int32_t max_messages)
{
    if (max_messages <= 0) {
        return 0;
    }
    if (!grow(INITIAL_CAP)) {
        return RR_TOO_LARGE;
    }
    int32_t sink = rr_open_str("sink");
    if (sink < 0) {
        return sink;
    }

    int32_t echoed = 0;
    int32_t result = 0;
    while (echoed < max_messages) {
        int32_t n = rr_receive_wait(buf, cap, WAIT_MS);
        if (n == RR_BUFFER_TOO_SMALL) {
            int32_t need = rr_next_length();
            if (need == RR_WOULD_BLOCK) {
                continue; /* taken meanwhile: wait again */
            }
            if (need < 0) {
                result = need;
                break;
            }
            if (!grow(need)) {
                result = RR_TOO_LARGE;
                break;
            }
            continue;
        }
        if (n == RR_TIMED_OUT || n == RR_CLOSED || n == RR_WOULD_BLOCK) {
            break;
        }
        if (n < 0) {
            result = n;
            break;
        }
        int32_t status = rr_send(sink, buf, n);
        if (status < 0) {
            result = status;
            break;
        }
        echoed++;
    }

    rr_close(sink);
    return result < 0 ? result : echoed;
}
