/* Trace records: creation and free stacks of kernel objects (k_trace.h).
 * Host port; bare-metal builds keep one frame, the call site. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include "k_trace.h"

#include <assert.h>
#include <string.h>

/* Stacks come from a walk of the frame pointers (the build keeps them), not
 * from glibc's backtrace(): that unwinds from DWARF tables at each call and
 * cost most of a fuzz input's time. */
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#include <pthread.h>
#define K_TRACE_UNWIND 1
#endif


static struct {
    uint32_t next_id; /* ids grow from 1 within an epoch */
    uint32_t epoch;   /* bumped by k_trace_reset: older records are void */
    k_trace_t ring[K_TRACE_RECORDS];
    uint32_t ring_epoch[K_TRACE_RECORDS];
} g_trace = {.next_id = 1};

void k_trace_reset(void)
{
    g_trace.epoch++;
    g_trace.next_id = 1;
}

/* Whether the call before return address ret (one byte back) is in the
 * code linked between start and stop. */
static bool call_is_in(uintptr_t ret, const char *start, const char *stop)
{
    uintptr_t call = ret - 1;
    return start && call >= (uintptr_t)start && call < (uintptr_t)stop;
}

/* ---- served calls: guest sites in place of the host code serving them ---- */
static struct {
    uintptr_t site[K_TRACE_SERVED_MAX];
    int depth;
} g_served;

void k_trace_serve_begin(uintptr_t site)
{
    assert(g_served.depth < K_TRACE_SERVED_MAX);
    g_served.site[g_served.depth++] = site;
}

void k_trace_serve_end(void)
{
    assert(g_served.depth > 0);
    g_served.depth--;
}

/* Where K_SERVED_CALL functions were linked; both NULL without any. */
extern const char __start_k_served_calls[] __attribute__((weak));
extern const char __stop_k_served_calls[] __attribute__((weak));

/* Whether return address ret is inside the code of a call being served. */
static bool is_in_served_call(uintptr_t ret)
{
    return g_served.depth > 0 && call_is_in(ret, __start_k_served_calls, __stop_k_served_calls);
}

/* What a stack records for ret: the guest's site in place of serving code. */
static uintptr_t recorded_site(uintptr_t ret)
{
    return is_in_served_call(ret) ? g_served.site[g_served.depth - 1] : ret;
}

#ifdef K_TRACE_UNWIND
/* Where K_ALLOC_WRAPPER functions were linked; both NULL without any. */
extern const char __start_k_alloc_wrappers[] __attribute__((weak));
extern const char __stop_k_alloc_wrappers[] __attribute__((weak));

static bool is_in_wrapper(uintptr_t ret)
{
    return call_is_in(ret, __start_k_alloc_wrappers, __stop_k_alloc_wrappers);
}

/* Room for the trace's own frames, the kernel's, nested wrappers and the kept ones. */
#define K_TRACE_DEPTH (K_TRACE_FRAMES + 12)
/* Enough for the usual case: the trace's and the kernel's own frames, the
 * site and the frames kept after it. */
#define K_TRACE_SHORT_WALK (2 * K_TRACE_FRAMES)

/* Bounds of this thread's stack, read once: a frame pointer outside them
 * (code built without frame pointers) ends the walk instead of being read. */
static void stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    static __thread uintptr_t s_lo, s_hi;
    if (!s_hi) {
        pthread_attr_t a;
        void *addr = NULL;
        size_t size = 0;
        if (pthread_getattr_np(pthread_self(), &a) == 0) {
            pthread_attr_getstack(&a, &addr, &size);
            pthread_attr_destroy(&a);
        }
        s_lo = (uintptr_t)addr;
        s_hi = (uintptr_t)addr + size;
    }
    *lo = s_lo;
    *hi = s_hi;
}

/* Frames grow towards higher addresses as the walk goes outwards. */
__attribute__((no_sanitize("address"))) int k_trace_walk_frames(const uintptr_t *fp, void **stack, int max)
{
    uintptr_t lo, hi;
    stack_bounds(&lo, &hi);
    int n = 0;
    while (n < max && (uintptr_t)fp >= lo && (uintptr_t)fp <= hi - 2 * sizeof *fp && (uintptr_t)fp % sizeof *fp == 0 &&
           fp[1]) {
        stack[n++] = (void *)fp[1];
        const uintptr_t *next = (const uintptr_t *)fp[0];
        if (next <= fp)
            break;
        fp = next;
    }
    return n;
}

