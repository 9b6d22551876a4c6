/* Status codes returned by the kernel API (rhino names, values of our own). */
#ifndef K_ERR_H
#define K_ERR_H

typedef enum {
    RHINO_SUCCESS = 0,
    RHINO_INV_PARAM = 5,
    RHINO_NULL_PTR = 6,
    RHINO_INV_ALIGN = 7,
    RHINO_KOBJ_TYPE_ERR = 8,
    RHINO_KOBJ_DEL_ERR = 9,
    RHINO_MM_POOL_SIZE_ERR = 100,
    RHINO_MM_ALLOC_SIZE_ERR = 101,
    RHINO_MM_FREE_ADDR_ERR = 102, /* pointer not from the heap or pool */
    RHINO_MM_CORRUPT_ERR = 103,   /* header, dye or link overwritten */
    RHINO_MM_DOUBLE_FREE = 104,   /* block already free */
    RHINO_NO_MEM = 105,
    RHINO_NO_PEND_WAIT = 200,   /* an unavailable object and no time to wait */
    RHINO_WAIT_NEVER_RETURNS = 202, /* host: a wait forever that nothing can end (reported as a finding) */
    RHINO_BLK_TIMEOUT = 201,    /* a wait ran out of time */
    RHINO_SEM_OVF = 210,
    RHINO_MUTEX_NOT_RELEASED_BY_OWNER = 220,
    RHINO_MUTEX_OWNER_NESTED = 221,
    RHINO_BUF_QUEUE_FULL = 230,
    RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW = 231,
    RHINO_BUF_QUEUE_SIZE_ZERO = 232,
    RHINO_TIMER_STATE_INV = 300,
    RHINO_TIMER_MSG_FULL = 301, /* timer command queue full */
    RHINO_WORKQUEUE_WORK_EXIST = 400,   /* the work is queued and has not run yet */
    RHINO_WORKQUEUE_WORK_RUNNING = 401, /* the work is running */
} kstat_t;

/* Short stable name of a status code, e.g. "RHINO_MM_CORRUPT_ERR". */
const char *k_err_name(kstat_t err);

#endif
