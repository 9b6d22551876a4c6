/* The AliOS Things driver-facing kernel API (components/osal_aos,
 * include/aos/kernel.h of AliOS Things 3.3), on the host kernel.
 *
 * Each function follows the AliOS 3.3 rhino port (components/osal_aos/rhino/
 * aos_timer.c, aos_mutex.c, aos_sem.c, aos_queue.c, aos_workqueue.c,
 * aos_time.c): the same kernel calls, the same heap records, the same
 * errno results. kernel/aos/README.md lists every function with its
 * semantics and source, and the host rules below.
 *
 * Host rules (one thread, simulated ticks):
 *   - Code runs in one of four contexts: the application (the driver's
 *     calls), the timer task (timer callbacks), the work queue (work
 *     items) and the yloop (delayed actions and scheduled calls). The
 *     timer task, then the work queue, then the yloop run on every tick.
 *   - A wait with a timeout (aos_sem_wait, aos_mutex_lock, aos_queue_recv)
 *     on an unavailable object lets the ticks pass, running timers,
 *     work and delayed actions that may make it available, and returns
 *     -ETIMEDOUT when its time is up. Outside the application context the
 *     ticks only count (nothing else can run meanwhile).
 *   - A wait with AOS_NO_WAIT on an unavailable object returns -1, as
 *     rhino's RHINO_NO_PEND_WAIT maps in AliOS.
 *   - A wait with AOS_WAIT_FOREVER that nothing scheduled can end, or
 *     that outlasts AOS_HOST_WAIT_FOREVER_TICKS, is reported through the
 *     kernel's error hook as RHINO_WAIT_NEVER_RETURNS (a finding, not a
 *     hang) and returns -EPERM.
 *   - A mutex is owned by a context; locking it again from that context
 *     nests (as rhino allows). Unlocking from another context is reported
 *     as RHINO_MUTEX_NOT_RELEASED_BY_OWNER and returns -EPERM.
 *
 * Every record AliOS allocates (timer, mutex, sem, queue, delayed action,
 * work) is a heap block of its own kind, owned by the function that called
 * the API. Calls of AliOS functions the host does not provide fail to
 * compile with a message naming the function (see the end of this file).
 *
 * Define AOS_API_2X before including this header (or with -DAOS_API_2X)
 * to get the AliOS Things 2.x signatures instead (aos_timer_t and friends
 * as struct { void *hdl; }, int milliseconds and counts). */
#ifndef AOS_KERNEL_H
#define AOS_KERNEL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AOS_WAIT_FOREVER 0xffffffffu
#define AOS_NO_WAIT 0x0u

#define AOS_TIMER_NONE 0x0u
#define AOS_TIMER_AUTORUN 0x01u /* start the timer when it is created */
#define AOS_TIMER_REPEAT 0x02u  /* periodic: fires every ms */

/* Longest AOS_WAIT_FOREVER wait the host lets pass before calling it a
 * wait that never returns: one simulated hour at 100 ticks/s. */
#define AOS_HOST_WAIT_FOREVER_TICKS 360000u

typedef int32_t aos_status_t;
typedef void *aos_hdl_t;

/* ---- memory (AliOS include/aos/kernel.h; kernel/mm/aos_mm.c) ------------ */
/* Heap allocation on the default heap, owned by the caller; NULL when the
 * heap has no block large enough (the first such failure prints the dump). */
void *aos_malloc(size_t size);
void *aos_zalloc(size_t size);
void *aos_calloc(size_t nitems, size_t size);
void *aos_realloc(void *mem, size_t size);
void aos_free(void *mem);
/* Makes allocator (a code address) the owner of the live block addr, as
 * AliOS's krhino_owner_attach does for wrappers that allocate on behalf of
 * their caller. */
void aos_alloc_trace(void *addr, uintptr_t allocator);

/* ---- time (AliOS components/osal_aos/rhino/aos_time.c) ------------------ */
/* Milliseconds since tick 0: krhino_sys_time_get(), 64-bit. */
uint64_t aos_now_ms(void);
/* Sleeps krhino_ms_to_ticks(ms) ticks (rounded up): timers, work and
 * delayed actions due meanwhile run. Inside a callback the ticks only
 * count. */
