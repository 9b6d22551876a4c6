/* Seeded random programs for the harness VM (fuzz/harness.h): the unit
 * tests' randomized checking runs through the same VM, model and checker
 * as every fuzz input. Each byte of a program comes from a xorshift32
 * generator started at the program's seed, so a seed names one program
 * for good and a failure is replayed from the seed alone. */
#ifndef SEEDED_PROGRAMS_H
#define SEEDED_PROGRAMS_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_input.h"

/* Which programs to run: seeds first .. first + count - 1, each
 * FUZZ_MAX_INPUT_LEN bytes (so FUZZ_MAX_OPS ops). Of the drawn ops that let
 * time pass (tick, ticks, task_run, sleep), time_percent in 100 are kept
 * and the others drawn again: below 100, commands pile up between task
 * runs and the timer queue fills. */
typedef struct {
    harness_kind_t harness;
    uint32_t first, count;
    unsigned time_percent;
} seeded_programs_t;

/* Fills buf with len bytes of the program of seed: the fuzz header (start
 * tick, three fault slots) and ops as fuzz_input.h decodes them. */
void seeded_program(const seeded_programs_t *p, uint32_t seed, uint8_t *buf, size_t len);

/* Runs the programs of p through the harness with the checker after every
 * op. The first program that gives a finding fails the running Criterion
 * test: its seed is printed, then the checker's report (expected, actual,
 * the listing up to the failing op) and the whole program as text that
 * compiles back to it. */
void seeded_programs_expect_clean(const seeded_programs_t *p);

#endif
