/* For the fixed twins: a timer command the queue refused (full, or an
 * injected timerq fault) is posted again after a tick, when the timer task
 * has drained the queue, as a careful driver does. */
#ifndef POST_RETRY_H
#define POST_RETRY_H

#include "aos/kernel.h"
#include "k_timer.h"

static inline void post_until_queued(kstat_t (*post)(ktimer_t *), ktimer_t *t)
{
    for (int tries = 0; tries < 50 && post(t) == RHINO_TIMER_MSG_FULL; tries++)
        aos_msleep(10);
}

#endif