static int index_of(void *const *stack, int n, uintptr_t site)
{
    for (int i = 0; i < n; i++)
        if ((uintptr_t)stack[i] == site)
            return i;
    return -1;
}

/* Where site's frame is in stack, past the allocation wrappers it is in;
 * -1 when the stack does not hold it. */
static int site_index(void *const *stack, int n, uintptr_t site)
{
    int i = index_of(stack, n, site);
    while (i >= 0 && i < n - 1 && is_in_wrapper((uintptr_t)stack[i]))
        i++;
    return i;
}

void k_trace_stack(uintptr_t site, uintptr_t frames[K_TRACE_FRAMES])
{
    memset(frames, 0, K_TRACE_FRAMES * sizeof frames[0]);
    if (is_in_served_call(site)) { /* called by code serving a guest: the guest's site alone */
        frames[0] = recorded_site(site);
        return;
    }
    void *stack[K_TRACE_DEPTH];
    /* Every allocation and free takes a stack: a short walk first, the whole
     * depth only when the site or the frames kept after it lie deeper. */
    int n = k_trace_walk_frames(__builtin_frame_address(0), stack, K_TRACE_SHORT_WALK);
    int i = site_index(stack, n, site);
    if (i < 0 || i + K_TRACE_FRAMES > n) {
        n = k_trace_walk_frames(__builtin_frame_address(0), stack, K_TRACE_DEPTH);
        i = site_index(stack, n, site);
    }
    if (i < 0) { /* a tail call hid the site's frame: keep the site alone */
        frames[0] = site;
        return;
    }
    for (int k = 0; k < K_TRACE_FRAMES && i + k < n; k++) {
        uintptr_t ret = (uintptr_t)stack[i + k];
        frames[k] = recorded_site(ret);
        if (is_in_served_call(ret))
            break; /* the guest's callers are not on the host's stack */
    }
}
#else
void k_trace_stack(uintptr_t site, uintptr_t frames[K_TRACE_FRAMES])
{
    memset(frames, 0, K_TRACE_FRAMES * sizeof frames[0]);
    frames[0] = recorded_site(site);
}
#endif

static size_t slot_of(uint32_t id) { return id % K_TRACE_RECORDS; }

static bool slot_is_current(size_t i) { return g_trace.ring[i].id && g_trace.ring_epoch[i] == g_trace.epoch; }

uint32_t k_trace_new(uintptr_t addr, size_t size, uint8_t kind, uintptr_t site, uintptr_t *owner)
{
    uint32_t id = g_trace.next_id++;
    if (g_trace.next_id == 0)
        g_trace.next_id = 1; /* 0 means "no record" */
    k_trace_t *t = &g_trace.ring[slot_of(id)];
    g_trace.ring_epoch[slot_of(id)] = g_trace.epoch;
    *t = (k_trace_t){.id = id, .addr = addr, .size = size, .kind = kind};
    k_trace_stack(site, t->alloc);
    *owner = t->alloc[0];
    return id;
}

const k_trace_t *k_trace_get(uint32_t id)
{
    const k_trace_t *t = &g_trace.ring[slot_of(id)];
    return id != 0 && t->id == id && slot_is_current(slot_of(id)) ? t : NULL;
}

void k_trace_freed(uint32_t id, uintptr_t site)
{
    k_trace_t *t = (k_trace_t *)k_trace_get(id);
    if (t)
        k_trace_stack(site, t->freed);
}

void k_trace_freed_by(uint32_t id, const uintptr_t frames[K_TRACE_FRAMES])
{
    k_trace_t *t = (k_trace_t *)k_trace_get(id);
    if (t)
        memcpy(t->freed, frames, sizeof t->freed);
}

/* Error paths only: a linear look through the ring. */
const k_trace_t *k_trace_last_at(uintptr_t addr, uint32_t below)
{
    const k_trace_t *best = NULL;
    for (size_t i = 0; i < K_TRACE_RECORDS; i++) {
        const k_trace_t *t = &g_trace.ring[i];
        if (slot_is_current(i) && t->addr == addr && (!below || t->id < below) && (!best || t->id > best->id))
            best = t;
    }
    return best;
}
