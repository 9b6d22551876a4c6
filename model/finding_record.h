/* The machine-readable record of a finding (docs/DESIGN.md, "The finding",
 * is the one description of its fields): the same facts as the report of
 * the checker or the guard, as one JSON object per line, so scripts read
 * fields instead of report text. Written with libjansson. */
#ifndef FINDING_RECORD_H
#define FINDING_RECORD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "checker.h"
#include "k_port.h"

/* One fault the run injected: the point and which of its calls failed. */
typedef struct {
    k_fault_point_t point;
    uint32_t call;                  /* 1-based call number of that point */
} record_fault_t;

/* Room for every fault a run can inject. */
#define RECORD_FAULTS_MAX (K_FAULT_POINTS * K_FAULT_SCHEDULE_MAX)

/* The step of a finding whose process ended without saying (killed): the
 * record's "step" is null and its program the whole listing. */
#define FINDING_STEP_UNKNOWN UINT_MAX

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
    const char *oracle;             /* internal name: "quiescence", "misuse", ...; the guard's "crash",
                                       "hang", "exit", "sanitizer" */
    int oracle_number;              /* as oracle_t; 0 for the guard's */
    const char *summary;            /* one line in a firmware engineer's words */
    unsigned step;                  /* 0-based op index where it was seen, or FINDING_STEP_UNKNOWN */
    const char *signature;          /* "<oracle or label>/<function>/<kind>" */
    const char *expected, *actual;
    const uintptr_t *call;          /* the faulting call's stack (K_TRACE_FRAMES), NULL = none */
    const record_obj_t *objs;
    size_t nobjs;
    checker_listing_fn listing;     /* prints the program up to step; NULL = no program */
    void *listing_ctx;
    const record_fault_t *faults;   /* the faults the run injected, as a process that did not run it
                                       learnt them; NULL = this process's kernel's so far */
    size_t nfaults;
} finding_record_t;

/* The faults this process's kernel has injected so far, in the order of the
 * points: fills at most cap entries of out, returns how many it filled. */
size_t finding_record_faults_now(record_fault_t *out, size_t cap);

/* The record as compact one-line JSON text, its fields as docs/DESIGN.md
 * ("The finding") lists them: addresses as "0x..." text, code addresses as
 * sites {address, function, file, line}. Returns a malloc'd string the
 * caller frees, NULL when out of memory. */
char *finding_record_json(const finding_record_t *r);

/* Appends finding_record_json(r) and a newline to the file at path.
 * Returns 0, or -1 when the file cannot be written (errno tells why). */
int finding_record_append(const char *path, const finding_record_t *r);

#endif
