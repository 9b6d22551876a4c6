/* The heap's edges: the krhino_* entry points, a missing heap head, realloc
 * that cannot move, damaged headers met by free, bad region arguments,
 * krhino_mm_blk_size on anything that is not a live allocation, and the
 * scan that looks past a long run of too-small free blocks. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "unit_support.h"

TestSuite(mm_edges, .init = unit_fresh_kernel);

static void assert_valid(const k_mm_head *h)
{
    k_mm_check_t c;
    cr_assert(k_mm_validate(h, &c), "heap invalid: %s at %#lx", c.what, (unsigned long)c.where);
}

/* The error hook was called once, for err at addr, after the WARNING line. */
static void assert_reported_once(kstat_t err, const void *addr, const char *what)
{
    char line[200];
    snprintf(line, sizeof line, "WARNING, %s: 0x%08lx\n", what, (unsigned long)(uintptr_t)addr);
    cr_assert_eq(g_err_record.count, 1, "error hook calls: %d (%s)", g_err_record.count, capture_text());
    cr_assert_eq(g_err_record.last_err, err, "got %s, want %s", k_err_name(g_err_record.last_err), k_err_name(err));
    cr_assert_eq(g_err_record.last_addr, addr);
    cr_assert(strstr(capture_text(), line), "expected '%s' in:\n%s", line, capture_text());
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 13);
}

static bool is_filled(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 13))
            return false;
    return true;
}

/* ---- krhino_mm_alloc / krhino_mm_realloc -------------------------------- */

typedef struct {
    uintptr_t addr;
    k_mm_blk_info_t info;
    bool found;
} find_t;

/* Keeps the last block at addr: the first pool block shares its address
 * with the pool slab's payload, and the walk reports pool blocks last. */
static bool find_block(const k_mm_blk_info_t *b, void *ctx)
{
    find_t *f = ctx;
    if (b->addr == f->addr) {
        f->info = *b;
        f->found = true;
    }
    return true;
}

static k_mm_blk_info_t block_of(const void *p)
{
    find_t f = {.addr = (uintptr_t)p};
    k_mm_walk(g_kmm_head, find_block, &f);
    cr_assert(f.found, "%p is not a block of the default heap", p);
    return f.info;
}

__attribute__((noinline)) static void *alloc_like_a_rhino_task(size_t n) { return krhino_mm_alloc(n); }
__attribute__((noinline)) static void *realloc_like_a_rhino_task(void *p, size_t n) { return krhino_mm_realloc(p, n); }

Test(mm_edges, krhino_mm_alloc_and_realloc_record_their_caller_as_owner)
{
    size_t base_used = unit_heap_stats(g_kmm_head).used;
    unsigned char *p = alloc_like_a_rhino_task(100);
    cr_assert_not_null(p);
    k_mm_blk_info_t b = block_of(p);
    cr_assert(b.used && !b.in_pool && b.kind == K_MM_KIND_DATA);
    cr_assert(unit_owner_is_in(b.owner, (const void *)alloc_like_a_rhino_task), "owner %#lx", (unsigned long)b.owner);
    fill(p, 100, 1);

    unsigned char *q = realloc_like_a_rhino_task(p, 3000);
    cr_assert_not_null(q);
    cr_assert(is_filled(q, 100, 1), "realloc keeps the contents");
    b = block_of(q);
    cr_assert(unit_owner_is_in(b.owner, (const void *)realloc_like_a_rhino_task),
              "realloc makes its caller the owner: %#lx", (unsigned long)b.owner);
    cr_assert_geq(krhino_mm_blk_size(g_kmm_head, q), 3000);

    unsigned char *small = alloc_like_a_rhino_task(16);
    b = block_of(small);
    cr_assert(b.in_pool, "16 bytes go to the pool");
    cr_assert(unit_owner_is_in(b.owner, (const void *)alloc_like_a_rhino_task));

    krhino_mm_free(q);
    krhino_mm_free(small);
    cr_assert_eq(unit_heap_stats(g_kmm_head).used, base_used);
    cr_assert_eq(unit_heap_stats(g_kmm_head).pool_used, 0);
    cr_assert_eq(g_err_record.count, 0);
    assert_valid(g_kmm_head);
}

