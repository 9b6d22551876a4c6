/* The imports a binary driver may call, served by the host kernel. Every
 * allocation is owned by the guest call site; every pointer handed to the
 * guest is a guest address (the heap is mapped into the guest as it is).
 *
 * Timers: a dynamic timer is a host ktimer_t on the heap, so the guest gets
 * its heap address. A static timer lives in guest storage laid out for the
 * device, which the host's larger ktimer_t must not overwrite: the kernel
 * runs a host shadow keyed by the guest address instead. Either way the
 * kernel calls guest_timer_fired, which runs the guest callback with the
 * guest's timer address and argument.
 *
 * Call sites: every function here that calls the kernel for the guest is
 * K_SERVED_CALL and runs inside import_serve, so each site the kernel
 * records during the call (a free, a delete, a waiter, the faulting call
 * of a misuse) is the guest's call site, as an allocation's owner is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "imports.h"
#include "k_mm.h"
#include "k_owned.h"
#include "k_timer.h"
#include "k_trace.h"

/* ---- pointers -------------------------------------------------------------- */
/* A pointer argument the kernel checks itself (free, realloc): the host
 * view of guest memory, or for an unmapped address one that is certainly
 * not from the heap, so the kernel reports it as foreign. */
static char g_unmapped_marker[8];

static void *kernel_pointer(guest_addr_t p)
{
    if (p == 0)
        return NULL;
    void *host = guest_mem(p, 1);
    return host ? host : g_unmapped_marker;
}

static uint64_t guest_pointer(const void *host) { return guest_of_heap(host); }

/* Guest bytes the host must read or write; NULL (and a fault) when unmapped. */
static void *guest_bytes(guest_addr_t p, size_t len, guest_addr_t site, const char *what)
{
    void *host = guest_mem(p, len);
    if (!host && p != 0)
        blob_fault("bad-import-argument", site, "%s: 0x%08x is not guest memory", what, (unsigned)p);
    return host;
}

/* ---- heap ------------------------------------------------------------------ */
static K_SERVED_CALL uint64_t serve_malloc(const import_call_t *c)
{
    return guest_pointer(k_owned_malloc((uint32_t)c->arg[0], c->site));
}
static K_SERVED_CALL uint64_t serve_zalloc(const import_call_t *c)
{
    return guest_pointer(k_owned_zalloc((uint32_t)c->arg[0], c->site));
}

/* The guest's size_t is 32 bits: a product past 2^32 is an overflow there. */
static K_SERVED_CALL uint64_t serve_calloc(const import_call_t *c)
{
    uint64_t n = (uint32_t)c->arg[0], size = (uint32_t)c->arg[1];
    if (n * size > UINT32_MAX) {
        k_printf("WARNING, calloc size overflow: %lu x %lu\n", (unsigned long)n, (unsigned long)size);
        return 0;
    }
    return guest_pointer(k_owned_zalloc((size_t)(n * size), c->site));
}

static K_SERVED_CALL uint64_t serve_realloc(const import_call_t *c)
{
    return guest_pointer(k_mm_realloc(g_kmm_head, kernel_pointer((guest_addr_t)c->arg[0]), (uint32_t)c->arg[1], c->site));
}

static K_SERVED_CALL uint64_t serve_free(const import_call_t *c)
{
    k_mm_free(g_kmm_head, kernel_pointer((guest_addr_t)c->arg[0]));
    return 0;
}

/* ---- time ------------------------------------------------------------------ */
static K_SERVED_CALL uint64_t serve_msleep(const import_call_t *c)
{
    aos_msleep((uint32_t)c->arg[0]);
    return 0;
}

static K_SERVED_CALL uint64_t serve_tick_get(const import_call_t *c) { return krhino_sys_tick_get(); }
static K_SERVED_CALL uint64_t serve_time_get(const import_call_t *c) { return krhino_sys_time_get(); }
static K_SERVED_CALL uint64_t serve_now_ms(const import_call_t *c) { return aos_now_ms(); }
static K_SERVED_CALL uint64_t serve_ms_to_ticks(const import_call_t *c) { return krhino_ms_to_ticks(c->arg[0]); }
static K_SERVED_CALL uint64_t serve_ticks_to_ms(const import_call_t *c) { return krhino_ticks_to_ms(c->arg[0]); }

