/* Timer service: command queue, timer task and simulated tick.
 * kernel/timer/README.md states the semantics this file implements. */
#include "k_timer.h"

#include <assert.h>

#include "aos/kernel.h"
#include "k_loop.h"
#include "k_mm.h"
#include "k_owned.h"
#include "k_port.h"

#define QUEUE_LEN ((size_t)RHINO_CONFIG_TIMER_MSG_NUM)
_Static_assert(RHINO_CONFIG_TIMER_MSG_NUM > 0, "the timer queue needs room for a command");

typedef enum {
    CMD_START,
    CMD_STOP,
    CMD_CHANGE,
    CMD_ARG_CHANGE,
    CMD_DEL,
    CMD_DYN_DEL,
    CMD_ARG_CHANGE_AUTO,
    CMD_DROPPED, /* its timer was deleted by an earlier command */
} timer_cmd_t;

typedef struct {
    timer_cmd_t cmd;
    ktimer_t *timer;
    tick_t first; /* CMD_CHANGE */
    tick_t round; /* CMD_CHANGE */
    void *arg;    /* CMD_ARG_CHANGE */
    uintptr_t deleted_by[K_TRACE_FRAMES]; /* CMD_DYN_DEL: the delete's caller, the free's stack */
} timer_msg_t;

static struct {
    tick_t tick;
    timer_msg_t queue[RHINO_CONFIG_TIMER_MSG_NUM];
    size_t head;  /* oldest queued command */
    size_t count; /* queued commands */
    klist_t active;  /* ACTIVE timers by match; equal matches in arming order */
    klist_t created; /* every created timer, oldest create first */
    bool task_running;
    tick_t task_now; /* the tick the running task fires at */
    k_timer_fire_fn observer;
    void *observer_ctx;
} svc = {
    /* Empty rings, so the service works before k_timer_init (tick 0). */
    .active = {&svc.active, &svc.active},
    .created = {&svc.created, &svc.created},
};

/* ---- lists ---------------------------------------------------------------- */

static void list_init(klist_t *head) { head->next = head->prev = head; }

static bool list_is_empty(const klist_t *head) { return head->next == head; }

static void list_insert_after(klist_t *pos, klist_t *node)
{
    node->prev = pos;
    node->next = pos->next;
    pos->next->prev = node;
    pos->next = node;
}

static void list_remove(klist_t *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->next = node->prev = node;
}

/* Via void *: the node sits inside a ktimer_t, so the alignment is right. */
#define timer_of(node, member) ((ktimer_t *)(void *)((char *)(node) - offsetof(ktimer_t, member)))

/* ---- ticks ---------------------------------------------------------------- */

/* Signed distance from now to match, right across the wrap as long as the two
 * are less than half the tick range apart (K_TIMER_TICKS_MAX sees to it). */
static tick_i_t ticks_until(tick_t match, tick_t now) { return (tick_i_t)(match - now); }

static bool ticks_are_valid(tick_t first, tick_t round)
{
    return first != 0 && first <= K_TIMER_TICKS_MAX && round <= K_TIMER_TICKS_MAX;
}

tick_t krhino_sys_tick_get(void) { return svc.tick; }

sys_time_t krhino_sys_time_get(void) { return (sys_time_t)(svc.tick * 1000u / RHINO_CONFIG_TICKS_PER_SECOND); }

/* Round up to whole ticks: the wait is never shorter than asked. */
tick_t krhino_ms_to_ticks(sys_time_t ms)
{
    const tick_t padding = 1000u / RHINO_CONFIG_TICKS_PER_SECOND > 0 ? 1000u / RHINO_CONFIG_TICKS_PER_SECOND - 1u : 0u;
    return (tick_t)((ms + padding) * RHINO_CONFIG_TICKS_PER_SECOND / 1000u);
}

sys_time_t krhino_ticks_to_ms(tick_t ticks)
{
    const sys_time_t padding = RHINO_CONFIG_TICKS_PER_SECOND / 1000u > 0 ? RHINO_CONFIG_TICKS_PER_SECOND / 1000u - 1u : 0u;
    return (sys_time_t)((ticks + padding) * 1000u / RHINO_CONFIG_TICKS_PER_SECOND);
}