/* ---- no heap ------------------------------------------------------------ */

Test(mm_edges, a_null_heap_head_is_refused_without_touching_anything)
{
    unsigned char *p = aos_malloc(100);
    fill(p, 100, 2);
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    cr_assert_null(k_mm_alloc(NULL, 100, 0, K_MM_KIND_DATA));
    cr_assert_null(k_mm_realloc(NULL, p, 200, 0));
    cr_assert_null(k_mm_realloc(NULL, NULL, 200, 0));
    k_mm_free(NULL, p);
    cr_assert_eq(krhino_mm_blk_size(NULL, p), 0);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, NULL), 0);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, p), 104, "p is still live");
    cr_assert(is_filled(p, 100, 2));
    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "the default heap was not used instead");
    cr_assert_str_empty(capture_text());
    cr_assert_eq(g_err_record.count, 0);
}

/* ---- realloc that cannot move ------------------------------------------- */

Test(mm_edges, realloc_that_must_move_fails_cleanly_when_the_heap_is_exhausted)
{
    unsigned char *a = aos_malloc(200);
    void *blocker = aos_malloc(200); /* a cannot grow in place */
    fill(a, 200, 3);
    while (aos_malloc(4096))
        ;
    while (aos_malloc(1024))
        ; /* now no free block holds 1024 bytes */
    capture_reset();
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    cr_assert_null(aos_realloc(a, 4000));
    cr_assert_eq(capture_count("WARNING, malloc failed!!!! need size:4000, but free size:"), 1);
    cr_assert(is_filled(a, 200, 3), "the old block is left intact");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, a), 200, "and still live");
    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert_eq(after.used, before.used);
    cr_assert_eq(after.used_blocks, before.used_blocks);
    cr_assert_eq(g_err_record.count, 0, "running out is not misuse");
    assert_valid(g_kmm_head);
    aos_free(a);
    cr_assert_eq(g_err_record.count, 0);
    (void)blocker;
}

Test(mm_edges, realloc_that_must_move_fails_cleanly_under_a_heap_fault)
{
    unsigned char *a = aos_malloc(200);
    void *blocker = aos_malloc(200);
    unsigned char *small = aos_malloc(16); /* a pool block */
    fill(a, 200, 4);
    fill(small, 16, 5);
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);

    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, k_fault_calls(K_FAULT_HEAP_ALLOC) + 1), 0);
    cr_assert_null(aos_realloc(a, 4000));
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:4000\n"), 1);
    cr_assert(is_filled(a, 200, 4));
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, a), 200);

    /* A pool block that outgrows the pool needs a heap block too. */
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, k_fault_calls(K_FAULT_HEAP_ALLOC) + 1), 0);
    cr_assert_null(aos_realloc(small, 100));
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #2, need size:100\n"), 1);
    cr_assert(is_filled(small, 16, 5));
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, small), 32, "still a live pool block");

    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert_eq(after.used, before.used);
    cr_assert_eq(after.pool_used, before.pool_used);
    cr_assert_eq(capture_count("Heap Dump"), 0, "an injected fault is not an exhaustion");

    /* The fault was for one call only: the same realloc now moves. */
    unsigned char *moved = aos_realloc(a, 4000);
    cr_assert_not_null(moved);
    cr_assert_neq(moved, a);
    cr_assert(is_filled(moved, 200, 4));
    cr_assert_eq(g_err_record.count, 0);
    assert_valid(g_kmm_head);
    (void)blocker;
}

/* Growing in place takes memory too: rhino's realloc may fail whenever it
 * needs more, so a driver's "realloc failed" path is reachable by a fault. */
