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
} harness_opts_t;

/* Defined by each target: which harness it runs. */
extern const harness_kind_t fuzz_target_harness;

/* Runs one input. Returns the number of findings; without opts (as under a
 * fuzzing engine) the first finding aborts the process instead. */
unsigned harness_run(harness_kind_t h, const uint8_t *data, size_t size, const harness_opts_t *opts);

#endif
