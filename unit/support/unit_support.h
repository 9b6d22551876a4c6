/* Shared helpers for the Criterion suites: capture kernel console text,
 * record kernel error-hook calls instead of aborting, and a few heap
 * helpers (figures, a private heap, owner checks). */
#ifndef UNIT_SUPPORT_H
#define UNIT_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "k_err.h"
#include "k_mm.h"

/* Kernel console text since the last capture_reset(), NUL-terminated. */
const char *capture_text(void);
void capture_reset(void);
/* k_print_fn that appends to the capture buffer. */
int capture_print(const char *fmt, ...);

typedef struct {
    int count;
    kstat_t last_err;
    const void *last_addr;
} err_record_t;
extern err_record_t g_err_record;
/* Installs the recording error hook and the capture sink; clears both. */
void unit_observe_kernel(void);
/* Fresh default heap, no fault schedule, kernel observed as above. */
void unit_fresh_kernel(void);

/* Heap and pool figures of h, by value. */
k_mm_stats_t unit_heap_stats(const k_mm_head *h);

/* A heap of its own (with a pool) over a static buffer of
 * UNIT_PRIVATE_HEAP_LEN bytes, initialised afresh on every call: for tests
 * that lay out or damage a heap without the default heap's history. */
#define UNIT_PRIVATE_HEAP_LEN (64u * 1024u)
k_mm_head *unit_private_heap(void);

/* Whether a recorded owner (a return address) lies in the first 256 bytes
 * of function fn, i.e. names a call made from fn. */
bool unit_owner_is_in(uintptr_t owner, const void *fn);

/* Reads the file at path into buf (at most len - 1 bytes, NUL-terminated).
 * Returns false when it cannot be opened. */
bool unit_read_text(const char *path, char *buf, size_t len);

/* Count of non-overlapping occurrences of needle in the captured text. */
int capture_count(const char *needle);

/* Small deterministic PRNG (xorshift32); never seeded from the clock. */
typedef struct { uint32_t s; } unit_rng_t;
static inline uint32_t unit_rand(unit_rng_t *r)
{
    uint32_t x = r->s ? r->s : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return r->s = x;
}
static inline uint32_t unit_rand_below(unit_rng_t *r, uint32_t n) { return unit_rand(r) % n; }

#endif