Test(mm_edges, realloc_growing_in_place_fails_under_a_heap_fault_and_keeps_the_old_block)
{
    unsigned char *a = aos_malloc(200); /* its successor is the free rest of the heap */
    fill(a, 200, 6);
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);

    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, k_fault_calls(K_FAULT_HEAP_ALLOC) + 1), 0);
    cr_assert_null(aos_realloc(a, 400));
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:400\n"), 1, "%s", capture_text());
    cr_assert(is_filled(a, 200, 6), "the old block is left intact");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, a), 200, "and still live, not grown");
    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "a failed realloc changes nothing");

    uint32_t calls = k_fault_calls(K_FAULT_HEAP_ALLOC);
    cr_assert_eq(aos_realloc(a, 100), a, "shrinking takes no memory");
    cr_assert_eq(k_fault_calls(K_FAULT_HEAP_ALLOC), calls, "and is no heap request");
    cr_assert_eq(aos_realloc(a, 400), a, "the fault was for one call only: the block now grows in place");
    cr_assert_eq(k_fault_calls(K_FAULT_HEAP_ALLOC), calls + 1, "growing is one heap request");
    cr_assert(is_filled(a, 100, 6));
    cr_assert_eq(g_err_record.count, 0);
    assert_valid(g_kmm_head);
}

Test(mm_edges, an_injected_fault_on_a_huge_request_prints_the_size_clamped_to_int32_max)
{
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 1), 0);
    cr_assert_null(aos_malloc(SIZE_MAX));
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:2147483647\n"), 1, "%s",
                 capture_text());
}

Test(mm_edges, realloc_of_a_pointer_not_from_the_heap_reports_and_returns_null)
{
    static uint64_t not_heap[16];
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    cr_assert_null(aos_realloc(&not_heap[2], 100));
    assert_reported_once(RHINO_MM_FREE_ADDR_ERR, &not_heap[2], "free of a pointer not from the heap");
    cr_assert_eq(unit_heap_stats(g_kmm_head).used, before.used, "nothing was allocated for it");

    /* A block already freed is no better. */
    void *p = aos_malloc(100), *guard = aos_malloc(100);
    aos_free(p);
    unit_observe_kernel();
    cr_assert_null(aos_realloc(p, 300));
    assert_reported_once(RHINO_MM_DOUBLE_FREE, p, "double free");
    assert_valid(g_kmm_head);
    (void)guard;
}

/* ---- free of a block with a damaged header ------------------------------- */

/* x, a, y: three used heap blocks side by side; a is the one freed. */
typedef struct {
    unsigned char *x, *a, *y;
    k_mm_blk_t *hx, *ha, *hy;
} trio_t;

static trio_t trio(void)
{
    trio_t t;
    t.x = aos_malloc(100);
    t.a = aos_malloc(100);
    t.y = aos_malloc(100);
    t.hx = blk_from_payload(t.x);
    t.ha = blk_from_payload(t.a);
    t.hy = blk_from_payload(t.y);
    cr_assert_eq(blk_next_phys(t.hx), t.ha);
    cr_assert_eq(blk_next_phys(t.ha), t.hy);
    return t;
}

typedef enum { SUCCESSOR, PREDECESSOR, DYE } damage_kind_t;

typedef struct {
    const char *name;
    damage_kind_t kind;
    void (*damage)(trio_t *t);
} damage_t;

static void size_far_past_the_region(trio_t *t) { t->ha->size = ((SIZE_MAX / 4) & ~(size_t)7) | (t->ha->size & K_MM_FLAGS); }

static void size_leaving_no_room_for_the_next_header(trio_t *t)
{
    const k_mm_region_t *r = mm_region_of(g_kmm_head, (uintptr_t)t->a);
    t->ha->size = (r->end - (uintptr_t)t->a - 8) | (t->ha->size & K_MM_FLAGS);
}

static void successor_points_elsewhere(trio_t *t) { t->hy->prev_phys = t->hx; }
static void successor_says_a_is_free(trio_t *t) { t->hy->size |= K_MM_PREVFREE; }

/* A payload below the minimum, with a plausible successor header forged in
 * a's own payload, so only the size check can object. */
static void size_below_the_minimum_payload(trio_t *t)
{
    k_mm_blk_t *forged = (k_mm_blk_t *)(void *)(t->a + 8);
    forged->prev_phys = t->ha;
    forged->size = 64;
    t->ha->size = 8 | (t->ha->size & K_MM_FLAGS);
}

