/* Heap and pool: accounting, routing, realloc, coalescing, regions, text. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "k_mm_validate.h"
#include "unit_support.h"

static k_mm_stats_t stats(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st;
}

static void assert_heap_valid(void)
{
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "heap invalid: %s", c.what);
}

TestSuite(mm, .init = unit_fresh_kernel);

Test(mm, default_heap_has_the_seed_figures)
{
    k_mm_stats_t st = stats();
    cr_assert_eq(st.total, 0x0004A838);
    cr_assert_eq(st.pool_size, 0x00002000);
    cr_assert_eq(st.pool_blk, 0x00000020);
    cr_assert_eq(st.pool_used, 0);
    cr_assert_eq(st.total, st.free + st.used);
    cr_assert_eq(st.maxused, st.used);
    assert_heap_valid();
}

Test(mm, heap_alloc_costs_block_plus_header)
{
    for (size_t n = 33; n < 5000; n += 97) {
        k_mm_stats_t before = stats();
        void *p = aos_malloc(n);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 8, 0, "8-byte alignment");
        size_t blk = krhino_mm_blk_size(g_kmm_head, p);
        cr_assert_geq(blk, n);
        k_mm_stats_t after = stats();
        cr_assert_eq(after.used - before.used, k_mm_hdr_size() + blk, "size %zu", n);
        cr_assert_eq(after.pool_used, before.pool_used);
        aos_free(p);
        k_mm_stats_t back = stats();
        cr_assert_eq(back.used, before.used);
        cr_assert_eq(back.free_blocks, before.free_blocks);
    }
    assert_heap_valid();
}

Test(mm, slack_is_bounded_by_one_minimal_block)
{
    /* A block is larger than the rounded request only when the rest could
     * not have formed a block of its own. */
    void *keep[64];
    for (size_t i = 0; i < 64; i++) {
        size_t n = 40 + 8 * i;
        keep[i] = aos_malloc(n);
        size_t blk = krhino_mm_blk_size(g_kmm_head, keep[i]);
        cr_assert_lt(blk, ((n + 7) & ~(size_t)7) + 2 * k_mm_hdr_size() + 16, "size %zu got %zu", n, blk);
    }
    for (size_t i = 0; i < 64; i += 2)
        aos_free(keep[i]);
    for (size_t i = 0; i < 32; i++) {
        void *p = aos_malloc(40 + 16 * i);
        cr_assert_lt(krhino_mm_blk_size(g_kmm_head, p), 40 + 16 * i + 2 * k_mm_hdr_size() + 16);
    }
    assert_heap_valid();
}

Test(mm, small_requests_go_to_the_pool_at_blksz_each)
{
    k_mm_stats_t before = stats();
    for (size_t n = 1; n <= 32; n++) {
        void *p = aos_malloc(n);
        cr_assert_not_null(p);
        cr_assert_eq(krhino_mm_blk_size(g_kmm_head, p), 32);
    }
    k_mm_stats_t after = stats();
    cr_assert_eq(after.pool_used, 32 * 32);
    cr_assert_eq(after.pool_free, 0x2000 - 32 * 32);
    cr_assert_eq(after.used, before.used, "pool allocations leave the heap alone");
    void *big = aos_malloc(33);
    cr_assert_eq(stats().pool_used, 32 * 32, "33 bytes is a heap request");
    aos_free(big);
    assert_heap_valid();
}

Test(mm, pool_falls_back_to_heap_when_empty)
{
    void *blocks[256];
    for (int i = 0; i < 256; i++)
        blocks[i] = aos_malloc(8);
    cr_assert_eq(stats().pool_free, 0);
    k_mm_stats_t before = stats();
    void *extra = aos_malloc(8);
    cr_assert_not_null(extra);
    k_mm_stats_t after = stats();
    cr_assert_eq(after.used - before.used, k_mm_hdr_size() + krhino_mm_blk_size(g_kmm_head, extra));
    aos_free(blocks[17]);
    void *again = aos_malloc(8);
    cr_assert_eq(again, blocks[17], "a freed pool block is reused first");
    aos_free(extra);
    cr_assert_eq(stats().used, before.used);
    assert_heap_valid();
}

Test(mm, pool_fault_point_sends_request_to_heap)
{
    cr_assert_eq(k_fault_fail_at(K_FAULT_POOL_ALLOC, 2), 0);
    k_mm_stats_t st0 = stats();
    void *a = aos_malloc(16);
    cr_assert_eq(stats().pool_used, 32);
    void *b = aos_malloc(16);
    cr_assert_eq(stats().pool_used, 32, "2nd pool call fails over to the heap");
    cr_assert_gt(stats().used, st0.used);
    cr_assert_eq(k_fault_injected(K_FAULT_POOL_ALLOC), 1);
    aos_free(a);
    aos_free(b);
    cr_assert_eq(stats().used, st0.used);
}

