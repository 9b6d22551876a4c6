/* Software timers, rhino style, driven by a simulated tick. The API, the
 * types and the command rules follow AliOS Things kernel/rhino/k_timer.c
 * (commands through the timer task's queue, cmd_proc's ignore rules),
 * k_types.h (tick_t, sys_time_t, name_t) and k_time.c (ms <-> ticks).
 *
 * Every call except create posts a command to a bounded queue of
 * RHINO_CONFIG_TIMER_MSG_NUM entries; the timer task applies the commands in
 * FIFO order and then fires the timers that are due. On the host the task
 * runs inside krhino_tick_proc() (after the tick has advanced) or when a
 * harness calls krhino_timer_task_run(). kernel/timer/README.md states the
 * exact semantics; the short version:
 *
 *   - START processed at tick P arms the timer for P + first, then (periodic)
 *     every round ticks after each firing. round == 0 means one-shot: the
 *     timer is DEACTIVE once it has fired.
 *   - START of an active timer and STOP of a stopped one are ignored, and so
 *     are CHANGE, ARG_CHANGE, DEL and DYN_DEL of an ACTIVE timer: a dynamic
 *     timer deleted while it runs is never freed and keeps firing.
 *   - Timers due at the same tick fire in the order they were armed.
 *   - Ticks are 64 bits (tick_t, as rhino declares it) and wrap; all
 *     comparisons use signed differences.
 */
#ifndef K_TIMER_H
#define K_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_config.h"
#include "k_err.h"

/* rhino's scalar types (k_types.h): ticks and milliseconds are 64-bit,
 * object names are plain chars. */
typedef uint64_t tick_t;
typedef int64_t tick_i_t;   /* a signed tick difference */
typedef uint64_t sys_time_t; /* milliseconds */
typedef char name_t;

/* Longest first or round delay (rhino's RHINO_MAX_TICKS): keeps every
 * pending expiry within half the tick range of the current tick, where
 * signed differences order it. */
#define RHINO_MAX_TICKS ((tick_t)-1 / 2u)
#define K_TIMER_TICKS_MAX RHINO_MAX_TICKS

typedef void (*timer_cb_t)(void *timer, void *arg);

typedef enum {
    TIMER_DEACTIVE = 0,
    TIMER_ACTIVE = 1,
} k_timer_state_t;

/* Intrusive doubly linked list node; a list is a circular ring through a
 * sentinel node. */
typedef struct klist_s {
    struct klist_s *next;
    struct klist_s *prev;
} klist_t;

/* A timer. Static timers live in caller storage, dynamic ones on the default
 * heap. The fields are readable for introspection; only the kernel writes
 * them. */
typedef struct {
    uint32_t obj_type;    /* K_OBJ_TYPE_TIMER while created, else anything */
    const name_t *name;
    timer_cb_t cb;
    void *timer_cb_arg;
    tick_t init_count;    /* first: ticks from START to the first firing */
    tick_t round_ticks;   /* period after each firing; 0 = one-shot */
    tick_t match;         /* tick of the next firing; meaningful while ACTIVE */
    uint8_t timer_state;  /* k_timer_state_t */
    uint8_t mm_alloc_flag; /* K_OBJ_STATIC_ALLOC or K_OBJ_DYN_ALLOC */
    void *priv;           /* the owner's own use (rhino's work queue keeps its work here) */
    klist_t timer_list;   /* place in the active list, ordered by match */
    klist_t timer_item;   /* place in the list of created timers */
    uintptr_t owner;      /* who created it: first frame past allocation wrappers (k_trace.h) */
    uint32_t trace;       /* its trace record (creation stack), 0 = none */
} ktimer_t;

#define K_OBJ_TYPE_TIMER 0x544D5231u /* "TMR1" */
#define K_OBJ_STATIC_ALLOC 1u
#define K_OBJ_DYN_ALLOC 2u

/* ---- timer API ---------------------------------------------------------
 * Checks, in this order: NULL pointer -> RHINO_NULL_PTR; not a created timer
 * (never created, deleted, or from before k_timer_init) ->
 * RHINO_KOBJ_TYPE_ERR; first == 0 or first/round > K_TIMER_TICKS_MAX ->
 * RHINO_INV_PARAM; del of a dynamic / dyn_del of a static timer ->
 * RHINO_KOBJ_DEL_ERR; queue full or fault point K_FAULT_TIMER_QUEUE (not
 * consulted from a callback, which meets a drained queue) ->
 * RHINO_TIMER_MSG_FULL. A call that fails changes nothing. Whether a timer
 * is created is known from the service's list, not read from the timer, as
 * rhino's k_timer.c reads obj_type: a call on a timer whose memory was
 * freed, or with a pointer into heap space never handed out, returns
 * RHINO_KOBJ_TYPE_ERR without reading it and is reported as misuse
 * (k_mm_report_dead_object: "use-after-free" naming the timer, its creator
 * and deleter, or "invalid-object"), at the caller's call site. A timer in
 * the caller's storage (static, or inside a live heap block) that is not
 * created is only that error return. */