static void predecessor_outside_the_region(trio_t *t) { t->ha->prev_phys = (k_mm_blk_t *)(uintptr_t)0x10; }
static void predecessor_misaligned(trio_t *t) { t->ha->prev_phys = (k_mm_blk_t *)(void *)((unsigned char *)t->hx + 4); }
static void predecessor_not_leading_to_a(trio_t *t) { t->ha->prev_phys = t->hx->prev_phys; }
static void predecessor_free_bit_disagrees(trio_t *t) { t->ha->size |= K_MM_PREVFREE; }

#if RHINO_CONFIG_MM_DEBUG
/* The free dye on a block whose FREE bit is clear: not a double free. */
static void free_dye_on_a_used_block(trio_t *t) { t->ha->dye = K_MM_DYE_FREE; }
#endif

static const damage_t damages[] = {
    {"size far past the region", SUCCESSOR, size_far_past_the_region},
    {"size leaving no room for the next header", SUCCESSOR, size_leaving_no_room_for_the_next_header},
    {"successor's prev_phys points elsewhere", SUCCESSOR, successor_points_elsewhere},
    {"successor's PREVFREE bit set", SUCCESSOR, successor_says_a_is_free},
    {"size below the minimum payload", SUCCESSOR, size_below_the_minimum_payload},
    {"predecessor outside the region", PREDECESSOR, predecessor_outside_the_region},
    {"predecessor misaligned", PREDECESSOR, predecessor_misaligned},
    {"predecessor not leading to the block", PREDECESSOR, predecessor_not_leading_to_a},
    {"PREVFREE bit set with a used predecessor", PREDECESSOR, predecessor_free_bit_disagrees},
#if RHINO_CONFIG_MM_DEBUG
    {"free dye on a used block", DYE, free_dye_on_a_used_block},
#endif
};

Test(mm_edges, free_of_a_block_with_a_damaged_header_is_refused_and_names_the_damage)
{
    static const char *const what[] = {
        [SUCCESSOR] = "block header size or successor link corrupt",
        [PREDECESSOR] = "block header predecessor link corrupt",
        [DYE] = "block header dye overwritten or pointer not from the heap",
    };
    trio_t t = trio();
    fill(t.a, 100, 6);
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        k_mm_blk_t saved_a = *t.ha, saved_y = *t.hy;
        unsigned char saved_payload[100];
        memcpy(saved_payload, t.a, sizeof saved_payload);
        k_mm_stats_t before = unit_heap_stats(g_kmm_head);
        unit_observe_kernel();

        damages[i].damage(&t);
        aos_free(t.a);
        cr_assert_eq(g_err_record.count, 1, "%s: not reported", damages[i].name);
        assert_reported_once(RHINO_MM_CORRUPT_ERR, t.a, what[damages[i].kind]);
        k_mm_stats_t after = unit_heap_stats(g_kmm_head);
        cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "%s: the heap was touched", damages[i].name);

        *t.ha = saved_a;
        *t.hy = saved_y;
        memcpy(t.a, saved_payload, sizeof saved_payload);
        assert_valid(g_kmm_head);
    }
    /* Repaired, the block frees normally. */
    unit_observe_kernel();
    aos_free(t.a);
    cr_assert_eq(g_err_record.count, 0);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, t.a), 0);
    assert_valid(g_kmm_head);
}

Test(mm_edges, free_of_the_region_record_is_a_pointer_not_from_the_heap)
{
    /* The first payload of a region is its record, below the first block a
     * caller can own (and below the pool slab). */
    void *record = (void *)(g_kmm_head->regions->start + K_MM_HDR_SIZE);
    cr_assert_eq(record, (void *)g_kmm_head->regions);
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    aos_free(record);
    assert_reported_once(RHINO_MM_FREE_ADDR_ERR, record, "free of a pointer not from the heap");
    cr_assert_eq(unit_heap_stats(g_kmm_head).used, before.used);
    assert_valid(g_kmm_head);
}

/* ---- regions ------------------------------------------------------------ */

/* A heap whose head sits 4096 bytes into g_mem, with 4096 bytes after it,
 * so that regions can be offered on both sides. */
static union {
    unsigned char b[4096 + UNIT_PRIVATE_HEAP_LEN + 4096];
    uint64_t align;
} g_mem;

