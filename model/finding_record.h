/* The machine-readable record of a finding (docs/DESIGN.md, "The finding"):
 * the same facts as the checker's report, as one JSON object per line, so
 * scripts read fields instead of report text. Written with libjansson. */
#ifndef FINDING_RECORD_H
#define FINDING_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "checker.h"

/* One object a finding involves. */
typedef struct {
    const char *role;               /* how it is involved ("the block hit"), NULL = plainly */
    const char *kind;               /* "timer", "data", "static timer", ... */
    const char *home;               /* "heap", "pool" or "driver storage" */
    size_t bytes;                   /* requested (or block) size in bytes */
    uintptr_t addr;                 /* payload address */
    uintptr_t owner;                /* return address of the creating call, 0 = the kernel */
    const uintptr_t *allocated_at;  /* K_TRACE_FRAMES return addresses, innermost first; NULL = unknown */
    const uintptr_t *freed_at;      /* the same for the free; NULL = not freed */
} record_obj_t;

typedef struct {
    const char *oracle;             /* internal name: "quiescence", "misuse", ... */
    int oracle_number;              /* 1..9, as oracle_t */
    const char *summary;            /* one line in a firmware engineer's words */
    unsigned step;                  /* 0-based op index where it was seen */
    const char *signature;          /* "<oracle or label>/<function>/<kind>" */
    const char *expected, *actual;
    const uintptr_t *call;          /* the faulting call's stack (K_TRACE_FRAMES), NULL = none */
    const record_obj_t *objs;
    size_t nobjs;
    checker_listing_fn listing;     /* prints the program up to step; NULL = no program */
    void *listing_ctx;
} finding_record_t;

/* The record as compact one-line JSON text: oracle, oracle_number, summary,
 * step, signature, expected, actual, call[], objects[] (role, kind, home,
 * bytes, address as "0x..." text, owner and each stack frame as {function,
 * file, line}), faults[] ({point, call}: the injected faults so far) and
 * program[] (the listing's lines). Returns a malloc'd string the caller
 * frees, NULL when out of memory. */
char *finding_record_json(const finding_record_t *r);

/* Appends finding_record_json(r) and a newline to the file at path.
 * Returns 0, or -1 when the file cannot be written (errno tells why). */
int finding_record_append(const char *path, const finding_record_t *r);

#endif