Test(mm, heap_fault_point_fails_the_nth_allocation_only)
{
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 2), 0);
    void *a = aos_malloc(100);
    void *b = aos_malloc(100);
    void *c = aos_malloc(100);
    cr_assert_not_null(a);
    cr_assert_null(b);
    cr_assert_not_null(c);
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:100"), 1);
    cr_assert_eq(capture_count("Heap Dump"), 0, "an injected fault is not an exhaustion");
    cr_assert_eq(k_fault_calls(K_FAULT_HEAP_ALLOC), 3);
}

Test(mm, fault_schedule_text_parses_and_rejects)
{
    char err[128];
    cr_assert_eq(k_fault_parse("heap=3,5 pool=%2;timerq=7", err, sizeof err), 0, "%s", err);
    bool fails[8];
    for (int i = 1; i <= 7; i++)
        fails[i] = k_fault_should_fail(K_FAULT_HEAP_ALLOC);
    cr_assert(!fails[1] && !fails[2] && fails[3] && !fails[4] && fails[5] && !fails[6]);
    cr_assert(!k_fault_should_fail(K_FAULT_POOL_ALLOC));
    cr_assert(k_fault_should_fail(K_FAULT_POOL_ALLOC));
    cr_assert_eq(k_fault_parse("heap=1 disk=2", err, sizeof err), -1);
    cr_assert_str_eq(err, "fault schedule, column 8: expected heap=, pool= or timerq=");
    cr_assert_eq(k_fault_parse("heap=0", err, sizeof err), -1);
    cr_assert_eq(k_fault_parse("pool=4x", err, sizeof err), -1);
    cr_assert_str_eq(err, "fault schedule, column 7: unexpected character");
}

Test(mm, exhaustion_warns_every_time_and_dumps_once)
{
    int n = 0;
    while (aos_malloc(4096))
        n++;
    cr_assert_gt(n, 60);
    cr_assert_null(aos_malloc(4096));
    cr_assert_eq(capture_count("WARNING, malloc failed!!!! need size:4096, but free size:"), 2);
    cr_assert_eq(capture_count("========== Heap Dump  =========="), 1);
    cr_assert_eq(capture_count("========== End Dump  =========="), 1);
    k_mm_stats_t st = stats();
    cr_assert_lt(st.free, 4096 + 2 * k_mm_hdr_size());
    cr_assert_eq(st.maxused, st.used);
    assert_heap_valid();
}

Test(mm, huge_sizes_fail_cleanly)
{
    k_mm_stats_t before = stats();
    cr_assert_null(aos_malloc(SIZE_MAX));
    cr_assert_null(aos_malloc(SIZE_MAX - 7));
    cr_assert_null(aos_malloc(SIZE_MAX / 2 + 1));
    cr_assert_null(aos_calloc(SIZE_MAX / 2, 3));
    cr_assert_null(aos_calloc(3, SIZE_MAX / 2));
    cr_assert_null(aos_zalloc(SIZE_MAX - 3));
    char *p = aos_malloc(100);
    memset(p, 0x5A, 100);
    cr_assert_null(aos_realloc(p, SIZE_MAX - 1));
    for (int i = 0; i < 100; i++)
        cr_assert_eq((unsigned char)p[i], 0x5A, "realloc failure keeps the old block");
    aos_free(p);
    cr_assert_eq(stats().used, before.used);
    cr_assert_eq(g_err_record.count, 0);
    assert_heap_valid();
}

Test(mm, size_zero_warns_and_free_null_is_a_noop)
{
    k_mm_stats_t before = stats();
    cr_assert_null(aos_malloc(0));
    cr_assert_eq(capture_count("WARNING, malloc size = 0\n"), 1);
    aos_free(NULL);
    krhino_mm_free(NULL);
    cr_assert_eq(g_err_record.count, 0);
    cr_assert_eq(stats().used, before.used);
}

Test(mm, calloc_and_zalloc_zero_the_block)
{
    unsigned char *p = aos_malloc(300);
    memset(p, 0xFF, 300);
    aos_free(p);
    unsigned char *q = aos_calloc(30, 10);
    cr_assert_eq(q, p, "same block comes back");
    for (int i = 0; i < 300; i++)
        cr_assert_eq(q[i], 0);
    memset(q, 0xFF, 300);
    aos_free(q);
    unsigned char *z = aos_zalloc(300);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(z[i], 0);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static void assert_filled(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(p[i], (unsigned char)(seed + i * 7), "byte %zu", i);
}

Test(mm, realloc_shrinks_in_place)
{
    unsigned char *a = aos_malloc(1000);
    void *blocker = aos_malloc(100);
    fill(a, 1000, 3);
    k_mm_stats_t before = stats();
    size_t old_blk = krhino_mm_blk_size(g_kmm_head, a);
    cr_assert_eq(aos_realloc(a, 500), a);
    assert_filled(a, 500, 3);
    cr_assert_eq(before.used - stats().used, old_blk - krhino_mm_blk_size(g_kmm_head, a));
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, a), 504, "500 rounded up to 8");
    (void)blocker;
    assert_heap_valid();
}

