/* Read-only views of log text and the few tokens the log formats use.
 *
 * Log lines are not NUL-terminated and may hold any byte (a serial console
 * prints what it receives), so every parser works on (pointer, length)
 * spans and never reads past their end. */
#ifndef MM_TEXT_H
#define MM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *p;
    size_t n;
} span_t;

span_t span_trim_left(span_t s);
bool span_is_blank(span_t s);
bool span_starts_with(span_t s, const char *prefix);
bool span_equals(span_t s, const char *word);
/* needle occurs somewhere in s. */
bool span_contains(span_t s, const char *needle);
/* Removes and returns the next run of non-blank bytes (empty at the end). */
span_t span_take_word(span_t *s);
/* Removes and returns everything up to the next '|' (or the end), and the
 * '|' itself: one cell of a Heap Info row, trimmed. */
span_t span_take_cell(span_t *s);
/* "0x" and 1 to 16 hex digits, nothing else. */
bool span_parse_hex(span_t w, uint64_t *value);
/* Hex digits without a prefix, 1 to 16 of them. */
bool span_parse_bare_hex(span_t w, uint64_t *value);
/* 1 to 19 decimal digits, nothing else. */
bool span_parse_dec(span_t w, uint64_t *value);
/* Copies at most cap-1 bytes of s into buf, NUL-terminated, with bytes
 * outside printable ASCII shown as '?': for quoting input in messages. */
void span_quote(span_t s, char *buf, size_t cap);
/* The same, trimmed, with every run of blanks shown as one space: two
 * printings of one table header quote alike. */
void span_quote_squeezed(span_t s, char *buf, size_t cap);

#endif