void aos_msleep(uint32_t ms);

#ifndef AOS_API_2X
typedef aos_hdl_t aos_timer_t;
typedef aos_hdl_t aos_mutex_t;
typedef aos_hdl_t aos_sem_t;
typedef aos_hdl_t aos_queue_t;
typedef aos_hdl_t aos_work_t;

/* ---- timers (AliOS components/osal_aos/rhino/aos_timer.c) --------------
 * A timer is a dynamic rhino timer (krhino_timer_dyn_create, name "AOS")
 * of krhino_ms_to_ticks(ms) ticks, owned by the caller; fn gets the
 * ktimer_t * as its first argument and arg as its second. Results: 0,
 * -EINVAL (NULL timer or handle, ms rounding to 0 ticks), -ENOMEM (heap),
 * -EPERM (timer command queue full). The timer commands are queued as
 * krhino_timer_* queues them (kernel/timer/README.md). */
/* Periodic when repeat, started at once. */
aos_status_t aos_timer_new(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms, bool repeat);
/* As aos_timer_new, started only when auto_run. */
aos_status_t aos_timer_new_ext(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms, bool repeat,
                               bool auto_run);
/* options: AOS_TIMER_AUTORUN | AOS_TIMER_REPEAT. */
aos_status_t aos_timer_create(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, uint32_t ms,
                              uint32_t options);
/* Posts DYN_DEL and clears *timer. As in AliOS nothing stops the timer
 * first: freeing an active timer is ignored by the timer task and leaks
 * it (it keeps firing). */
void aos_timer_free(aos_timer_t *timer);
aos_status_t aos_timer_start(aos_timer_t *timer);
aos_status_t aos_timer_stop(aos_timer_t *timer);
/* krhino_timer_change(ms, ms): first AND round become ms, so a one-shot
 * timer becomes periodic; ignored while the timer is active (stop first). */
aos_status_t aos_timer_change(aos_timer_t *timer, uint32_t ms);

/* ---- mutexes (AliOS components/osal_aos/rhino/aos_mutex.c) -------------- */
/* 0, -EINVAL (NULL), -ENOMEM. The record is a heap block of kind mutex. */
aos_status_t aos_mutex_new(aos_mutex_t *mutex);
/* Frees the record (held or not) and clears *mutex; NULL is ignored. */
void aos_mutex_free(aos_mutex_t *mutex);
/* timeout in ms, AOS_NO_WAIT or AOS_WAIT_FOREVER. 0 (also when nested),
 * -EINVAL (NULL or not a mutex), -ETIMEDOUT, -EPERM (a wait that never
 * returns, reported). */
aos_status_t aos_mutex_lock(aos_mutex_t *mutex, uint32_t timeout);
/* 0, -EINVAL, -EPERM (not the owner, reported). */
aos_status_t aos_mutex_unlock(aos_mutex_t *mutex);
bool aos_mutex_is_valid(aos_mutex_t *mutex);

/* ---- semaphores (AliOS components/osal_aos/rhino/aos_sem.c) ------------- */
aos_status_t aos_sem_new(aos_sem_t *sem, uint32_t count);
void aos_sem_free(aos_sem_t *sem);
/* Takes one count: 0, -EINVAL, -ETIMEDOUT, -EPERM (never returns). */
aos_status_t aos_sem_wait(aos_sem_t *sem, uint32_t timeout);
/* Gives one count; NULL is ignored. */
void aos_sem_signal(aos_sem_t *sem);
bool aos_sem_is_valid(aos_sem_t *sem);

/* ---- message queues (AliOS components/osal_aos/rhino/aos_queue.c) -------
 * A buffer queue of size bytes holding messages of at most max_msg bytes;
 * each message takes its length plus a 2-byte length header. With buf ==
 * NULL the buffer is allocated together with the record. */