Test(mm, realloc_grows_in_place_into_a_free_successor)
{
    unsigned char *a = aos_malloc(200);
    fill(a, 200, 9);
    cr_assert_eq(aos_realloc(a, 3000), a);
    assert_filled(a, 200, 9);
    cr_assert_geq(krhino_mm_blk_size(g_kmm_head, a), 3000);
    assert_heap_valid();
}

Test(mm, realloc_moves_and_keeps_contents)
{
    unsigned char *a = aos_malloc(200);
    void *b = aos_malloc(200);
    fill(a, 200, 11);
    k_mm_stats_t before = stats();
    size_t old_blk = krhino_mm_blk_size(g_kmm_head, a);
    unsigned char *c = aos_realloc(a, 4000);
    cr_assert_not_null(c);
    cr_assert_neq(c, a);
    assert_filled(c, 200, 11);
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, a), 0, "old block is free");
    cr_assert_eq(stats().used - before.used, krhino_mm_blk_size(g_kmm_head, c) - old_blk);
    (void)b;
    assert_heap_valid();
}

Test(mm, realloc_of_a_pool_block)
{
    unsigned char *p = aos_malloc(16);
    fill(p, 16, 5);
    cr_assert_eq(aos_realloc(p, 30), p, "fits the pool block: stays");
    cr_assert_eq(stats().pool_used, 32);
    unsigned char *q = aos_realloc(p, 100);
    cr_assert_neq(q, p);
    assert_filled(q, 16, 5);
    cr_assert_eq(stats().pool_used, 0, "pool block released after the move");
    cr_assert_null(aos_realloc(q, 0), "realloc to 0 frees");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, q), 0);
    unsigned char *r = aos_realloc(NULL, 10);
    cr_assert_eq(stats().pool_used, 32, "realloc(NULL) allocates");
    aos_free(r);
    assert_heap_valid();
}

Test(mm, freeing_coalesces_with_both_neighbours)
{
    void *a = aos_malloc(100), *b = aos_malloc(100), *c = aos_malloc(100), *d = aos_malloc(100);
    size_t base_free = stats().free_blocks;
    aos_free(a);
    aos_free(c);
    cr_assert_eq(stats().free_blocks, base_free + 2);
    aos_free(b); /* joins a (left) and c (right) */
    cr_assert_eq(stats().free_blocks, base_free + 1);
    assert_heap_valid();
    aos_free(d); /* joins the merged run and the free remainder */
    cr_assert_eq(stats().free_blocks, base_free);
    assert_heap_valid();
}

Test(mm, added_regions_extend_the_heap)
{
    static union { unsigned char b[16384]; uint64_t a; } extra;
    k_mm_stats_t before = stats();
    cr_assert_eq(krhino_add_mm_region(g_kmm_head, extra.b + 1, sizeof extra.b - 1), RHINO_SUCCESS);
    k_mm_stats_t after = stats();
    cr_assert_eq(after.total - before.total, sizeof extra.b - 8, "trimmed to 8-byte alignment");
    cr_assert_eq(after.free_blocks, before.free_blocks + 1);
    cr_assert_eq(krhino_add_mm_region(g_kmm_head, extra.b + 64, 4096), RHINO_INV_PARAM, "overlap refused");
    cr_assert_eq(krhino_add_mm_region(g_kmm_head, extra.b, 16), RHINO_MM_POOL_SIZE_ERR);
    assert_heap_valid();
    int in_extra = 0;
    void *p;
    while ((p = aos_malloc(1000)))
        in_extra += (unsigned char *)p >= extra.b && (unsigned char *)p < extra.b + sizeof extra.b;
    cr_assert_geq(in_extra, 15, "allocations spill into the added region");
    assert_heap_valid();
}

