/* The heap walk and the dump: early stops, heaps without a pool, the owner
 * summary's limits and order, a corrupt heap, kind names. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "unit_support.h"

TestSuite(dump, .init = unit_fresh_kernel);

/* ---- walk --------------------------------------------------------------- */

typedef struct {
    unsigned heap, pool;  /* blocks seen */
    unsigned stop_after;  /* return false at this call (1-based); 0 = never */
    bool stop_at_pool;    /* return false at the first pool block */
} walk_count_t;

static bool count_blocks(const k_mm_blk_info_t *b, void *ctx)
{
    walk_count_t *w = ctx;
    if (b->in_pool)
        w->pool++;
    else
        w->heap++;
    if (w->stop_at_pool && b->in_pool)
        return false;
    return w->stop_after == 0 || w->heap + w->pool < w->stop_after;
}

Test(dump, the_walk_stops_when_the_callback_says_so_in_the_heap_and_in_the_pool)
{
    void *a = aos_malloc(100), *b = aos_malloc(200);
    void *p1 = aos_malloc(8), *p2 = aos_malloc(8), *p3 = aos_malloc(8);
    walk_count_t all = {0};
    cr_assert(k_mm_walk(g_kmm_head, count_blocks, &all));
    /* slab, a, b, the free remainder; three pool blocks */
    cr_assert_eq(all.heap, 4);
    cr_assert_eq(all.pool, 3);

    walk_count_t first = {.stop_after = 1};
    cr_assert_not(k_mm_walk(g_kmm_head, count_blocks, &first));
    cr_assert_eq(first.heap + first.pool, 1, "no call after the callback said stop");

    walk_count_t pool = {.stop_at_pool = true};
    cr_assert_not(k_mm_walk(g_kmm_head, count_blocks, &pool), "a stop in the pool part is reported too");
    cr_assert_eq(pool.heap, all.heap, "every heap block came first");
    cr_assert_eq(pool.pool, 1);

    walk_count_t second_pool = {.stop_after = all.heap + 2};
    cr_assert_not(k_mm_walk(g_kmm_head, count_blocks, &second_pool));
    cr_assert_eq(second_pool.pool, 2);
    (void)a, (void)b, (void)p1, (void)p2, (void)p3;
}

static bool refuse_pool_blocks(const k_mm_blk_info_t *b, void *ctx)
{
    (*(unsigned *)ctx)++;
    return !b->in_pool;
}

Test(dump, a_heap_without_a_pool_walks_its_heap_blocks_only)
{
    static union {
        unsigned char b[6000];
        uint64_t a;
    } small;
    k_mm_head *h;
    cr_assert_eq(krhino_init_mm_head(&h, small.b, sizeof small.b), RHINO_SUCCESS);
    cr_assert_eq(unit_heap_stats(h).pool_size, 0);
    void *p = k_mm_alloc(h, 8, 0x4242, K_MM_KIND_DATA);
    cr_assert_not_null(p);
    unsigned seen = 0;
    cr_assert(k_mm_walk(h, refuse_pool_blocks, &seen), "no pool block was offered");
    cr_assert_eq(seen, 2, "the 8-byte block (in the heap) and the free remainder");
}

/* ---- owner summary ------------------------------------------------------ */

/* The summary rows between its header and the overview. */
static const char *summary_of(const char *text)
{
    static const char head[] = "========== Owner Summary  ==========\nOwner       Count       Bytes       Kind\n";
    const char *s = strstr(text, head);
    cr_assert_not_null(s, "no summary in:\n%s", text);
    return s + strlen(head);
}

static int lines_before(const char *from, const char *marker)
{
    const char *end = strstr(from, marker);
    cr_assert_not_null(end);
    int n = 0;
    for (const char *p = from; p < end; p++)
        n += *p == '\n';
    return n;
}

/* One summary row as the README documents it. */
static const char *row(uintptr_t owner, unsigned long count, unsigned long bytes, const char *kind)
{
    static char buf[8][96];
    static unsigned next;
    char *r = buf[next++ % 8];
    snprintf(r, sizeof buf[0], "0x%08lx  %-10lu  %-10lu  %s\n", (unsigned long)owner, count, bytes, kind);
    return r;
}

/* rows begins with the given rows, in that order. */
static void assert_rows_begin_with(const char *rows, const char *const *want, size_t n)
{
    const char *at = rows;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(strncmp(at, want[i], strlen(want[i])), 0, "row %zu: want %sgot:\n%s", i + 1, want[i], rows);
        at += strlen(want[i]);
    }
}

#define FIRST_OWNER ((uintptr_t)0x10000)
#define OWNERS 70 /* more than the 64 the summary can group */

Test(dump, the_summary_groups_at_most_64_owners_and_counts_the_blocks_of_the_rest)
{
    for (uintptr_t i = 0; i < OWNERS; i++)
        cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, FIRST_OWNER + 16 * i, K_MM_KIND_DATA));
    /* The walk goes by address: the slab takes row 1, owners 0..62 rows
     * 2..64; owners 63..69 do not fit. A later block of a grouped owner
     * still adds to its row, one of an ungrouped owner to the rest. */
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, FIRST_OWNER, K_MM_KIND_DATA));
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, FIRST_OWNER + 16 * (OWNERS - 1), K_MM_KIND_DATA));
    capture_reset();
    krhino_mm_dump(capture_print);
    const char *rows = summary_of(capture_text());
    cr_assert_eq(lines_before(rows, "(8 more blocks of further owners not grouped)\n"), 64, "%s", rows);
    cr_assert_eq(lines_before(rows, "========== Heap Info  =========="), 65);
    /* Most bytes first, then by owner. */
    const char *const want[] = {
        row(0, 1, 8192, "pool"),
        row(FIRST_OWNER, 2, 208, "data"),
        row(FIRST_OWNER + 16, 1, 104, "data"),
        row(FIRST_OWNER + 32, 1, 104, "data"),
    };
    assert_rows_begin_with(rows, want, sizeof want / sizeof want[0]);
    char last[96];
    snprintf(last, sizeof last, "%s(8 more", row(FIRST_OWNER + 16 * 62, 1, 104, "data"));
    cr_assert(strstr(rows, last), "owner 62 is the last one grouped:\n%s", rows);
}

