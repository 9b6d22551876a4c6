/* The aos timers and the yloop's delayed actions against the reference
 * model: random programs of the timer harness (fuzz/harness.c), written as
 * text and compiled, run with the checker after every op. Each program
 * starts at one of the start ticks the fuzz header reaches (0, just below
 * 2^32 ticks, 2^32 ms, 2^64). The negative controls run the same programs
 * on patched copies of kernel/aos and must disagree with the model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "harness.h"
#include "unit_support.h"

#define PROGRAMS 300
#define OPS 40

static const char *const start_ticks[] = {"0", "0xFFFFFFEF", "429496729", "0xFFFFFFFFFFFFFFEF"};

static int ms_arg(unit_rng_t *r)
{
    return unit_rand_below(r, 8) == 0 ? -1 : 7 * (int)unit_rand_below(r, 40);
}

/* One random op of the aos layer, or time passing. */
static size_t random_op(unit_rng_t *r, char *at, size_t room)
{
    int slot = 8 + (int)unit_rand_below(r, 4), arg = (int)unit_rand_below(r, 4);
    switch (unit_rand_below(r, 10)) {
    case 0:
    case 1: return (size_t)snprintf(at, room, "atimer_create slot=%d ms=%d options=%u\n", slot,
                                    7 * (int)unit_rand_below(r, 40), unit_rand_below(r, 4));
    case 2: return (size_t)snprintf(at, room, "atimer_start slot=%d\n", slot);
    case 3: return (size_t)snprintf(at, room, "atimer_stop slot=%d\n", slot);
    case 4: return (size_t)snprintf(at, room, "atimer_change slot=%d ms=%d\n", slot, 7 * (int)unit_rand_below(r, 40));
    case 5: return (size_t)snprintf(at, room, "atimer_free slot=%d\n", slot);
    case 6: return (size_t)snprintf(at, room, "action_post arg=%d ms=%d\n", arg, ms_arg(r));
    case 7: return (size_t)snprintf(at, room, "action_cancel arg=%d ms=%d\n", arg, ms_arg(r));
    case 8: return (size_t)snprintf(at, room, "tick n=%u\n", 1 + unit_rand_below(r, 16));
    default: return (size_t)snprintf(at, room, "ticks n=%u\n", 64 * (1 + unit_rand_below(r, 4)));
    }
}

static void random_program(unit_rng_t *r, char *text, size_t room)
{
    size_t at = (size_t)snprintf(text, room, "harness timer\nstart_tick %s\n",
                                 start_ticks[unit_rand_below(r, sizeof start_ticks / sizeof start_ticks[0])]);
    for (int i = 0; i < OPS; i++)
        at += random_op(r, text + at, room - at);
}

Test(aos_model, random_programs_agree_with_the_model)
{
    static const harness_opts_t quiet = {.report_only = true, .quiet = true};
    unit_rng_t r = {0xA0511u};
    char text[OPS * 64 + 64], err[160];
    uint8_t prog[FUZZ_HEADER_LEN + OPS * (1 + FUZZ_MAX_ARGS)];
    for (int n = 0; n < PROGRAMS; n++) {
        random_program(&r, text, sizeof text);
        harness_kind_t h;
        long len = fuzz_text_compile(text, prog, sizeof prog, &h, err, sizeof err);
        cr_assert_geq(len, 0, "program %d does not compile: %s", n, err);
        cr_assert_eq(harness_run(h, prog, (size_t)len, &quiet), 0,
                     "program %d disagrees with the model (%s):\n%s", n, checker_first_signature(), text);
    }
}
