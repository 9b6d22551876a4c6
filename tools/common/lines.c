/* Line reader and file slurping: see lines.h. */
#include "lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void line_reader_init(line_reader_t *r, const char *buf, size_t len)
{
    *r = (line_reader_t){.buf = buf, .len = len};
}

static size_t end_of_line_from(const line_reader_t *r)
{
    const char *nl = r->pos < r->len ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
    return nl ? (size_t)(nl - r->buf) : r->len;
}

static span_t without_trailing_cr(span_t s)
{
    while (s.n > 0 && s.p[s.n - 1] == '\r')
        s.n--;
    return s;
}

bool line_reader_next(line_reader_t *r, line_t *line)
{
    if (r->pos >= r->len)
        return false;
    size_t end = end_of_line_from(r);
    line->text = without_trailing_cr((span_t){r->buf + r->pos, end - r->pos});
    line->no = ++r->lineno;
    line->ends_input = end == r->len;
    r->pos = end + 1;
    return true;
}

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

int read_whole_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    for (size_t got; data && (got = fread(data + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(data, cap *= 2);
            if (!bigger)
                free(data);
            data = bigger;
        }
    }
    bool read_error = ferror(f);
    fclose(f);
    if (!data)
        return fail(err, errlen, path, "out of memory");
    if (read_error) {
        free(data);
        return fail(err, errlen, path, "read error");
    }
    *buf = data;
    *len = n;
    return 0;
}
