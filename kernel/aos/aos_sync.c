/* aos mutexes, semaphores and message queues: AliOS Things 3.3
 * components/osal_aos/rhino/aos_mutex.c, aos_sem.c and aos_queue.c on the
 * host kernel, with the single-threaded waits of aos/kernel.h ("Host
 * rules"). */
#include <string.h>

#include "aos_internal.h"
#include "k_mm.h"
#include "k_owned.h"
#include "k_port.h"
#include "k_trace.h"

#define OBJ_TYPE_MUTEX 0x4D545831u /* "MTX1" */
#define OBJ_TYPE_SEM 0x53454D31u   /* "SEM1" */
#define OBJ_TYPE_QUEUE 0x42515531u /* "BQU1" */
#define QUEUE_MSG_HDR 2u           /* length header of each queued message */
#define QUEUE_MSG_MAX 0xFFFFu      /* what the header can hold */

typedef struct {
    uint32_t obj_type;
    bool held;
    k_context_t owner;
    uint32_t nested; /* locks beyond the first by the owner */
    uintptr_t locked[K_TRACE_FRAMES]; /* where the owner took it (first lock), innermost first */
} kmutex_rec_t;

typedef struct {
    uint32_t obj_type;
    uint32_t count;
} ksem_rec_t;

typedef struct {
    uint32_t obj_type;
    uint8_t *buf;
    size_t size;    /* bytes of buf */
    size_t max_msg; /* longest message */
    size_t used;    /* bytes of buf holding messages, oldest first */
    size_t cur_num; /* messages queued */
} kqueue_rec_t;

/* ---- waiting ----------------------------------------------------------------- */
/* Names the waiter's call stack, the object (its record's creator) and,
 * for a mutex, where its holder locked it: a deadlock report says who. */
static kstat_t never_returns(const void *obj, const aos_waiter_t *w)
{
    k_mm_blame_t b = {.label = "deadlock", .blk = (uintptr_t)obj, .trace = k_mm_blk_trace(g_kmm_head, obj)};
    const k_trace_t *t = k_trace_get(b.trace);
    if (t && t->addr == b.blk) {
        b.owner = t->alloc[0];
        b.size = t->size;
        b.kind = (k_mm_kind_t)t->kind;
    }
    k_trace_stack(w->site, b.site);
    if (w->locked)
        memcpy(b.locked, w->locked, sizeof b.locked);
    k_mm_report_misuse(RHINO_WAIT_NEVER_RETURNS, obj, "a wait forever that nothing can end", &b);
    return RHINO_WAIT_NEVER_RETURNS;
}

/* The next tick at which something could run, at most left ticks on. */
static tick_t ticks_to_wait(tick_t left)
{
    tick_t due = k_timer_ticks_to_next_due();
    if (due == 0)
        return 1;
    return due < left ? due : left;
}

kstat_t aos_wait_for(aos_ready_fn ready, const void *obj, uint32_t timeout_ms, const aos_waiter_t *w)
{
    if (ready(obj))
        return RHINO_SUCCESS;
    if (timeout_ms == AOS_NO_WAIT)
        return RHINO_NO_PEND_WAIT;
    bool forever = timeout_ms == AOS_WAIT_FOREVER;
    if (forever && k_timer_in_task())
        return never_returns(obj, w); /* nothing else runs until this returns */
    tick_t left = forever ? AOS_HOST_WAIT_FOREVER_TICKS : krhino_ms_to_ticks(timeout_ms);
    while (left > 0 && !ready(obj)) {
        if (forever && k_timer_ticks_to_next_due() == K_TIMER_NONE_DUE)
            break; /* nothing is scheduled that could make it ready */
        tick_t step = k_timer_in_task() ? left : ticks_to_wait(left);
        k_timer_advance(step);
        left -= step;
    }
    if (ready(obj))
        return RHINO_SUCCESS;
    return forever ? never_returns(obj, w) : RHINO_BLK_TIMEOUT;
}

/* ---- records ------------------------------------------------------------------ */
static void *new_record(size_t size, uintptr_t owner, k_mm_kind_t kind)
{
    void *p = k_mm_alloc(g_kmm_head, size, owner, kind);
    if (p)
        memset(p, 0, size);
    return p;
}

/* Marks the record dead before it goes back to the heap; a record already
 * freed (a stale copy of the handle) is not written, and its free is
 * reported as the double free it is, at the caller's call (site). */
static void free_record(aos_hdl_t *hdl, uintptr_t site)
{
    if (k_mm_object_is_readable(g_kmm_head, *hdl))
        *(uint32_t *)*hdl = 0;
    k_mm_free_at(g_kmm_head, *hdl, site);
    *hdl = NULL;
}

/* Whether the handle names a live object of obj_type. A record that was
 * freed (a stale copy of a handle) is not read. */
