/* Transition functions of the reference model. */
#include <errno.h>
#include <string.h>

#include "model.h"

/* ---- timers ------------------------------------------------------------ */
model_cb_action_t model_cb_action(int slot) { return (model_cb_action_t)(slot % 4); }
int model_next_static(int slot) { return (slot + 1) % MODEL_STATIC_TIMERS; }
bool model_slot_is_dyn(int slot) { return slot >= MODEL_STATIC_TIMERS; }
bool model_slot_is_aos(int slot) { return slot >= MODEL_AOS_TIMERS; }

void model_timers_init(model_timers_t *m, tick_t start, model_post_fault_fn fn, void *ctx)
{
    memset(m, 0, sizeof *m);
    m->tick = start;
    m->post_faults = fn;
    m->post_faults_ctx = ctx;
}

static bool ticks_are_valid(tick_t first, tick_t round)
{
    return first >= 1 && first <= K_TIMER_TICKS_MAX && round <= K_TIMER_TICKS_MAX;
}

static kstat_t post(model_timers_t *m, model_tcmd_t cmd, int slot, tick_t first, tick_t round, uint32_t arg)
{
    /* A callback's post meets the queue the task has just drained: no fault
     * point there (kernel/timer/README.md). */
    if ((!m->in_callback && m->post_faults(m->post_faults_ctx)) || m->nq == RHINO_CONFIG_TIMER_MSG_NUM)
        return RHINO_TIMER_MSG_FULL;
    m->q[m->nq++] = (model_tmsg_t){cmd, slot, first, round, arg};
    return RHINO_SUCCESS;
}

static kstat_t create(model_timers_t *m, int slot, tick_t first, tick_t round, uint32_t arg, bool auto_run)
{
    if (!ticks_are_valid(first, round))
        return RHINO_INV_PARAM;
    if (m->t[slot].created)
        return RHINO_TIMER_STATE_INV;
    m->t[slot] = (model_timer_t){.created = true, .first = first, .round = round, .arg = arg};
    kstat_t r = auto_run ? post(m, TCMD_START, slot, 0, 0, 0) : RHINO_SUCCESS;
    if (r != RHINO_SUCCESS)
        m->t[slot].created = false;
    return r;
}

kstat_t model_timer_create(model_timers_t *m, int slot, tick_t first, tick_t round, uint32_t arg, bool auto_run)
{
    return create(m, slot, first, round, arg, auto_run);
}

kstat_t model_timer_dyn_create(model_timers_t *m, int slot, tick_t first, tick_t round, uint32_t arg,
                               bool auto_run, bool heap_fails)
{
    if (!ticks_are_valid(first, round))
        return RHINO_INV_PARAM;
    if (heap_fails)
        return RHINO_NO_MEM;
    return create(m, slot, first, round, arg, auto_run);
}

kstat_t model_timer_call(model_timers_t *m, model_tcmd_t cmd, int slot, tick_t first, tick_t round, uint32_t arg,
                         bool dyn_del)
{
    if (!m->t[slot].created)
        return RHINO_KOBJ_TYPE_ERR;
    if (cmd == TCMD_CHANGE && !ticks_are_valid(first, round))
        return RHINO_INV_PARAM;
    if (cmd == TCMD_DEL && dyn_del != model_slot_is_dyn(slot))
        return RHINO_KOBJ_DEL_ERR;
    return post(m, cmd, slot, first, round, arg);
}

static void drop_queued_for(model_timers_t *m, int slot)
{
    int kept = 0;
    for (int i = 0; i < m->nq; i++)
        if (m->q[i].slot != slot)
            m->q[kept++] = m->q[i];
    m->nq = kept;
}

static void apply(model_timers_t *m, const model_tmsg_t *msg)
{
    model_timer_t *t = &m->t[msg->slot];
    if (t->active ? msg->cmd != TCMD_STOP : msg->cmd == TCMD_STOP)
        return; /* rhino ignores all but STOP on an active timer, and STOP on a stopped one */
    switch (msg->cmd) {
    case TCMD_START:
        t->active = true;
        t->match = m->tick + t->first;
        t->armed_seq = ++m->seq;
        break;
    case TCMD_STOP:
        t->active = false;
        break;
    case TCMD_CHANGE:
        t->first = msg->first;
        t->round = msg->round;
        break;
    case TCMD_ARG:
        t->arg = msg->arg;
        break;
    case TCMD_DEL:
        t->created = false;
        drop_queued_for(m, msg->slot);
        break;
    }
}

