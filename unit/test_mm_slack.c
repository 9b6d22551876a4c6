/* The slack canary: a write past the bytes requested that stays inside the
 * block's capacity (alignment rounding, a pool block's tail) is an overflow
 * of that block, found by the validator and by free/realloc, with the
 * block's owner; realloc and calloc keep the canary where it belongs. */
#include <criterion/criterion.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "unit_support.h"

TestSuite(slack, .init = unit_fresh_kernel);

static const k_mm_blame_t *last_blame(void) { return &k_mm_last_misuse()->blame; }

static bool in_pool(const void *p) { return mm_pool_owns(&g_kmm_head->pool, p); }

static __attribute__((noinline)) void *alloc_here(size_t n) { return aos_malloc(n); }

static void assert_heap_clean(const char *when)
{
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "%s: %s", when, c.what);
}

/* The validator names p as overflowed at byte `at`, allocated by alloc_here. */
static void assert_validator_names_overflow(const void *p, size_t at)
{
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c), "a write past the bytes requested is reported as an overflow");
    cr_assert_str_eq(c.blame.label, "overflow", "%s", c.what);
    cr_assert_eq(c.blame.blk, (uintptr_t)p);
    cr_assert_eq(c.blame.offset, at, "first written byte %zu, want %zu", c.blame.offset, at);
    const k_trace_t *t = k_trace_get(c.blame.trace);
    cr_assert_not_null(t, "with the block's trace record");
    cr_assert(unit_owner_is_in(t->alloc[0], (void *)alloc_here), "allocated here");
}

/* free(p) reports the overflow and leaves p allocated. */
static void assert_free_names_overflow(void *p, size_t at)
{
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    aos_free(p);
    cr_assert_eq(g_err_record.count, 1, "the free reports it");
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    cr_assert_str_eq(last_blame()->label, "overflow");
    cr_assert_eq(last_blame()->blk, (uintptr_t)p);
    cr_assert_eq(last_blame()->offset, at);
    cr_assert_neq(last_blame()->site[0], 0, "at the faulting call");
    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert(after.used == before.used && after.pool_used == before.pool_used, "and does not free it");
}

/* A block of `size` bytes (from the pool or the heap) written in full is
 * clean; a write of its byte `at`, past them, is an overflow. */
static void assert_write_past_is_caught(size_t size, bool pooled, size_t at)
{
    unsigned char *p = alloc_here(size);
    cr_assert_eq(in_pool(p), pooled, "%zu bytes from the %s", size, pooled ? "pool" : "heap");
    memset(p, 0xA5, size);
    assert_heap_clean("all bytes requested written");
    p[at] = 0xA5;
    assert_validator_names_overflow(p, at);
    assert_free_names_overflow(p, at);
}

Test(slack, one_byte_past_an_odd_heap_block_is_an_overflow)
{
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, aos_malloc(509)), 512, "509 bytes round up to 512");
    assert_write_past_is_caught(509, false, 509);
}

Test(slack, the_last_byte_of_a_small_heap_block_is_checked) { assert_write_past_is_caught(45, false, 47); }

Test(slack, one_byte_past_an_odd_pool_block_is_an_overflow) { assert_write_past_is_caught(13, true, 13); }

Test(slack, the_tail_of_a_pool_block_is_checked)
{
    assert_write_past_is_caught(1, true, RHINO_CONFIG_MM_BLK_SIZE - 1);
}

Test(slack, a_realloc_checks_the_old_slack)
{
    unsigned char *p = alloc_here(13);
    p[14] = 1;
    cr_assert_null(aos_realloc(p, 20), "the overflowed block is not resized");
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(last_blame()->label, "overflow");
    cr_assert_eq(last_blame()->offset, 14);
}

Test(slack, a_heap_realloc_checks_the_old_slack)
{
    unsigned char *p = alloc_here(45);
    p[46] = 1;
    cr_assert_null(aos_realloc(p, 100), "the overflowed block is not resized");
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(last_blame()->label, "overflow");
    cr_assert_eq(last_blame()->blk, (uintptr_t)p);
    cr_assert_eq(last_blame()->offset, 46);
}

