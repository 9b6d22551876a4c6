/* Ops decoded once into typed fields (fuzz/fuzz_input.h): text compiled to
 * bytes, read back with fuzz_next_op, gives the named values the text
 * says, prints back as the same text and exports the same values as C. */
#include <criterion/criterion.h>
#include <string.h>

#include "fuzz_input.h"

/* Compiles text (one harness line, then ops) and reads its first op. */
static fuzz_op_t first_op(const char *text)
{
    uint8_t bytes[64];
    char err[160];
    harness_kind_t h;
    long n = fuzz_text_compile(text, bytes, sizeof bytes, &h, err, sizeof err);
    cr_assert(n > 0, "%s: %s", text, err);
    fuzz_reader_t r;
    fuzz_header_t hdr;
    fuzz_op_t op;
    fuzz_reader_init(&r, bytes, (size_t)n, h);
    fuzz_read_header(&r, &hdr);
    cr_assert(fuzz_next_op(&r, &op), "%s: no op", text);
    return op;
}

static void expect_prints_as(const fuzz_op_t *op, const char *line)
{
    char buf[160];
    fuzz_op_format(op, buf, sizeof buf);
    cr_expect_str_eq(buf, line);
}

Test(fuzz_input, heap_ops_decode_slot_size_and_count)
{
    fuzz_op_t op = first_op("harness mm\ncalloc slot=11 n=6 size=167\n");
    cr_expect_eq(op.code, OP_CALLOC);
    cr_expect_eq(op.slot, 11);
    cr_expect_eq(op.n, 6);
    cr_expect_eq(op.size, 167);
    expect_prints_as(&op, "calloc slot=11 n=6 size=167");
    op = first_op("harness mm\nmalloc slot=3 size=0x4A838\n");
    cr_expect_eq(op.size, 0x4A838, "a special size");
    char c[80];
    cr_expect(fuzz_op_format_c(&op, c, sizeof c));
    cr_expect_str_eq(c, "repro_malloc(3, 305208);");
}

Test(fuzz_input, timer_ops_decode_ticks_auto_run_and_arg)
{
    fuzz_op_t op = first_op("harness timer\ntdyn_create slot=5 first=5 round=3000 auto=1\n");
    cr_expect_eq(op.slot, 5);
    cr_expect_eq(op.first, 5);
    cr_expect_eq(op.round, 3000);
    cr_expect(op.auto_run);
    op = first_op("harness timer\ntarg slot=2 arg=200\n");
    cr_expect_eq(op.arg, 200);
    op = first_op("harness timer\nticks n=128\n");
    cr_expect_eq(op.ticks, 128);
    cr_expect_eq(op.slot, 0, "fields the op does not name stay 0");
}

Test(fuzz_input, aos_ops_decode_signed_ms_and_options)
{
    fuzz_op_t op = first_op("harness timer\naction_cancel arg=2 ms=-1\n");
    cr_expect_eq(op.arg, 2);
    cr_expect_eq(op.ms, -1, "a cancel of any ms");
    expect_prints_as(&op, "action_cancel arg=2 ms=-1");
    op = first_op("harness timer\natimer_create slot=9 ms=2000 options=3\n");
    cr_expect_eq(op.slot, 9);
    cr_expect_eq(op.ms, 2000);
    cr_expect_eq(op.options, 3);
}

Test(fuzz_input, system_ops_decode_fault_point_nth_sleep_and_ap)
{
    fuzz_op_t op = first_op("harness system\nfault point=pool in=3\n");
    cr_expect_eq(op.point, K_FAULT_POOL_ALLOC);
    cr_expect_eq(op.nth, 3);
    char c[80];
    cr_expect(fuzz_op_format_c(&op, c, sizeof c));
    cr_expect_str_eq(c, "repro_fault_in(\"pool\", 3);");
    op = first_op("harness system\nsleep ms=500\n");
    cr_expect_eq(op.ms, 500);
    op = first_op("harness system\nap on=1\n");
    cr_expect(op.on);
}

/* The message of a text that does not compile. */
static const char *compile_error(const char *text)
{
    static char err[160];
    uint8_t bytes[64];
    harness_kind_t h;
    cr_assert(fuzz_text_compile(text, bytes, sizeof bytes, &h, err, sizeof err) < 0, "%s compiled", text);
    return err;
}

/* A value out of range is refused with the values the argument takes,
 * which come from the model's slot counts and the kernel's fault points. */
Test(fuzz_input, a_refused_value_names_the_values_accepted)
{
    cr_expect(strstr(compile_error("harness mm\nmalloc slot=16 size=8\n"), "is not accepted: 0..15"));
    cr_expect(strstr(compile_error("harness timer\ntdyn_create slot=3 first=1 round=0 auto=0\n"),
                     "is not accepted: 4..7 (the dynamic timers)"));
    cr_expect(strstr(compile_error("harness timer\natimer_start slot=12\n"), "is not accepted: 8..11 (the aos timers)"));
    cr_expect(strstr(compile_error("harness timer\natimer_create slot=8 ms=5 options=1\n"),
                     "0..1673 in steps of 7, 1000..15000 in steps of 1000, or -1"));
    cr_expect(strstr(compile_error("harness system\nfault disk 2\n"), "expected one of heap, pool, timerq"));
    cr_expect(strstr(compile_error("malloc slot=1 size=8\n"), "NAME one of mm, timer, system"));
}
