/* mmdump's output: one dump's owner table as text, CSV or JSON. */
#ifndef MMDUMP_REPORT_H
#define MMDUMP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "mm_log.h"
#include "symbolize.h"

typedef enum { REPORT_TEXT, REPORT_CSV, REPORT_JSON } report_style_t;

typedef struct {
    FILE *out;
    report_style_t style;
    const char *log_path;
    const char *elf_path;
    const mm_log_t *log;
    symbolizer_t *sym;
    int dumps_written; /* JSON: a comma goes before every dump but the first */
    size_t owners;          /* owners other than the kernel, over the dumps written */
    size_t owners_resolved; /* those of them the ELF names a function for */
} report_t;

/* An ELF that names none of a log's owners is not the firmware that printed
 * it (another build, another program): its "call sites" would be noise. */
bool report_elf_names_no_owner(const report_t *r);

void report_begin(report_t *r);
/* Writes log->dumps[index]. Returns 0, or -1 when out of memory. */
int report_dump(report_t *r, size_t index);
void report_end(report_t *r);

#endif
