/* Seeded random alloc/calloc/realloc/free over many slots, validating the
 * whole heap after every operation: structure, exact accounting against
 * what the test itself tracked, and the contents of every live block.
 * Built also against kernels with a seeded bug (unit/CMakeLists.txt), where
 * it must fail with the message of the check meant for that bug. */
#include <criterion/criterion.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "k_mm_validate.h"
#include "unit_support.h"

#define SLOTS 64

typedef struct slot slot_t;
static void pattern_write(slot_t *s);
static bool pattern_intact(const slot_t *s, size_t len);

struct slot {
    unsigned char *p;
    size_t len;
    uint8_t seed;
    bool in_pool; /* where the routing rules say this block lives */
};

typedef struct {
    slot_t slot[SLOTS];
    size_t base_used; /* heap UsedSz with nothing of ours alive */
    size_t pool_cap, pool_live, blk_sz;
} tracker_t;

static void tracker_init(tracker_t *t)
{
    memset(t, 0, sizeof *t);
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    t->base_used = st.used;
    t->blk_sz = st.pool_blk;
    t->pool_cap = st.pool_size / st.pool_blk;
}

/* Routing: requests up to BlkSz go to the pool while it has room. */
static void note_new_block(tracker_t *t, slot_t *s)
{
    s->in_pool = s->len <= t->blk_sz && t->pool_live < t->pool_cap;
    t->pool_live += s->in_pool;
}

static void note_block_gone(tracker_t *t, slot_t *s)
{
    t->pool_live -= s->in_pool;
    s->in_pool = false;
}

static unsigned char *tracked_alloc(tracker_t *t, slot_t *s, size_t len, bool zeroed)
{
    s->len = len;
    s->p = zeroed ? aos_calloc(1, len) : aos_malloc(len);
    if (s->p) {
        note_new_block(t, s);
        pattern_write(s);
    }
    return s->p;
}

static void tracked_free(tracker_t *t, slot_t *s)
{
    aos_free(s->p);
    note_block_gone(t, s);
    s->p = NULL;
}

/* A pool block stays put while the new size fits it; a heap block stays
 * when it can shrink or grow in place; otherwise the data moves to a newly
 * routed block and the old one is released. */
static void tracked_realloc(tracker_t *t, slot_t *s, size_t len, uint32_t seed, int op)
{
    unsigned char *q = aos_realloc(s->p, len);
    if (!q)
        return;
    size_t kept = len < s->len ? len : s->len;
    if (s->in_pool && len <= t->blk_sz)
        cr_assert_eq(q, s->p, "seed %u op %d: pool realloc within BlkSz must stay", seed, op);
    bool moved = q != s->p;
    s->p = q;
    cr_assert(pattern_intact(s, kept), "seed %u op %d: realloc lost data", seed, op);
    s->len = len;
    if (moved) {
        note_block_gone(t, s);
        note_new_block(t, s);
    }
    pattern_write(s);
}

static void pattern_write(slot_t *s)
{
    for (size_t i = 0; i < s->len; i++)
        s->p[i] = (uint8_t)(s->seed + i);
}

static bool pattern_intact(const slot_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s->p[i] != (uint8_t)(s->seed + i))
            return false;
    return true;
}

static size_t random_size(unit_rng_t *rng)
{
    switch (unit_rand_below(rng, 8)) {
    case 0: return 24 + unit_rand_below(rng, 17); /* around the pool boundary */
    case 1: return 1 + unit_rand_below(rng, 4096);
    case 2: return 1 + unit_rand_below(rng, 20000);
    default: return 1 + unit_rand_below(rng, 256);
    }
}

static void check_everything(const tracker_t *t, uint32_t seed, int op)
{
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "seed %u op %d: heap invalid: %s", seed, op, c.what);
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    size_t heap = t->base_used, pool = 0;
    for (int i = 0; i < SLOTS; i++) {
        const slot_t *s = &t->slot[i];
        if (!s->p)
            continue;
        size_t blk = krhino_mm_blk_size(g_kmm_head, s->p);
        cr_assert_geq(blk, s->len, "seed %u op %d: slot %d lost its block", seed, op, i);
        cr_assert(pattern_intact(s, s->len), "seed %u op %d: slot %d contents changed", seed, op, i);
        if (s->in_pool)
            pool += t->blk_sz;
        else
            heap += k_mm_hdr_size() + blk;
    }
    cr_assert_eq(st.pool_used, pool, "seed %u op %d: pool UsedSz 0x%zx, live pool blocks say 0x%zx", seed, op,
                 st.pool_used, pool);
    cr_assert_eq(st.used, heap, "seed %u op %d: heap UsedSz 0x%zx, live blocks say 0x%zx", seed, op, st.used,
                 heap);
    cr_assert_eq(st.total, st.free + st.used);
    cr_assert_geq(st.maxused, st.used);
}

static void run_stress(uint32_t seed, int ops)
{
    unit_fresh_kernel();
    tracker_t t;
    tracker_init(&t);
    unit_rng_t rng = {seed};
    for (int op = 0; op < ops; op++) {
        slot_t *s = &t.slot[unit_rand_below(&rng, SLOTS)];
        uint32_t what = unit_rand_below(&rng, 10);
        if (!s->p) {
            s->seed = (uint8_t)unit_rand(&rng);
            tracked_alloc(&t, s, random_size(&rng), what == 0);
        } else if (what < 3) {
            tracked_realloc(&t, s, random_size(&rng), seed, op);
        } else {
            tracked_free(&t, s);
        }
        check_everything(&t, seed, op);
    }
    cr_assert_eq(g_err_record.count, 0);
}

Test(stress, random_ops_validated_after_each)
{
    for (uint32_t seed = 1; seed <= 8; seed++)
        run_stress(seed * 7919u, 2500);
}

Test(stress, random_ops_near_exhaustion)
{
    /* Fewer slots free up memory than grab it: the heap runs full. */
    unit_fresh_kernel();
    tracker_t t;
    tracker_init(&t);
    unit_rng_t rng = {12345};
    int failures = 0;
    for (int op = 0; op < 3000; op++) {
        slot_t *s = &t.slot[unit_rand_below(&rng, SLOTS)];
        if (s->p && unit_rand_below(&rng, 4) == 0) {
            tracked_free(&t, s);
        } else if (!s->p) {
            s->seed = (uint8_t)op;
            failures += !tracked_alloc(&t, s, 1 + unit_rand_below(&rng, 12000), false);
        }
        check_everything(&t, 12345, op);
    }
    cr_assert_gt(failures, 10, "the heap must actually run out");
}
