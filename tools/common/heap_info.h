/* The overview tables that krhino_mm_overview prints once per soak cycle and
 * every dump ends with, in the layouts seen in logs:
 *
 *   [HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |
 *         | 0x0004A838 | 0x00047C40 | 0x00002BF8 | 0x00047C40 |
 *   [POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |
 *         | 0x00002000 | 0x00001FC0 | 0x00000040 | 0x00000020 |
 *
 * (ours, kernel/mm/k_mm_debug.c) and AliOS Things' five-column form, where
 * both rows end in "| MinFreeSz  | MaxFreeBlkSz  |" (debug_mm_overview in
 * components/debug, what `dumpsys mm` prints). Columns are matched by name,
 * so their order does not matter. A [HEAP] or [POOL] header naming other
 * columns (AliOS' mmblk statistic "[POOL]| BlkSize | UsedSize | ...", the
 * debug README's "[HEAP]| TotalSz | FreeSz   Fail |") is a layout these
 * tools do not read: the caller skips that table. The pool is carved out of
 * the heap once, at init, so its allocations never move the heap's figures:
 * a pool leak shows only in the [POOL] row. */
#ifndef MM_HEAP_INFO_H
#define MM_HEAP_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

#define HEAP_INFO_MAX_COLS 6

/* One [POOL] row: the fixed-block pool (bytes). */
typedef struct {
    uint64_t size;         /* PoolSz */
    uint64_t free;         /* FreeSz */
    uint64_t used;         /* UsedSz */
    uint64_t min_free;     /* MinFreeSz (AliOS), PoolSz - peak UsedSz */
    bool has_min_free;
    uint64_t max_free_blk; /* MaxFreeBlkSz (AliOS) */
    bool has_max_free_blk;
    uint64_t blk_size;     /* BlkSz (ours) */
    bool has_blk_size;
} pool_info_t;

/* One [HEAP] row (bytes), and the [POOL] row printed with it, if any. */
typedef struct {
    uint64_t total;     /* TotalSz */
    uint64_t free;      /* FreeSz */
    uint64_t used;      /* UsedSz */
    uint64_t min_free;  /* MinFreeSz: TotalSz - peak UsedSz since boot */
    uint64_t max_free_blk; /* MaxFreeBlkSz, 0 when the table has none */
    bool has_max_free_blk;
    pool_info_t pool;
    bool has_pool;
    unsigned long line; /* the [HEAP] figures row, 1-based */
} heap_info_t;

typedef enum { HEAP_INFO_HEAP, HEAP_INFO_POOL } heap_info_row_t;

typedef struct {
    heap_info_row_t row;
    unsigned char col[HEAP_INFO_MAX_COLS]; /* which figure each column holds */
    size_t ncols;
    unsigned long line;
} heap_info_header_t;

/* Each takes a line with leading blanks already trimmed. */
/* "[HEAP]" or "[POOL]" first: the header of a table, read or not. */
bool heap_info_is_header(span_t line);
bool heap_info_is_figures_row(span_t line);

/* True for a layout these tools read; false (the table is to be skipped)
 * with what is unknown about it in why. */
bool heap_info_parse_header(span_t line, heap_info_header_t *h, char *why, size_t cap);
/* The figures under a [HEAP] header, or under a [POOL] header into
 * info->pool (info->has_pool set). True, or false with the reason in why:
 * a malformed row, or figures that cannot all be true at once. */
bool heap_info_parse_figures(const heap_info_header_t *h, span_t line, heap_info_t *info, char *why, size_t cap);

#endif
