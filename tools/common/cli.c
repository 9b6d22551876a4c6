/* Shared command-line plumbing: see cli.h. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "lines.h"

static void print_note(const char *tool, const char *path, const char *severity, const mm_note_t *n)
{
    fprintf(stderr, "%s: %s:%lu: %s: %s\n", tool, path, n->line, severity, n->text);
}

static void print_warnings(const char *tool, const char *path, const mm_log_t *log)
{
    size_t kept = log->nwarnings < MM_LOG_NOTES_KEPT ? log->nwarnings : MM_LOG_NOTES_KEPT;
    for (size_t i = 0; i < kept; i++)
        print_note(tool, path, "warning", &log->warnings[i]);
    if (log->nwarnings > kept)
        fprintf(stderr, "%s: %s: %zu more warnings\n", tool, path, log->nwarnings - kept);
}

/* Tables skipped are no error: they are listed so that nothing is left out
 * silently. */
static void print_skipped(const char *tool, const char *path, const mm_log_t *log)
{
    size_t kept = log->nskipped_kinds < MM_LOG_SKIPPED_KINDS_KEPT ? log->nskipped_kinds : MM_LOG_SKIPPED_KINDS_KEPT;
    for (size_t i = 0; i < kept; i++) {
        const mm_skipped_t *k = &log->skipped[i];
        fprintf(stderr, "%s: %s:%lu: note: skipped %s", tool, path, k->first_line, k->what);
        if (k->count > 1)
            fprintf(stderr, " (%zu times)", k->count);
        fputc('\n', stderr);
    }
    if (log->nskipped_kinds > kept)
        fprintf(stderr, "%s: %s: note: %zu more kinds of tables skipped\n", tool, path, log->nskipped_kinds - kept);
}

int cli_usage(bool asked, const char *tool, const char *usage, const char *why)
{
    if (asked) {
        fputs(usage, stdout);
        return 0;
    }
    if (why)
        fprintf(stderr, "%s: %s\n", tool, why);
    fputs(usage, stderr);
    return CLI_EXIT_BAD_INPUT;
}

int cli_load_log(const char *tool, const char *path, mm_log_t *log)
{
    char err[512];
    char *buf;
    size_t len;
    if (read_whole_file(path, &buf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", tool, err);
        return CLI_EXIT_BAD_INPUT;
    }
    bool parsed = mm_log_parse(buf, len, log);
    free(buf);
    print_warnings(tool, path, log);
    if (parsed) {
        print_skipped(tool, path, log);
        return 0;
    }
    print_note(tool, path, "error", &log->error);
    mm_log_free(log);
    return CLI_EXIT_BAD_INPUT;
}