/* ---- timer objects -------------------------------------------------------- */

/* By the service's list, never by reading t: a deleted dynamic timer's
 * memory is freed (poisoned in ASan builds) or another block's by now.
 * k_timer_init empties the list, so older timers are not created. */
static bool timer_is_created(const ktimer_t *t)
{
    for (const klist_t *n = svc.created.next; n != &svc.created; n = n->next)
        if (timer_of(n, timer_item) == t)
            return true;
    return false;
}

static bool timer_is_active(const ktimer_t *t) { return t->timer_state == TIMER_ACTIVE; }

/* As rhino's k_timer.c: NULL is RHINO_NULL_PTR, anything but a created
 * timer RHINO_KOBJ_TYPE_ERR; a timer whose memory was freed (or a pointer
 * into heap space never handed out) is also reported as misuse, naming api
 * and its caller (site). */
static kstat_t check_timer(const ktimer_t *t, const char *api, uintptr_t site)
{
    if (t == NULL)
        return RHINO_NULL_PTR;
    if (timer_is_created(t))
        return RHINO_SUCCESS;
    k_mm_report_dead_object(t, K_MM_KIND_TIMER, api, site);
    return RHINO_KOBJ_TYPE_ERR;
}

static kstat_t check_create_args(const name_t *name, timer_cb_t cb, tick_t first, tick_t round)
{
    if (name == NULL || cb == NULL)
        return RHINO_NULL_PTR;
    return ticks_are_valid(first, round) ? RHINO_SUCCESS : RHINO_INV_PARAM;
}

static void timer_init(ktimer_t *t, const name_t *name, timer_cb_t cb, tick_t first,
                       tick_t round, void *arg, uint8_t alloc_flag)
{
    t->obj_type = K_OBJ_TYPE_TIMER;
    t->name = name;
    t->cb = cb;
    t->timer_cb_arg = arg;
    t->init_count = first;
    t->round_ticks = round;
    t->match = 0;
    t->timer_state = TIMER_DEACTIVE;
    t->mm_alloc_flag = alloc_flag;
    t->priv = NULL;
    list_init(&t->timer_list);
    list_insert_after(svc.created.prev, &t->timer_item);
}

/* ---- command queue -------------------------------------------------------- */

static timer_msg_t *queued_msg(size_t i) { return &svc.queue[(svc.head + i) % QUEUE_LEN]; }

static kstat_t post(timer_cmd_t cmd, ktimer_t *t, tick_t first, tick_t round, void *arg)
{
    /* Every post attempt from outside the timer task counts at the fault
     * point, full queue or not, so a schedule's "nth call" does not depend
     * on the queue's state. A callback runs in the timer task after the
     * queue was drained (README): no fault is injected there. */
    bool injected = !svc.task_running && k_fault_should_fail(K_FAULT_TIMER_QUEUE);
    if (injected || svc.count == QUEUE_LEN)
        return RHINO_TIMER_MSG_FULL;
    *queued_msg(svc.count) = (timer_msg_t){.cmd = cmd, .timer = t, .first = first, .round = round, .arg = arg};
    svc.count++;
    return RHINO_SUCCESS;
}

static timer_msg_t take_oldest_msg(void)
{
    assert(svc.count > 0);
    timer_msg_t msg = svc.queue[svc.head];
    svc.head = (svc.head + 1) % QUEUE_LEN;
    svc.count--;
    return msg;
}

/* A deleted timer's storage may be freed or reused: commands still queued for
 * it must never reach it. */
static void drop_queued_commands_for(const ktimer_t *t)
{
    for (size_t i = 0; i < svc.count; i++)
        if (queued_msg(i)->timer == t)
            queued_msg(i)->cmd = CMD_DROPPED;
}

static void forget_timer(ktimer_t *t)
{
    list_remove(&t->timer_item);
    t->obj_type = 0;
    drop_queued_commands_for(t);
}

/* ---- timer task ----------------------------------------------------------- */

/* Ties go behind the timers already armed for the same tick. Searching from
 * the back is short for the common case: a re-armed periodic timer. */
