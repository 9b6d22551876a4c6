/* The heap validator: proves every structural invariant of k_mm.c without
 * trusting any header. Every address read from the heap is bounds-checked
 * against the regions before it is followed. */
#include <stdarg.h>
#include <stdio.h>

#include "k_mm_internal.h"
#include "k_mm_validate.h"

typedef struct {
    const k_mm_head *h;
    k_mm_check_t *res;
    size_t free_blocks, free_bytes, used_blocks, region_bytes, quarantined;
    k_mm_walk_fn each_used; /* NULL: validation only */
    void *each_used_ctx;
} walk_t;

static bool fail(k_mm_check_t *res, const void *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(k_mm_check_t *res, const void *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->what, sizeof res->what, fmt, ap);
    va_end(ap);
    res->ok = false;
    res->where = (uintptr_t)where;
    return false;
}

static bool fail_header(walk_t *w, const k_mm_blk_t *prev, const k_mm_blk_t *b, const char *what)
{
    w->res->blame = mm_blame_header(prev, b);
    return fail(w->res, b, "%s", what);
}

static bool check_quarantined(walk_t *w, const k_mm_blk_t *b)
{
    w->quarantined++;
    size_t at = mm_poison_damage(b);
    if (at == blk_size(b))
        return true;
    w->res->blame = mm_blame_blk("use-after-free", b);
    w->res->blame.offset = at;
    return fail(w->res, b, "freed block written after free (byte %lu of %lu)", (unsigned long)at,
                (unsigned long)blk_size(b));
}

/* A pointer found in a free-list link: it must name a block header lying
 * wholly inside one of the heap's regions. */
static const k_mm_blk_t *link_target(const k_mm_head *h, const k_mm_blk_t *t)
{
    return mm_link_in_heap(h, t) ? t : NULL;
}

/* A free block's links live in its payload: only a write into free memory
 * breaks them. */
static bool fail_links(walk_t *w, const k_mm_blk_t *b, size_t offset, const char *what)
{
    const k_mm_blk_t *damaged = mm_blk_with_damaged_links(w->h, b);
    w->res->blame = mm_blame_blk("use-after-free", damaged);
    w->res->blame.offset = damaged == b ? offset : 0;
    return fail(w->res, damaged, "%s", what);
}

static bool check_free_links(walk_t *w, const k_mm_blk_t *b)
{
    const k_mm_links_t *l = blk_links(b);
    unsigned idx = size_class(blk_size(b));
    if (l->next) {
        const k_mm_blk_t *n = link_target(w->h, l->next);
        if (!n || !blk_is_listed_free(n) || blk_links(n)->prev != b)
            return fail_links(w, b, offsetof(k_mm_links_t, next), "free block's next link is broken");
    }
    if (l->prev) {
        const k_mm_blk_t *p = link_target(w->h, l->prev);
        if (!p || !blk_is_listed_free(p) || blk_links(p)->next != b)
            return fail_links(w, b, offsetof(k_mm_links_t, prev), "free block's prev link is broken");
    } else if (w->h->freelist[idx] != b) {
        return fail(w->res, b, "free block of class %u is not on its list", idx);
    }
    return true;
}

/* A write past the bytes requested damaged a live block's slack
 * (k_mm_slack.c): an overflow of that block. */
static bool fail_slack(walk_t *w, k_mm_blame_t blame, size_t at, const void *where)
{
    blame.offset = at;
    w->res->blame = blame;
    return fail(w->res, where, "write past the bytes requested: slack byte %lu of %lu overwritten",
                (unsigned long)at, (unsigned long)blame.size);
}

static bool visit_used(walk_t *w, const k_mm_blk_t *b)
{
    if (!w->each_used)
        return true;
    k_mm_blk_info_t info;
    describe_heap_blk(b, &info);
    return w->each_used(&info, w->each_used_ctx);
}