Test(slack, a_freed_pool_block_is_no_overflow_but_a_double_free)
{
    unsigned char *p = alloc_here(13);
    aos_free(p);
    p[13] = 0; /* its slack, after the free */
    aos_free(aos_realloc(p, 64));
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(last_blame()->label, "double-free", "the slack of a freed block is not checked");
}

/* p's first `kept` bytes still hold the pattern i*7, its slack from `size`
 * on is intact, and a write of byte `size` is caught. */
static void assert_canary_at(unsigned char *p, size_t kept, size_t size, const char *when)
{
    for (size_t i = 0; i < kept; i++)
        cr_assert_eq(p[i], (unsigned char)(i * 7), "%s: byte %zu kept", when, i);
    assert_heap_clean(when);
    size_t cap = krhino_mm_blk_size(g_kmm_head, p);
    if (cap == size)
        return;
    unsigned char keep = p[size];
    p[size] = (unsigned char)~K_MM_SLACK;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c), "%s: byte %zu (of %zu) is slack", when, size, cap);
    cr_assert_eq(c.blame.offset, size, "%s", when);
    p[size] = keep;
}

static unsigned char *filled(size_t n)
{
    unsigned char *p = alloc_here(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7);
    return p;
}

Test(slack, realloc_in_place_moves_the_canary)
{
    unsigned char *p = filled(509);
    cr_assert_eq(aos_realloc(p, 301), p, "shrinks in place");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, p), 304, "and splits off the rest");
    assert_canary_at(p, 301, 301, "shrunk to 301");
    cr_assert_eq(aos_realloc(p, 303), p, "grows within its capacity");
    assert_canary_at(p, 301, 303, "grown to 303");
    cr_assert_eq(aos_realloc(p, 250), p);
    cr_assert_eq(aos_realloc(p, 411), p, "grows into its free successor");
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, p), 416);
    assert_canary_at(p, 250, 411, "grown into the successor (250 kept)");
    cr_assert_eq(g_err_record.count, 0);
    aos_free(p);
    cr_assert_eq(g_err_record.count, 0, "a block resized in place frees clean");
}

Test(slack, realloc_to_a_new_block_keeps_the_bytes_and_the_canary)
{
    unsigned char *p = filled(13);
    cr_assert(in_pool(p));
    cr_assert_eq(aos_realloc(p, 27), p, "stays in its pool block");
    assert_canary_at(p, 13, 27, "pool block grown to 27 (13 kept)");
    cr_assert_eq(aos_realloc(p, 5), p, "shrinks in its pool block");
    assert_canary_at(p, 5, 5, "pool block shrunk to 5");
    unsigned char *q = aos_realloc(p, 61);
    cr_assert_not(in_pool(q), "moves to the heap");
    assert_canary_at(q, 5, 61, "moved to a 61-byte heap block (5 kept)");
    aos_free(q);
    cr_assert_eq(g_err_record.count, 0, "a moved block frees clean");
}

Test(slack, calloc_zeroes_the_bytes_requested_and_keeps_the_canary)
{
    unsigned char *p = aos_calloc(5, 3);
    for (size_t i = 0; i < 15; i++)
        cr_assert_eq(p[i], 0, "byte %zu zeroed", i);
    cr_assert_eq(p[15], K_MM_SLACK);
    assert_heap_clean("calloc of 15");
    unsigned char *q = aos_calloc(1, 509);
    for (size_t i = 0; i < 509; i++)
        cr_assert_eq(q[i], 0, "byte %zu zeroed", i);
    assert_heap_clean("calloc of 509");
}

Test(slack, the_canary_costs_no_heap_bytes)
{
    k_mm_stats_t before = unit_heap_stats(g_kmm_head);
    void *p = aos_malloc(509);
    k_mm_stats_t after = unit_heap_stats(g_kmm_head);
    cr_assert_eq(after.used - before.used, k_mm_hdr_size() + 512, "header + 509 rounded to 8");
    aos_free(p);
    cr_assert_eq(unit_heap_stats(g_kmm_head).used, before.used);
}
