/* Overview table parser: see heap_info.h. */
#include "heap_info.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { COL_TOTAL, COL_POOL_SIZE, COL_FREE, COL_USED, COL_MIN_FREE, COL_MAX_FREE_BLK, COL_BLK_SIZE, COL_KINDS };

static const char *const col_names[COL_KINDS] = {"TotalSz", "PoolSz", "FreeSz", "UsedSz", "MinFreeSz",
                                                 "MaxFreeBlkSz", "BlkSz"};

#define BIT(c) (1u << (c))

/* The columns each row must name, and those it may name besides. */
static const struct {
    const char *lead;
    unsigned required, optional;
} layouts[] = {
    [HEAP_INFO_HEAP] = {"[HEAP]", BIT(COL_TOTAL) | BIT(COL_FREE) | BIT(COL_USED) | BIT(COL_MIN_FREE),
                        BIT(COL_MAX_FREE_BLK)},
    [HEAP_INFO_POOL] = {"[POOL]", BIT(COL_POOL_SIZE) | BIT(COL_FREE) | BIT(COL_USED),
                        BIT(COL_MIN_FREE) | BIT(COL_MAX_FREE_BLK) | BIT(COL_BLK_SIZE)},
};

static size_t without_empty_tail(const span_t *cells, size_t n)
{
    return n > 0 && cells[n - 1].n == 0 ? n - 1 : n;
}

/* A row is "lead | cell | cell | ... |": the lead is "[HEAP]" or "[POOL]"
 * in the header and blank in the figures row; blanks after the final '|'
 * leave an empty tail. Returns the number of cells, or 0 when there are
 * more than cap. */
static size_t split_cells(span_t line, span_t *cells, size_t cap)
{
    size_t n = 0;
    while (line.n > 0) {
        if (n == cap)
            return 0;
        cells[n++] = span_take_cell(&line);
    }
    return without_empty_tail(cells, n);
}

static int column_named(span_t name)
{
    for (int c = 0; c < COL_KINDS; c++)
        if (span_equals(name, col_names[c]))
            return c;
    return -1;
}

static bool row_named(span_t line, heap_info_row_t *row)
{
    for (heap_info_row_t r = HEAP_INFO_HEAP; r <= HEAP_INFO_POOL; r++)
        if (span_starts_with(line, layouts[r].lead)) {
            *row = r;
            return true;
        }
    return false;
}

bool heap_info_is_header(span_t line)
{
    heap_info_row_t row;
    return row_named(line, &row);
}

bool heap_info_is_figures_row(span_t line) { return span_starts_with(line, "|"); }

static unsigned columns_seen(const heap_info_header_t *h)
{
    unsigned seen = 0;
    for (size_t i = 0; i < h->ncols; i++)
        seen |= BIT(h->col[i]);
    return seen;
}

/* The header's cells are names of this row's columns, each once, the
 * required ones all there. */
static bool columns_fit_layout(heap_info_header_t *h, const span_t *cells, size_t n, char *why, size_t cap)
{
    unsigned required = layouts[h->row].required, allowed = required | layouts[h->row].optional;
    for (size_t i = 1; i < n; i++) {
        int c = column_named(cells[i]);
        if (c < 0 || !(allowed & BIT(c)) || (columns_seen(h) & BIT(c))) {
            char name[32];
            span_quote_squeezed(cells[i], name, sizeof name);
            snprintf(why, cap, "%s column \"%s\"", c >= 0 && (allowed & BIT(c)) ? "a repeated" : "an unknown", name);
            return false;
        }
        h->col[h->ncols++] = (unsigned char)c;
    }
    if ((columns_seen(h) & required) != required) {
        snprintf(why, cap, "not all of its required columns");
        return false;
    }
    return true;
}

bool heap_info_parse_header(span_t line, heap_info_header_t *h, char *why, size_t cap)
{
    span_t cells[HEAP_INFO_MAX_COLS + 2];
    *h = (heap_info_header_t){0};
    if (!row_named(line, &h->row)) {
        snprintf(why, cap, "neither [HEAP] nor [POOL]");
        return false;
    }
    size_t n = split_cells(line, cells, HEAP_INFO_MAX_COLS + 2);
    if (n < 2 || n > HEAP_INFO_MAX_COLS + 1 || !span_equals(cells[0], layouts[h->row].lead)) {
        snprintf(why, cap, "%s followed by %s", layouts[h->row].lead, n < 2 ? "no columns" : "other cells");
        return false;
    }
    return columns_fit_layout(h, cells, n, why, cap);
}