static bool handle_is(const aos_hdl_t *hdl, uint32_t obj_type)
{
    return hdl != NULL && *hdl != NULL && k_mm_object_is_readable(g_kmm_head, *hdl) &&
           *(const uint32_t *)*hdl == obj_type;
}

/* handle_is for a call that uses the object (api, called from site): a
 * handle to a freed record, or into heap space never handed out, is
 * reported (k_mm_report_dead_object) before the call fails with -EINVAL. */
static bool handle_is_usable(const aos_hdl_t *hdl, uint32_t obj_type, k_mm_kind_t kind, const char *api,
                             uintptr_t site)
{
    if (handle_is(hdl, obj_type))
        return true;
    if (hdl != NULL && *hdl != NULL)
        k_mm_report_dead_object(*hdl, kind, api, site);
    return false;
}

/* ---- mutexes ------------------------------------------------------------------- */
aos_status_t k_owned_mutex_new(aos_hdl_t *mutex, uintptr_t owner)
{
    if (mutex == NULL)
        return -EINVAL;
    kmutex_rec_t *m = new_record(sizeof *m, owner, K_MM_KIND_MUTEX);
    if (m == NULL)
        return -ENOMEM;
    m->obj_type = OBJ_TYPE_MUTEX;
    *mutex = m;
    return 0;
}

__attribute__((noinline)) aos_status_t aos_mutex_new(aos_mutex_t *mutex)
{
    return k_owned_mutex_new(mutex, AOS_CALLER());
}

__attribute__((noinline)) void aos_mutex_free(aos_mutex_t *mutex)
{
    if (mutex != NULL && *mutex != NULL)
        free_record(mutex, AOS_CALLER());
}

bool aos_mutex_is_valid(aos_mutex_t *mutex) { return handle_is(mutex, OBJ_TYPE_MUTEX); }

static bool mutex_is_free(const void *obj) { return !((const kmutex_rec_t *)obj)->held; }

__attribute__((noinline)) aos_status_t aos_mutex_lock(aos_mutex_t *mutex, uint32_t timeout)
{
    if (!handle_is_usable(mutex, OBJ_TYPE_MUTEX, K_MM_KIND_MUTEX, __func__, AOS_CALLER()))
        return -EINVAL;
    kmutex_rec_t *m = *mutex;
    if (m->held && m->owner == k_context()) {
        m->nested++; /* rhino allows nesting: RHINO_MUTEX_OWNER_NESTED */
        return 0;
    }
    aos_waiter_t w = {AOS_CALLER(), m->locked};
    kstat_t st = aos_wait_for(mutex_is_free, m, timeout, &w);
    if (st != RHINO_SUCCESS)
        return aos_errno_of(st);
    m->held = true;
    m->owner = k_context();
    k_trace_stack(AOS_CALLER(), m->locked);
    return 0;
}

__attribute__((noinline)) aos_status_t aos_mutex_unlock(aos_mutex_t *mutex)
{
    if (!handle_is_usable(mutex, OBJ_TYPE_MUTEX, K_MM_KIND_MUTEX, __func__, AOS_CALLER()))
        return -EINVAL;
    kmutex_rec_t *m = *mutex;
    if (!m->held || m->owner != k_context()) {
        k_printf("WARNING, mutex unlocked by a context that does not hold it: 0x%08lx\n",
                 (unsigned long)(uintptr_t)m);
        k_err_proc(RHINO_MUTEX_NOT_RELEASED_BY_OWNER, m);
        return aos_errno_of(RHINO_MUTEX_NOT_RELEASED_BY_OWNER);
    }
    if (m->nested > 0)
        m->nested--;
    else
        m->held = false;
    return 0;
}

const uintptr_t *k_mutex_locked_at(const void *record)
{
    const kmutex_rec_t *m = record;
    return m != NULL && m->obj_type == OBJ_TYPE_MUTEX && m->held ? m->locked : NULL;
}

/* ---- semaphores ------------------------------------------------------------------ */
aos_status_t k_owned_sem_new(aos_hdl_t *sem, uint32_t count, uintptr_t owner)
{
    if (sem == NULL)
        return -EINVAL;
    ksem_rec_t *s = new_record(sizeof *s, owner, K_MM_KIND_SEM);
    if (s == NULL)
        return -ENOMEM;
    s->obj_type = OBJ_TYPE_SEM;
    s->count = count;
    *sem = s;
    return 0;
}

__attribute__((noinline)) aos_status_t aos_sem_new(aos_sem_t *sem, uint32_t count)
{
    return k_owned_sem_new(sem, count, AOS_CALLER());
}

__attribute__((noinline)) void aos_sem_free(aos_sem_t *sem)
{
    if (sem != NULL && *sem != NULL)
        free_record(sem, AOS_CALLER());
}

