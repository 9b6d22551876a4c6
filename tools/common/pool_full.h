/* When a fixed-block pool is full, and the cycle a soak's pool filled up:
 * the one definition driver/soak (judging its own figures) and mmtrend
 * (judging a log's Heap Info tables) both split a trend at. */
#ifndef POOL_FULL_H
#define POOL_FULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A pool with less than one block free is full (free, blk_size: bytes;
 * blk_size 0 when not known, then only free 0 is): the kernel serves
 * requests of its block size from the heap from then on (kernel/mm, a full
 * pool falls back to the heap). */
static inline bool pool_is_full(uint64_t free, uint64_t blk_size) { return free == 0 || free < blk_size; }

/* The cycle (1-based, of 1..last) the pool filled up: the first one at
 * which full_at(figures, cycle) is true; 0 when none is, and 0 when the
 * pool is full at cycle 1 already: a pool never seen with room has no
 * stretch before it filled up to split a trend at. */
static inline size_t pool_filled_up(size_t last, bool (*full_at)(const void *figures, size_t cycle),
                                    const void *figures)
{
    if (last == 0 || full_at(figures, 1))
        return 0;
    for (size_t c = 2; c <= last; c++)
        if (full_at(figures, c))
            return c;
    return 0;
}

#endif
