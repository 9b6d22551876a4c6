/* A dump's live blocks grouped by owner: who holds how much. */
#ifndef MMDUMP_OWNERS_H
#define MMDUMP_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "mm_log.h"

typedef struct {
    uint64_t owner;      /* 0 = kernel */
    unsigned long count; /* live blocks */
    uint64_t bytes;      /* sum of their Len */
    char kind[MM_KIND_MAX]; /* their common kind, "mixed" or "" (AliOS) */
} owner_row_t;

typedef struct {
    owner_row_t *rows; /* most bytes first; ties: more blocks, then lower owner */
    size_t nrows;
    unsigned long live_blocks;
    uint64_t live_bytes;
    unsigned long damaged_blocks; /* live blocks whose Chk is not OK */
    const mm_block_t *first_damaged; /* the first of them, NULL if none */
} owner_table_t;

/* Returns 0, or -1 when out of memory. */
int owner_table_build(const mm_dump_t *dump, owner_table_t *table);
void owner_table_free(owner_table_t *table);
/* The row holding the most bytes among owners other than the kernel, whose
 * memory (heap head, pool slab) is fixed overhead rather than a suspect;
 * NULL when only the kernel holds memory. */
const owner_row_t *owner_table_top_holder(const owner_table_t *table);

#endif