/* ---- timers ---------------------------------------------------------------- */
#define STATIC_TIMERS_MAX 64

typedef struct {
    ktimer_t t;         /* what the kernel runs */
    guest_addr_t guest; /* the guest's ktimer_t; 0 = free shadow */
    guest_addr_t cb;
} shadow_timer_t;

static struct {
    shadow_timer_t shadow[STATIC_TIMERS_MAX];
    /* guest callback of the dynamic timer at each 8-byte heap offset */
    guest_addr_t *dyn_cb;
    size_t dyn_slots;
    uint8_t *heap;
} g_timers;

static guest_addr_t *dyn_cb_slot(const ktimer_t *t)
{
    size_t at = (size_t)((const uint8_t *)t - g_timers.heap) / K_MM_ALIGN;
    return at < g_timers.dyn_slots ? &g_timers.dyn_cb[at] : NULL;
}

static shadow_timer_t *shadow_of(guest_addr_t guest)
{
    for (int i = 0; i < STATIC_TIMERS_MAX; i++)
        if (g_timers.shadow[i].guest == guest)
            return &g_timers.shadow[i];
    return NULL;
}

/* A ktimer_t no create ever initialised: the kernel rejects it as not a
 * timer, as it would the guest's pointer. */
static ktimer_t g_not_a_timer;

/* The host timer behind a guest timer pointer: its shadow, the dynamic timer
 * on the heap, or (NULL stays NULL) one the kernel rejects. */
static ktimer_t *host_timer(guest_addr_t guest)
{
    shadow_timer_t *s = guest ? shadow_of(guest) : NULL;
    if (guest == 0)
        return NULL;
    if (s)
        return &s->t;
    void *host = guest_mem(guest, sizeof(ktimer_t));
    return host && host_in_heap(host) ? host : &g_not_a_timer;
}

static void guest_timer_fired(void *timer, void *arg)
{
    ktimer_t *t = timer;
    shadow_timer_t *s = (shadow_timer_t *)((char *)t - offsetof(shadow_timer_t, t));
    bool is_shadow = s >= g_timers.shadow && s < g_timers.shadow + STATIC_TIMERS_MAX;
    guest_addr_t *dyn = is_shadow ? NULL : dyn_cb_slot(t);
    uint32_t args[2] = {is_shadow ? s->guest : guest_of_heap(t), (uint32_t)(uintptr_t)arg};
    blob_call(is_shadow ? s->cb : dyn ? *dyn : 0, args, 2);
}

static const name_t *timer_name(guest_addr_t name) { return name ? guest_mem(name, 1) : NULL; }

enum { T_OUT, T_NAME, T_CB, T_FIRST, T_ROUND, T_ARG, T_AUTO };

static K_SERVED_CALL uint64_t serve_timer_create(const import_call_t *c)
{
    guest_addr_t guest = (guest_addr_t)c->arg[T_OUT];
    if (guest == 0)
        return RHINO_NULL_PTR;
    shadow_timer_t *s = shadow_of(guest);
    if (!s && !(s = shadow_of(0))) {
        blob_fault("unsupported-import", c->site, "krhino_timer_create: more than %d static timers",
                   STATIC_TIMERS_MAX);
        return RHINO_NO_MEM;
    }
    kstat_t st = krhino_timer_create(&s->t, timer_name((guest_addr_t)c->arg[T_NAME]),
                                     c->arg[T_CB] ? guest_timer_fired : NULL, (tick_t)c->arg[T_FIRST],
                                     (tick_t)c->arg[T_ROUND], (void *)(uintptr_t)(uint32_t)c->arg[T_ARG],
                                     (uint8_t)c->arg[T_AUTO]);
    if (st == RHINO_SUCCESS) {
        s->guest = guest;
        s->cb = (guest_addr_t)c->arg[T_CB];
    }
    return (uint32_t)st;
}