static k_mm_head *heap_between_two_gaps(void)
{
    k_mm_head *h;
    cr_assert_eq(krhino_init_mm_head(&h, g_mem.b + 4096, UNIT_PRIVATE_HEAP_LEN), RHINO_SUCCESS);
    return h;
}

Test(mm_edges, krhino_add_mm_region_refuses_bad_arguments)
{
    k_mm_head *h = heap_between_two_gaps();
    k_mm_stats_t before = unit_heap_stats(h);
    cr_assert_eq(krhino_add_mm_region(NULL, g_mem.b, 4096), RHINO_NULL_PTR);
    cr_assert_eq(krhino_add_mm_region(h, NULL, 4096), RHINO_NULL_PTR);
    cr_assert_eq(krhino_add_mm_region(h, g_mem.b + 1, 3), RHINO_MM_POOL_SIZE_ERR, "nothing left after aligning");
    cr_assert_eq(krhino_add_mm_region(h, g_mem.b, 64), RHINO_MM_POOL_SIZE_ERR, "too small for a region");
    /* Over the heap head itself (which ends before the first region). */
    cr_assert_lt((uintptr_t)g_mem.b + 2048 + 4096, h->regions->start);
    cr_assert_eq(krhino_add_mm_region(h, g_mem.b + 2048, 4096), RHINO_INV_PARAM);
    k_mm_stats_t after = unit_heap_stats(h);
    cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "a refused region changes nothing");
    cr_assert_null(h->regions->next);
    k_mm_head *scratch = NULL;
    cr_assert_eq(krhino_init_mm_head(&scratch, NULL, 4096), RHINO_NULL_PTR);
    cr_assert_eq(krhino_init_mm_head(&scratch, g_mem.b + 3, 4), RHINO_MM_POOL_SIZE_ERR);
    cr_assert_null(scratch, "a refused init leaves the head pointer alone");
    assert_valid(h);
}

Test(mm_edges, regions_touching_the_heap_on_either_side_are_accepted)
{
    k_mm_head *h = heap_between_two_gaps();
    size_t total = unit_heap_stats(h).total;
    /* Ending where the head starts, and starting where the first region
     * ends: touching is not overlapping. */
    cr_assert_eq(krhino_add_mm_region(h, g_mem.b, 4096), RHINO_SUCCESS);
    cr_assert_eq(krhino_add_mm_region(h, g_mem.b + 4096 + UNIT_PRIVATE_HEAP_LEN, 4096), RHINO_SUCCESS);
    cr_assert_eq(unit_heap_stats(h).total, total + 2 * 4096);
    cr_assert_not_null(h->regions->next);
    cr_assert_not_null(h->regions->next->next);
    assert_valid(h);
    /* Each new region holds an allocation of nearly its size. */
    void *in_low = NULL, *in_high = NULL, *p;
    while ((p = k_mm_alloc(h, 3000, 0, K_MM_KIND_DATA))) {
        in_low = (unsigned char *)p < g_mem.b + 4096 ? p : in_low;
        in_high = (unsigned char *)p >= g_mem.b + 4096 + UNIT_PRIVATE_HEAP_LEN ? p : in_high;
    }
    cr_assert(in_low && in_high, "allocations reach both added regions");
    assert_valid(h);
}

Test(mm_edges, a_heap_without_a_pool_serves_small_requests_from_the_heap)
{
    static union {
        unsigned char b[6000];
        uint64_t align;
    } small;
    k_mm_head *h;
    cr_assert_eq(krhino_init_mm_head(&h, small.b, sizeof small.b), RHINO_SUCCESS);
    k_mm_stats_t before = unit_heap_stats(h);
    cr_assert_eq(before.pool_size, 0);
    unsigned char *p = k_mm_alloc(h, 8, 0, K_MM_KIND_DATA);
    cr_assert_eq(krhino_mm_blk_size(h, p), K_MM_MIN_PAYLOAD, "a minimal heap block, not a pool block");
    fill(p, 8, 7);
    unsigned char *q = k_mm_realloc(h, p, 24, 0);
    cr_assert_eq(q, p, "grows in place");
    cr_assert(is_filled(q, 8, 7));
    k_mm_free(h, q);
    k_mm_stats_t after = unit_heap_stats(h);
    cr_assert_eq(after.used, before.used);
    cr_assert_eq(after.free_blocks, before.free_blocks);
    cr_assert_eq(g_err_record.count, 0);
    assert_valid(h);
}