Test(mm, a_heap_too_small_for_the_pool_has_none)
{
    static union { unsigned char b[6000]; uint64_t a; } small;
    k_mm_head *h;
    cr_assert_eq(krhino_init_mm_head(&h, small.b, sizeof small.b), RHINO_SUCCESS);
    k_mm_stats_t st;
    k_mm_stats(h, &st);
    cr_assert_eq(st.pool_size, 0);
    void *p = k_mm_alloc(h, 8, 0, K_MM_KIND_DATA);
    cr_assert_not_null(p);
    k_mm_check_t c;
    cr_assert(k_mm_validate(h, &c), "%s", c.what);
    cr_assert_eq(krhino_init_mm_head(&h, small.b, 64), RHINO_MM_POOL_SIZE_ERR);
    cr_assert_eq(krhino_init_mm_head(NULL, small.b, 64), RHINO_NULL_PTR);
}

Test(mm, overview_prints_the_heap_info_table)
{
    capture_reset();
    krhino_mm_overview(capture_print);
    k_mm_stats_t st = stats();
    char expect[1024];
    snprintf(expect, sizeof expect,
             "========== Heap Info  ==========\n"
             "-----------------------------------------------------------\n"
             "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
             "      | 0x0004A838 | 0x%08zX | 0x%08zX | 0x%08zX |\n"
             "-----------------------------------------------------------\n"
             "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"
             "      | 0x00002000 | 0x00002000 | 0x00000000 | 0x00000020 |\n"
             "-----------------------------------------------------------\n",
             st.free, st.used, st.total - st.maxused);
    cr_assert_str_eq(capture_text(), expect);
#if UINTPTR_MAX == UINT64_MAX && RHINO_CONFIG_MM_DEBUG
    /* The figures themselves on a 64-bit host (README, "Accounting"). */
    cr_assert(strstr(capture_text(), "| 0x0004A838 | 0x000477F0 | 0x00003048 | 0x000477F0 |"));
#endif
}

Test(mm, overview_with_null_goes_to_the_kernel_console)
{
    void *p = aos_malloc(16);
    krhino_mm_overview(NULL);
    cr_assert(strstr(capture_text(), "      | 0x00002000 | 0x00001FE0 | 0x00000020 | 0x00000020 |\n"));
    cr_assert_gt(stats().total - stats().maxused, 0);
    aos_free(p);
}

__attribute__((noinline)) static void *alloc_like_a_timer_driver(size_t n) { return aos_malloc(n); }
__attribute__((noinline)) static void *alloc_like_a_buffer_user(size_t n) { return aos_malloc(n); }

typedef struct {
    uintptr_t owners[8];
    int n;
} owners_t;

static bool collect_data_owners(const k_mm_blk_info_t *b, void *ctx)
{
    owners_t *o = ctx;
    if (b->used && b->kind == K_MM_KIND_DATA && o->n < 8)
        o->owners[o->n++] = b->owner;
    return true;
}

Test(mm, owner_is_the_caller)
{
    alloc_like_a_timer_driver(100);
    alloc_like_a_buffer_user(20); /* pool block */
    owners_t o = {0};
    cr_assert(k_mm_walk(g_kmm_head, collect_data_owners, &o));
    cr_assert_eq(o.n, 2);
    cr_assert(unit_owner_is_in(o.owners[0], (const void *)alloc_like_a_timer_driver), "heap owner %#lx",
              (unsigned long)o.owners[0]);
    cr_assert(unit_owner_is_in(o.owners[1], (const void *)alloc_like_a_buffer_user), "pool owner %#lx",
              (unsigned long)o.owners[1]);
}

Test(mm, dump_lists_blocks_then_owners_by_bytes)
{
    for (int i = 0; i < 3; i++)
        alloc_like_a_timer_driver(200);
    alloc_like_a_buffer_user(1000);
    alloc_like_a_buffer_user(8);
    capture_reset();
    krhino_mm_dump(capture_print);
    const char *t = capture_text();
    const char *blocks = strstr(t, "Blk_Addr    Stat  Len         Chk  Owner       Kind\n");
    const char *summary = strstr(t, "========== Owner Summary  ==========\nOwner       Count       Bytes       Kind\n");
    const char *overview = strstr(t, "========== Heap Info  ==========");
    cr_assert(blocks && summary && overview && blocks < summary && summary < overview);
    cr_assert(strstr(t, "  used  0x000000C8  OK   "), "a 200-byte block row");
    cr_assert(strstr(t, "  pool  0x00000020  OK   "), "a pool block row");
    cr_assert(strstr(t, "  free  "), "the free remainder row");
    /* Summary order: pool slab 8192, then buffer user 1000+32, then 3 x 200. */
    const char *slab = strstr(summary, "0x00000000  1           8192        pool\n");
    const char *user = strstr(summary, "  2           1032        data\n");
    const char *drv = strstr(summary, "  3           600         data\n");
    cr_assert(slab && user && drv && slab < user && user < drv, "%s", summary);
    cr_assert(strstr(t, "========== End Dump  ==========\n"));
}
