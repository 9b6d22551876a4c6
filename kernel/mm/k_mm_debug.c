/* Walking the heap and printing it: the Heap Info overview and the dump.
 * The text formats are stable; tools/mmdump and tools/mmtrend parse them
 * (README, "Reading the overview and the dump"). */
#include "k_mm_internal.h"

#ifndef RHINO_CONFIG_MM_DUMP_OWNERS
#define RHINO_CONFIG_MM_DUMP_OWNERS 64 /* distinct owners the dump summary can group */
#endif

/* One word each: tools/mmdump reads the kind as [a-z-]{1,11}. */
static const char *const kind_names[K_MM_KIND_COUNT] = {
    [K_MM_KIND_DATA] = "data",   [K_MM_KIND_TIMER] = "timer", [K_MM_KIND_POOL] = "pool",
    [K_MM_KIND_REGION] = "region", [K_MM_KIND_MUTEX] = "mutex", [K_MM_KIND_SEM] = "sem",
    [K_MM_KIND_QUEUE] = "queue", [K_MM_KIND_DELAYED_ACTION] = "dly-action", [K_MM_KIND_WORK] = "work",
};

const char *k_mm_kind_name(k_mm_kind_t kind)
{
    return (unsigned)kind < K_MM_KIND_COUNT ? kind_names[kind] : "?";
}

static k_print_fn sink(k_print_fn print) { return print ? print : k_printf; }

/* ---- walk ------------------------------------------------------------- */
static bool walk_region(const k_mm_region_t *r, k_mm_walk_fn fn, void *ctx)
{
    const k_mm_blk_t *b = region_next_blk(r, region_first_blk(r));
    while (b && !blk_is_sentinel_end(b)) {
        k_mm_blk_info_t info;
        describe_heap_blk(b, &info);
        if (!fn(&info, ctx))
            return false;
        b = region_next_blk(r, b);
    }
    return b != NULL;
}

#if RHINO_CONFIG_MM_BLK
static bool report_pool_blk(const k_mm_pool_t *pool, size_t i, k_mm_walk_fn fn, void *ctx)
{
    k_mm_blk_info_t info = {
        .addr = (uintptr_t)(pool->base + i * pool->blk_size),
        .size = pool->blk_size,
        .used = true,
        .in_pool = true,
        .dye_ok = true,
#if RHINO_CONFIG_MM_DEBUG
        .owner = pool->owner[i],
        .kind = (k_mm_kind_t)pool->kind[i],
#endif
    };
    info.hdr_addr = info.addr;
    return fn(&info, ctx);
}

/* Used blocks only, a bitmap word at a time. */
bool walk_pool(const k_mm_pool_t *pool, k_mm_walk_fn fn, void *ctx)
{
    for (size_t w = 0; pool->base && w < sizeof pool->used_map / sizeof pool->used_map[0]; w++)
        for (uint32_t bits = pool->used_map[w]; bits; bits &= bits - 1)
            if (!report_pool_blk(pool, w * 32 + (size_t)__builtin_ctz(bits), fn, ctx))
                return false;
    return true;
}
#endif

bool k_mm_walk(const k_mm_head *h, k_mm_walk_fn fn, void *ctx)
{
    for (const k_mm_region_t *r = h->regions; r; r = r->next)
        if (!walk_region(r, fn, ctx))
            return false;
#if RHINO_CONFIG_MM_BLK
    return walk_pool(&h->pool, fn, ctx);
#else
    return true;
#endif
}

/* ---- overview --------------------------------------------------------- */
#define RULE "-----------------------------------------------------------\n"

void k_mm_overview(const k_mm_head *h, k_print_fn print)
{
    k_print_fn out = sink(print);
    k_mm_stats_t st;
    k_mm_stats(h, &st);
    out("========== Heap Info  ==========\n");
    out(RULE);
    out("[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n");
    out("      | 0x%08lX | 0x%08lX | 0x%08lX | 0x%08lX |\n", (unsigned long)st.total,
        (unsigned long)st.free, (unsigned long)st.used, (unsigned long)(st.total - st.maxused));
    out(RULE);
    out("[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n");
    out("      | 0x%08lX | 0x%08lX | 0x%08lX | 0x%08lX |\n", (unsigned long)st.pool_size,
        (unsigned long)st.pool_free, (unsigned long)st.pool_used, (unsigned long)st.pool_blk);
    out(RULE);
}

void krhino_mm_overview(k_print_fn print) { k_mm_overview(g_kmm_head, print); }

