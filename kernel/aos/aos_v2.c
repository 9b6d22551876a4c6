/* The AliOS Things 2.x signatures (aos/kernel.h under AOS_API_2X): each
 * 2.x function is an adapter over the 3.3 one (or the explicit-owner entry
 * point, so the owner stays the driver's call site). A 2.x handle is
 * struct { void *hdl; }, whose hdl is the 3.3 handle. */
#define AOS_API_2X
#include "aos_internal.h"
#include "k_owned.h"

/* The 3.3 functions under names the 2.x renames do not touch. */
#define AOS_3X(symbol) __asm__(#symbol)
void v3_timer_free(aos_hdl_t *timer) AOS_3X(aos_timer_free);
aos_status_t v3_timer_start(aos_hdl_t *timer) AOS_3X(aos_timer_start);
aos_status_t v3_timer_stop(aos_hdl_t *timer) AOS_3X(aos_timer_stop);
aos_status_t v3_timer_change(aos_hdl_t *timer, uint32_t ms) AOS_3X(aos_timer_change);
void v3_mutex_free(aos_hdl_t *mutex) AOS_3X(aos_mutex_free);
aos_status_t v3_mutex_lock(aos_hdl_t *mutex, uint32_t timeout) AOS_3X(aos_mutex_lock);
aos_status_t v3_mutex_unlock(aos_hdl_t *mutex) AOS_3X(aos_mutex_unlock);
bool v3_mutex_is_valid(aos_hdl_t *mutex) AOS_3X(aos_mutex_is_valid);
void v3_sem_free(aos_hdl_t *sem) AOS_3X(aos_sem_free);
aos_status_t v3_sem_wait(aos_hdl_t *sem, uint32_t timeout) AOS_3X(aos_sem_wait);
void v3_sem_signal(aos_hdl_t *sem) AOS_3X(aos_sem_signal);
bool v3_sem_is_valid(aos_hdl_t *sem) AOS_3X(aos_sem_is_valid);
void v3_queue_free(aos_hdl_t *queue) AOS_3X(aos_queue_free);
aos_status_t v3_queue_send(aos_hdl_t *queue, void *msg, size_t size) AOS_3X(aos_queue_send);
aos_status_t v3_queue_recv(aos_hdl_t *queue, uint32_t ms, void *msg, size_t *size) AOS_3X(aos_queue_recv);
bool v3_queue_is_valid(aos_hdl_t *queue) AOS_3X(aos_queue_is_valid);
void v3_work_destroy(aos_hdl_t *work) AOS_3X(aos_work_destroy);
aos_status_t v3_work_sched(aos_hdl_t *work) AOS_3X(aos_work_sched);
aos_status_t v3_work_cancel(aos_hdl_t *work) AOS_3X(aos_work_cancel);

#define HDL(handle) ((handle) ? &(handle)->hdl : NULL)

static uint32_t timer_options(int repeat, bool auto_run)
{
    return (repeat ? AOS_TIMER_REPEAT : 0u) | (auto_run ? AOS_TIMER_AUTORUN : 0u);
}

__attribute__((noinline)) int aos_timer_new(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, int ms,
                                            int repeat)
{
    return k_owned_timer_create(HDL(timer), fn, arg, (uint32_t)ms, timer_options(repeat, true), AOS_CALLER());
}

__attribute__((noinline)) int aos_timer_new_ext(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, int ms,
                                                int repeat, unsigned char auto_run)
{
    return k_owned_timer_create(HDL(timer), fn, arg, (uint32_t)ms, timer_options(repeat, auto_run), AOS_CALLER());
}

void aos_timer_free(aos_timer_t *timer) { v3_timer_free(HDL(timer)); }
int aos_timer_start(aos_timer_t *timer) { return v3_timer_start(HDL(timer)); }
int aos_timer_stop(aos_timer_t *timer) { return v3_timer_stop(HDL(timer)); }
int aos_timer_change(aos_timer_t *timer, int ms) { return v3_timer_change(HDL(timer), (uint32_t)ms); }

__attribute__((noinline)) int aos_mutex_new(aos_mutex_t *mutex) { return k_owned_mutex_new(HDL(mutex), AOS_CALLER()); }
void aos_mutex_free(aos_mutex_t *mutex) { v3_mutex_free(HDL(mutex)); }
int aos_mutex_lock(aos_mutex_t *mutex, unsigned int timeout) { return v3_mutex_lock(HDL(mutex), timeout); }
int aos_mutex_unlock(aos_mutex_t *mutex) { return v3_mutex_unlock(HDL(mutex)); }
int aos_mutex_is_valid(aos_mutex_t *mutex) { return v3_mutex_is_valid(HDL(mutex)); }

__attribute__((noinline)) int aos_sem_new(aos_sem_t *sem, int count)
{
    return k_owned_sem_new(HDL(sem), (uint32_t)count, AOS_CALLER());
}
void aos_sem_free(aos_sem_t *sem) { v3_sem_free(HDL(sem)); }
int aos_sem_wait(aos_sem_t *sem, unsigned int timeout) { return v3_sem_wait(HDL(sem), timeout); }
void aos_sem_signal(aos_sem_t *sem) { v3_sem_signal(HDL(sem)); }
int aos_sem_is_valid(aos_sem_t *sem) { return v3_sem_is_valid(HDL(sem)); }

__attribute__((noinline)) int aos_queue_new(aos_queue_t *queue, void *buf, unsigned int size, int max_msg)
{
    return max_msg < 0 ? -EINVAL : k_owned_queue_new(HDL(queue), buf, size, (size_t)max_msg, AOS_CALLER());
}
void aos_queue_free(aos_queue_t *queue) { v3_queue_free(HDL(queue)); }
int aos_queue_send(aos_queue_t *queue, void *msg, unsigned int size) { return v3_queue_send(HDL(queue), msg, size); }

int aos_queue_recv(aos_queue_t *queue, unsigned int ms, void *msg, unsigned int *size)
{
    size_t len = 0;
    int err = v3_queue_recv(HDL(queue), ms, msg, size ? &len : NULL);
    if (err == 0)
        *size = (unsigned int)len;
    return err;
}

int aos_queue_is_valid(aos_queue_t *queue) { return v3_queue_is_valid(HDL(queue)); }

__attribute__((noinline)) int aos_work_init(aos_work_t *work, void (*fn)(void *), void *arg, int dly)
{
    return k_owned_work_init(HDL(work), fn, arg, dly, AOS_CALLER());
}
void aos_work_destroy(aos_work_t *work) { v3_work_destroy(HDL(work)); }
int aos_work_sched(aos_work_t *work) { return v3_work_sched(HDL(work)); }
int aos_work_cancel(aos_work_t *work) { return v3_work_cancel(HDL(work)); }
