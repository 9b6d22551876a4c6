/* Heap Info table parser: see heap_info.h. */
#include "heap_info.h"

#include <inttypes.h>
#include <stdio.h>

enum { COL_TOTAL, COL_FREE, COL_USED, COL_MIN_FREE, COL_MAX_FREE_BLK, COL_KINDS };

static const char *const col_names[COL_KINDS] = {"TotalSz", "FreeSz", "UsedSz", "MinFreeSz",
                                                 "MaxFreeBlkSz"};

static size_t without_empty_tail(const span_t *cells, size_t n)
{
    return n > 0 && cells[n - 1].n == 0 ? n - 1 : n;
}

/* A row is "lead | cell | cell | ... |": the lead is "[HEAP]" in the header
 * and blank in the figures row; blanks after the final '|' leave an empty
 * tail. Returns the number of cells, or 0 when there are more than cap. */
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

bool heap_info_is_header(span_t line) { return span_starts_with(line, "[HEAP]"); }

bool heap_info_is_figures_row(span_t line) { return span_starts_with(line, "|"); }

static bool has_required_columns(const heap_info_header_t *h)
{
    unsigned seen = 0;
    for (size_t i = 0; i < h->ncols; i++)
        seen |= 1u << h->col[i];
    unsigned required = 1u << COL_TOTAL | 1u << COL_FREE | 1u << COL_USED | 1u << COL_MIN_FREE;
    return (seen & required) == required;
}

static bool column_seen_before(const heap_info_header_t *h, int c)
{
    for (size_t i = 0; i < h->ncols; i++)
        if (h->col[i] == c)
            return true;
    return false;
}

bool heap_info_parse_header(span_t line, heap_info_header_t *h, char *why, size_t cap)
{
    span_t cells[HEAP_INFO_MAX_COLS + 2];
    size_t n = split_cells(line, cells, HEAP_INFO_MAX_COLS + 2);
    if (n < 2 || n > HEAP_INFO_MAX_COLS + 1 || !span_equals(cells[0], "[HEAP]")) {
        snprintf(why, cap, "[HEAP] header: expected \"[HEAP]| TotalSz | FreeSz | UsedSz | MinFreeSz |\" "
                           "with an optional MaxFreeBlkSz column");
        return false;
    }
    h->ncols = 0;
    for (size_t i = 1; i < n; i++) {
        int c = column_named(cells[i]);
        if (c < 0 || column_seen_before(h, c)) {
            char name[32];
            span_quote(cells[i], name, sizeof name);
            snprintf(why, cap, "[HEAP] header: %s column \"%s\"", c < 0 ? "unknown" : "repeated", name);
            return false;
        }
        h->col[h->ncols++] = (unsigned char)c;
    }
    if (!has_required_columns(h)) {
        snprintf(why, cap, "[HEAP] header: TotalSz, FreeSz, UsedSz and MinFreeSz are all required");
        return false;
    }
    return true;
}

static void store_figure(heap_info_t *info, int col, uint64_t v)
{
    switch (col) {
    case COL_TOTAL: info->total = v; break;
    case COL_FREE: info->free = v; break;
    case COL_USED: info->used = v; break;
    case COL_MIN_FREE: info->min_free = v; break;
    default:
        info->max_free_blk = v;
        info->has_max_free_blk = true;
        break;
    }
}

/* The kernel prints TotalSz as FreeSz + UsedSz, and MinFreeSz can never
 * exceed FreeSz: figures that break either were garbled on the way. */
static bool figures_agree(const heap_info_t *info, char *why, size_t cap)
{
    if (info->free > info->total || info->total - info->free != info->used) {
        snprintf(why, cap, "Heap Info figures disagree: TotalSz 0x%" PRIX64 " is not FreeSz 0x%" PRIX64
                           " + UsedSz 0x%" PRIX64, info->total, info->free, info->used);
        return false;
    }
    if (info->min_free > info->free) {
        snprintf(why, cap, "Heap Info figures disagree: MinFreeSz 0x%" PRIX64 " exceeds FreeSz 0x%" PRIX64,
                 info->min_free, info->free);
        return false;
    }
    return true;
}

bool heap_info_parse_figures(const heap_info_header_t *h, span_t line, heap_info_t *info,
                             char *why, size_t cap)
{
    span_t cells[HEAP_INFO_MAX_COLS + 2];
    size_t n = split_cells(line, cells, HEAP_INFO_MAX_COLS + 2);
    if (n != h->ncols + 1 || cells[0].n != 0) {
        snprintf(why, cap, "Heap Info figures: expected %zu \"| 0x...\" cells under the [HEAP] header of line %lu",
                 h->ncols, h->line);
        return false;
    }
    *info = (heap_info_t){0};
    for (size_t i = 0; i < h->ncols; i++) {
        uint64_t v;
        if (!span_parse_hex(cells[i + 1], &v)) {
            char text[32];
            span_quote(cells[i + 1], text, sizeof text);
            snprintf(why, cap, "Heap Info figures: %s is \"%s\", not a hex number like 0x0004A838",
                     col_names[h->col[i]], text);
            return false;
        }
        store_figure(info, h->col[i], v);
    }
    return figures_agree(info, why, cap);
}
