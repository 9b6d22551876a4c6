/* Shared by the aos layer's files (kernel/aos); not part of the API. */
#ifndef AOS_INTERNAL_H
#define AOS_INTERNAL_H

#include "aos/kernel.h"
#include "k_err.h"
#include "k_loop.h"

/* The caller of the public function: the owner of what it allocates. */
#define AOS_CALLER() ((uintptr_t)__builtin_return_address(0))

/* AliOS's rhino2stderrno (components/osal_aos/rhino/include/rhino_p.h),
 * for the status codes this kernel returns. RHINO_TIMER_MSG_FULL is
 * rhino's full timer buffer queue (RHINO_BUF_QUEUE_FULL): -EPERM. */
aos_status_t aos_errno_of(kstat_t st);

/* Whether the object is available to the waiting context. */
typedef bool (*aos_ready_fn)(const void *obj);
/* Who waits: the return address of the public call that waits (its
 * AOS_CALLER()), and for a mutex where its holder locked it (NULL: none). */
typedef struct {
    uintptr_t site;
    const uintptr_t *locked;
} aos_waiter_t;
/* Waits for ready(obj) under the host rules of aos/kernel.h: RHINO_SUCCESS,
 * RHINO_NO_PEND_WAIT (AOS_NO_WAIT), RHINO_BLK_TIMEOUT, or
 * RHINO_WAIT_NEVER_RETURNS after reporting it as a "deadlock" misuse
 * (k_mm_report_misuse) naming obj's record and w. */
kstat_t aos_wait_for(aos_ready_fn ready, const void *obj, uint32_t timeout_ms, const aos_waiter_t *w);

#endif