bool aos_sem_is_valid(aos_sem_t *sem) { return handle_is(sem, OBJ_TYPE_SEM); }

static bool sem_has_count(const void *obj) { return ((const ksem_rec_t *)obj)->count > 0; }

__attribute__((noinline)) aos_status_t aos_sem_wait(aos_sem_t *sem, uint32_t timeout)
{
    if (!handle_is_usable(sem, OBJ_TYPE_SEM, K_MM_KIND_SEM, __func__, AOS_CALLER()))
        return -EINVAL;
    ksem_rec_t *s = *sem;
    aos_waiter_t w = {AOS_CALLER(), NULL};
    kstat_t st = aos_wait_for(sem_has_count, s, timeout, &w);
    if (st != RHINO_SUCCESS)
        return aos_errno_of(st);
    s->count--;
    return 0;
}

__attribute__((noinline)) void aos_sem_signal(aos_sem_t *sem)
{
    if (handle_is_usable(sem, OBJ_TYPE_SEM, K_MM_KIND_SEM, __func__, AOS_CALLER()) &&
        ((ksem_rec_t *)*sem)->count < UINT32_MAX) /* else RHINO_SEM_OVF */
        ((ksem_rec_t *)*sem)->count++;
}

/* ---- message queues ---------------------------------------------------------------- */
aos_status_t k_owned_queue_new(aos_hdl_t *queue, void *buf, size_t size, size_t max_msg, uintptr_t owner)
{
    if (queue == NULL || size == 0)
        return -EINVAL;
    if (max_msg == 0 || max_msg > QUEUE_MSG_MAX || max_msg + QUEUE_MSG_HDR > size)
        return aos_errno_of(RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW);
    kqueue_rec_t *q = new_record(sizeof *q + (buf == NULL ? size : 0), owner, K_MM_KIND_QUEUE);
    if (q == NULL)
        return -ENOMEM;
    q->obj_type = OBJ_TYPE_QUEUE;
    q->buf = buf != NULL ? buf : (uint8_t *)(q + 1);
    q->size = size;
    q->max_msg = max_msg;
    *queue = q;
    return 0;
}

__attribute__((noinline)) aos_status_t aos_queue_new(aos_queue_t *queue, void *buf, size_t size, size_t max_msg)
{
    return k_owned_queue_new(queue, buf, size, max_msg, AOS_CALLER());
}

__attribute__((noinline)) void aos_queue_free(aos_queue_t *queue)
{
    if (queue != NULL && *queue != NULL)
        free_record(queue, AOS_CALLER());
}

bool aos_queue_is_valid(aos_queue_t *queue) { return handle_is(queue, OBJ_TYPE_QUEUE); }

__attribute__((noinline)) aos_status_t aos_queue_send(aos_queue_t *queue, void *msg, size_t size)
{
    if (!handle_is_usable(queue, OBJ_TYPE_QUEUE, K_MM_KIND_QUEUE, __func__, AOS_CALLER()) || msg == NULL)
        return -EINVAL;
    kqueue_rec_t *q = *queue;
    if (size == 0 || size > q->max_msg)
        return aos_errno_of(RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW);
    if (q->size - q->used < QUEUE_MSG_HDR + size)
        return aos_errno_of(RHINO_BUF_QUEUE_FULL);
    uint8_t *at = q->buf + q->used;
    at[0] = (uint8_t)(size >> 8);
    at[1] = (uint8_t)size;
    memcpy(at + QUEUE_MSG_HDR, msg, size);
    q->used += QUEUE_MSG_HDR + size;
    q->cur_num++;
    return 0;
}

static bool queue_has_msg(const void *obj) { return ((const kqueue_rec_t *)obj)->cur_num > 0; }

__attribute__((noinline)) aos_status_t aos_queue_recv(aos_queue_t *queue, uint32_t ms, void *msg, size_t *size)
{
    if (!handle_is_usable(queue, OBJ_TYPE_QUEUE, K_MM_KIND_QUEUE, __func__, AOS_CALLER()) || msg == NULL ||
        size == NULL)
        return -EINVAL;
    kqueue_rec_t *q = *queue;
    aos_waiter_t w = {AOS_CALLER(), NULL};
    kstat_t st = aos_wait_for(queue_has_msg, q, ms, &w);
    if (st != RHINO_SUCCESS)
        return aos_errno_of(st);
    size_t len = (size_t)q->buf[0] << 8 | q->buf[1];
    memcpy(msg, q->buf + QUEUE_MSG_HDR, len);
    *size = len;
    q->used -= QUEUE_MSG_HDR + len;
    memmove(q->buf, q->buf + QUEUE_MSG_HDR + len, q->used);
    q->cur_num--;
    return 0;
}
