/* The kernel of a firmware image, as far as the emulator may ever see it:
 * every function the driver calls traps. The host serves them by name
 * instead, so a run that reaches one of these bodies is a driver fault. */
#include "aos/kernel.h"
#include "k_timer.h"

void *aos_malloc(size_t size) { __builtin_trap(); }
void *aos_zalloc(size_t size) { __builtin_trap(); }
void aos_free(void *mem) { __builtin_trap(); }
void aos_msleep(uint32_t ms) { __builtin_trap(); }
kstat_t krhino_timer_dyn_create(ktimer_t **timer, const name_t *name, timer_cb_t cb, tick_t first, tick_t round,
                                void *arg, uint8_t auto_run)
{
    __builtin_trap();
}
kstat_t krhino_timer_dyn_del(ktimer_t *timer) { __builtin_trap(); }
kstat_t krhino_timer_start(ktimer_t *timer) { __builtin_trap(); }
kstat_t krhino_timer_stop(ktimer_t *timer) { __builtin_trap(); }
aos_status_t aos_timer_create(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms, uint32_t options)
{
    __builtin_trap();
}
aos_status_t aos_timer_new_ext(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms, bool repeat,
                               bool auto_run)
{
    __builtin_trap();
}
aos_status_t aos_timer_start(aos_timer_t *timer) { __builtin_trap(); }
aos_status_t aos_timer_stop(aos_timer_t *timer) { __builtin_trap(); }
void aos_timer_free(aos_timer_t *timer) { __builtin_trap(); }