static void insert_by_match(ktimer_t *t)
{
    tick_i_t due_in = ticks_until(t->match, svc.task_now);
    klist_t *pos = svc.active.prev;
    while (pos != &svc.active && ticks_until(timer_of(pos, timer_list)->match, svc.task_now) > due_in)
        pos = pos->prev;
    list_insert_after(pos, &t->timer_list);
}

static void arm(ktimer_t *t, tick_t match)
{
    assert(svc.task_running && !timer_is_active(t));
    /* Strictly in the future: a task run fires each timer at most once. */
    assert(ticks_until(match, svc.task_now) > 0);
    t->match = match;
    t->timer_state = TIMER_ACTIVE;
    insert_by_match(t);
}

static void disarm(ktimer_t *t)
{
    list_remove(&t->timer_list);
    t->timer_state = TIMER_DEACTIVE;
}

static tick_t next_period_match(const ktimer_t *t)
{
    return svc.task_now + t->round_ticks;
}

static void apply(const timer_msg_t *msg)
{
    ktimer_t *t = msg->timer;
    /* As rhino: a command that does not fit the timer's state is ignored. */
    switch (msg->cmd) {
    case CMD_START:
        if (!timer_is_active(t))
            arm(t, svc.task_now + t->init_count);
        break;
    case CMD_STOP:
        if (timer_is_active(t))
            disarm(t);
        break;
    case CMD_CHANGE:
        if (!timer_is_active(t)) {
            t->init_count = msg->first;
            t->round_ticks = msg->round;
        }
        break;
    case CMD_ARG_CHANGE:
        if (!timer_is_active(t))
            t->timer_cb_arg = msg->arg;
        break;
    case CMD_DEL:
        if (!timer_is_active(t))
            forget_timer(t);
        break;
    case CMD_DYN_DEL:
        if (!timer_is_active(t)) {
            forget_timer(t);
            k_mm_free_deleted_by(g_kmm_head, t, msg->deleted_by); /* who deleted it, not the task that applied it */
        }
        break;
    case CMD_ARG_CHANGE_AUTO:
        if (timer_is_active(t))
            disarm(t);
        t->timer_cb_arg = msg->arg;
        arm(t, svc.task_now + t->init_count);
        break;
    case CMD_DROPPED:
        break;
    }
}

static void apply_queued_commands(void)
{
    while (svc.count > 0) {
        timer_msg_t msg = take_oldest_msg();
        apply(&msg);
    }
}

static ktimer_t *next_due_timer(void)
{
    if (list_is_empty(&svc.active))
        return NULL;
    ktimer_t *t = timer_of(svc.active.next, timer_list);
    return ticks_until(t->match, svc.task_now) <= 0 ? t : NULL;
}

/* The timer stays ACTIVE during its callback; a one-shot becomes DEACTIVE
 * and a periodic one is re-armed as soon as the callback returns, before the
 * commands the callback posted are applied. */
static void fire(ktimer_t *t)
{
    list_remove(&t->timer_list);
    if (svc.observer != NULL)
        svc.observer(t, svc.task_now, svc.observer_ctx);
    t->cb(t, t->timer_cb_arg);
    t->timer_state = TIMER_DEACTIVE;
    if (t->round_ticks > 0)
        arm(t, next_period_match(t));
}

void krhino_timer_task_run(void)
{
    if (svc.task_running)
        return; /* called from a callback: the task is not re-entrant */
    svc.task_running = true;
    svc.task_now = svc.tick;
    apply_queued_commands();
    for (ktimer_t *t; (t = next_due_timer()) != NULL;) {
        fire(t);
        apply_queued_commands();
    }
    k_loop_run();
    apply_queued_commands();
    svc.task_running = false;
}

bool k_timer_in_task(void) { return svc.task_running; }

void krhino_tick_proc(void)
{
    svc.tick++;
    krhino_timer_task_run();
}

static tick_t ticks_to_next_timer(void)
{
    if (list_is_empty(&svc.active))
        return K_TIMER_NONE_DUE;
    tick_i_t d = ticks_until(timer_of(svc.active.next, timer_list)->match, svc.tick);
    return d > 0 ? (tick_t)d : 0;
}

tick_t k_timer_ticks_to_next_due(void)
{
    if (svc.count > 0)
        return 0; /* the next task run applies them */
    tick_t timer = ticks_to_next_timer(), loop = k_loop_ticks_to_next_due();
    return timer < loop ? timer : loop;
}

