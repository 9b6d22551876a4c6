/* Transition functions of the reference model. */
#include <string.h>

#include "model.h"

/* ---- heap and pool ----------------------------------------------------- */
model_alloc_t model_predict_alloc(size_t size, const model_alloc_env_t *env)
{
    if (size == 0)
        return ALLOC_FAILS_SIZE;
    /* The pool is asked first (and its fault point counted) for small requests. */
    if (env->pool_blk && size <= env->pool_blk && !env->pool_fault_next && env->pool_has_room)
        return ALLOC_TO_POOL;
    if (env->heap_fault_next)
        return ALLOC_FAILS_FAULT;
    return ALLOC_HEAP_OR_FAIL;
}

model_alloc_t model_predict_calloc(size_t n, size_t size, const model_alloc_env_t *env)
{
    if (size && n > SIZE_MAX / size)
        return ALLOC_FAILS_SIZE;
    return model_predict_alloc(n * size, env);
}

void model_obj_alloc(model_obj_t *o, uint32_t id, size_t size, model_where_t where)
{
    *o = (model_obj_t){.live = true, .id = id, .size = size, .where = where};
}

void model_obj_free(model_obj_t *o) { o->live = false; }

/* ---- timers ------------------------------------------------------------ */
model_cb_action_t model_cb_action(int slot) { return (model_cb_action_t)(slot % 4); }
int model_next_static(int slot) { return (slot + 1) % MODEL_STATIC_TIMERS; }
bool model_slot_is_dyn(int slot) { return slot >= MODEL_STATIC_TIMERS; }

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
        int32_t left = (int32_t)(t->match - m->tick);
        if (!t->created || !t->active || left > 0)
            continue;
        int32_t best_left = best < 0 ? 0 : (int32_t)(m->t[best].match - m->tick);
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
        return model_timer_call(m, TCMD_DEL, slot, 0, 0, 0, model_slot_is_dyn(slot));
    default:
        return RHINO_SUCCESS;
    }
}

void model_timer_task_run(model_timers_t *m)
{
    m->nwant = 0;
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
}

void model_timer_tick(model_timers_t *m)
{
    m->tick++;
    model_timer_task_run(m);
}

tick_t model_timer_idle_ticks(const model_timers_t *m, tick_t n)
{
    if (m->nq > 0)
        return 0;
    tick_t idle = n;
    for (int s = 0; s < MODEL_TIMERS; s++) {
        const model_timer_t *t = &m->t[s];
        int32_t d = (int32_t)(t->match - m->tick);
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
