/*
 * roadrunner.h - header-only C SDK for the Roadrunner guest ABI, version 2
 * (version 2 only adds the zero-copy windows; a version-1 module runs unchanged).
 *
 * The contract lives in docs/guest-abi.md; this header only gives it C names.
 * Build a guest with, for example:
 *
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
 *         -Iguest/c -o my_function.wasm my_function.c
 *
 * Every import takes and returns 32-bit integers. A result >= 0 is success
 * (a handle, a length, or RR_OK); a negative result is one of the RR_* status
 * codes below. The imports never trap on bad input: the host checks every
 * (pointer, length) pair against the caller's memory and answers with a status.
 *
 * The module must export its linear memory as "memory" (wasm-ld does this by
 * default).
 *
 * Push receivers
 * --------------
 * A module that exports BOTH of these functions is a push receiver: the host
 * delivers each payload by calling them, and the module never calls rr_receive.
 *
 *   void   *rr_alloc(int32_t len);             export name "rr_alloc"
 *       Return a buffer of at least len bytes inside the module's memory, or
 *       NULL (0) to refuse the payload. Never called for an empty payload:
 *       then the host calls rr_on_message(0, 0) directly.
 *   void    rr_on_message(void *ptr, int32_t len);   export name "rr_on_message"
 *       Called right after the host copied the payload into that buffer. The
 *       buffer now belongs to the module.
 *
 * Define RR_PUSH_RECEIVER before including this header to get prototypes of
 * both (so the compiler checks your signatures), then define them with the
 * export attributes:
 *
 *   #define RR_PUSH_RECEIVER
 *   #include "roadrunner.h"
 *
 *   RR_ALLOC_EXPORT void *rr_alloc(int32_t len) { ... }
 *   RR_ON_MESSAGE_EXPORT void rr_on_message(void *ptr, int32_t len) { ... }
 *
 * A module that exports neither is a pull receiver: payloads wait in its
 * inbox until it calls rr_receive / rr_receive_wait. A module that exports
 * only one of the two, or either with another signature, is refused at load.
 *
 * Zero-copy windows (ABI version 2)
 * ----------------------------------
 * A window is [ptr, ptr + rr_window_size(len)) of the module's own memory,
 * ptr a multiple of RR_WINDOW_ALIGN (65536). rr_window_alloc gives one.
 * Sender:   rr_claim(h, w, len); write the payload into w; rr_commit(h, w, n)
 *           (n <= len) - or rr_abort(h, w). After commit/abort the window is
 *           ordinary memory again (contents unspecified); reuse it.
 * Receiver: a push receiver may also export
 *   void *rr_alloc_window(uint32_t len);      export name "rr_alloc_window"
 *       Return a window of rr_window_size(len) bytes the module owns, or NULL
 *       to take the payload through rr_alloc (one copy); page 0 therefore
 *       cannot be a receive window. Large payloads are
 *       then mapped there copy-on-write for the duration of rr_on_message
 *       only: copy out anything you keep past the return. Only committed
 *       windows and queued payloads come this way: a plain rr_send (or a .NET
 *       send) to an idle receiver still goes through rr_alloc at any size,
 *       so rr_alloc must take large payloads too.
 * Define RR_WINDOW_RECEIVER before including this header for its prototype.
 * Pull:     n = rr_receive_window(w, cap); read w[0..n); rr_release(w).
 *           rr_receive_window_wait(w, cap, timeout_ms) waits for one.
 * Windows need the host option GuestMemoryInFiles; without it, below the
 * host's mapping crossover (2 MiB by default), or across processes, the same
 * calls copy once and behave the same. See docs/zero-copy.md.
 *
 * Exporting your own functions
 * ----------------------------
 * RR_EXPORT("name") exports a function under that name without needing
 * -Wl,--export=name on the command line:
 *
 *   RR_EXPORT("run") int32_t run(int32_t n) { ... }
 */
#ifndef ROADRUNNER_H
#define ROADRUNNER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the guest ABI this header describes. */
#define RR_ABI_VERSION 2

/** Alignment and size granule of a zero-copy window: the wasm page size. */
#define RR_WINDOW_ALIGN 65536u
/* With RR_HUGE_PAGES defined before the include, rr_window_alloc starts windows
   of this many bytes and more (2 MiB, the x86-64 and arm64 huge page) on a
   multiple of it: where the host keeps memories on a tmpfs with huge pages
   (RegionPool.HasHugePages), a mapped payload then costs one fault per 2 MiB
   instead of one per 4 KiB. Leave it undefined elsewhere: with 4 KiB pages such
   windows make every hop free and refill page tables (docs/zero-copy.md,
   "Huge pages"). */