/* Ticks from now at which a task run would find nothing to do. */
static tick_t idle_ticks_ahead(void)
{
    if (svc.task_running)
        return K_TIMER_NONE_DUE; /* inside a callback a tick only counts */
    if (svc.count > 0)
        return 0;
    tick_t due = k_timer_ticks_to_next_due();
    return due == K_TIMER_NONE_DUE ? due : due > 1 ? due - 1 : 0;
}

void k_timer_advance(tick_t n)
{
    while (n > 0) {
        tick_t idle = idle_ticks_ahead();
        if (idle >= n) {
            svc.tick += n;
            return;
        }
        svc.tick += idle;
        n -= idle;
        krhino_tick_proc();
        n--;
    }
}

void aos_msleep(uint32_t ms) { k_timer_advance(krhino_ms_to_ticks(ms)); }

void k_timer_init(tick_t start_tick)
{
    assert(!svc.task_running);
    svc.tick = start_tick;
    svc.head = 0;
    svc.count = 0;
    list_init(&svc.active);
    list_init(&svc.created);
    svc.observer = NULL;
    svc.observer_ctx = NULL;
    k_loop_init();
}

/* ---- API ------------------------------------------------------------------ */

/* noinline: the return address must be the caller's, who owns the timer. */
__attribute__((noinline)) kstat_t krhino_timer_create(ktimer_t *timer, const name_t *name, timer_cb_t cb,
                                                      tick_t first, tick_t round, void *arg, uint8_t auto_run)
{
    uintptr_t site = (uintptr_t)__builtin_return_address(0);
    if (timer == NULL)
        return RHINO_NULL_PTR;
    kstat_t err = check_create_args(name, cb, first, round);
    if (err != RHINO_SUCCESS)
        return err;
    if (timer_is_created(timer))
        return RHINO_TIMER_STATE_INV; /* re-initialising would corrupt the lists */
    timer_init(timer, name, cb, first, round, arg, K_OBJ_STATIC_ALLOC);
    timer->trace = k_trace_new((uintptr_t)timer, sizeof *timer, K_MM_KIND_TIMER, site, &timer->owner);
    if (auto_run && (err = post(CMD_START, timer, 0, 0, NULL)) != RHINO_SUCCESS)
        forget_timer(timer); /* all or nothing */
    return err;
}

kstat_t k_owned_timer_dyn_create(ktimer_t **timer, const name_t *name, timer_cb_t cb, tick_t first, tick_t round,
                                 void *arg, uint8_t auto_run, uintptr_t owner)
{
    if (timer == NULL)
        return RHINO_NULL_PTR;
    kstat_t err = check_create_args(name, cb, first, round);
    if (err != RHINO_SUCCESS)
        return err;
    ktimer_t *t = k_mm_alloc(g_kmm_head, sizeof *t, owner, K_MM_KIND_TIMER);
    if (t == NULL)
        return RHINO_NO_MEM;
    timer_init(t, name, cb, first, round, arg, K_OBJ_DYN_ALLOC);
    t->trace = k_mm_blk_trace(g_kmm_head, t);
    t->owner = k_trace_get(t->trace) ? k_trace_get(t->trace)->alloc[0] : owner;
    if (auto_run && (err = post(CMD_START, t, 0, 0, NULL)) != RHINO_SUCCESS) {
        forget_timer(t); /* all or nothing */
        k_mm_free(g_kmm_head, t);
        return err;
    }
    *timer = t;
    return RHINO_SUCCESS;
}

/* noinline: the return address must be the caller's, who owns the timer. */
__attribute__((noinline)) kstat_t krhino_timer_dyn_create(ktimer_t **timer, const name_t *name,
                                                          timer_cb_t cb, tick_t first, tick_t round,
                                                          void *arg, uint8_t auto_run)
{
    return k_owned_timer_dyn_create(timer, name, cb, first, round, arg, auto_run,
                                    (uintptr_t)__builtin_return_address(0));
}

/* The API calls below are noinline and pass their caller's return address
 * (CALLER): a call on a freed timer is reported at the driver's call site. */
#define CALLER() ((uintptr_t)__builtin_return_address(0))

