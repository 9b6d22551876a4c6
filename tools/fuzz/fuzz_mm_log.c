/* libFuzzer target for everything that reads a log: the line reader, the
 * Heap Info and block-row parsers, owner grouping, the trend fit and the
 * SVG chart (its figures come straight from the log). Symbolization is left
 * out: its input is an owner address, and every address is valid for it.
 *
 * Besides "no crash, no sanitizer report", it checks what must hold for any
 * input, and aborts when it does not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mm_log.h"
#include "owners.h"
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

static void fit_and_draw(const mm_log_t *log)
{
    trend_t t;
    if (trend_fit(log->tables, log->ntables, 0, 0, &t) != 0)
        return;
    check(t.r2 >= 0.0 && t.r2 <= 1.0);
    char *svg = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&svg, &len);
    if (!out)
        return;
    chart_t chart = {.title = "fuzz", .tables = log->tables, .ntables = log->ntables, .trend = &t,
                     .failure_cycle = log->first_failure.line ? log->tables_before_failure + 1 : 0};
    svg_write_chart(out, &chart);
    fclose(out);
    free(svg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_log_t log;
    if (mm_log_parse((const char *)data, size, &log)) {
        for (size_t i = 0; i < log.ndumps; i++)
            group_dump(&log.dumps[i]);
        fit_and_draw(&log);
    } else {
        check(log.error.line > 0 && log.error.text[0] != '\0');
    }
    mm_log_free(&log);
    return 0;
}