#define RR_HUGE_ALIGN 2097152u

/* ------------------------------------------------------------------------ */
/* Status codes (same numbers as Roadrunner.HoseStatus in .NET).            */
/* ------------------------------------------------------------------------ */

/**
 * Done. For a send: the payload was handed over - the receiver took it, or
 * it is queued for the receiver (in its inbox, in its process's ring, or
 * acknowledged by its node) and the hose will not lose it.
 * Every negative code but RR_PEER_FAILED means "not sent, never delivered".
 */
#define RR_OK                 0
/** Nothing to receive now, or no room to send now (try again later). */
#define RR_WOULD_BLOCK        (-1)
/** A pointer or length lies outside the caller's memory, or a length is negative. */
#define RR_BAD_POINTER        (-2)
/** The handle was never opened, or is closed. */
#define RR_BAD_HANDLE         (-3)
/** No function or route has that name (or the name is empty, too long, or not UTF-8), or it was disposed. */
#define RR_UNKNOWN_TARGET     (-4)
/** The payload is larger than this host's or the receiving peer's maximum payload size. */
#define RR_TOO_LARGE          (-5)
/** The receive buffer is smaller than the next payload; the payload stays queued. */
#define RR_BUFFER_TOO_SMALL   (-6)
/** The hose, the target or the host is shutting down or gone. */
#define RR_CLOSED             (-7)
/**
 * The receiver refused or trapped on the payload, is faulted, or its process
 * or node was lost before the outcome was known: delivery is NOT KNOWN (do
 * not blindly resend a payload that must not arrive twice).
 */
#define RR_PEER_FAILED        (-8)
/** The caller has too many open handles (at most 1024 per instance). */
#define RR_TOO_MANY_HANDLES   (-9)
/** A wait ended before a payload arrived or room was made; a send that times out is never delivered. */
#define RR_TIMED_OUT          (-10)
/** The host hit an unexpected error; the host stays up, the call did nothing. */
#define RR_INTERNAL           (-11)

/** Longest target name rr_open accepts, in UTF-8 bytes. */
#define RR_MAX_NAME_LENGTH    255

/* ------------------------------------------------------------------------ */
/* Attributes.                                                              */
/* ------------------------------------------------------------------------ */

/** Export the following function from the module under `name` (a string literal). */
#define RR_EXPORT(name) __attribute__((export_name(name)))

/** Put before the definition of rr_alloc in a push receiver. */
#define RR_ALLOC_EXPORT      RR_EXPORT("rr_alloc")
/** Put before the definition of rr_on_message in a push receiver. */
#define RR_ON_MESSAGE_EXPORT RR_EXPORT("rr_on_message")
/** Put before the definition of rr_alloc_window in a window receiver. */
#define RR_ALLOC_WINDOW_EXPORT RR_EXPORT("rr_alloc_window")

/* Internal: marks a declaration as an import from module "roadrunner". */
#define RR_IMPORT_(name) \
    __attribute__((import_module("roadrunner"), import_name(name)))

/* ------------------------------------------------------------------------ */
/* Imports (module "roadrunner").                                           */
/* ------------------------------------------------------------------------ */

/**
 * Opens a hose to the function or route named by the UTF-8 bytes
 * [name, name + name_len) (1..255 bytes).
 * Returns a handle > 0, or RR_UNKNOWN_TARGET, RR_TOO_MANY_HANDLES,
 * RR_BAD_POINTER, RR_CLOSED, RR_INTERNAL.
 * Opening the same name twice gives two handles to the same target.
 */
RR_IMPORT_("open")
int32_t rr_open(const void *name, int32_t name_len);

/** Closes a handle (giving back windows claimed through it, as rr_abort). Closing twice gives RR_BAD_HANDLE. */
RR_IMPORT_("close")
int32_t rr_close(int32_t handle);

/**
 * Sends len bytes at ptr to the handle's target(s). The host copies the bytes
 * once before it returns, so the buffer may be reused immediately. When the
 * host's memory budget is full it waits (up to the host's send timeout) for
 * room, then gives RR_TIMED_OUT. RR_PEER_FAILED when a push receiver trapped
 * or refused the payload.
 */
RR_IMPORT_("send")
int32_t rr_send(int32_t handle, const void *ptr, int32_t len);

/** Like rr_send but never waits: RR_WOULD_BLOCK when there is no room. */
RR_IMPORT_("try_send")
int32_t rr_try_send(int32_t handle, const void *ptr, int32_t len);