static kstat_t post_delete(ktimer_t *timer, uint8_t alloc_flag, timer_cmd_t cmd, const char *api, uintptr_t site)
{
    kstat_t err = check_timer(timer, api, site);
    if (err != RHINO_SUCCESS)
        return err;
    if (timer->mm_alloc_flag != alloc_flag)
        return RHINO_KOBJ_DEL_ERR;
    err = post(cmd, timer, 0, 0, NULL);
    if (err == RHINO_SUCCESS && cmd == CMD_DYN_DEL)
        k_trace_stack(site, queued_msg(svc.count - 1)->deleted_by);
    return err;
}

__attribute__((noinline)) kstat_t krhino_timer_del(ktimer_t *timer)
{
    return post_delete(timer, K_OBJ_STATIC_ALLOC, CMD_DEL, __func__, CALLER());
}

kstat_t k_owned_timer_dyn_del(ktimer_t *timer, const char *api, uintptr_t site)
{
    return post_delete(timer, K_OBJ_DYN_ALLOC, CMD_DYN_DEL, api, site);
}

__attribute__((noinline)) kstat_t krhino_timer_dyn_del(ktimer_t *timer)
{
    return k_owned_timer_dyn_del(timer, __func__, CALLER());
}

static kstat_t post_simple(ktimer_t *timer, timer_cmd_t cmd, void *arg, const char *api, uintptr_t site)
{
    kstat_t err = check_timer(timer, api, site);
    return err != RHINO_SUCCESS ? err : post(cmd, timer, 0, 0, arg);
}

kstat_t k_owned_timer_start(ktimer_t *timer, const char *api, uintptr_t site)
{
    return post_simple(timer, CMD_START, NULL, api, site);
}

__attribute__((noinline)) kstat_t krhino_timer_start(ktimer_t *timer)
{
    return k_owned_timer_start(timer, __func__, CALLER());
}

kstat_t k_owned_timer_stop(ktimer_t *timer, const char *api, uintptr_t site)
{
    return post_simple(timer, CMD_STOP, NULL, api, site);
}

__attribute__((noinline)) kstat_t krhino_timer_stop(ktimer_t *timer)
{
    return k_owned_timer_stop(timer, __func__, CALLER());
}

kstat_t k_owned_timer_change(ktimer_t *timer, tick_t first, tick_t round, const char *api, uintptr_t site)
{
    kstat_t err = check_timer(timer, api, site);
    if (err != RHINO_SUCCESS)
        return err;
    if (!ticks_are_valid(first, round))
        return RHINO_INV_PARAM;
    return post(CMD_CHANGE, timer, first, round, NULL);
}

__attribute__((noinline)) kstat_t krhino_timer_change(ktimer_t *timer, tick_t first, tick_t round)
{
    return k_owned_timer_change(timer, first, round, __func__, CALLER());
}

__attribute__((noinline)) kstat_t krhino_timer_arg_change(ktimer_t *timer, void *arg)
{
    return post_simple(timer, CMD_ARG_CHANGE, arg, __func__, CALLER());
}

__attribute__((noinline)) kstat_t krhino_timer_arg_change_auto(ktimer_t *timer, void *arg)
{
    return post_simple(timer, CMD_ARG_CHANGE_AUTO, arg, __func__, CALLER());
}

/* ---- introspection -------------------------------------------------------- */

void k_timer_observe(k_timer_fire_fn fn, void *ctx)
{
    svc.observer = fn;
    svc.observer_ctx = ctx;
}

size_t k_timer_queued(void) { return svc.count; }

const ktimer_t *k_timer_stored_in(const void *p, size_t len)
{
    uintptr_t from = (uintptr_t)p;
    for (klist_t *n = svc.created.next; n != &svc.created; n = n->next) {
        uintptr_t t = (uintptr_t)timer_of(n, timer_item);
        if (t >= from && t - from < len)
            return timer_of(n, timer_item);
    }
    return NULL;
}

bool k_timer_walk(k_timer_walk_fn fn, void *ctx)
{
    for (klist_t *n = svc.created.next; n != &svc.created; n = n->next)
        if (!fn(timer_of(n, timer_item), ctx))
            return false;
    return true;
}
