#include "seeded_programs.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>

#include "checker.h"
#include "harness.h"
#include "unit_support.h"

/* The top byte: xorshift's low bits are its weakest. */
static uint8_t random_byte(unit_rng_t *rng) { return (uint8_t)(unit_rand(rng) >> 24); }

static bool lets_time_pass(op_code_t code)
{
    return code == OP_TICK || code == OP_TICKS || code == OP_TASK_RUN || code == OP_SLEEP;
}

/* Draws the opcode at buf[at] again while it decodes to an op that lets
 * time pass and the draw says it goes; after 64 draws the op stays, so a
 * harness made only of such ops still gets its program. */
static void thin_time_op(const seeded_programs_t *p, unit_rng_t *rng, uint8_t *buf, size_t len, size_t at)
{
    for (int tries = 0; tries < 64; tries++) {
        fuzz_reader_t r;
        fuzz_reader_init(&r, buf, len, p->harness);
        r.pos = at;
        fuzz_op_t op;
        if (!fuzz_next_op(&r, &op) || !lets_time_pass(op.code) || unit_rand_below(rng, 100) < p->time_percent)
            return;
        buf[at] = random_byte(rng);
    }
}

/* Neighbouring seeds start xorshift far apart: its first outputs from a
 * small state are small (seed 1 would begin with zero bytes). The mix is
 * murmur3's finalizer, a bijection, so distinct seeds stay distinct. */
static unit_rng_t generator_of(uint32_t seed)
{
    uint32_t x = seed;
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return (unit_rng_t){x};
}

void seeded_program(const seeded_programs_t *p, uint32_t seed, uint8_t *buf, size_t len)
{
    unit_rng_t rng = generator_of(seed);
    for (size_t i = 0; i < len; i++)
        buf[i] = random_byte(&rng);
    if (p->time_percent >= 100)
        return;
    fuzz_reader_t r;
    fuzz_reader_init(&r, buf, len, p->harness);
    fuzz_header_t hdr;
    fuzz_read_header(&r, &hdr);
    for (fuzz_op_t op;;) {
        thin_time_op(p, &rng, buf, len, r.pos);
        if (!fuzz_next_op(&r, &op))
            return;
    }
}

/* Runs the program again with the report printed, then the program. */
static void show_failing_program(harness_kind_t h, uint32_t seed, const uint8_t *prog, size_t len)
{
    static const harness_opts_t report = {.report_only = true};
    printf("seeded %s program %u has a finding:\n", fuzz_harness_name(h), (unsigned)seed);
    fflush(stdout);
    harness_run(h, prog, len, &report);
    printf("the program of seed %u:\n", (unsigned)seed);
    fuzz_program_print(h, prog, len, printf, "  ", -1);
    fflush(stdout);
}

void seeded_programs_expect_clean(const seeded_programs_t *p)
{
    static const harness_opts_t quiet = {.report_only = true, .quiet = true};
    static uint8_t prog[FUZZ_MAX_INPUT_LEN];
    for (uint32_t seed = p->first; seed - p->first < p->count; seed++) {
        seeded_program(p, seed, prog, sizeof prog);
        if (harness_run(p->harness, prog, sizeof prog, &quiet) == 0)
            continue;
        char signature[256];
        snprintf(signature, sizeof signature, "%s", checker_first_signature());
        show_failing_program(p->harness, seed, prog, sizeof prog);
        cr_assert_fail("seeded %s program %u disagrees with the model: %s", fuzz_harness_name(p->harness),
                       (unsigned)seed, signature);
    }
}