/**
 * Length of the next payload queued for the caller (>= 0), or
 * RR_WOULD_BLOCK when none is queued.
 */
RR_IMPORT_("next_length")
int32_t rr_next_length(void);

/**
 * Moves the next queued payload into [ptr, ptr + cap) and returns its length.
 * RR_WOULD_BLOCK when none is queued; RR_BUFFER_TOO_SMALL when it does not fit
 * (it stays queued: call rr_next_length, grow the buffer, call again).
 */
RR_IMPORT_("receive")
int32_t rr_receive(void *ptr, int32_t cap);

/**
 * Like rr_receive, but waits up to timeout_ms milliseconds (capped by the
 * host) for a payload; RR_TIMED_OUT when none came. timeout_ms <= 0 does not
 * wait.
 */
RR_IMPORT_("receive_wait")
int32_t rr_receive_wait(void *ptr, int32_t cap, int32_t timeout_ms);

/** The ABI version the host speaks (2 for a host with zero-copy windows). */
RR_IMPORT_("abi_version")
int32_t rr_abi_version(void);

/**
 * Reserves the window [ptr, ptr + rr_window_size(len)) for a payload of up to
 * len bytes to the handle's target; write the payload straight into it, then
 * rr_commit. ptr must be a multiple of RR_WINDOW_ALIGN and the window must lie
 * in the module's current memory and overlap no other window of the module
 * (else RR_BAD_POINTER). RR_BAD_HANDLE, RR_TOO_MANY_HANDLES (64 windows
 * held at once, claimed and received together), RR_INTERNAL; hosts that back windows with the target's
 * memory also give RR_TOO_LARGE, RR_CLOSED, RR_WOULD_BLOCK / RR_TIMED_OUT
 * here (others give them from rr_commit). The window starts holding this
 * module's own bytes or zeros.
 */
RR_IMPORT_("claim")
int32_t rr_claim(int32_t handle, void *ptr, uint32_t len);

/**
 * Hands the first len bytes (len <= the claimed length) of the window claimed
 * at ptr to the handle's target(s): same statuses as rr_send. Whatever the
 * result, the window is ordinary memory again afterwards; its contents are
 * unspecified (the payload, or what it held before rr_claim). RR_BAD_POINTER
 * when ptr is not a window claimed and still open, or len is larger than
 * claimed; RR_BAD_HANDLE when the handle is not the one it was claimed with.
 */
RR_IMPORT_("commit")
int32_t rr_commit(int32_t handle, void *ptr, uint32_t len);

/** Gives back the window claimed at ptr without sending (RR_BAD_POINTER / RR_BAD_HANDLE as rr_commit). */
RR_IMPORT_("abort")
int32_t rr_abort(int32_t handle, void *ptr);

/**
 * Takes the next queued payload into the window [ptr, ptr +
 * rr_window_size(cap)) and returns its length: large payloads are mapped
 * there (no copy), small ones copied. The window holds the payload until
 * rr_release(ptr); call it once for every successful rr_receive_window.
 * RR_WOULD_BLOCK (none queued), RR_BUFFER_TOO_SMALL (longer than cap, even
 * if it would fit in the window's last page; it stays queued),
 * RR_CLOSED, RR_BAD_POINTER (window misaligned, outside memory, overlapping
 * another window), RR_TOO_MANY_HANDLES (64 windows held).
 */
RR_IMPORT_("receive_window")
int32_t rr_receive_window(void *ptr, uint32_t cap);

/**
 * rr_receive_window that waits up to timeout_ms milliseconds (capped by the
 * host, as for rr_receive_wait) for a payload: RR_TIMED_OUT when none came.
 * timeout_ms <= 0 does not wait. The window is checked before waiting.
 */
RR_IMPORT_("receive_window_wait")
int32_t rr_receive_window_wait(void *ptr, uint32_t cap, int32_t timeout_ms);

/** Ends a window rr_receive_window filled: ordinary memory again. RR_BAD_POINTER if it is none. */
RR_IMPORT_("release")
int32_t rr_release(void *ptr);

/* ------------------------------------------------------------------------ */
/* Push receiver prototypes (opt-in, see the top of this file).             */
/* ------------------------------------------------------------------------ */

#ifdef RR_PUSH_RECEIVER
RR_ALLOC_EXPORT void *rr_alloc(int32_t len);
RR_ON_MESSAGE_EXPORT void rr_on_message(void *ptr, int32_t len);
#endif

#ifdef RR_WINDOW_RECEIVER
RR_ALLOC_WINDOW_EXPORT void *rr_alloc_window(uint32_t len);
#endif

