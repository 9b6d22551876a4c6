/* Lines of a device log held in memory.
 *
 * Devices print "\r\n" (or "\r\r\n" through some terminals), captures end
 * mid-line when the power goes, and a console can emit any byte: the reader
 * strips every trailing '\r', counts lines from 1 for messages, and says
 * whether a line was cut off by the end of the input. */
#ifndef MM_LINES_H
#define MM_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "text.h"

typedef struct {
    const char *buf;
    size_t len;
    size_t pos;
    unsigned long lineno;
} line_reader_t;

typedef struct {
    span_t text;         /* without the line end */
    unsigned long no;    /* 1-based */
    bool ends_input;     /* the input ends here without a line end */
} line_t;

void line_reader_init(line_reader_t *r, const char *buf, size_t len);
/* Next line, or false at the end of the input. */
bool line_reader_next(line_reader_t *r, line_t *line);

/* Reads a whole file into a malloc'd buffer. Returns 0, or -1 with the
 * reason in err. */
int read_whole_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

#endif