/* Initialises *timer (DEACTIVE) and, with auto_run, posts START. name and cb
 * must not be NULL. Creating a timer that is already created returns
 * RHINO_TIMER_STATE_INV. With auto_run, a failed START post undoes the
 * create and returns RHINO_TIMER_MSG_FULL. */
kstat_t krhino_timer_create(ktimer_t *timer, const name_t *name, timer_cb_t cb,
                            tick_t first, tick_t round, void *arg, uint8_t auto_run);
/* Posts DEL; the task ignores it while the timer is ACTIVE. */
kstat_t krhino_timer_del(ktimer_t *timer);
/* As create, on the default heap (kind K_MM_KIND_TIMER, owner = the caller).
 * RHINO_NO_MEM when the heap is exhausted. On any error *timer is left
 * untouched and nothing stays allocated. */
kstat_t krhino_timer_dyn_create(ktimer_t **timer, const name_t *name, timer_cb_t cb,
                                tick_t first, tick_t round, void *arg, uint8_t auto_run);
/* Posts DYN_DEL; the task frees the timer unless it is ACTIVE. */
kstat_t krhino_timer_dyn_del(ktimer_t *timer);
kstat_t krhino_timer_start(ktimer_t *timer);
kstat_t krhino_timer_stop(ktimer_t *timer);
/* Posts CHANGE; applied only if the timer is DEACTIVE when processed. */
kstat_t krhino_timer_change(ktimer_t *timer, tick_t first, tick_t round);
/* Posts ARG_CHANGE; applied only if the timer is DEACTIVE when processed. */
kstat_t krhino_timer_arg_change(ktimer_t *timer, void *arg);
/* Posts ARG_CHANGE_AUTO: the task applies STOP, ARG_CHANGE and START as one
 * command, so the timer restarts (now + first) with the new arg whatever
 * its state (rhino kernel/rhino/k_timer.c, timer_cmd_proc). */
kstat_t krhino_timer_arg_change_auto(ktimer_t *timer, void *arg);

/* ---- simulated time ----------------------------------------------------- */
/* Forgets every timer, queued command and the observer; the tick becomes
 * start_tick. Dynamic timers are not freed: reset the heap too. */
void k_timer_init(tick_t start_tick);
tick_t krhino_sys_tick_get(void);
/* Milliseconds since tick 0: tick * 1000 / RHINO_CONFIG_TICKS_PER_SECOND in
 * tick_t arithmetic, overflow included (rhino kernel/rhino/k_time.c). */
sys_time_t krhino_sys_time_get(void);
/* ms -> ticks rounded up to whole ticks: (ms + 1000/TPS - 1) * TPS / 1000
 * (rhino kernel/rhino/k_time.c); 15 ms is 2 ticks at 100 ticks/s. */
tick_t krhino_ms_to_ticks(sys_time_t ms);
/* ticks -> ms: ticks * 1000 / TPS (rounded up only when TPS > 1000), as
 * rhino kernel/rhino/k_time.c. */
sys_time_t krhino_ticks_to_ms(tick_t ticks);
/* Advances the tick by one, then runs the timer task. Called from a timer
 * callback it only advances the tick (the running task is not re-entered;
 * timers that came due meanwhile fire, late, in the next task run). */
void krhino_tick_proc(void);
/* Runs the timer task at the current tick: applies the queued commands, then
 * fires the due timers. Ignored when called from a timer callback. */
void krhino_timer_task_run(void);
/* Advances n ticks exactly as n calls of krhino_tick_proc() would, but
 * passes the ticks at which the task has nothing to do in one step
 * (tickless idle). aos_msleep(ms) (aos/kernel.h) advances
 * krhino_ms_to_ticks(ms) ticks this way. */
void k_timer_advance(tick_t n);
/* Ticks until the timer task next has something to do: 0 when commands
 * are queued or a timer (or work, a scheduled call, a delayed action:
 * k_loop.h) is due now or late, else the ticks to the earliest of them;
 * K_TIMER_NONE_DUE when nothing is pending. */
#define K_TIMER_NONE_DUE ((tick_t)-1)
tick_t k_timer_ticks_to_next_due(void);

/* ---- introspection, for reference models and harnesses ------------------ */
/* Called just before each callback, with the tick the task runs at. */
typedef void (*k_timer_fire_fn)(ktimer_t *timer, tick_t now, void *ctx);
void k_timer_observe(k_timer_fire_fn fn, void *ctx); /* NULL turns it off */
/* Commands posted and not yet processed. */
size_t k_timer_queued(void);
/* A created timer whose storage lies in [p, p + len), or NULL: memory that
 * must not be freed yet (a DEL still queued leaves the timer created). */
const ktimer_t *k_timer_stored_in(const void *p, size_t len);
/* Calls fn for every created timer, oldest create first; stops early (and
 * returns false) when fn returns false. fn must not call the timer API. */
typedef bool (*k_timer_walk_fn)(const ktimer_t *timer, void *ctx);
bool k_timer_walk(k_timer_walk_fn fn, void *ctx);

#endif
