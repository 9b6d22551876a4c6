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
    RHINO_TIMER_STATE_INV = 300,
    RHINO_TIMER_MSG_FULL = 301, /* timer command queue full */
} kstat_t;

/* Short stable name of a status code, e.g. "RHINO_MM_CORRUPT_ERR". */
const char *k_err_name(kstat_t err);

#endif