Test(dump, one_owner_with_data_and_timer_blocks_gets_one_row_per_kind)
{
    const uintptr_t owner = 0x5000;
    /* Equal bytes order by owner, then by kind (data before timer). */
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, owner, K_MM_KIND_TIMER));
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, owner, K_MM_KIND_DATA));
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, 0xC000, K_MM_KIND_DATA));
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 100, 0x4000, K_MM_KIND_DATA));
    cr_assert_not_null(k_mm_alloc(g_kmm_head, 300, 0x9000, K_MM_KIND_DATA));
    capture_reset();
    krhino_mm_dump(capture_print);
    const char *const want[] = {
        row(0, 1, 8192, "pool"),
        row(0x9000, 1, 304, "data"),
        row(0x4000, 1, 104, "data"),
        row(owner, 1, 104, "data"),
        row(owner, 1, 104, "timer"),
        row(0xC000, 1, 104, "data"),
        "========== Heap Info  ==========\n",
    };
    assert_rows_begin_with(summary_of(capture_text()), want, sizeof want / sizeof want[0]);
    cr_assert_eq(capture_count("not grouped"), 0);
}

Test(dump, the_owner_summary_alone_prints_its_first_rows_and_counts_the_other_owners)
{
    /* 504, 400, 304, 200 and 104 bytes (8-byte rounding): with the slab,
     * six rows. */
    for (uintptr_t i = 0; i < 5; i++)
        cr_assert_not_null(k_mm_alloc(g_kmm_head, 100 * (i + 1), 0x7000 + 16 * i, K_MM_KIND_DATA));
    capture_reset();
    k_mm_dump_owners(g_kmm_head, capture_print, 3);
    char expect[512];
    snprintf(expect, sizeof expect,
             "========== Owner Summary  ==========\n"
             "Owner       Count       Bytes       Kind\n"
             "%s%s%s"
             "(3 more owners)\n",
             row(0, 1, 8192, "pool"), row(0x7040, 1, 504, "data"), row(0x7030, 1, 400, "data"));
    cr_assert_str_eq(capture_text(), expect, "no block table, no overview");

    capture_reset();
    k_mm_dump_owners(g_kmm_head, capture_print, 6);
    cr_assert_eq(capture_count("more owners"), 0, "all six fit");
    cr_assert(strstr(capture_text(), row(0x7000, 1, 104, "data")), "%s", capture_text());
}

Test(dump, a_corrupt_heap_is_dumped_up_to_the_damage_with_a_warning)
{
    unsigned char *a = aos_malloc(100), *b = aos_malloc(100), *c = aos_malloc(100);
    void *pool_blk = aos_malloc(8);
    k_mm_blk_t *hb = blk_from_payload(b), *hc = blk_from_payload(c);
#if RHINO_CONFIG_MM_DEBUG
    hb->dye ^= 0x00100000u; /* shown as BAD, the walk goes on */
#endif
    hc->size = ((SIZE_MAX / 4) & ~(size_t)7) | (hc->size & K_MM_FLAGS); /* the walk cannot go past c */
    capture_reset();
    krhino_mm_dump(capture_print);
    const char *t = capture_text();
    char row[128];
#if RHINO_CONFIG_MM_DEBUG
    snprintf(row, sizeof row, "0x%08lx  used  0x00000068  BAD  ", (unsigned long)(uintptr_t)b);
    cr_assert(strstr(t, row), "b's row says BAD:\n%s", t);
#endif
    snprintf(row, sizeof row, "0x%08lx  used  0x00000068  OK   ", (unsigned long)(uintptr_t)a);
    cr_assert(strstr(t, row), "a's row is fine:\n%s", t);
    snprintf(row, sizeof row, "0x%08lx  used  ", (unsigned long)(uintptr_t)c);
    const char *crow = strstr(t, row);
    cr_assert_not_null(crow, "c itself is listed");
    const char *warn = strstr(t, "WARNING, heap walk stopped at a corrupt block\n");
    const char *summary = strstr(t, "========== Owner Summary  ==========\n");
    cr_assert(warn && summary && crow < warn && warn < summary, "%s", t);
    cr_assert_eq(capture_count("  free  "), 0, "nothing after c was reached");
    cr_assert_eq(capture_count("  pool  "), 0, "nor the pool");
    cr_assert(strstr(t, "========== End Dump  ==========\n"), "the dump still ends properly");
    (void)pool_blk;
}

Test(dump, kind_names_and_an_out_of_range_kind)
{
    cr_assert_str_eq(k_mm_kind_name(K_MM_KIND_DATA), "data");
    cr_assert_str_eq(k_mm_kind_name(K_MM_KIND_TIMER), "timer");
    cr_assert_str_eq(k_mm_kind_name(K_MM_KIND_POOL), "pool");
    cr_assert_str_eq(k_mm_kind_name(K_MM_KIND_REGION), "region");
    cr_assert_str_eq(k_mm_kind_name(K_MM_KIND_COUNT), "?");
    cr_assert_str_eq(k_mm_kind_name((k_mm_kind_t)-1), "?");
}
