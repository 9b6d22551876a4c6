/* libFuzzer target for everything that reads a log: the line reader, the
 * Heap Info, pool and block-row parsers, boots, owner grouping, the trend
 * fit of each boot's heap and pool (apart before and after the pool filled
 * up) and the SVG chart (its figures come
 * straight from the log). Symbolization is left
 * out: its input is an owner address, and every address is valid for it.
 *
 * Besides "no crash, no sanitizer report", it checks what must hold for any
 * input, and aborts when it does not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm_log.h"
#include "owners.h"
#include "series.h"
#include "svg.h"
#include "trend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int holds)
{
    if (!holds)
        abort();
}

static void group_dump(const mm_dump_t *d)
{
    owner_table_t t;
    if (owner_table_build(d, &t) != 0)
        return;
    unsigned long blocks = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        blocks += t.rows[i].count;
        bytes += t.rows[i].bytes;
        check(i == 0 || t.rows[i - 1].bytes >= t.rows[i].bytes);
    }
    check(blocks == t.live_blocks && bytes == t.live_bytes);
    owner_table_free(&t);
}

static void fit_and_draw(const mm_log_t *log, size_t boot, series_kind_t kind)
{
    series_t s;
    trend_t t;
    if (series_of_boot(log, boot, kind, &s) != 0)
        return;
    size_t pool_full = series_pool_full_cycle(log, boot);
    check(pool_full <= s.n);
    trend_regime_t r = trend_regime_of(&s, 0, 0, pool_full);
    if (trend_fit_regime(&s, 0, 0, r, &t) == 0) {
        check(t.r2 >= 0.0 && t.r2 <= 1.0);
        check(t.first_cycle >= r.first && t.last_cycle <= r.last);
        char *svg = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&svg, &len);
        const mm_boot_t *b = &log->boots[boot];
        chart_t chart = {.title = "fuzz", .series = &s, .trend = &t,
                         .failure_cycle = b->first_failure.line ? b->tables_before_failure + 1 : 0};
        if (out) {
            svg_write_chart(out, &chart);
            fclose(out);
        }
        free(svg);
    }
    series_free(&s);
}

/* Boots follow each other and cover every table once. */
static void check_boots(const mm_log_t *log)
{
    size_t next = 0;
    check(log->nboots >= 1);
    for (size_t b = 0; b < log->nboots; b++) {
        check(log->boots[b].first_table == next);
        next += log->boots[b].ntables;
        check(log->boots[b].tables_before_failure <= log->boots[b].ntables);
    }
    check(next == log->ntables);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_log_t log;
    if (mm_log_parse((const char *)data, size, &log)) {
        for (size_t i = 0; i < log.ndumps; i++)
            group_dump(&log.dumps[i]);
        check_boots(&log);
        for (size_t b = 0; b < log.nboots; b++) {
            fit_and_draw(&log, b, SERIES_HEAP);
            fit_and_draw(&log, b, SERIES_POOL);
        }
    } else {
        check(log.error.line > 0 && log.error.text[0] != '\0');
    }
    mm_log_free(&log);
    return 0;
}