aos_status_t aos_queue_new(aos_queue_t *queue, void *buf, size_t size, size_t max_msg);
void aos_queue_free(aos_queue_t *queue);
/* 0, -EINVAL (NULL, size > max_msg), -EPERM (no room). Never waits. */
aos_status_t aos_queue_send(aos_queue_t *queue, void *msg, size_t size);
/* Oldest message into msg, its length into *size: 0, -EINVAL,
 * -ETIMEDOUT, -EPERM (never returns). */
aos_status_t aos_queue_recv(aos_queue_t *queue, uint32_t ms, void *msg, size_t *size);
bool aos_queue_is_valid(aos_queue_t *queue);

/* ---- work (AliOS components/osal_aos/rhino/aos_workqueue.c, rhino
 * kernel/rhino/k_workqueue.c) ----------------------------------------------
 * A work record (kind work) runs fn(arg) in the default work queue; with
 * dly > 0 ms a dynamic timer ("WORK-TIMER", same owner) delays it.
 * aos_work_init returns 0, -EINVAL, -ENOMEM, or the rhino status of the
 * timer create (RHINO_NO_MEM, as AliOS passes it through). */
aos_status_t aos_work_init(aos_work_t *work, void (*fn)(void *), void *arg, int dly);
/* Stops and deletes the delay timer, frees the record, clears *work. A
 * work still queued is reported as RHINO_WORKQUEUE_WORK_EXIST (the worker
 * would run freed memory) and unlinked. */
void aos_work_destroy(aos_work_t *work);
/* Queues the work (dly == 0) or restarts its timer with
 * krhino_timer_arg_change_auto (dly > 0). 0, -EINVAL, or the rhino status
 * RHINO_WORKQUEUE_WORK_EXIST (already queued) / RHINO_WORKQUEUE_WORK_RUNNING
 * / RHINO_TIMER_MSG_FULL, as AliOS passes them through. */
aos_status_t aos_work_sched(aos_work_t *work);
/* Stops a pending delay timer: 0; a work queued or running: -EBUSY. */
aos_status_t aos_work_cancel(aos_work_t *work);

#else /* AOS_API_2X: AliOS Things 2.x (include/aos/kernel.h of 2.1) -------- */
typedef struct {
    void *hdl;
} aos_timer_t;
typedef struct {
    void *hdl;
} aos_mutex_t;
typedef struct {
    void *hdl;
} aos_sem_t;
typedef struct {
    void *hdl;
} aos_queue_t;
typedef struct {
    void *hdl;
} aos_work_t;

/* Same semantics as the 3.3 functions of the same names (above); only the
 * handle types and the int/unsigned argument types differ. Each maps to an
 * adapter so that 2.x and 3.3 drivers link against one kernel. */
#define aos_timer_new aos2_timer_new
#define aos_timer_new_ext aos2_timer_new_ext
#define aos_timer_free aos2_timer_free
#define aos_timer_start aos2_timer_start
#define aos_timer_stop aos2_timer_stop
#define aos_timer_change aos2_timer_change
#define aos_mutex_new aos2_mutex_new
#define aos_mutex_free aos2_mutex_free
#define aos_mutex_lock aos2_mutex_lock
#define aos_mutex_unlock aos2_mutex_unlock
#define aos_mutex_is_valid aos2_mutex_is_valid
#define aos_sem_new aos2_sem_new
#define aos_sem_free aos2_sem_free
#define aos_sem_wait aos2_sem_wait
#define aos_sem_signal aos2_sem_signal
#define aos_sem_is_valid aos2_sem_is_valid
#define aos_queue_new aos2_queue_new
#define aos_queue_free aos2_queue_free
#define aos_queue_send aos2_queue_send
#define aos_queue_recv aos2_queue_recv
#define aos_queue_is_valid aos2_queue_is_valid
#define aos_work_init aos2_work_init
#define aos_work_destroy aos2_work_destroy
#define aos_work_sched aos2_work_sched
#define aos_work_cancel aos2_work_cancel

int aos_timer_new(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, int ms, int repeat);
int aos_timer_new_ext(aos_timer_t *timer, void (*fn)(void *, void *), void *arg, int ms, int repeat,
                      unsigned char auto_run);
