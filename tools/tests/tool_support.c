/* Test helpers: see tool_support.h. */
#include "tool_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lines.h"

char *read_text(const char *path, size_t *len)
{
    char err[256], *buf;
    size_t n;
    if (read_whole_file(path, &buf, &n, err, sizeof err) != 0)
        return NULL;
    char *text = realloc(buf, n + 1);
    if (!text) {
        free(buf);
        return NULL;
    }
    text[n] = '\0';
    if (len)
        *len = n;
    return text;
}

char *with_crlf(const char *text)
{
    char *out = malloc(strlen(text) * 2 + 1), *o = out;
    for (; out && *text; text++) {
        if (*text == '\n')
            *o++ = '\r';
        *o++ = *text;
    }
    if (out)
        *o = '\0';
    return out;
}

bool parse_text(const char *text, mm_log_t *log) { return mm_log_parse(text, strlen(text), log); }

bool load_log(const char *path, mm_log_t *log)
{
    size_t len;
    char *text = read_text(path, &len);
    *log = (mm_log_t){0};
    bool parsed = text && mm_log_parse(text, len, log);
    free(text);
    return parsed;
}

static char *read_stream(FILE *f)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (buf)
        buf[n] = '\0';
    return buf;
}

run_t run_tool(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
    va_end(ap);
    strcat(cmd, " 2>&1");
    run_t r = {.status = -1};
    FILE *p = popen(cmd, "r");
    if (!p)
        return r;
    r.output = read_stream(p);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

void run_free(run_t *r)
{
    free(r->output);
    r->output = NULL;
}

bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool written = fputs(text, f) >= 0;
    return fclose(f) == 0 && written;
}

int source_line_of(const char *path, const char *marker)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int no = 0, found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        no++;
        if (strstr(line, marker))
            found = no;
    }
    if (f)
        fclose(f);
    return found;
}

mm_log_t g_log;
owner_table_t g_table;
symbolizer_t *g_sym;
series_t g_series;

void dump_state_release(void)
{
    series_free(&g_series);
    owner_table_free(&g_table);
    mm_log_free(&g_log);
    symbolizer_close(g_sym);
    g_sym = NULL;
}