static K_SERVED_CALL uint64_t serve_timer_dyn_create(const import_call_t *c)
{
    guest_addr_t out = (guest_addr_t)c->arg[T_OUT];
    uint32_t *guest_out = guest_bytes(out, sizeof(uint32_t), c->site, "krhino_timer_dyn_create");
    if (blob_faulted())
        return RHINO_NULL_PTR;
    ktimer_t *t = NULL;
    kstat_t st = k_owned_timer_dyn_create(guest_out ? &t : NULL, timer_name((guest_addr_t)c->arg[T_NAME]),
                                    c->arg[T_CB] ? guest_timer_fired : NULL, (tick_t)c->arg[T_FIRST],
                                    (tick_t)c->arg[T_ROUND], (void *)(uintptr_t)(uint32_t)c->arg[T_ARG],
                                    (uint8_t)c->arg[T_AUTO], c->site);
    if (st == RHINO_SUCCESS) {
        *dyn_cb_slot(t) = (guest_addr_t)c->arg[T_CB];
        *guest_out = guest_of_heap(t);
    }
    return (uint32_t)st;
}

static ktimer_t *timer_arg(const import_call_t *c) { return host_timer((guest_addr_t)c->arg[0]); }

static K_SERVED_CALL uint64_t serve_timer_del(const import_call_t *c)
{
    return (uint32_t)krhino_timer_del(timer_arg(c));
}
static K_SERVED_CALL uint64_t serve_timer_dyn_del(const import_call_t *c)
{
    return (uint32_t)krhino_timer_dyn_del(timer_arg(c));
}
static K_SERVED_CALL uint64_t serve_timer_start(const import_call_t *c)
{
    return (uint32_t)krhino_timer_start(timer_arg(c));
}
static K_SERVED_CALL uint64_t serve_timer_stop(const import_call_t *c)
{
    return (uint32_t)krhino_timer_stop(timer_arg(c));
}

static K_SERVED_CALL uint64_t serve_timer_change(const import_call_t *c)
{
    return (uint32_t)krhino_timer_change(timer_arg(c), (tick_t)c->arg[1], (tick_t)c->arg[2]);
}

static K_SERVED_CALL uint64_t serve_timer_arg_change(const import_call_t *c)
{
    return (uint32_t)krhino_timer_arg_change(timer_arg(c), (void *)(uintptr_t)(uint32_t)c->arg[1]);
}

static K_SERVED_CALL uint64_t serve_timer_arg_change_auto(const import_call_t *c)
{
    return (uint32_t)krhino_timer_arg_change_auto(timer_arg(c), (void *)(uintptr_t)(uint32_t)c->arg[1]);
}

/* ---- the AliOS aos API (kernel/include/aos/kernel.h, aos/yloop.h) ----------------
 * The same signatures serve 3.3 and 2.x drivers: their handles are one
 * pointer either way, and their int / uint32_t / bool arguments are words.
 *
 * A handle the guest keeps is 32 bits: the guest address of the host's
 * record, where the host API keeps an aos_hdl_t. Callbacks and their
 * arguments are two guest words, packed into the host's one void *, so a
 * cancel finds what the post registered. */
_Static_assert(sizeof(void *) == 8, "a guest callback and its argument are packed into one host pointer");

#define GUEST_ETIMEDOUT 116 /* newlib's, where glibc says 110 */

/* An aos result as the guest's C library spells it. */
static uint64_t guest_status(aos_status_t st) { return (uint32_t)(st == -ETIMEDOUT ? -GUEST_ETIMEDOUT : st); }

/* A record the kernel rejects as not an object of its kind: the host
 * view of a guest handle that is no heap address. */
static uint64_t g_not_a_record[32];

typedef struct {
    uint32_t *slot; /* the guest's handle */
    aos_hdl_t h;    /* the host's */
} handle_t;

