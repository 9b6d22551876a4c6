/* What mmtrend fits: one figure of one boot's Heap Info tables, per cycle.
 * The heap's FreeSz and MinFreeSz from the [HEAP] rows, or the pool's from
 * the [POOL] rows (the pool's MinFreeSz only where AliOS prints it). */
#ifndef MMTREND_SERIES_H
#define MMTREND_SERIES_H

#include <stddef.h>

#include "mm_log.h"

typedef enum { SERIES_HEAP, SERIES_POOL } series_kind_t;

typedef struct {
    series_kind_t kind;
    double *free;     /* FreeSz of cycle k at free[k - 1], bytes */
    double *min_free; /* MinFreeSz likewise; NULL when the tables print none */
    size_t n;
} series_t;

/* The series of a kind for log->boots[boot]. Returns 0; 1 when some table
 * of the boot has no [POOL] row (no pool series, s left empty); -1 when out
 * of memory. Release with series_free. */
int series_of_boot(const mm_log_t *log, size_t boot, series_kind_t kind, series_t *s);
void series_free(series_t *s);
/* The cycle (1-based) of log->boots[boot] at which the pool filled up
 * (pool_full.h: FreeSz 0, or less than one block, BlkSz where printed); 0
 * when it never is, is full from cycle 1 on, or the boot prints no pool.
 * From there on the kernel serves requests of the pool's block size from
 * the heap, so a leak of pool blocks goes on in the heap. */
size_t series_pool_full_cycle(const mm_log_t *log, size_t boot);
/* "heap" or "pool". */
const char *series_name(series_kind_t kind);

#endif
