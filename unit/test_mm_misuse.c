/* Misuse is detected and reported, never absorbed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "unit_support.h"

TestSuite(misuse, .init = unit_fresh_kernel);

static void assert_reported(kstat_t err, const void *addr, const char *what)
{
    char line[160];
    snprintf(line, sizeof line, "WARNING, %s: 0x%08lx\n", what, (unsigned long)(uintptr_t)addr);
    cr_assert_eq(g_err_record.count, 1, "error hook called once");
    cr_assert_eq(g_err_record.last_err, err, "got %s", k_err_name(g_err_record.last_err));
    cr_assert_eq(g_err_record.last_addr, addr);
    cr_assert(strstr(capture_text(), line), "expected '%s' in:\n%s", line, capture_text());
}

static k_mm_stats_t stats(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st;
}

Test(misuse, double_free_of_a_heap_block)
{
    void *p = aos_malloc(100);
    void *guard = aos_malloc(100);
    aos_free(p);
    k_mm_stats_t before = stats();
    aos_free(p);
    assert_reported(RHINO_MM_DOUBLE_FREE, p, "double free");
    cr_assert_eq(stats().used, before.used, "the heap is left alone");
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "%s", c.what);
    (void)guard;
}

Test(misuse, double_free_after_merging_with_a_neighbour)
{
    void *a = aos_malloc(100), *b = aos_malloc(100), *guard = aos_malloc(100);
    aos_free(a);
    aos_free(b); /* b's header is now inside a's free block */
    aos_free(b);
    assert_reported(RHINO_MM_DOUBLE_FREE, b, "double free");
    (void)guard;
}

Test(misuse, double_free_of_a_pool_block)
{
    void *p = aos_malloc(8);
    aos_free(p);
    aos_free(p);
    assert_reported(RHINO_MM_DOUBLE_FREE, p, "double free of a pool block");
    cr_assert_eq(stats().pool_used, 0);
}

Test(misuse, free_of_a_foreign_pointer)
{
    static char not_heap[64];
    aos_free(not_heap + 8);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, not_heap + 8, "free of a pointer not from the heap");
}

Test(misuse, free_of_a_misaligned_heap_pointer)
{
    char *p = aos_malloc(100);
    aos_free(p + 3);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, p + 3, "free of a pointer not from the heap");
}

Test(misuse, free_of_an_interior_pointer)
{
    char *p = aos_malloc(100);
    memset(p, 0, 100);
    aos_free(p + 48);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
}

Test(misuse, free_inside_a_pool_block)
{
    char *p = aos_malloc(8);
    aos_free(p + 8);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, p + 8, "free of a pointer inside a pool block");
}

Test(misuse, overwritten_dye_is_caught_by_free_and_validate)
{
    unsigned char *p = aos_malloc(100);
    void *guard = aos_malloc(100);
    p[(ptrdiff_t)offsetof(k_mm_blk_t, dye) - (ptrdiff_t)k_mm_hdr_size()] ^= 0x40;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.what, "dye word overwritten");
    aos_free(p);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    (void)guard;
}

Test(misuse, buffer_overrun_into_the_next_header_is_caught)
{
    unsigned char *a = aos_malloc(64);
    unsigned char *b = aos_malloc(64);
    memset(a, 0xEE, krhino_mm_blk_size(g_kmm_head, a) + 8); /* runs over b's prev_phys */
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_eq(c.where, (uintptr_t)(b - k_mm_hdr_size()), "names the damaged block: %s at %#lx vs b %p",
                 c.what, (unsigned long)c.where, (void *)b);
    aos_free(b);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
}

Test(misuse, the_default_hook_stops_the_program, .signal = SIGABRT)
{
    k_err_hook_set(NULL);
    void *p = aos_malloc(100);
    aos_free(p);
    aos_free(p);
}
