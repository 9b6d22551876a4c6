/* Structural validation of a heap, kept apart from the allocator it checks. */
#ifndef K_MM_VALIDATE_H
#define K_MM_VALIDATE_H

#include <stdbool.h>
#include "k_mm.h"

typedef struct {
    bool ok;
    uintptr_t where;  /* header address of the offending block, or 0 */
    char what[160];   /* which invariant broke */
    k_mm_blame_t blame; /* the block it names (label NULL: none) */
} k_mm_check_t;

/* Walks every region and free list and checks all structural invariants:
 * blocks tile each region exactly, headers/dyes/links agree, no two adjacent
 * free blocks, free lists match the bitmap and the walk, totals equal the
 * stats, pool bookkeeping is consistent, quarantined blocks keep their
 * poison. Damage next to a used block is blamed on it as an overflow; a
 * write into a quarantined block as a use-after-free. Reads only inside the heap's own
 * regions; never writes. */
bool k_mm_validate(const k_mm_head *mmhead, k_mm_check_t *res);
/* The same validation, also calling each_used (as k_mm_walk would) for
 * every used heap block once its header has been proved, then for every
 * used pool block once the pool has: a checker's census rides on the one
 * walk. each_used returning false stops the walk, and the result is then
 * false with res->ok still true. */
bool k_mm_validate_walk(const k_mm_head *mmhead, k_mm_check_t *res, k_mm_walk_fn each_used, void *ctx);

#endif