/* ------------------------------------------------------------------------ */
/* Helpers.                                                                 */
/* ------------------------------------------------------------------------ */

/** Non-zero when `status` is an error code (negative). */
static inline int rr_failed(int32_t status) { return status < 0; }

/**
 * rr_open for a NUL-terminated UTF-8 name. Needs no libc. A name longer than
 * RR_MAX_NAME_LENGTH bytes is passed as its first RR_MAX_NAME_LENGTH + 1
 * bytes, which the host rejects with RR_UNKNOWN_TARGET.
 */
static inline int32_t rr_open_str(const char *name)
{
    int32_t len = 0;
    if (name == 0) {
        return RR_UNKNOWN_TARGET;
    }
    /* Stop counting just past the limit: the host rejects such names anyway. */
    while (len <= RR_MAX_NAME_LENGTH && name[len] != '\0') {
        len++;
    }
    return rr_open(name, len);
}

/**
 * Bytes a window for a payload of len bytes spans: len rounded up to
 * RR_WINDOW_ALIGN, at least one RR_WINDOW_ALIGN (an empty window still spans a
 * page). len must be at most 0xFFFF0000 (larger ones cannot lie in a memory).
 */
static inline uint32_t rr_window_size(uint32_t len)
{
    uint32_t size = (len + (RR_WINDOW_ALIGN - 1u)) & ~(RR_WINDOW_ALIGN - 1u);
    return size == 0u ? RR_WINDOW_ALIGN : size;
}

/**
 * A fresh window of rr_window_size(len) bytes, RR_WINDOW_ALIGN-aligned, taken
 * by growing the memory (so no allocator ever hands it out), or NULL when the
 * memory cannot grow. Windows are never freed: keep one and reuse it for every
 * claim (after rr_commit it is the module's own memory again) or receive.
 * A len of 0 gives a one-page window; a len above 0xFFFF0000 gives NULL. With RR_HUGE_PAGES, a window of
 * RR_HUGE_ALIGN bytes or more starts on a multiple of RR_HUGE_ALIGN (the pages
 * skipped to get there, at most 2 MiB - 64 KiB, stay unused).
 */
static inline void *rr_window_alloc(uint32_t len)
{
    if (len > 0xFFFF0000u) {
        return 0; /* no memory can hold it (and rr_window_size would wrap) */
    }
    uint32_t pages = rr_window_size(len) / RR_WINDOW_ALIGN;
#ifdef RR_HUGE_PAGES
    if (len >= RR_HUGE_ALIGN) {
        uint32_t per = RR_HUGE_ALIGN / RR_WINDOW_ALIGN;
        uint32_t pad = (per - (uint32_t)(__builtin_wasm_memory_size(0) % per)) % per;
        if (pad != 0u && __builtin_wasm_memory_grow(0, pad) == (__SIZE_TYPE__)-1) {
            return 0;
        }
    }
#endif
    __SIZE_TYPE__ old = __builtin_wasm_memory_grow(0, pages);
    if (old == (__SIZE_TYPE__)-1) {
        return 0;
    }
    return (void *)(old * RR_WINDOW_ALIGN);
}

/**
 * The symbolic name of a status code, e.g. "RR_TIMED_OUT", as a static string.
 * Any value >= 0 is a success (a handle or a length) and gives "RR_OK";
 * an unknown negative value gives "RR_UNKNOWN_STATUS".
 */
static inline const char *rr_status_name(int32_t status)
{
    if (status >= 0) {
        return "RR_OK";
    }
    switch (status) {
    case RR_WOULD_BLOCK:      return "RR_WOULD_BLOCK";
    case RR_BAD_POINTER:      return "RR_BAD_POINTER";
    case RR_BAD_HANDLE:       return "RR_BAD_HANDLE";
    case RR_UNKNOWN_TARGET:   return "RR_UNKNOWN_TARGET";
    case RR_TOO_LARGE:        return "RR_TOO_LARGE";
    case RR_BUFFER_TOO_SMALL: return "RR_BUFFER_TOO_SMALL";
    case RR_CLOSED:           return "RR_CLOSED";
    case RR_PEER_FAILED:      return "RR_PEER_FAILED";
    case RR_TOO_MANY_HANDLES: return "RR_TOO_MANY_HANDLES";
    case RR_TIMED_OUT:        return "RR_TIMED_OUT";
    case RR_INTERNAL:         return "RR_INTERNAL";
    default:                  return "RR_UNKNOWN_STATUS";
    }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ROADRUNNER_H */
