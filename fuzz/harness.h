/* The harness: a little virtual machine that runs a fuzz input as a
 * program against the kernel (and driver) and the reference model at once,
 * with the checker after every step. One source serves every harness
 * target and every build form (libFuzzer, AFL++, standalone replay). */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_input.h"

typedef struct {
    k_print_fn show;  /* non-NULL: print each op and the model's view after it (./rtosfuzz show) */
    bool report_only; /* a finding is printed and ends the input instead of aborting */
    bool quiet;       /* with report_only: the report is not printed either */
} harness_opts_t;

/* Defined by each target: which harness it runs. */
extern const harness_kind_t fuzz_target_harness;

/* Runs one input. Returns the number of findings; without opts (as under a
 * fuzzing engine) the first finding aborts the process instead. */
unsigned harness_run(harness_kind_t h, const uint8_t *data, size_t size, const harness_opts_t *opts);

/* The op (0-based) the current or last input is running: what a crash
 * or hang report names as its step. */
unsigned harness_step(void);

/* The signature of the first finding a program gives ("" when it runs
 * clean); the result stays valid until the next call. */
typedef const char *(*harness_signature_fn)(harness_kind_t h, const uint8_t *data, size_t size);

/* Shrinks a program that gives a finding to fewer ops (and fewer header
 * faults) that give a finding with the same signature: ops are dropped
 * one at a time while that holds, and the start tick goes to 0 when
 * the signature still holds there. Each trial's signature comes from
 * sig_fn (NULL: harness_run in this process; replay passes one that runs
 * the trial in a child, for programs that crash or hang). Returns the new
 * size (data is rewritten in place). */
size_t harness_minimize(harness_kind_t h, uint8_t *data, size_t size, harness_signature_fn sig_fn);

#endif