/* ---- dump ------------------------------------------------------------- */
typedef struct {
    uintptr_t owner;
    k_mm_kind_t kind;
    unsigned long count;
    unsigned long bytes;
} owner_row_t;

typedef struct {
    k_print_fn out;
    bool print_rows; /* the block table too, not just the owner tally */
    owner_row_t rows[RHINO_CONFIG_MM_DUMP_OWNERS];
    size_t nrows;
    unsigned long ungrouped; /* blocks whose owner did not fit the table */
} dump_ctx_t;

static const char *blk_stat_name(const k_mm_blk_info_t *b)
{
    return !b->used ? "free" : b->in_pool ? "pool" : "used";
}

static void tally_owner(dump_ctx_t *d, const k_mm_blk_info_t *b)
{
    for (size_t i = 0; i < d->nrows; i++) {
        if (d->rows[i].owner == b->owner && d->rows[i].kind == b->kind) {
            d->rows[i].count++;
            d->rows[i].bytes += (unsigned long)b->size;
            return;
        }
    }
    if (d->nrows == RHINO_CONFIG_MM_DUMP_OWNERS) {
        d->ungrouped++;
        return;
    }
    d->rows[d->nrows++] = (owner_row_t){b->owner, b->kind, 1, (unsigned long)b->size};
}

static bool visit_blk(const k_mm_blk_info_t *b, void *ctx)
{
    dump_ctx_t *d = ctx;
    if (d->print_rows)
        d->out(K_ADDR_FMT "  %s  0x%08lX  %-3s  " K_ADDR_FMT "  %s\n", K_ADDR(b->addr), blk_stat_name(b),
           (unsigned long)b->size, b->dye_ok ? "OK" : "BAD", K_ADDR(b->owner),
           b->used ? k_mm_kind_name(b->kind) : "-");
    if (b->used)
        tally_owner(d, b);
    return true;
}

/* Most bytes first; ties by owner then kind, so the order is stable. */
static bool row_goes_before(const owner_row_t *a, const owner_row_t *b)
{
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes;
    if (a->owner != b->owner)
        return a->owner < b->owner;
    return a->kind < b->kind;
}

static void sort_rows(owner_row_t *rows, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        owner_row_t r = rows[i];
        size_t j = i;
        for (; j > 0 && row_goes_before(&r, &rows[j - 1]); j--)
            rows[j] = rows[j - 1];
        rows[j] = r;
    }
}

static dump_ctx_t g_dump; /* static: the dump runs when the heap is exhausted */

/* Walks the heap into g_dump (rows printed if asked); false if the walk
 * met a corrupt block. */
static dump_ctx_t *tally_heap(const k_mm_head *h, k_print_fn print, bool print_rows)
{
    dump_ctx_t *d = &g_dump;
    d->out = sink(print);
    d->print_rows = print_rows;
    d->nrows = 0;
    d->ungrouped = 0;
    if (!k_mm_walk(h, visit_blk, d))
        d->out("WARNING, heap walk stopped at a corrupt block\n");
    sort_rows(d->rows, d->nrows);
    return d;
}

static void print_owner_summary(const dump_ctx_t *d, size_t max_rows)
{
    d->out("========== Owner Summary  ==========\n");
    d->out("Owner       Count       Bytes       Kind\n");
    for (size_t i = 0; i < d->nrows && i < max_rows; i++)
        d->out(K_ADDR_FMT "  %-10lu  %-10lu  %s\n", K_ADDR(d->rows[i].owner), d->rows[i].count,
               d->rows[i].bytes, k_mm_kind_name(d->rows[i].kind));
    if (d->nrows > max_rows)
        d->out("(%lu more owners)\n", (unsigned long)(d->nrows - max_rows));
    if (d->ungrouped)
        d->out("(%lu more blocks of further owners not grouped)\n", d->ungrouped);
}

void k_mm_dump(const k_mm_head *h, k_print_fn print)
{
    sink(print)("========== Heap Dump  ==========\n");
    sink(print)("Blk_Addr    Stat  Len         Chk  Owner       Kind\n");
    dump_ctx_t *d = tally_heap(h, print, true);
    print_owner_summary(d, RHINO_CONFIG_MM_DUMP_OWNERS);
    k_mm_overview(h, d->out);
    d->out("========== End Dump  ==========\n");
}

void k_mm_dump_owners(const k_mm_head *h, k_print_fn print, size_t max_rows)
{
    print_owner_summary(tally_heap(h, print, false), max_rows);
}

void krhino_mm_dump(k_print_fn print) { k_mm_dump(g_kmm_head, print); }
