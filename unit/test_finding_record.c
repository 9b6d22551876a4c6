/* Finding records (model/finding_record.c): the JSON a script reads holds
 * the same facts as the report, and the checker writes one per reported
 * finding to the file $RTOSFUZZ_FINDING_RECORD names. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "finding_record.h"
#include "k_mm.h"
#include "unit_support.h"

static void two_op_listing(k_print_fn out, unsigned upto_step, void *ctx)
{
    out("  connect  # step 0\n");
    out("  suspend  # step %u  <-- %s\n", upto_step, (const char *)ctx);
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    cr_assert(j, "not JSON (%s at %d): %s", err.text, err.position, text);
    return j;
}

static const char *str_at(json_t *j, const char *path_key) { return json_string_value(json_object_get(j, path_key)); }

TestSuite(finding_record, .init = unit_fresh_kernel);

Test(finding_record, holds_oracle_summary_objects_faults_and_program)
{
    uint32_t nth = k_fault_calls(K_FAULT_HEAP_ALLOC) + 1;
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, nth), 0);
    cr_assert_null(krhino_mm_alloc(64), "the injected heap fault must make this fail");
    uintptr_t alloc[K_TRACE_FRAMES] = {0}; /* 0: the kernel */
    record_obj_t obj = {NULL, "timer", "heap", 120, 0x1000, 0, alloc, NULL};
    finding_record_t rec = {"quiescence", 7, "leak: 1 timer", 1, "quiescence/kernel/timer", "nothing", "+1 timer",
                            NULL, &obj, 1, two_op_listing, "here", NULL, 0};
    char *text = finding_record_json(&rec);
    cr_assert(text && !strchr(text, '\n'), "one line of JSON");
    json_t *j = parse(text);
    cr_assert_str_eq(str_at(j, "oracle"), "quiescence");
    cr_assert_eq(json_integer_value(json_object_get(j, "oracle_number")), 7);
    cr_assert_str_eq(str_at(j, "summary"), "leak: 1 timer");
    cr_assert_eq(json_integer_value(json_object_get(j, "step")), 1);
    cr_assert_str_eq(str_at(j, "signature"), "quiescence/kernel/timer");
    json_t *o = json_array_get(json_object_get(j, "objects"), 0);
    cr_assert_str_eq(str_at(o, "kind"), "timer");
    cr_assert_eq(json_integer_value(json_object_get(o, "bytes")), 120);
    cr_assert_str_eq(str_at(o, "address"), "0x00001000");
    cr_assert_str_eq(str_at(json_object_get(o, "owner"), "function"), "kernel");
    cr_assert_eq(json_array_size(json_object_get(o, "allocated_at")), 0, "a zero frame ends a stack");
    json_t *fault = json_array_get(json_object_get(j, "faults"), 0);
    cr_assert(fault, "the injected fault is listed");
    cr_assert_str_eq(str_at(fault, "point"), "heap");
    cr_assert_eq(json_integer_value(json_object_get(fault, "call")), nth);
    json_t *program = json_object_get(j, "program");
    cr_assert_eq(json_array_size(program), 2);
    cr_assert_str_eq(json_string_value(json_array_get(program, 1)), "  suspend  # step 1  <-- here");
    json_decref(j);
    free(text);
}

Test(finding_record, owner_frames_name_function_file_and_line)
{
    uintptr_t here = (uintptr_t)__builtin_return_address(0);
    uintptr_t stack[K_TRACE_FRAMES] = {here};
    record_obj_t obj = {"the block hit", "data", "pool", 32, 0x2000, here, stack, stack};
    finding_record_t rec = {"misuse", 9, "double-free", 0, "double-free/x/data", "one report", "two", stack, &obj, 1,
                            NULL, NULL, NULL, 0};
    char *text = finding_record_json(&rec);
    json_t *j = parse(text);
    json_t *o = json_array_get(json_object_get(j, "objects"), 0);
    cr_assert_str_eq(str_at(o, "role"), "the block hit");
    cr_assert_str_eq(str_at(o, "home"), "pool");
    json_t *owner = json_object_get(o, "owner");
    cr_assert(str_at(owner, "function") && str_at(owner, "address"), "an owner has a function and an address");
    cr_assert_eq(json_array_size(json_object_get(o, "freed_at")), 1);
    cr_assert_eq(json_array_size(json_object_get(j, "call")), 1);
    cr_assert_eq(json_array_size(json_object_get(j, "program")), 0, "no listing, no program");
    json_decref(j);
    free(text);
}

/* A process that did not run the program (the guard's parent) passes the
 * faults it was told of; this process's kernel's are not its record's. */
Test(finding_record, faults_given_replace_this_processs_and_an_unknown_step_is_null)
{
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, k_fault_calls(K_FAULT_HEAP_ALLOC) + 1), 0);
    cr_assert_null(krhino_mm_alloc(64), "the injected heap fault must make this fail");
    record_fault_t mine[RECORD_FAULTS_MAX];
    cr_assert_eq(finding_record_faults_now(mine, RECORD_FAULTS_MAX), 1, "one fault injected here");
    static const record_fault_t given[] = {{K_FAULT_TIMER_QUEUE, 2}, {K_FAULT_POOL_ALLOC, 5}};
    finding_record_t rec = {"crash", 0, "crash: SIGSEGV", 1, "crash/SIGSEGV/f", "returns", "SIGSEGV", NULL, NULL, 0,
                            NULL, NULL, given, 2};
    char *text = finding_record_json(&rec);
    json_t *j = parse(text);
    json_t *faults = json_object_get(j, "faults");
    cr_assert_eq(json_array_size(faults), 2);
    cr_assert_str_eq(str_at(json_array_get(faults, 0), "point"), "timerq");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(faults, 1), "call")), 5);
    cr_assert_eq(json_integer_value(json_object_get(j, "step")), 1);
    rec.nfaults = 0;
    rec.step = FINDING_STEP_UNKNOWN;
    free(text);
    json_decref(j);
    text = finding_record_json(&rec);
    j = parse(text);
    cr_assert_eq(json_array_size(json_object_get(j, "faults")), 0, "none given is none, not this process's");
    cr_assert(json_is_null(json_object_get(j, "step")), "an unknown step is null: %s", text);
    json_decref(j);
    free(text);
}

Test(finding_record, the_checker_appends_one_record_per_reported_finding)
{
    char path[] = "/tmp/rtosfuzz-record-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    setenv("RTOSFUZZ_FINDING_RECORD", path, 1);
    checker_set_output(k_print_discard, false);
    check_status(3, "krhino_mm_alloc", RHINO_SUCCESS, RHINO_NO_MEM);
    unsetenv("RTOSFUZZ_FINDING_RECORD");
    char text[8192];
    cr_assert(unit_read_text(path, text, sizeof text), "cannot read %s", path);
    unlink(path);
    char *nl = strchr(text, '\n');
    cr_assert(nl && nl[1] == '\0', "exactly one line: %s", text);
    json_t *j = parse(text);
    cr_assert_str_eq(str_at(j, "oracle"), "error-contract");
    cr_assert_str_eq(str_at(j, "signature"), checker_first_signature());
    cr_assert_eq(json_integer_value(json_object_get(j, "step")), 3);
    cr_assert(!strncmp(str_at(j, "summary"), "failed call: ", 13), "summary: %s", str_at(j, "summary"));
    json_decref(j);
}