static void apply_queue(model_timers_t *m)
{
    while (m->nq > 0) {
        model_tmsg_t msg = m->q[0];
        memmove(&m->q[0], &m->q[1], (size_t)(m->nq - 1) * sizeof m->q[0]);
        m->nq--;
        apply(m, &msg);
    }
}

static int first_due(const model_timers_t *m)
{
    int best = -1;
    for (int s = 0; s < MODEL_TIMERS; s++) {
        const model_timer_t *t = &m->t[s];
        tick_i_t left = (tick_i_t)(t->match - m->tick);
        if (!t->created || !t->active || left > 0)
            continue;
        tick_i_t best_left = best < 0 ? 0 : (tick_i_t)(m->t[best].match - m->tick);
        if (best < 0 || left < best_left || (left == best_left && t->armed_seq < m->t[best].armed_seq))
            best = s;
    }
    return best;
}

static kstat_t run_callback_action(model_timers_t *m, int slot)
{
    switch (model_cb_action(slot)) {
    case CB_STOP_SELF:
        return model_timer_call(m, TCMD_STOP, slot, 0, 0, 0, false);
    case CB_START_NEXT_STATIC:
        return model_timer_call(m, TCMD_START, model_next_static(slot), 0, 0, 0, false);
    case CB_DELETE_SELF:
        if (model_slot_is_aos(slot)) /* aos_timer_free(its handle): returns nothing */
            return model_aos_timer_call(m, ACMD_FREE, slot, 0) == 0 ? RHINO_SUCCESS : RHINO_INV_PARAM;
        return model_timer_call(m, TCMD_DEL, slot, 0, 0, 0, model_slot_is_dyn(slot));
    default:
        return RHINO_SUCCESS;
    }
}

static long long now_ms(const model_timers_t *m)
{
    return (long long)(m->tick * 1000u / RHINO_CONFIG_TICKS_PER_SECOND);
}

static bool action_is_due(const model_timers_t *m, const model_action_t *a)
{
    return a->pass != m->pass && now_ms(m) >= a->timeout_ms;
}

static void remove_action(model_timers_t *m, int i)
{
    memmove(&m->action[i], &m->action[i + 1], (size_t)(m->nactions - i - 1) * sizeof m->action[0]);
    m->nactions--;
}

/* The yloop after the timers: every due action, earliest first; each
 * record is freed once its callback has run. */
static void fire_due_actions(model_timers_t *m)
{
    while (m->nactions > 0 && action_is_due(m, &m->action[0])) {
        m->want[m->nwant++] = (model_firing_t){MODEL_TIMERS + (int)m->action[0].arg, m->action[0].arg, m->tick,
                                               RHINO_SUCCESS};
        remove_action(m, 0);
    }
}

void model_timer_task_run(model_timers_t *m)
{
    m->nwant = 0;
    m->pass++;
    apply_queue(m);
    for (int s; (s = first_due(m)) >= 0;) {
        model_timer_t *t = &m->t[s];
        model_firing_t f = {s, t->arg, m->tick, RHINO_SUCCESS};
        m->in_callback = true;
        f.action = run_callback_action(m, s);
        m->in_callback = false;
        /* Each timer fires at most once per task run, so want never overflows. */
        m->want[m->nwant++] = f;
        t->fires++;
        t->active = t->round > 0;
        t->match = m->tick + t->round;
        t->armed_seq = ++m->seq;
        apply_queue(m);
    }
    fire_due_actions(m);
}

void model_timer_tick(model_timers_t *m)
{
    m->tick++;
    model_timer_task_run(m);
}

/* Ticks before the first pending action can be due, less one: a lower
 * bound, as time in ms advances 1000 / TPS per tick. */
