/* Fixed-block pool: RHINO_CONFIG_MM_TLF_BLK_SIZE bytes carved from the heap
 * into RHINO_CONFIG_MM_BLK_SIZE blocks. Which blocks are in use lives in a
 * bitmap outside the slab, so a write into a freed block cannot derail the
 * pool, and a double free is a bit already clear. */
#include "k_mm_internal.h"

#if RHINO_CONFIG_MM_BLK

static bool bit_is_set(const uint32_t *map, size_t i) { return (map[i / 32] >> (i % 32)) & 1u; }
static void bit_set(uint32_t *map, size_t i) { map[i / 32] |= 1u << (i % 32); }
static void bit_clear(uint32_t *map, size_t i) { map[i / 32] &= ~(1u << (i % 32)); }

void mm_pool_init(k_mm_pool_t *pool, void *slab)
{
    pool->base = slab;
    pool->blk_size = RHINO_CONFIG_MM_BLK_SIZE;
    pool->nblocks = K_MM_POOL_BLKS;
    pool->used = 0;
    for (size_t i = 0; i < sizeof pool->used_map / sizeof pool->used_map[0]; i++)
        pool->used_map[i] = 0;
}

bool mm_pool_owns(const k_mm_pool_t *pool, const void *p)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)pool->base;
    return pool->base && a >= base && a - base < pool->nblocks * pool->blk_size;
}

bool mm_pool_blk_is_used(const k_mm_pool_t *pool, size_t idx) { return bit_is_set(pool->used_map, idx); }

/* Lowest free block first, so the same program always gets the same
 * addresses. */
static size_t first_free_blk(const k_mm_pool_t *pool)
{
    for (size_t w = 0; w < sizeof pool->used_map / sizeof pool->used_map[0]; w++) {
        if (pool->used_map[w] == UINT32_MAX)
            continue;
        size_t i = w * 32 + (size_t)__builtin_ctz(~pool->used_map[w]);
        return i < pool->nblocks ? i : pool->nblocks;
    }
    return pool->nblocks;
}

void *mm_pool_alloc(k_mm_pool_t *pool, uintptr_t owner, k_mm_kind_t kind)
{
    size_t i = first_free_blk(pool);
    if (i == pool->nblocks)
        return NULL;
    bit_set(pool->used_map, i);
    pool->used++;
#if RHINO_CONFIG_MM_DEBUG
    pool->owner[i] = owner;
    pool->kind[i] = (uint8_t)kind;
#endif
    return pool->base + i * pool->blk_size;
}

static size_t blk_index(const k_mm_pool_t *pool, const void *p)
{
    return (size_t)((const uint8_t *)p - pool->base) / pool->blk_size;
}

/* Blame on pool block i: what the pool remembers of it. */
static k_mm_blame_t blame_pool_blk(const k_mm_pool_t *pool, const char *label, size_t i)
{
    k_mm_blame_t b = {.label = label, .blk = (uintptr_t)(pool->base + i * pool->blk_size), .size = pool->blk_size};
#if RHINO_CONFIG_MM_DEBUG
    b.owner = pool->owner[i];
    b.kind = (k_mm_kind_t)pool->kind[i];
    b.trace = pool->trace[i];
#endif
    return b;
}

bool mm_pool_free(k_mm_pool_t *pool, void *p)
{
    size_t off = (size_t)((uint8_t *)p - pool->base);
    size_t i = off / pool->blk_size;
    if (off % pool->blk_size) {
        k_mm_blame_t b = blame_pool_blk(pool, "invalid-free", i);
        mm_report_misuse(RHINO_MM_FREE_ADDR_ERR, p, "free of a pointer inside a pool block", &b);
        return false;
    }
    if (!bit_is_set(pool->used_map, i)) {
        k_mm_blame_t b = blame_pool_blk(pool, "double-free", i);
        mm_report_misuse(RHINO_MM_DOUBLE_FREE, p, "double free of a pool block", &b);
        return false;
    }
    bit_clear(pool->used_map, i);
    pool->used--;
    return true;
}

k_mm_blame_t mm_pool_blame(const k_mm_pool_t *pool, const char *label, const void *p)
{
    return blame_pool_blk(pool, label, blk_index(pool, p));
}

void mm_pool_set_owner(k_mm_pool_t *pool, const void *p, uintptr_t owner)
{
#if RHINO_CONFIG_MM_DEBUG
    pool->owner[blk_index(pool, p)] = owner;
#endif
}

void mm_pool_set_trace(k_mm_pool_t *pool, const void *p, uint32_t id)
{
#if RHINO_CONFIG_MM_DEBUG
    pool->trace[blk_index(pool, p)] = id;
#endif
}

uint32_t mm_pool_trace(const k_mm_pool_t *pool, const void *p)
{
#if RHINO_CONFIG_MM_DEBUG
    return pool->trace[blk_index(pool, p)];
#else
    return 0;
#endif
}

#endif