/* ---- figures ------------------------------------------------------------ */
typedef struct {
    uint64_t v[COL_KINDS];
    unsigned have;
} figures_t;

static bool read_figures(const heap_info_header_t *h, span_t line, figures_t *f, char *why, size_t cap)
{
    span_t cells[HEAP_INFO_MAX_COLS + 2];
    size_t n = split_cells(line, cells, HEAP_INFO_MAX_COLS + 2);
    *f = (figures_t){0};
    if (n != h->ncols + 1 || cells[0].n != 0) {
        snprintf(why, cap, "%s figures: expected %zu \"| 0x...\" cells under the header of line %lu",
                 layouts[h->row].lead, h->ncols, h->line);
        return false;
    }
    for (size_t i = 0; i < h->ncols; i++) {
        if (!span_parse_hex(cells[i + 1], &f->v[h->col[i]])) {
            char text[32];
            span_quote(cells[i + 1], text, sizeof text);
            snprintf(why, cap, "%s figures: %s is \"%s\", not a hex number like 0x0004A838", layouts[h->row].lead,
                     col_names[h->col[i]], text);
            return false;
        }
        f->have |= BIT(h->col[i]);
    }
    return true;
}

/* The kernel prints its size as FreeSz + UsedSz, and MinFreeSz can never
 * exceed FreeSz: figures that break either were garbled on the way. */
static bool figures_agree(const char *lead, uint64_t size, uint64_t free, uint64_t used, uint64_t min_free,
                          char *why, size_t cap)
{
    if (free > size || size - free != used) {
        snprintf(why, cap, "%s figures disagree: %s 0x%" PRIX64 " is not FreeSz 0x%" PRIX64 " + UsedSz 0x%" PRIX64,
                 lead, strcmp(lead, "[POOL]") ? "TotalSz" : "PoolSz", size, free, used);
        return false;
    }
    if (min_free > free) {
        snprintf(why, cap, "%s figures disagree: MinFreeSz 0x%" PRIX64 " exceeds FreeSz 0x%" PRIX64, lead, min_free,
                 free);
        return false;
    }
    return true;
}

static void take_heap(const figures_t *f, heap_info_t *info)
{
    *info = (heap_info_t){.total = f->v[COL_TOTAL], .free = f->v[COL_FREE], .used = f->v[COL_USED],
                          .min_free = f->v[COL_MIN_FREE], .max_free_blk = f->v[COL_MAX_FREE_BLK],
                          .has_max_free_blk = f->have & BIT(COL_MAX_FREE_BLK)};
}

static void take_pool(const figures_t *f, pool_info_t *pool)
{
    *pool = (pool_info_t){.size = f->v[COL_POOL_SIZE], .free = f->v[COL_FREE], .used = f->v[COL_USED],
                          .min_free = f->v[COL_MIN_FREE], .has_min_free = f->have & BIT(COL_MIN_FREE),
                          .max_free_blk = f->v[COL_MAX_FREE_BLK],
                          .has_max_free_blk = f->have & BIT(COL_MAX_FREE_BLK),
                          .blk_size = f->v[COL_BLK_SIZE], .has_blk_size = f->have & BIT(COL_BLK_SIZE)};
}

bool heap_info_parse_figures(const heap_info_header_t *h, span_t line, heap_info_t *info, char *why, size_t cap)
{
    figures_t f;
    if (!read_figures(h, line, &f, why, cap))
        return false;
    if (h->row == HEAP_INFO_HEAP) {
        take_heap(&f, info);
        return figures_agree("[HEAP]", info->total, info->free, info->used, info->min_free, why, cap);
    }
    take_pool(&f, &info->pool);
    info->has_pool = true;
    return figures_agree("[POOL]", info->pool.size, info->pool.free, info->pool.used, info->pool.min_free, why, cap);
}
