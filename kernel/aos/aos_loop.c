/* The host's deferred contexts (k_loop.h): the default work queue (AliOS
 * Things 3.3 components/osal_aos/rhino/aos_workqueue.c over rhino
 * kernel/rhino/k_workqueue.c) and the yloop's delayed actions and
 * scheduled calls (AliOS Things kernel/yloop). */
#include <string.h>

#include "aos/yloop.h"
#include "aos_internal.h"
#include "k_mm.h"
#include "k_owned.h"
#include "k_port.h"

#define OBJ_TYPE_WORK 0x574B5131u /* "WKQ1" */

typedef struct kwork_rec {
    uint32_t obj_type;
    void (*fn)(void *);
    void *arg;
    tick_t dly;       /* ticks; 0 = no delay timer */
    ktimer_t *timer;  /* the delay timer, owned like the work */
    bool queued;      /* rhino's work_exit: queued and not yet run */
    bool on_wq;       /* rhino's wq != NULL: queued at least once, not cancelled */
    struct kwork_rec *next;
} kwork_rec_t;

/* yloop's yloop_timeout_t */
typedef struct delayed_action {
    struct delayed_action *next;
    long long timeout_ms; /* aos_now_ms() at post + ms */
    aos_call_t cb;
    void *arg;
    int ms;
    uint32_t pass; /* the loop pass it was posted in: it runs in a later one */
} delayed_action_t;

static struct {
    kwork_rec_t *work_head, *work_tail;
    size_t works_queued;
    kwork_rec_t *work_current;
    delayed_action_t *actions; /* ascending timeout_ms; equal ones in posting order */
    size_t nactions;
    struct {
        aos_call_t cb;
        void *arg;
    } calls[AOS_HOST_LOOP_EVENTS];
    size_t call_head, ncalls;
    k_context_t running; /* K_CTX_WORK or K_CTX_LOOP while one runs */
    uint32_t pass;
} loop;

static char default_workqueue; /* the timer argument rhino passes: &g_workqueue_default */

void k_loop_init(void) { memset(&loop, 0, sizeof loop); }

k_context_t k_context(void)
{
    if (loop.running != K_CTX_APP)
        return loop.running;
    return k_timer_in_task() ? K_CTX_TIMER : K_CTX_APP;
}

static long long now_ms(void) { return (long long)aos_now_ms(); }

/* ---- work queue ---------------------------------------------------------------- */
static void enqueue_work(kwork_rec_t *w)
{
    w->next = NULL;
    if (loop.work_tail)
        loop.work_tail->next = w;
    else
        loop.work_head = w;
    loop.work_tail = w;
    loop.works_queued++;
    w->queued = true;
    w->on_wq = true;
}

static kwork_rec_t *dequeue_work(void)
{
    kwork_rec_t *w = loop.work_head;
    loop.work_head = w->next;
    if (!loop.work_head)
        loop.work_tail = NULL;
    loop.works_queued--;
    w->queued = false;
    return w;
}

static void unlink_work(kwork_rec_t *w)
{
    for (kwork_rec_t **p = &loop.work_head; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            if (loop.work_tail == w)
                loop.work_tail = NULL;
            for (kwork_rec_t *t = loop.work_head; t; t = t->next)
                loop.work_tail = t;
            loop.works_queued--;
            w->queued = false;
            return;
        }
}

/* rhino's work_timer_cb: the delay is over, queue the work. */
static void work_delay_over(void *timer, void *arg)
{
    kwork_rec_t *w = ((ktimer_t *)timer)->priv;
    if (w == loop.work_current || w->queued)
        return;
    enqueue_work(w);
}

/* Only the work queued when the pass begins runs in it: a work that
 * schedules itself again runs on the next tick. */
static void run_work_queue(void)
{
    loop.running = K_CTX_WORK;
    for (size_t n = loop.works_queued; n > 0 && loop.work_head; n--) {
        kwork_rec_t *w = dequeue_work();
        loop.work_current = w;
        w->fn(w->arg);
        loop.work_current = NULL;
    }
    loop.running = K_CTX_APP;
}

aos_status_t k_owned_work_init(aos_hdl_t *work, void (*fn)(void *), void *arg, int dly, uintptr_t owner)
{
    if (work == NULL)
        return -EINVAL;
    kwork_rec_t *w = k_mm_alloc(g_kmm_head, sizeof *w, owner, K_MM_KIND_WORK);
    if (w == NULL)
        return -ENOMEM;
    if (fn == NULL) { /* krhino_work_init: RHINO_NULL_PTR, passed through */
        k_mm_free(g_kmm_head, w);
        return RHINO_NULL_PTR;
    }
    *w = (kwork_rec_t){.obj_type = OBJ_TYPE_WORK, .fn = fn, .arg = arg,
                       .dly = krhino_ms_to_ticks(dly > 0 ? (sys_time_t)dly : 0)};
    if (w->dly > 0) {
        kstat_t st = k_owned_timer_dyn_create(&w->timer, "WORK-TIMER", work_delay_over, w->dly, 0, w, 0, owner);
        if (st != RHINO_SUCCESS) {
            k_mm_free(g_kmm_head, w);
            return st;
        }
    }
    *work = w;
    return 0;
}

__attribute__((noinline)) aos_status_t aos_work_init(aos_work_t *work, void (*fn)(void *), void *arg, int dly)
{
    return k_owned_work_init(work, fn, arg, dly, AOS_CALLER());
}

/* The work record the handle names, or NULL. A handle to a freed record
 * (a stale copy) or into heap space never handed out is not read but
 * reported (k_mm_report_dead_object) as a misuse of api at site. */