Test(mm_edges, calloc_of_zero_sized_items_is_a_zero_size_request)
{
    cr_assert_null(aos_calloc(4, 0));
    cr_assert_null(aos_calloc(0, 4));
    cr_assert_eq(capture_count("WARNING, malloc size = 0\n"), 2);
    cr_assert_eq(capture_count("calloc size overflow"), 0, "zero is no overflow");
}

/* ---- krhino_mm_blk_size ------------------------------------------------- */

Test(mm_edges, krhino_mm_blk_size_is_zero_for_anything_but_a_live_allocation)
{
    static uint64_t not_heap[8];
    unsigned char *live = aos_malloc(100);
    unsigned char *freed = aos_malloc(100);
    unsigned char *guard = aos_malloc(100);
    unsigned char *pool = aos_malloc(16);
    unsigned char *pool_freed = aos_malloc(16);
    aos_free(freed);
    aos_free(pool_freed);

    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, live), 104);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, pool), 32);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, freed), 0, "freed heap block");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, pool_freed), 0, "freed pool block");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, pool + 8), 0, "inside a pool block");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, live + 4), 0, "misaligned");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, &not_heap[4]), 0, "foreign");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, g_kmm_head->regions), 0, "the region record");

    k_mm_blk_t *h = blk_from_payload(live), saved = *h;
#if RHINO_CONFIG_MM_DEBUG
    h->dye ^= 0x00010000u;
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, live), 0, "dye overwritten");
    *h = saved;
#endif
    h->size = ((SIZE_MAX / 4) & ~(size_t)7) | (saved.size & K_MM_FLAGS);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, live), 0, "size past the region");
    *h = saved;
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, live), 104);
    cr_assert_eq(g_err_record.count, 0, "asking is not misuse");
    (void)guard;
}

/* ---- the class scan ----------------------------------------------------- */

Test(mm_edges, a_request_finds_the_one_fitting_block_behind_a_long_run_of_smaller_ones)
{
    /* 17 free 72-byte blocks and one free 120-byte block share class 6
     * (64..127 bytes); the 120 sits at the end of the list and no higher
     * class has a free block. A 100-byte request looks at 16 entries, finds
     * no higher class, and must then scan the rest of its own: an
     * allocation fails only when no free block is large enough. */
    k_mm_head *h = unit_private_heap();
    unsigned char *big = k_mm_alloc(h, 120, 0, K_MM_KIND_DATA);
    void *small[17], *guard[18];
    guard[17] = k_mm_alloc(h, 40, 0, K_MM_KIND_DATA);
    for (int i = 0; i < 17; i++) {
        small[i] = k_mm_alloc(h, 72, 0, K_MM_KIND_DATA);
        guard[i] = k_mm_alloc(h, 40, 0, K_MM_KIND_DATA);
        cr_assert(small[i] && guard[i]);
    }
    k_mm_stats_t st = unit_heap_stats(h);
    cr_assert_eq(st.free_blocks, 1, "only the remainder is free");
    void *rest = k_mm_alloc(h, st.free - K_MM_HDR_SIZE, 0, K_MM_KIND_DATA);
    cr_assert_not_null(rest);
    cr_assert_eq(unit_heap_stats(h).free_blocks, 0, "the heap is full");

    k_mm_free(h, big);
    for (int i = 0; i < 17; i++)
        k_mm_free(h, small[i]);
    cr_assert_eq(unit_heap_stats(h).free_blocks, 18);
    cr_assert_eq(h->bitmap, (size_t)1 << 6, "all free blocks are of class 6");

    capture_reset();
    void *p = k_mm_alloc(h, 100, 0, K_MM_KIND_DATA);
    cr_assert_eq(p, big, "the only block that fits");
    cr_assert_str_empty(capture_text(), "no failure reported");
    cr_assert_null(k_mm_alloc(h, 100, 0, K_MM_KIND_DATA), "and now none fits");
    cr_assert_eq(capture_count("WARNING, malloc failed!!!! need size:100"), 1);
    assert_valid(h);
}