static aos_hdl_t *handle_open(handle_t *hd, const import_call_t *c)
{
    guest_addr_t slot = (guest_addr_t)c->arg[0];
    hd->slot = guest_bytes(slot, sizeof(uint32_t), c->site, "aos handle");
    if (!hd->slot)
        return NULL; /* NULL: the API's own check answers */
    void *host = *hd->slot ? guest_mem(*hd->slot, 1) : NULL;
    hd->h = !*hd->slot ? NULL : host && host_in_heap(host) ? host : (aos_hdl_t)g_not_a_record;
    return &hd->h;
}

/* Writes the host's handle back to the guest (create fills it, free
 * clears it; a rejected one stays as the guest had it). */
static void handle_close(const handle_t *hd)
{
    if (hd->slot && hd->h != (aos_hdl_t)g_not_a_record)
        *hd->slot = guest_of_heap(hd->h);
}

static void *packed(uint64_t fn, uint64_t arg) { return (void *)(uintptr_t)((uint32_t)fn | (uint64_t)(uint32_t)arg << 32); }
static guest_addr_t packed_fn(const void *p) { return (guest_addr_t)(uintptr_t)p; }
static uint32_t packed_arg(const void *p) { return (uint32_t)((uintptr_t)p >> 32); }

static void run_packed_call(void *p)
{
    uint32_t arg[1] = {packed_arg(p)};
    blob_call(packed_fn(p), arg, 1);
}

static void run_packed_timer(void *timer, void *p)
{
    uint32_t args[2] = {guest_of_heap(timer), packed_arg(p)};
    blob_call(packed_fn(p), args, 2);
}

static aos_call_t call_trampoline(uint64_t fn) { return fn ? run_packed_call : NULL; }

/* aos_timer_new / _new_ext / _create differ only in how they spell the
 * options (kernel/aos/aos_timer.c). */
static K_SERVED_CALL uint64_t create_aos_timer(const import_call_t *c, uint32_t options)
{
    handle_t hd;
    aos_hdl_t *h = handle_open(&hd, c);
    if (blob_faulted())
        return 0;
    aos_status_t st = k_owned_timer_create(h, c->arg[1] ? run_packed_timer : NULL, packed(c->arg[1], c->arg[2]),
                                           (uint32_t)c->arg[3], options, c->site);
    if (st == 0)
        handle_close(&hd);
    return guest_status(st);
}

static uint32_t timer_options(uint64_t repeat, uint64_t auto_run)
{
    return ((uint8_t)repeat ? AOS_TIMER_REPEAT : 0u) | ((uint8_t)auto_run ? AOS_TIMER_AUTORUN : 0u);
}

static K_SERVED_CALL uint64_t serve_aos_timer_new(const import_call_t *c)
{
    return create_aos_timer(c, timer_options(c->arg[4], 1));
}
static K_SERVED_CALL uint64_t serve_aos_timer_new_ext(const import_call_t *c)
{
    return create_aos_timer(c, timer_options(c->arg[4], c->arg[5]));
}
static K_SERVED_CALL uint64_t serve_aos_timer_create(const import_call_t *c)
{
    return create_aos_timer(c, (uint32_t)c->arg[4]);
}

/* One handle, one call: the handle is read, used and written back. */
#define SERVE_ON_HANDLE(name, call)                                                                                    \
    static K_SERVED_CALL uint64_t serve_##name(const import_call_t *c)                                              \
    {                                                                                                                  \
        handle_t hd;                                                                                                   \
        aos_hdl_t *h = handle_open(&hd, c);                                                                            \
        if (blob_faulted())                                                                                            \
            return 0;                                                                                                  \
        uint64_t r = (call);                                                                                           \
        handle_close(&hd);                                                                                             \
        return r;                                                                                                      \
    }

