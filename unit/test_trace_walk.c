/* The frame-pointer walk behind every allocation's stack (k_trace.h): fed
 * chains of frame records laid out on this test's own stack, it must
 * follow them outwards and stop, without reading, at anything a chain in
 * code built without frame pointers could hold. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "k_trace.h"

/* A record as a frame pointer points at it: the caller's record, then the
 * return address into the caller. */
typedef uintptr_t record_t[2];

static void link_records(record_t *rec, int n)
{
    for (int i = 0; i < n; i++) {
        rec[i][0] = i + 1 < n ? (uintptr_t)rec[i + 1] : 0;
        rec[i][1] = 0x1000u + (uintptr_t)i;
    }
}

Test(trace_walk, follows_the_chain_outwards_to_its_end)
{
    record_t rec[3];
    link_records(rec, 3);
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 8), 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq((uintptr_t)stack[i], 0x1000u + (uintptr_t)i);
}

Test(trace_walk, keeps_at_most_max_frames)
{
    record_t rec[3];
    link_records(rec, 3);
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 2), 2);
}

Test(trace_walk, stops_at_a_link_that_does_not_go_outwards)
{
    record_t rec[3];
    link_records(rec, 3);
    rec[1][0] = (uintptr_t)rec[0]; /* back inwards: a loop */
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 8), 2);
}

Test(trace_walk, stops_at_a_misaligned_record)
{
    record_t rec[3];
    link_records(rec, 3);
    rec[0][0] += 1;
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 8), 1);
}

Test(trace_walk, stops_at_a_zero_return_address)
{
    record_t rec[3];
    link_records(rec, 3);
    rec[1][1] = 0;
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 8), 1);
}

static record_t g_not_on_the_stack;

Test(trace_walk, reads_nothing_outside_this_threads_stack)
{
    void *stack[8];
    cr_assert_eq(k_trace_walk_frames(g_not_on_the_stack, stack, 8), 0, "below the stack");
    record_t rec[1];
    link_records(rec, 1);
    rec[0][0] = ~(uintptr_t)0xF; /* aligned, far above any stack */
    cr_assert_eq(k_trace_walk_frames(rec[0], stack, 8), 1, "above the stack");
}
