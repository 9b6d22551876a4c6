/* Span helpers: see text.h. */
#include "text.h"

#include <string.h>

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static span_t span_drop(span_t s, size_t k) { return (span_t){s.p + k, s.n - k}; }

span_t span_trim_left(span_t s)
{
    size_t k = 0;
    while (k < s.n && is_blank(s.p[k]))
        k++;
    return span_drop(s, k);
}

static span_t span_trim_right(span_t s)
{
    while (s.n > 0 && is_blank(s.p[s.n - 1]))
        s.n--;
    return s;
}

bool span_is_blank(span_t s) { return span_trim_left(s).n == 0; }

bool span_starts_with(span_t s, const char *prefix)
{
    size_t k = strlen(prefix);
    return s.n >= k && memcmp(s.p, prefix, k) == 0;
}

bool span_contains(span_t s, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= s.n && i <= s.n - k; i++)
        if (memcmp(s.p + i, needle, k) == 0)
            return true;
    return false;
}

bool span_equals(span_t s, const char *word)
{
    return s.n == strlen(word) && memcmp(s.p, word, s.n) == 0;
}

span_t span_take_word(span_t *s)
{
    span_t rest = span_trim_left(*s);
    size_t k = 0;
    while (k < rest.n && !is_blank(rest.p[k]))
        k++;
    *s = span_drop(rest, k);
    return (span_t){rest.p, k};
}

span_t span_take_cell(span_t *s)
{
    size_t k = 0;
    while (k < s->n && s->p[k] != '|')
        k++;
    span_t cell = span_trim_right(span_trim_left((span_t){s->p, k}));
    *s = span_drop(*s, k < s->n ? k + 1 : k);
    return cell;
}

bool span_parse_bare_hex(span_t w, uint64_t *value)
{
    if (w.n == 0 || w.n > 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < w.n; i++) {
        int d = hex_digit_value(w.p[i]);
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *value = v;
    return true;
}

bool span_parse_hex(span_t w, uint64_t *value)
{
    return span_starts_with(w, "0x") && span_parse_bare_hex(span_drop(w, 2), value);
}

bool span_parse_dec(span_t w, uint64_t *value)
{
    if (w.n == 0 || w.n > 19) /* 19 digits always fit in 64 bits */
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(w.p[i] - '0');
    }
    *value = v;
    return true;
}

void span_quote(span_t s, char *buf, size_t cap)
{
    size_t k = 0;
    for (; k < s.n && k + 1 < cap; k++)
        buf[k] = s.p[k] >= 0x20 && s.p[k] < 0x7f ? s.p[k] : '?';
    buf[k] = '\0';
}

void span_quote_squeezed(span_t s, char *buf, size_t cap)
{
    size_t k = 0;
    s = span_trim_right(span_trim_left(s));
    for (size_t i = 0; i < s.n && k + 1 < cap; i++) {
        if (is_blank(s.p[i]) && i > 0 && is_blank(s.p[i - 1]))
            continue;
        buf[k++] = is_blank(s.p[i]) ? ' ' : s.p[i] >= 0x20 && s.p[i] < 0x7f ? s.p[i] : '?';
    }
    buf[k] = '\0';
}