SERVE_ON_HANDLE(aos_timer_free, (aos_timer_free(h), 0))
SERVE_ON_HANDLE(aos_timer_start, guest_status(aos_timer_start(h)))
SERVE_ON_HANDLE(aos_timer_stop, guest_status(aos_timer_stop(h)))
SERVE_ON_HANDLE(aos_timer_change, guest_status(aos_timer_change(h, (uint32_t)c->arg[1])))
SERVE_ON_HANDLE(aos_mutex_new, guest_status(k_owned_mutex_new(h, c->site)))
SERVE_ON_HANDLE(aos_mutex_free, (aos_mutex_free(h), 0))
SERVE_ON_HANDLE(aos_mutex_lock, guest_status(aos_mutex_lock(h, (uint32_t)c->arg[1])))
SERVE_ON_HANDLE(aos_mutex_unlock, guest_status(aos_mutex_unlock(h)))
SERVE_ON_HANDLE(aos_mutex_is_valid, aos_mutex_is_valid(h))
SERVE_ON_HANDLE(aos_sem_new, guest_status(k_owned_sem_new(h, (uint32_t)c->arg[1], c->site)))
SERVE_ON_HANDLE(aos_sem_free, (aos_sem_free(h), 0))
SERVE_ON_HANDLE(aos_sem_wait, guest_status(aos_sem_wait(h, (uint32_t)c->arg[1])))
SERVE_ON_HANDLE(aos_sem_signal, (aos_sem_signal(h), 0))
SERVE_ON_HANDLE(aos_sem_is_valid, aos_sem_is_valid(h))
SERVE_ON_HANDLE(aos_queue_free, (aos_queue_free(h), 0))
SERVE_ON_HANDLE(aos_queue_is_valid, aos_queue_is_valid(h))
SERVE_ON_HANDLE(aos_work_init, guest_status(k_owned_work_init(h, call_trampoline(c->arg[1]),
                                                              packed(c->arg[1], c->arg[2]), (int)c->arg[3], c->site)))
SERVE_ON_HANDLE(aos_work_destroy, (aos_work_destroy(h), 0))
SERVE_ON_HANDLE(aos_work_sched, guest_status(aos_work_sched(h)))
SERVE_ON_HANDLE(aos_work_cancel, guest_status(aos_work_cancel(h)))

/* A queue's buffer and messages are guest memory; the kernel reads and
 * writes them through the host view, which must hold all of it. */
#define QUEUE_MSG_MAX 4096u /* the largest message the host receives on a guest's behalf */

static K_SERVED_CALL uint64_t serve_aos_queue_new(const import_call_t *c)
{
    guest_addr_t buf = (guest_addr_t)c->arg[1];
    void *host_buf = buf ? guest_bytes(buf, (uint32_t)c->arg[2], c->site, "aos_queue_new buffer") : NULL;
    if ((uint32_t)c->arg[3] > QUEUE_MSG_MAX)
        blob_fault("unsupported-import", c->site, "aos_queue_new: messages of %u bytes (the emulator takes %u)",
                   (unsigned)c->arg[3], QUEUE_MSG_MAX);
    handle_t hd;
    aos_hdl_t *h = handle_open(&hd, c);
    if (blob_faulted())
        return 0;
    aos_status_t st = k_owned_queue_new(h, host_buf, (uint32_t)c->arg[2], (uint32_t)c->arg[3], c->site);
    if (st == 0)
        handle_close(&hd);
    return guest_status(st);
}

static K_SERVED_CALL uint64_t serve_aos_queue_send(const import_call_t *c)
{
    void *msg = guest_bytes((guest_addr_t)c->arg[1], (uint32_t)c->arg[2], c->site, "aos_queue_send message");
    handle_t hd;
    aos_hdl_t *h = handle_open(&hd, c);
    if (blob_faulted())
        return 0;
    return guest_status(aos_queue_send(h, msg, (uint32_t)c->arg[2]));
}

/* Received into a host buffer first: the guest's may be shorter than the
 * message, which is then the driver's overflow, reported. */