static bool check_block(walk_t *w, const k_mm_region_t *r, const k_mm_blk_t *prev, const k_mm_blk_t *b)
{
    if (b->prev_phys != prev)
        return fail_header(w, prev, b, "prev_phys does not point at the previous block");
    if (blk_prev_is_free(b) != blk_is_free(prev))
        return fail_header(w, prev, b, "PREVFREE bit disagrees with the previous block");
    if (!blk_dye_ok(b))
        return fail_header(w, prev, b, "dye word overwritten");
    if (blk_is_sentinel_end(b))
        return true;
    if (blk_size(b) % K_MM_ALIGN || blk_size(b) < K_MM_MIN_PAYLOAD) {
        char what[64];
        snprintf(what, sizeof what, "size %lu is not a valid payload size", (unsigned long)blk_size(b));
        return fail_header(w, prev, b, what);
    }
    if (!blk_is_free(b)) {
        w->used_blocks++;
        /* a size running out of the region is the walk's to report */
        size_t at = region_next_blk(r, b) ? mm_slack_damage(blk_payload(b), blk_trace(b), blk_size(b)) : 0;
        if (at)
            return fail_slack(w, mm_blame_blk("overflow", b), at, b);
        return visit_used(w, b);
    }
    w->free_bytes += K_MM_HDR_SIZE + blk_size(b);
    if (blk_is_quarantined(b))
        return check_quarantined(w, b);
    if (blk_is_listed_free(prev))
        return fail(w->res, b, "two adjacent free blocks");
    w->free_blocks++;
    return check_free_links(w, b);
}

static bool check_region(walk_t *w, const k_mm_region_t *r)
{
    const k_mm_blk_t *first = region_first_blk(r);
    if (first->prev_phys || blk_is_free(first) || (const void *)blk_payload(first) != (const void *)r ||
        !blk_dye_ok(first) || blk_kind(first) != K_MM_KIND_REGION)
        return fail(w->res, first, "region start sentinel damaged");
    const k_mm_blk_t *prev = first, *b = region_next_blk(r, first);
    for (; b; prev = b, b = region_next_blk(r, b)) {
        if (!check_block(w, r, prev, b))
            return false;
        if (blk_is_sentinel_end(b))
            break;
    }
    if (!b)
        return fail(w->res, prev, "block size runs past the end of its region");
    if ((uintptr_t)b + K_MM_HDR_SIZE != r->end || blk_is_free(b))
        return fail(w->res, b, "blocks do not tile the region up to its end sentinel");
    w->region_bytes += r->end - r->start;
    return true;
}

/* Bit i set <=> free list i is not empty. The bitmap agrees with the lists
 * when every list of a set bit is non-empty and as many lists are non-empty
 * as bits are set: a count (no shifts) over all classes, the set bits only
 * one by one. */
static bool bitmap_agrees_with_lists(const k_mm_head *h)
{
    size_t nonempty = 0;
    for (unsigned i = 0; i < K_MM_CLASSES; i++)
        nonempty += h->freelist[i] != NULL;
    for (size_t bits = h->bitmap; bits; bits &= bits - 1)
        if (!h->freelist[__builtin_ctzll((unsigned long long)bits)])
            return false;
    return nonempty == (size_t)__builtin_popcountll((unsigned long long)h->bitmap);
}

/* The first class whose bit and list disagree (the bitmap does not agree). */
static unsigned first_bitmap_mismatch(const k_mm_head *h)
{
    unsigned i = 0;
    while (i < K_MM_CLASSES - 1 && ((h->bitmap >> i) & 1u) == (h->freelist[i] != NULL))
        i++;
    return i;
}

static bool check_freelists(walk_t *w)
{
    const k_mm_head *h = w->h;
    size_t listed = 0;
    if (!bitmap_agrees_with_lists(h)) {
        unsigned i = first_bitmap_mismatch(h);
        return fail(w->res, NULL, "bitmap bit %u disagrees with free list %u", i, i);
    }
    for (size_t todo = h->bitmap; todo; todo &= todo - 1) { /* the non-empty lists only */
        unsigned i = (unsigned)__builtin_ctzll((unsigned long long)todo);
        const k_mm_blk_t *prev = NULL;
        for (const k_mm_blk_t *b = h->freelist[i]; b; prev = b, b = blk_links(b)->next) {
            if (!link_target(h, b) || !blk_is_listed_free(b)) /* listed: free, and its dye says so */
                return fail(w->res, b, "free list %u holds something that is not a free block", i);
            if (size_class(blk_size(b)) != i || blk_links(b)->prev != prev)
                return fail(w->res, b, "free list %u entry has the wrong class or back link", i);
            if (++listed > w->free_blocks)
                return fail(w->res, b, "free lists hold more entries than the heap has free blocks");
        }
    }
    if (listed != w->free_blocks)
        return fail(w->res, NULL, "free lists hold %lu blocks, the walk found %lu", (unsigned long)listed,
                    (unsigned long)w->free_blocks);
    return true;
}

