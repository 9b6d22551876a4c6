/* The host's deferred contexts: the default work queue and the yloop
 * (kernel/aos). They run on every tick right after the timer task, inside
 * the same task run (krhino_timer_task_run): first the work queue drains,
 * then the yloop runs its scheduled calls and due delayed actions, then
 * the timer commands they posted are applied. */
#ifndef K_LOOP_H
#define K_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "k_timer.h"

/* Runs the queued work, then the yloop (called by the timer task). */
void k_loop_run(void);
/* Ticks until k_loop_run has something to do: 0 when work or a
 * scheduled call is queued or a delayed action is due, a lower bound for
 * the next delayed action otherwise, K_TIMER_NONE_DUE when nothing is
 * pending. */
tick_t k_loop_ticks_to_next_due(void);
/* Work queued or delayed by a timer, scheduled calls and delayed actions
 * not yet run. */
size_t k_loop_pending(void);
/* Forgets every pending item without freeing its record (k_timer_init
 * calls it; reset the heap too). */
void k_loop_init(void);

/* The context code runs in (aos/kernel.h, "Host rules"). */
typedef enum { K_CTX_APP, K_CTX_TIMER, K_CTX_WORK, K_CTX_LOOP } k_context_t;
k_context_t k_context(void);
/* Whether the timer task is running (a timer callback, work or yloop item
 * is on the stack): ticks then only count. */
bool k_timer_in_task(void);

#endif
