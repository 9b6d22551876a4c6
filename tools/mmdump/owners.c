/* Grouping live blocks by owner: see owners.h. */
#include "owners.h"

#include <stdlib.h>
#include <string.h>

static int by_owner(const void *a, const void *b)
{
    uint64_t x = (*(const mm_block_t *const *)a)->owner, y = (*(const mm_block_t *const *)b)->owner;
    return (x > y) - (x < y);
}

static int by_bytes_then_count_then_owner(const void *a, const void *b)
{
    const owner_row_t *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->owner > y->owner) - (x->owner < y->owner);
}

static void merge_kind(owner_row_t *row, const char *kind)
{
    if (row->count == 1)
        strcpy(row->kind, kind);
    else if (strcmp(row->kind, kind) != 0)
        strcpy(row->kind, "mixed");
}

static void count_block(owner_table_t *t, owner_row_t *row, const mm_block_t *b, uint64_t held)
{
    row->owner = b->owner;
    row->count++;
    row->bytes += held;
    merge_kind(row, b->kind);
    t->live_blocks++;
    t->live_bytes += held;
    if (!b->chk_ok && (!t->first_damaged || b->line < t->first_damaged->line))
        t->first_damaged = b;
    t->damaged_blocks += !b->chk_ok;
}

static bool lies_inside(const mm_block_t *inner, const mm_block_t *outer)
{
    return outer != inner && inner->addr >= outer->addr && inner->addr - outer->addr < outer->len &&
           inner->len <= outer->len - (inner->addr - outer->addr);
}

/* The pool slab: the used heap block of kind "pool" the kernel carves the
 * pool's blocks out of (ours only; AliOS prints no pool blocks). */
static bool is_pool_slab(const mm_block_t *b) { return b->stat == MM_BLK_USED && strcmp(b->kind, "pool") == 0; }

/* The bytes b holds itself. The pool's blocks lie inside the pool slab:
 * each pool block's bytes are its owner's, and the slab holds only what its
 * blocks do not, so that no byte is counted twice (the slab's share is then
 * the pool's free space). */
static uint64_t bytes_held(const mm_dump_t *d, const mm_block_t *b)
{
    uint64_t held = b->len;
    if (!is_pool_slab(b))
        return held;
    for (size_t i = 0; i < d->nblocks; i++) {
        const mm_block_t *inner = &d->blocks[i];
        if (inner->stat == MM_BLK_POOL && lies_inside(inner, b))
            held -= inner->len <= held ? inner->len : held;
    }
    return held;
}

/* Live blocks sorted by owner, so that each owner's blocks are adjacent. */
static const mm_block_t **live_blocks_by_owner(const mm_dump_t *d, size_t *n)
{
    const mm_block_t **live = malloc((d->nblocks ? d->nblocks : 1) * sizeof *live);
    *n = 0;
    for (size_t i = 0; live && i < d->nblocks; i++)
        if (mm_block_is_live(&d->blocks[i]))
            live[(*n)++] = &d->blocks[i];
    if (live)
        qsort(live, *n, sizeof *live, by_owner);
    return live;
}

int owner_table_build(const mm_dump_t *dump, owner_table_t *table)
{
    size_t n;
    const mm_block_t **live = live_blocks_by_owner(dump, &n);
    *table = (owner_table_t){.rows = calloc(n ? n : 1, sizeof *table->rows)};
    if (!live || !table->rows) {
        free(live);
        free(table->rows);
        table->rows = NULL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && live[i]->owner != live[i - 1]->owner)
            table->nrows++;
        count_block(table, &table->rows[table->nrows], live[i], bytes_held(dump, live[i]));
    }
    table->nrows += n > 0;
    free(live);
    qsort(table->rows, table->nrows, sizeof *table->rows, by_bytes_then_count_then_owner);
    return 0;
}

void owner_table_free(owner_table_t *table)
{
    free(table->rows);
    *table = (owner_table_t){0};
}

const owner_row_t *owner_table_top_holder(const owner_table_t *table)
{
    for (size_t i = 0; i < table->nrows; i++)
        if (table->rows[i].owner != 0)
            return &table->rows[i];
    return NULL;
}
