/* aos timers, time and ownership: AliOS Things 3.3
 * components/osal_aos/rhino/aos_timer.c and aos_time.c on the host
 * kernel. */
#include "aos_internal.h"
#include "k_mm.h"
#include "k_owned.h"
#include "k_timer.h"

aos_status_t aos_errno_of(kstat_t st)
{
    switch (st) {
    case RHINO_SUCCESS:
    case RHINO_MUTEX_OWNER_NESTED: return 0;
    case RHINO_NULL_PTR:
    case RHINO_MM_FREE_ADDR_ERR: return -EFAULT;
    case RHINO_INV_PARAM:
    case RHINO_INV_ALIGN:
    case RHINO_KOBJ_TYPE_ERR:
    case RHINO_MM_POOL_SIZE_ERR:
    case RHINO_MM_ALLOC_SIZE_ERR:
    case RHINO_BUF_QUEUE_SIZE_ZERO:
    case RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW:
    case RHINO_SEM_OVF: return -EINVAL;
    case RHINO_BLK_TIMEOUT: return -ETIMEDOUT;
    case RHINO_NO_MEM: return -ENOMEM;
    case RHINO_KOBJ_DEL_ERR:
    case RHINO_TIMER_STATE_INV:
    case RHINO_TIMER_MSG_FULL:
    case RHINO_BUF_QUEUE_FULL:
    case RHINO_MUTEX_NOT_RELEASED_BY_OWNER:
    case RHINO_WAIT_NEVER_RETURNS:
    case RHINO_WORKQUEUE_WORK_RUNNING: return -EPERM;
    default: return -1;
    }
}

/* ---- timers ---------------------------------------------------------------- */
static ktimer_t *timer_of(const aos_hdl_t *timer) { return (ktimer_t *)*timer; }

aos_status_t k_owned_timer_create(aos_hdl_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms,
                                  uint32_t options, uintptr_t owner)
{
    if (timer == NULL)
        return -EINVAL;
    tick_t ticks = krhino_ms_to_ticks(ms);
    tick_t round = options & AOS_TIMER_REPEAT ? ticks : 0;
    return aos_errno_of(k_owned_timer_dyn_create((ktimer_t **)timer, "AOS", (timer_cb_t)fn, ticks, round, arg,
                                                 options & AOS_TIMER_AUTORUN ? 1 : 0, owner));
}

static uint32_t options_of(bool repeat, bool auto_run)
{
    return (repeat ? AOS_TIMER_REPEAT : 0u) | (auto_run ? AOS_TIMER_AUTORUN : 0u);
}

__attribute__((noinline)) aos_status_t aos_timer_new(aos_timer_t *timer, void (*fn)(void *, void *), void *arg,
                                                     uint32_t ms, bool repeat)
{
    return k_owned_timer_create(timer, fn, arg, ms, options_of(repeat, true), AOS_CALLER());
}

__attribute__((noinline)) aos_status_t aos_timer_new_ext(aos_timer_t *timer, void (*fn)(void *, void *), void *arg,
                                                         uint32_t ms, bool repeat, bool auto_run)
{
    return k_owned_timer_create(timer, fn, arg, ms, options_of(repeat, auto_run), AOS_CALLER());
}

__attribute__((noinline)) aos_status_t aos_timer_create(aos_timer_t *timer, void (*fn)(void *, void *), void *arg,
                                                        uint32_t ms, uint32_t options)
{
    return k_owned_timer_create(timer, fn, arg, ms, options, AOS_CALLER());
}

__attribute__((noinline)) void aos_timer_free(aos_timer_t *timer)
{
    if (timer == NULL || *timer == NULL)
        return;
    k_owned_timer_dyn_del(timer_of(timer), __func__, AOS_CALLER());
    *timer = NULL;
}

/* The calls below are noinline: AOS_CALLER() is the driver's call site,
 * which a report on a freed timer names. */
__attribute__((noinline)) aos_status_t aos_timer_start(aos_timer_t *timer)
{
    if (timer == NULL || *timer == NULL)
        return -EINVAL;
    return aos_errno_of(k_owned_timer_start(timer_of(timer), __func__, AOS_CALLER()));
}

__attribute__((noinline)) aos_status_t aos_timer_stop(aos_timer_t *timer)
{
    if (timer == NULL || *timer == NULL)
        return -EINVAL;
    return aos_errno_of(k_owned_timer_stop(timer_of(timer), __func__, AOS_CALLER()));
}

__attribute__((noinline)) aos_status_t aos_timer_change(aos_timer_t *timer, uint32_t ms)
{
    if (timer == NULL || *timer == NULL)
        return -EINVAL;
    tick_t ticks = krhino_ms_to_ticks(ms);
    return aos_errno_of(k_owned_timer_change(timer_of(timer), ticks, ticks, __func__, AOS_CALLER()));
}

/* ---- time and ownership ------------------------------------------------------ */
uint64_t aos_now_ms(void) { return krhino_sys_time_get(); }

void aos_alloc_trace(void *addr, uintptr_t allocator) { k_mm_set_owner(g_kmm_head, addr, allocator); }
