/* The Heap Info table that krhino_mm_overview prints once per soak cycle
 * and every dump ends with, in both forms seen in logs:
 *
 *   [HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |
 *         | 0x0004A838 | 0x00047C40 | 0x00002BF8 | 0x00047C40 |
 *
 * and AliOS Things' five-column form that adds "| MaxFreeBlkSz  |". Columns
 * are matched by name, so their order does not matter; only the [HEAP] row
 * is read (the [POOL] row's figures are part of the heap's UsedSz). */
#ifndef MM_HEAP_INFO_H
#define MM_HEAP_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

#define HEAP_INFO_MAX_COLS 5

typedef struct {
    uint64_t total;     /* TotalSz */
    uint64_t free;      /* FreeSz */
    uint64_t used;      /* UsedSz */
    uint64_t min_free;  /* MinFreeSz: TotalSz - peak UsedSz */
    uint64_t max_free_blk; /* MaxFreeBlkSz, 0 when the table has none */
    bool has_max_free_blk;
} heap_info_t;

typedef struct {
    unsigned char col[HEAP_INFO_MAX_COLS]; /* which figure each column holds */
    size_t ncols;
    unsigned long line;
} heap_info_header_t;

/* Both take a line with leading blanks already trimmed. */
bool heap_info_is_header(span_t line);
bool heap_info_is_figures_row(span_t line);

/* Each returns true, or false with the reason in why. */
bool heap_info_parse_header(span_t line, heap_info_header_t *h, char *why, size_t cap);
bool heap_info_parse_figures(const heap_info_header_t *h, span_t line, heap_info_t *info,
                             char *why, size_t cap);

#endif