void aos_timer_free(aos_timer_t *timer);
int aos_timer_start(aos_timer_t *timer);
int aos_timer_stop(aos_timer_t *timer);
int aos_timer_change(aos_timer_t *timer, int ms);
int aos_mutex_new(aos_mutex_t *mutex);
void aos_mutex_free(aos_mutex_t *mutex);
int aos_mutex_lock(aos_mutex_t *mutex, unsigned int timeout);
int aos_mutex_unlock(aos_mutex_t *mutex);
int aos_mutex_is_valid(aos_mutex_t *mutex);
int aos_sem_new(aos_sem_t *sem, int count);
void aos_sem_free(aos_sem_t *sem);
int aos_sem_wait(aos_sem_t *sem, unsigned int timeout);
void aos_sem_signal(aos_sem_t *sem);
int aos_sem_is_valid(aos_sem_t *sem);
int aos_queue_new(aos_queue_t *queue, void *buf, unsigned int size, int max_msg);
void aos_queue_free(aos_queue_t *queue);
int aos_queue_send(aos_queue_t *queue, void *msg, unsigned int size);
int aos_queue_recv(aos_queue_t *queue, unsigned int ms, void *msg, unsigned int *size);
int aos_queue_is_valid(aos_queue_t *queue);
int aos_work_init(aos_work_t *work, void (*fn)(void *), void *arg, int dly);
void aos_work_destroy(aos_work_t *work);
int aos_work_sched(aos_work_t *work);
int aos_work_cancel(aos_work_t *work);
#endif

/* ---- not provided on the host ------------------------------------------
 * A call of any of these fails to build with "rtosfuzz does not provide
 * <function>" instead of an undefined reference among many. */
#define AOS_HOST_UNSUPPORTED(fn) __attribute__((error("rtosfuzz does not provide " #fn \
                                                      " (kernel/aos/README.md lists the supported API)")))
AOS_HOST_UNSUPPORTED(aos_task_new) int aos_task_new(const char *name, void (*fn)(void *), void *arg, size_t stack);
AOS_HOST_UNSUPPORTED(aos_task_new_ext) int aos_task_new_ext(void *task, const char *name, void (*fn)(void *),
                                                             void *arg, size_t stack, int32_t prio);
AOS_HOST_UNSUPPORTED(aos_task_create) int aos_task_create(void *task, const char *name, void (*fn)(void *), void *arg,
                                                           void *stack, size_t stack_size, int32_t prio,
                                                           uint32_t options);
AOS_HOST_UNSUPPORTED(aos_task_exit) void aos_task_exit(int32_t code);
AOS_HOST_UNSUPPORTED(aos_task_delete) int aos_task_delete(void *task);
AOS_HOST_UNSUPPORTED(aos_event_new) int aos_event_new(void *event, uint32_t value);
AOS_HOST_UNSUPPORTED(aos_event_create) int aos_event_create(void *event, uint32_t value, uint32_t options);
AOS_HOST_UNSUPPORTED(aos_event_get) int aos_event_get(void *event, uint32_t value, uint32_t opt, uint32_t *actl,
                                                       uint32_t timeout);
AOS_HOST_UNSUPPORTED(aos_event_set) int aos_event_set(void *event, uint32_t value, uint32_t opt);
AOS_HOST_UNSUPPORTED(aos_sem_signal_all) void aos_sem_signal_all(void *sem);
AOS_HOST_UNSUPPORTED(aos_timer_change_once) int aos_timer_change_once(void *timer, uint32_t ms);
AOS_HOST_UNSUPPORTED(aos_timer_gettime) int aos_timer_gettime(void *timer, uint64_t value[4]);
AOS_HOST_UNSUPPORTED(aos_workqueue_create) int aos_workqueue_create(void *workqueue, const char *name, int32_t prio,
                                                                     void *stack, size_t stack_size);
AOS_HOST_UNSUPPORTED(aos_workqueue_del) void aos_workqueue_del(void *workqueue);
AOS_HOST_UNSUPPORTED(aos_work_run) int aos_work_run(void *workqueue, void *work);
AOS_HOST_UNSUPPORTED(aos_reboot) void aos_reboot(void);
AOS_HOST_UNSUPPORTED(aos_now) uint64_t aos_now(void);

#endif