static K_SERVED_CALL uint64_t serve_aos_queue_recv(const import_call_t *c)
{
    static uint8_t msg[QUEUE_MSG_MAX];
    guest_addr_t to = (guest_addr_t)c->arg[2], size_at = (guest_addr_t)c->arg[3];
    uint32_t *guest_size = guest_bytes(size_at, sizeof(uint32_t), c->site, "aos_queue_recv size");
    handle_t hd;
    aos_hdl_t *h = handle_open(&hd, c);
    if (blob_faulted())
        return 0;
    size_t size = 0;
    aos_status_t st = aos_queue_recv(h, (uint32_t)c->arg[1], to ? msg : NULL, guest_size ? &size : NULL);
    if (st == 0) {
        uint8_t *dst = guest_bytes(to, size, c->site, "aos_queue_recv message buffer");
        if (!dst)
            return 0;
        memcpy(dst, msg, size);
        *guest_size = (uint32_t)size;
    }
    return guest_status(st);
}

static K_SERVED_CALL uint64_t serve_post_delayed_action(const import_call_t *c)
{
    return guest_status(k_owned_post_delayed_action((int)c->arg[0], call_trampoline(c->arg[1]),
                                                    packed(c->arg[1], c->arg[2]), c->site));
}

static K_SERVED_CALL uint64_t serve_cancel_delayed_action(const import_call_t *c)
{
    aos_cancel_delayed_action((int)c->arg[0], call_trampoline(c->arg[1]), packed(c->arg[1], c->arg[2]));
    return 0;
}

static K_SERVED_CALL uint64_t serve_schedule_call(const import_call_t *c)
{
    return guest_status(aos_schedule_call(call_trampoline(c->arg[0]), packed(c->arg[0], c->arg[1])));
}

static K_SERVED_CALL uint64_t serve_alloc_trace(const import_call_t *c)
{
    aos_alloc_trace(kernel_pointer((guest_addr_t)c->arg[0]), (uint32_t)c->arg[1]);
    return 0;
}

