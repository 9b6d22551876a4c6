/* The AliOS Things yloop calls drivers use (include/aos/yloop.h, yloop in
 * kernel/yloop of AliOS Things 2.x/3.x), on the host kernel.
 *
 * On the host the yloop runs on every tick, after the timer task and the
 * work queue (aos/kernel.h, "Host rules"): first the scheduled calls, in
 * the order they were scheduled, then every delayed action whose time has
 * come, earliest first (equal times in the order posted). Time is
 * aos_now_ms(); an action posted at now_ms with ms is due once
 * aos_now_ms() >= now_ms + ms, at the first tick that reaches it. */
#ifndef AOS_YLOOP_H
#define AOS_YLOOP_H

#include "aos/kernel.h"

typedef void (*aos_call_t)(void *arg);

/* Runs action(arg) once, ms milliseconds from now. As yloop does, the
 * record (kind dly-action, owned by the caller) is allocated here and
 * freed right after action returns, or by a cancel. 0, -EINVAL (action
 * NULL), -ENOMEM. */
int aos_post_delayed_action(int ms, aos_call_t action, void *arg);
/* Cancels and frees the first pending action with this action and arg
 * and, unless ms is -1, this ms. No match: nothing happens. */
void aos_cancel_delayed_action(int ms, aos_call_t action, void *arg);
/* Runs action(arg) at the next yloop pass. As yloop, no heap record: the
 * call is copied into the loop's event buffer of AOS_HOST_LOOP_EVENTS
 * entries. 0, -EINVAL (action NULL), -ENOSPC (buffer full). */
#define AOS_HOST_LOOP_EVENTS 32
int aos_schedule_call(aos_call_t action, void *arg);

#endif
