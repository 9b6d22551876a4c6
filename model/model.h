/* The reference model of the timers: what the harness's own timers,
 * aos timers and delayed actions should be, kept as plain data and changed
 * only by the transition functions below (the heap's side is
 * heap_model.h).
 * It is written from the documented kernel semantics (README, k_mm.h,
 * kernel/timer/README.md) and shares no code with the kernel. The system
 * under test is driven separately (fuzz/harness.c); model/checker.c
 * compares the two after every step. */
#ifndef MODEL_H
#define MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_err.h"
#include "k_timer.h"

#define MODEL_TIMERS 12
#define MODEL_STATIC_TIMERS 4 /* slots 0-3 static, 4-7 dynamic */
#define MODEL_AOS_TIMERS 8    /* slots 8-11: aos timers (dynamic rhino timers) */
#define MODEL_ACTIONS 8       /* pending yloop delayed actions the harness keeps at most */
/* Per task run each timer fires at most once, and so does each pending
 * delayed action. A delayed action's firing has slot MODEL_TIMERS + its arg. */
#define MODEL_MAX_FIRINGS (MODEL_TIMERS + MODEL_ACTIONS)

/* ---- timers ------------------------------------------------------------ */
/* A timer's callback does, by slot % 4: nothing, stop itself, start the next
 * static timer, delete itself (del or dyn_del as fits; an aos slot frees
 * its handle with aos_timer_free). */
typedef enum { CB_NONE, CB_STOP_SELF, CB_START_NEXT_STATIC, CB_DELETE_SELF } model_cb_action_t;
model_cb_action_t model_cb_action(int slot);
int model_next_static(int slot);
bool model_slot_is_dyn(int slot);

typedef enum { TCMD_START, TCMD_STOP, TCMD_CHANGE, TCMD_ARG, TCMD_DEL } model_tcmd_t;

typedef struct {
    model_tcmd_t cmd;
    int slot;
    tick_t first, round;
    uint32_t arg;
} model_tmsg_t;

typedef struct {
    bool created, active;
    bool handle; /* aos slots: the aos_timer_t still holds the timer (aos_timer_free clears it) */
    tick_t first, round, match;
    uint32_t arg;
    uint32_t armed_seq; /* equal matches fire in arming order */
    uint32_t fires;
} model_timer_t;

typedef struct {
    int slot;
    uint32_t arg;
    tick_t tick;
    kstat_t action; /* what the callback's own API call returned */
} model_firing_t;

/* Decides whether a post fails at the fault point; the harness answers
 * from the injector's schedule. */
typedef bool (*model_post_fault_fn)(void *ctx);

/* A pending yloop delayed action (AliOS kernel/yloop yloop_timeout_t). */
typedef struct {
    long long timeout_ms; /* now_ms at post + ms */
    int ms;
    uint32_t arg;
    uint32_t pass; /* the task run it was posted in: it can fire only in a later one */
} model_action_t;

typedef struct {
    model_timer_t t[MODEL_TIMERS];
    model_action_t action[MODEL_ACTIONS]; /* by timeout_ms, equal ones in posting order */
    int nactions;
    uint32_t pass; /* task runs so far */
    model_tmsg_t q[RHINO_CONFIG_TIMER_MSG_NUM];
    int nq;
    tick_t tick;
    uint32_t seq;
    model_post_fault_fn post_faults; /* asked for posts outside callbacks only */
    bool in_callback;
    void *post_faults_ctx;
    model_firing_t want[MODEL_MAX_FIRINGS]; /* firings predicted by the last task run */
    size_t nwant;
} model_timers_t;

void model_timers_init(model_timers_t *m, tick_t start, model_post_fault_fn fn, void *ctx);
/* The API calls: each returns the status the kernel must return. heap_fails
 * says whether dyn_create's allocation fails (fault or exhaustion). */
kstat_t model_timer_create(model_timers_t *m, int slot, tick_t first, tick_t round, uint32_t arg, bool auto_run);
kstat_t model_timer_dyn_create(model_timers_t *m, int slot, tick_t first, tick_t round, uint32_t arg,
                               bool auto_run, bool heap_fails);
kstat_t model_timer_call(model_timers_t *m, model_tcmd_t cmd, int slot, tick_t first, tick_t round, uint32_t arg,
                         bool dyn_del);
/* One tick: advance, then the timer task; want holds its firings. */
void model_timer_tick(model_timers_t *m);
/* The timer task at the current tick, without advancing it. */
void model_timer_task_run(model_timers_t *m);
/* Ticks from now at which the task would find nothing to do (all of n
 * when no timer is active), and passing them. */
tick_t model_timer_idle_ticks(const model_timers_t *m, tick_t n);
void model_timer_skip(model_timers_t *m, tick_t n);

/* ---- the aos layer (aos/kernel.h, aos/yloop.h) -------------------------
 * Results are AliOS errno values: 0, -EINVAL, -ENOMEM, -EPERM. */
bool model_slot_is_aos(int slot);
/* krhino_ms_to_ticks: ms * TPS / 1000 rounded up. */
tick_t model_ms_to_ticks(uint64_t ms);
/* aos_timer_create(ms, options) into an aos slot whose handle is empty;
 * the callback's arg is the slot number. */
int model_aos_timer_create(model_timers_t *m, int slot, uint32_t ms, uint32_t options, bool heap_fails);
typedef enum { ACMD_START, ACMD_STOP, ACMD_CHANGE, ACMD_FREE } model_acmd_t;
/* aos_timer_start/stop/change(ms)/free on an aos slot. free clears the
 * handle at once; the timer goes only if DYN_DEL finds it stopped. */
int model_aos_timer_call(model_timers_t *m, model_acmd_t cmd, int slot, uint32_t ms);
/* aos_post_delayed_action(ms, action, arg): 0, -ENOMEM when heap_fails. */
int model_action_post(model_timers_t *m, int ms, uint32_t arg, bool heap_fails);
/* aos_cancel_delayed_action(ms, action, arg); ms -1 matches any. */
void model_action_cancel(model_timers_t *m, int ms, uint32_t arg);

#endif