static tick_t idle_ticks_before_actions(const model_timers_t *m, tick_t n)
{
    if (m->nactions == 0)
        return n;
    long long ms = m->action[0].timeout_ms - now_ms(m);
    tick_t ticks = ms <= 0 ? 0 : (tick_t)((unsigned long long)ms * RHINO_CONFIG_TICKS_PER_SECOND / 1000u);
    tick_t idle = ticks > 1 ? ticks - 1 : 0;
    return idle < n ? idle : n;
}

tick_t model_timer_idle_ticks(const model_timers_t *m, tick_t n)
{
    if (m->nq > 0)
        return 0;
    tick_t idle = idle_ticks_before_actions(m, n);
    for (int s = 0; s < MODEL_TIMERS; s++) {
        const model_timer_t *t = &m->t[s];
        tick_i_t d = (tick_i_t)(t->match - m->tick);
        if (t->created && t->active && (tick_t)(d > 1 ? d - 1 : 0) < idle)
            idle = d > 1 ? (tick_t)(d - 1) : 0;
    }
    return idle;
}

void model_timer_skip(model_timers_t *m, tick_t n)
{
    m->tick += n;
    m->nwant = 0;
}

/* ---- the aos layer ----------------------------------------------------- */
tick_t model_ms_to_ticks(uint64_t ms)
{
    const uint64_t ms_per_tick = 1000u / RHINO_CONFIG_TICKS_PER_SECOND;
    return (tick_t)((ms + (ms_per_tick ? ms_per_tick - 1 : 0)) * RHINO_CONFIG_TICKS_PER_SECOND / 1000u);
}

/* AliOS's rhino2stderrno for what the timer calls return. */
static int errno_of(kstat_t st)
{
    switch (st) {
    case RHINO_SUCCESS: return 0;
    case RHINO_INV_PARAM:
    case RHINO_KOBJ_TYPE_ERR: return -EINVAL;
    case RHINO_NO_MEM: return -ENOMEM;
    default: return -EPERM; /* RHINO_TIMER_MSG_FULL, RHINO_KOBJ_DEL_ERR, RHINO_TIMER_STATE_INV */
    }
}

int model_aos_timer_create(model_timers_t *m, int slot, uint32_t ms, uint32_t options, bool heap_fails)
{
    tick_t ticks = model_ms_to_ticks(ms);
    kstat_t st = model_timer_dyn_create(m, slot, ticks, options & 2u ? ticks : 0, (uint32_t)slot, options & 1u,
                                        heap_fails);
    m->t[slot].handle = st == RHINO_SUCCESS;
    return errno_of(st);
}

int model_aos_timer_call(model_timers_t *m, model_acmd_t cmd, int slot, uint32_t ms)
{
    if (!m->t[slot].handle)
        return cmd == ACMD_FREE ? 0 : -EINVAL;
    tick_t ticks = model_ms_to_ticks(ms);
    switch (cmd) {
    case ACMD_START: return errno_of(model_timer_call(m, TCMD_START, slot, 0, 0, 0, false));
    case ACMD_STOP: return errno_of(model_timer_call(m, TCMD_STOP, slot, 0, 0, 0, false));
    case ACMD_CHANGE: return errno_of(model_timer_call(m, TCMD_CHANGE, slot, ticks, ticks, 0, false));
    default: /* ACMD_FREE: aos_timer_free returns nothing and forgets the handle */
        model_timer_call(m, TCMD_DEL, slot, 0, 0, 0, true);
        m->t[slot].handle = false;
        return 0;
    }
}

int model_action_post(model_timers_t *m, int ms, uint32_t arg, bool heap_fails)
{
    if (heap_fails)
        return -ENOMEM;
    model_action_t a = {now_ms(m) + ms, ms, arg, m->pass};
    int at = 0;
    while (at < m->nactions && m->action[at].timeout_ms <= a.timeout_ms)
        at++;
    memmove(&m->action[at + 1], &m->action[at], (size_t)(m->nactions - at) * sizeof m->action[0]);
    m->action[at] = a;
    m->nactions++;
    return 0;
}

void model_action_cancel(model_timers_t *m, int ms, uint32_t arg)
{
    for (int i = 0; i < m->nactions; i++)
        if ((ms == -1 || m->action[i].ms == ms) && m->action[i].arg == arg) {
            remove_action(m, i);
            return;
        }
}