/* ---- the table ---------------------------------------------------------------- */
static const import_t g_imports[] = {
    /* heap: AliOS aos_* (kernel/include/aos/kernel.h), rhino krhino_mm_*,
     * and the C library's, which AliOS maps onto the same heap */
    {"aos_malloc", "w", 'p', serve_malloc},
    {"aos_zalloc", "w", 'p', serve_zalloc},
    {"aos_calloc", "ww", 'p', serve_calloc},
    {"aos_realloc", "pw", 'p', serve_realloc},
    {"aos_free", "p", 'v', serve_free},
    {"krhino_mm_alloc", "w", 'p', serve_malloc},
    {"krhino_mm_realloc", "pw", 'p', serve_realloc},
    {"krhino_mm_free", "p", 'v', serve_free},
    {"malloc", "w", 'p', serve_malloc},
    {"calloc", "ww", 'p', serve_calloc},
    {"realloc", "pw", 'p', serve_realloc},
    {"free", "p", 'v', serve_free},
    /* time */
    {"aos_msleep", "w", 'v', serve_msleep},
    {"aos_now_ms", "", 't', serve_now_ms},
    {"krhino_sys_tick_get", "", 't', serve_tick_get},
    {"krhino_sys_time_get", "", 't', serve_time_get},
    {"krhino_ms_to_ticks", "t", 't', serve_ms_to_ticks},
    {"krhino_ticks_to_ms", "t", 't', serve_ticks_to_ms},
    /* rhino timers (kernel/include/k_timer.h) */
    {"krhino_timer_create", "pppttpw", 'w', serve_timer_create},
    {"krhino_timer_del", "p", 'w', serve_timer_del},
    {"krhino_timer_dyn_create", "pppttpw", 'w', serve_timer_dyn_create},
    {"krhino_timer_dyn_del", "p", 'w', serve_timer_dyn_del},
    {"krhino_timer_start", "p", 'w', serve_timer_start},
    {"krhino_timer_stop", "p", 'w', serve_timer_stop},
    {"krhino_timer_change", "ptt", 'w', serve_timer_change},
    {"krhino_timer_arg_change", "pp", 'w', serve_timer_arg_change},
    {"krhino_timer_arg_change_auto", "pp", 'w', serve_timer_arg_change_auto},
    /* AliOS aos timers, mutexes, semaphores, queues, work (aos/kernel.h) */
    {"aos_timer_new", "pppww", 'w', serve_aos_timer_new},
    {"aos_timer_new_ext", "pppwww", 'w', serve_aos_timer_new_ext},
    {"aos_timer_create", "pppww", 'w', serve_aos_timer_create},
    {"aos_timer_free", "p", 'v', serve_aos_timer_free},
    {"aos_timer_start", "p", 'w', serve_aos_timer_start},
    {"aos_timer_stop", "p", 'w', serve_aos_timer_stop},
    {"aos_timer_change", "pw", 'w', serve_aos_timer_change},
    {"aos_mutex_new", "p", 'w', serve_aos_mutex_new},
    {"aos_mutex_free", "p", 'v', serve_aos_mutex_free},
    {"aos_mutex_lock", "pw", 'w', serve_aos_mutex_lock},
    {"aos_mutex_unlock", "p", 'w', serve_aos_mutex_unlock},
    {"aos_mutex_is_valid", "p", 'w', serve_aos_mutex_is_valid},
    {"aos_sem_new", "pw", 'w', serve_aos_sem_new},
    {"aos_sem_free", "p", 'v', serve_aos_sem_free},
    {"aos_sem_wait", "pw", 'w', serve_aos_sem_wait},
    {"aos_sem_signal", "p", 'v', serve_aos_sem_signal},
    {"aos_sem_is_valid", "p", 'w', serve_aos_sem_is_valid},
    {"aos_queue_new", "ppww", 'w', serve_aos_queue_new},
    {"aos_queue_free", "p", 'v', serve_aos_queue_free},
    {"aos_queue_send", "ppw", 'w', serve_aos_queue_send},
    {"aos_queue_recv", "pwpp", 'w', serve_aos_queue_recv},
    {"aos_queue_is_valid", "p", 'w', serve_aos_queue_is_valid},
    {"aos_work_init", "pppw", 'w', serve_aos_work_init},
    {"aos_work_destroy", "p", 'v', serve_aos_work_destroy},
    {"aos_work_sched", "p", 'w', serve_aos_work_sched},
    {"aos_work_cancel", "p", 'w', serve_aos_work_cancel},
    {"aos_alloc_trace", "pp", 'v', serve_alloc_trace},
    /* yloop (aos/yloop.h) */
    {"aos_post_delayed_action", "wpp", 'w', serve_post_delayed_action},
    {"aos_cancel_delayed_action", "wpp", 'v', serve_cancel_delayed_action},
    {"aos_schedule_call", "pp", 'w', serve_schedule_call},
};

const import_t *import_find(const char *name)
{
    for (size_t i = 0; i < sizeof g_imports / sizeof g_imports[0]; i++)
        if (!strcmp(g_imports[i].name, name))
            return &g_imports[i];
    return NULL;
}

K_SERVED_CALL uint64_t import_serve(const import_t *imp, const import_call_t *c)
{
    k_trace_serve_begin(c->site);
    uint64_t result = imp->serve(c);
    k_trace_serve_end();
    return result;
}

void import_reset(void)
{
    size_t len;
    g_timers.heap = k_mm_default_region(&len);
    if (!g_timers.dyn_cb) {
        g_timers.dyn_slots = len / K_MM_ALIGN;
        g_timers.dyn_cb = calloc(g_timers.dyn_slots, sizeof *g_timers.dyn_cb);
        if (!g_timers.dyn_cb) {
            fprintf(stderr, "rtosfuzz: out of host memory for the guest's timer table\n");
            exit(2);
        }
    }
    memset(g_timers.shadow, 0, sizeof g_timers.shadow);
}

static import_trace_fn g_trace;

void import_trace_set(import_trace_fn fn) { g_trace = fn; }

void import_traced(const import_t *imp, const import_call_t *c, uint64_t result)
{
    if (g_trace)
        g_trace(imp, c, result);
}