static kwork_rec_t *work_of(const aos_work_t *work, const char *api, uintptr_t site)
{
    kwork_rec_t *w = work ? *work : NULL;
    if (w && k_mm_object_is_readable(g_kmm_head, w) && w->obj_type == OBJ_TYPE_WORK)
        return w;
    if (w)
        k_mm_report_dead_object(w, K_MM_KIND_WORK, api, site);
    return NULL;
}

__attribute__((noinline)) aos_status_t aos_work_sched(aos_work_t *work)
{
    kwork_rec_t *w = work_of(work, __func__, AOS_CALLER());
    if (w == NULL)
        return -EINVAL;
    if (w->dly > 0) {
        w->timer->priv = w;
        return krhino_timer_arg_change_auto(w->timer, &default_workqueue);
    }
    if (w == loop.work_current)
        return RHINO_WORKQUEUE_WORK_RUNNING;
    if (w->queued)
        return RHINO_WORKQUEUE_WORK_EXIST;
    enqueue_work(w);
    return 0;
}

__attribute__((noinline)) aos_status_t aos_work_cancel(aos_work_t *work)
{
    kwork_rec_t *w = work_of(work, __func__, AOS_CALLER());
    if (w == NULL)
        return -EINVAL;
    if (!w->on_wq) {
        if (w->dly > 0)
            krhino_timer_stop(w->timer);
        return 0;
    }
    if (w == loop.work_current || w->queued)
        return -EBUSY;
    w->on_wq = false;
    return 0;
}

__attribute__((noinline)) void aos_work_destroy(aos_work_t *work)
{
    kwork_rec_t *w = work_of(work, __func__, AOS_CALLER());
    if (w == NULL)
        return;
    if (w->queued) {
        k_printf("WARNING, work destroyed while queued: 0x%08lx\n", (unsigned long)(uintptr_t)w);
        k_err_proc(RHINO_WORKQUEUE_WORK_EXIST, w);
        unlink_work(w);
    }
    if (w->timer != NULL) {
        krhino_timer_stop(w->timer);
        krhino_timer_dyn_del(w->timer);
    }
    w->obj_type = 0;
    k_mm_free(g_kmm_head, w);
    *work = NULL;
}

/* ---- yloop ----------------------------------------------------------------------- */
int k_owned_post_delayed_action(int ms, aos_call_t action, void *arg, uintptr_t owner)
{
    if (action == NULL)
        return -EINVAL;
    delayed_action_t *a = k_mm_alloc(g_kmm_head, sizeof *a, owner, K_MM_KIND_DELAYED_ACTION);
    if (a == NULL)
        return -ENOMEM;
    *a = (delayed_action_t){.timeout_ms = now_ms() + ms, .cb = action, .arg = arg, .ms = ms, .pass = loop.pass};
    delayed_action_t **p = &loop.actions;
    while (*p && (*p)->timeout_ms <= a->timeout_ms)
        p = &(*p)->next;
    a->next = *p;
    *p = a;
    loop.nactions++;
    return 0;
}

__attribute__((noinline)) int aos_post_delayed_action(int ms, aos_call_t action, void *arg)
{
    return k_owned_post_delayed_action(ms, action, arg, AOS_CALLER());
}

void aos_cancel_delayed_action(int ms, aos_call_t action, void *arg)
{
    for (delayed_action_t **p = &loop.actions; *p; p = &(*p)->next) {
        delayed_action_t *a = *p;
        if ((ms != -1 && a->ms != ms) || a->cb != action || a->arg != arg)
            continue;
        *p = a->next;
        loop.nactions--;
        k_mm_free(g_kmm_head, a);
        return;
    }
}

int aos_schedule_call(aos_call_t action, void *arg)
{
    if (action == NULL)
        return -EINVAL;
    if (loop.ncalls == AOS_HOST_LOOP_EVENTS)
        return -ENOSPC;
    size_t at = (loop.call_head + loop.ncalls++) % AOS_HOST_LOOP_EVENTS;
    loop.calls[at].cb = action;
    loop.calls[at].arg = arg;
    return 0;
}

static bool action_is_due(const delayed_action_t *a) { return a->pass != loop.pass && now_ms() >= a->timeout_ms; }

static void run_yloop(void)
{
    loop.running = K_CTX_LOOP;
    for (size_t n = loop.ncalls; n > 0; n--) {
        aos_call_t cb = loop.calls[loop.call_head].cb;
        void *arg = loop.calls[loop.call_head].arg;
        loop.call_head = (loop.call_head + 1) % AOS_HOST_LOOP_EVENTS;
        loop.ncalls--;
        cb(arg);
    }
    /* As yloop: unlinked, run, then freed. */
    for (delayed_action_t *a; (a = loop.actions) != NULL && action_is_due(a);) {
        loop.actions = a->next;
        loop.nactions--;
        a->cb(a->arg);
        k_mm_free(g_kmm_head, a);
    }
    loop.running = K_CTX_APP;
}

void k_loop_run(void)
{
    loop.pass++;
    run_work_queue();
    run_yloop();
}

tick_t k_loop_ticks_to_next_due(void)
{
    if (loop.works_queued > 0 || loop.ncalls > 0)
        return 0;
    if (!loop.actions)
        return K_TIMER_NONE_DUE;
    long long ms = loop.actions->timeout_ms - now_ms();
    if (ms <= 0)
        return 0;
    /* A lower bound (at least 1): when TPS does not divide 1000 the due
     * tick may come a little later, and the loop then simply finds the
     * action not yet due and is asked again. */
    tick_t ticks = (tick_t)((unsigned long long)ms * RHINO_CONFIG_TICKS_PER_SECOND / 1000u);
    return ticks > 0 ? ticks : 1;
}

size_t k_loop_pending(void) { return loop.works_queued + loop.ncalls + loop.nactions; }
