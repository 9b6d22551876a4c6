/* The step checker: compares the kernel with the reference model and, on
 * the first disagreement, prints a finding report and aborts (so fuzzers
 * keep the input). One function per oracle (docs/DESIGN.md, "The model and the oracles"). */
#ifndef CHECKER_H
#define CHECKER_H

#include <stdbool.h>
#include <stddef.h>

#include "heap_model.h"
#include "k_mm.h"
#include "model.h"

typedef enum {
    ORACLE_CONSERVATION = 1,
    ORACLE_ACCOUNTING,
    ORACLE_STRUCTURE,
    ORACLE_LIVE_SET,
    ORACLE_CONTENTS,
    ORACLE_TIMERS,
    ORACLE_QUIESCENCE,
    ORACLE_ERROR_CONTRACT,
    ORACLE_MISUSE,
    ORACLE_DRIVER_FAULT,
} oracle_t;

const char *oracle_name(oracle_t o);

/* The harness's side of a check: the heap model (its objects and the
 * figures it predicts), where the kernel put the objects, and the timers.
 * Driver blocks are those owned by neither the harness nor the kernel. */
typedef struct {
    unsigned step;
    const model_heap_t *heap;
    unsigned char *const *ptr;       /* MODEL_OBJS: where the kernel put the heap model's objects */
    const model_timers_t *timers;    /* NULL: the harness has no timers */
    ktimer_t *const *tptr;           /* MODEL_TIMERS */
    long delayed_actions;            /* the model's pending yloop delayed actions; -1: not tracked */
    bool driver_may_hold_blocks;     /* system harness */
    bool peak_tracked;               /* the heap model's peak is the kernel's (no driver allocates) */
    const char *settled_after;       /* quiescence: what the driver was told ("suspend"), NULL = unsaid */
} check_view_t;

/* Prints the program up to the failing step; the harness supplies it. */
typedef void (*checker_listing_fn)(k_print_fn out, unsigned upto_step, void *ctx);
void checker_set_listing(checker_listing_fn fn, void *ctx);
/* Where findings go (default: stderr) and whether to abort after one
 * (default: yes; `show` keeps going to print the model view). */
void checker_set_output(k_print_fn out, bool abort_on_finding);
/* Findings reported since start, when not aborting. */
unsigned checker_findings(void);
/* The signature of the first of them ("" when there is none). */
const char *checker_first_signature(void);
/* Signatures (one per line) of known bugs: such a finding ends the input
 * without a report or an abort, so a campaign fuzzes on past them. A new
 * finding that aborts is appended to the file first: under an engine each
 * signature costs one crash, not one per input. Returns -1 if the file
 * cannot be read. */
int checker_suppress_file(const char *path);

/* Oracles 1-5 (and 6 for timer state), after every step. */
void check_step(const check_view_t *v);
/* Oracle 2 on one heap op: the heap and pool UsedSz moved by exactly this. */
void check_accounting_delta(unsigned step, const k_mm_stats_t *before, const k_mm_stats_t *after,
                            long heap_delta, long pool_delta);
/* Oracle 2 on one heap block: cost (header + capacity, bytes) lies in the
 * range the heap model gives for a block of size bytes (model_heap_block_cost). */
void check_block_cost(unsigned step, const char *call, size_t size, model_cost_range_t range, size_t cost);
/* Oracle 2: an allocation that failed although a free block was large
 * enough (the allocator promises to fail only when none is). */
void check_alloc_failure_justified(unsigned step, size_t size);
/* Oracle 5: each object carries a pattern derived from its id in its first
 * and last 64 bytes. Write it; check the part of it below limit (after a
 * realloc: the bytes kept); check calloc's zeroes in the same windows. */
void checker_write_pattern(unsigned char *p, uint32_t id, size_t size);
void check_contents_of(unsigned step, int slot, const unsigned char *p, uint32_t id, size_t size, size_t limit);
void check_zeroed(unsigned step, const unsigned char *p, size_t len);
/* Oracle 6: the firings of one task run. */
void check_firings(unsigned step, const model_timers_t *m, const model_firing_t *got, size_t ngot);
/* Oracle 8: a call returned what the model predicts; a failed call left the
 * heap and pool as they were. */
void check_status(unsigned step, const char *call, kstat_t want, kstat_t got);
/* The same for the aos layer's errno results (0, -EINVAL, ...). */
void check_errno(unsigned step, const char *call, int want, int got);
void check_unchanged(unsigned step, const char *call, const k_mm_stats_t *before, const k_mm_stats_t *after);
/* Oracle 9: the kernel's error hook saw exactly the expected misuse
 * (RHINO_SUCCESS: none). */
void check_misuse(unsigned step, kstat_t want, int reports, kstat_t got, const void *addr);

/* Oracle 10: the driver crashed (drv_fault: kind, site, what); the
 * finding names the driver function at site. */
void check_driver_fault(unsigned step, const char *kind, uintptr_t site, const char *what);

/* Oracle 7: after a suspend or failed connect has settled, everything but
 * the harness's own objects is as it was after init. */
typedef struct checker_baseline checker_baseline_t;
checker_baseline_t *checker_baseline_take(const check_view_t *v);
void checker_baseline_release(checker_baseline_t *b);
void check_quiescence(const check_view_t *v, const checker_baseline_t *base, uint32_t settle_ticks);

#endif
