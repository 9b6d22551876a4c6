/* Seeded random programs of the mm harness (heap and pool allocations,
 * reallocs, frees, misuse and faults) run through the harness VM, with the
 * checker after every op: structure, exact accounting, the live set and
 * the contents of every object. Built also against kernels with a seeded
 * bug (unit/CMakeLists.txt), where a program must fail with the report of
 * the oracle meant for that bug. */
#include <criterion/criterion.h>

#include "k_mm.h"
#include "seeded_programs.h"
#include "unit_support.h"

#define PROGRAMS 40u
/* A program has run the heap full when its peak UsedSz came this close to
 * TotalSz: closer than the largest request the mm harness makes (64 KiB). */
#define NEAR_FULL_BYTES 0x10000u

Test(stress, seeded_programs_agree_with_the_model_and_run_the_heap_full)
{
    unsigned ran_full = 0;
    for (uint32_t seed = 1; seed <= PROGRAMS; seed++) {
        seeded_programs_t one = {HARNESS_MM, .first = seed, .count = 1, .time_percent = 100};
        seeded_programs_expect_clean(&one);
        k_mm_stats_t st = unit_heap_stats(g_kmm_head); /* the heap as the program left it */
        ran_full += st.total - st.maxused < NEAR_FULL_BYTES;
    }
    cr_expect_geq(ran_full, PROGRAMS / 4, "only %u of %u programs ran the heap near full", ran_full, PROGRAMS);
}
