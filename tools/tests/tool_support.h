/* Helpers for the tools' tests: reading fixtures, running the built tools,
 * and finding the source lines the tests expect mmdump to name. */
#ifndef TOOL_SUPPORT_H
#define TOOL_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mm_log.h"
#include "owners.h"
#include "series.h"
#include "symbolize.h"

/* The whole file, NUL-terminated (malloc'd); NULL if it cannot be read. */
char *read_text(const char *path, size_t *len);
/* The file with every "\n" turned into "\r\n" (malloc'd). */
char *with_crlf(const char *text);
bool parse_text(const char *text, mm_log_t *log);
/* Reads and parses a log file: false when it cannot be read (log->error is
 * then empty) or does not parse. */
bool load_log(const char *path, mm_log_t *log);
/* A Criterion assertion that the log at path loads, naming the failing line. */
#define assert_log_loads(path, log) \
    cr_assert(load_log(path, log), "%s:%lu: %s", path, (log)->error.line, (log)->error.text)

typedef struct {
    int status;   /* exit status, or -1 when it did not exit normally */
    char *output; /* stdout and stderr together (malloc'd) */
} run_t;

/* A Criterion assertion that a run's output contains needle. */
#define assert_output_has(run, needle) \
    cr_assert(strstr((run).output, needle), "expected \"%s\" in:\n%s", needle, (run).output)

/* Runs a shell command line built like printf. */
run_t run_tool(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void run_free(run_t *r);

/* What the tools' tests work on: the parsed log, its owner table, the
 * symbolizer and a series of the log; a suite's .fini releases them. */
extern mm_log_t g_log;
extern owner_table_t g_table;
extern symbolizer_t *g_sym;
extern series_t g_series;
void dump_state_release(void);

/* A Criterion assertion that g_log's boot has a series of that kind, left
 * in g_series. */
#define assert_series_of_boot(boot, kind) \
    do { \
        series_free(&g_series); \
        cr_assert_eq(series_of_boot(&g_log, boot, kind, &g_series), 0, "boot %zu: no %s series", \
                     (size_t)(boot), series_name(kind)); \
    } while (0)

/* Writes text to path; false if it cannot. */
bool write_text(const char *path, const char *text);

/* 1-based number of the first line of path containing marker, 0 if none. */
int source_line_of(const char *path, const char *marker);

#endif