#if RHINO_CONFIG_MM_BLK
/* The bits of bitmap word i that stand for no block of the slab. */
static uint32_t bits_past_slab(size_t nblocks, size_t i)
{
    size_t first = i * 32;
    if (nblocks >= first + 32)
        return 0;
    return nblocks <= first ? UINT32_MAX : UINT32_MAX << (nblocks - first);
}

static bool check_pool_slack(walk_t *w, const k_mm_pool_t *pool)
{
    for (size_t word = 0; word < sizeof pool->used_map / sizeof pool->used_map[0]; word++) {
        uint32_t bits = pool->used_map[word]; /* the used blocks only (past the slab: none) */
        for (; bits; bits &= bits - 1) {
            const uint8_t *p = pool->base + (word * 32 + (size_t)__builtin_ctz(bits)) * pool->blk_size;
            size_t at = mm_slack_damage(p, mm_pool_trace(pool, p), pool->blk_size);
            if (at)
                return fail_slack(w, mm_pool_blame(pool, "overflow", p), at, p);
        }
    }
    return true;
}

static bool check_pool(walk_t *w)
{
    const k_mm_pool_t *pool = &w->h->pool;
    if (!pool->base)
        return true;
    size_t used = 0;
    for (size_t i = 0; i < sizeof pool->used_map / sizeof pool->used_map[0]; i++) {
        if (pool->used_map[i] & bits_past_slab(pool->nblocks, i))
            return fail(w->res, pool->base, "pool bitmap marks a block past the slab");
        used += (size_t)__builtin_popcount(pool->used_map[i]);
    }
    if (used != pool->used)
        return fail(w->res, pool->base, "pool counts %lu used blocks, its bitmap %lu",
                    (unsigned long)pool->used, (unsigned long)used);
    const k_mm_region_t *r = mm_region_of(w->h, (uintptr_t)pool->base);
    const k_mm_blk_t *slab = blk_from_payload(pool->base);
    if (!r || blk_is_free(slab) || blk_kind(slab) != K_MM_KIND_POOL ||
        blk_size(slab) < pool->nblocks * pool->blk_size)
        return fail(w->res, slab, "pool slab is not a used heap block of kind pool");
    if (!check_pool_slack(w, pool))
        return false;
    return !w->each_used || walk_pool(pool, w->each_used, w->each_used_ctx);
}
#endif

bool k_mm_validate(const k_mm_head *h, k_mm_check_t *res) { return k_mm_validate_walk(h, res, NULL, NULL); }

bool k_mm_validate_walk(const k_mm_head *h, k_mm_check_t *res, k_mm_walk_fn each_used, void *ctx)
{
    res->ok = true;
    res->where = 0;
    res->what[0] = '\0';
    res->blame = (k_mm_blame_t){0};
    walk_t w = {.h = h, .res = res, .each_used = each_used, .each_used_ctx = ctx};
    if (h->magic != K_MM_HEAD_MAGIC)
        return fail(res, h, "heap head magic overwritten");
    for (const k_mm_region_t *r = h->regions; r; r = r->next)
        if (!check_region(&w, r))
            return false;
    if (!check_freelists(&w))
        return false;
#if RHINO_CONFIG_MM_DEBUG
    if (w.quarantined != h->q_count)
        return fail(res, NULL, "%lu blocks wait in quarantine, the walk found %lu", (unsigned long)h->q_count,
                    (unsigned long)w.quarantined);
#endif
    if (w.free_blocks != h->free_blocks || w.free_bytes != h->free || w.used_blocks != h->used_blocks)
        return fail(res, NULL, "walk totals (free %lu blocks/%lu bytes, used %lu) differ from the stats (%lu/%lu, %lu)",
                    (unsigned long)w.free_blocks, (unsigned long)w.free_bytes, (unsigned long)w.used_blocks,
                    (unsigned long)h->free_blocks, (unsigned long)h->free, (unsigned long)h->used_blocks);
    size_t head_len = align_up(sizeof *h);
    if (w.region_bytes + head_len != h->total || h->maxused < h->total - h->free || h->maxused > h->total)
        return fail(res, NULL, "TotalSz or peak UsedSz disagrees with the regions");
#if RHINO_CONFIG_MM_BLK
    return check_pool(&w);
#else
    return true;
#endif
}
