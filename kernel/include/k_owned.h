/* Kernel entry points that take the owner of what they allocate as an
 * argument, one per allocating call of the public API. The public
 * functions (krhino_timer_dyn_create, aos_timer_create, aos_mutex_new, ...)
 * pass their own caller's return address; code that serves calls on
 * someone else's behalf (an emulated binary driver, a wrapper library)
 * passes the call site it wants the dump and the reports to name.
 *
 * Arguments, results and errors are exactly those of the public function
 * of the same name (k_timer.h, aos/kernel.h, aos/yloop.h); owner is a code
 * address (0 would mean "the kernel" and hides the block from leak
 * reports). */
#ifndef K_OWNED_H
#define K_OWNED_H

#include <stdint.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "k_mm.h"
#include "k_timer.h"

kstat_t k_owned_timer_dyn_create(ktimer_t **timer, const name_t *name, timer_cb_t cb, tick_t first, tick_t round,
                                 void *arg, uint8_t auto_run, uintptr_t owner);
/* aos_malloc / aos_zalloc on behalf of owner (kind data). */
void *k_owned_malloc(size_t size, uintptr_t owner);
void *k_owned_zalloc(size_t size, uintptr_t owner);
/* The 3.3 calls; the handle is the aos_hdl_t the 3.3 API fills in (a 2.x
 * handle passes &handle->hdl). */
aos_status_t k_owned_timer_create(aos_hdl_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms,
                                  uint32_t options, uintptr_t owner);
/* krhino_timer_start, _stop, _change and _dyn_del on behalf of `api`
 * called from site (an aos_timer_* call and its caller's return address):
 * a call on a freed timer is reported as api's, at site, and a delete
 * names site's stack as the timer's deleter. */
kstat_t k_owned_timer_start(ktimer_t *timer, const char *api, uintptr_t site);
kstat_t k_owned_timer_stop(ktimer_t *timer, const char *api, uintptr_t site);
kstat_t k_owned_timer_change(ktimer_t *timer, tick_t first, tick_t round, const char *api, uintptr_t site);
kstat_t k_owned_timer_dyn_del(ktimer_t *timer, const char *api, uintptr_t site);
aos_status_t k_owned_mutex_new(aos_hdl_t *mutex, uintptr_t owner);
aos_status_t k_owned_sem_new(aos_hdl_t *sem, uint32_t count, uintptr_t owner);
aos_status_t k_owned_queue_new(aos_hdl_t *queue, void *buf, size_t size, size_t max_msg, uintptr_t owner);
aos_status_t k_owned_work_init(aos_hdl_t *work, void (*fn)(void *), void *arg, int dly, uintptr_t owner);
int k_owned_post_delayed_action(int ms, aos_call_t action, void *arg, uintptr_t owner);

/* For the checker: where the holder of a locked mutex took it
 * (K_TRACE_FRAMES return addresses, innermost first), given the mutex's
 * record (the heap block aos_mutex_new allocated, *handle); NULL when the
 * record is not a mutex or the mutex is unlocked. */
const uintptr_t *k_mutex_locked_at(const void *record);

#endif
