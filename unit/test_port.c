/* The host port: the kernel console, status names, the error hook and the
 * fault-point schedule (kernel/port). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "k_port.h"
#include "unit_support.h"

/* ---- console ------------------------------------------------------------ */

static void fresh_kernel_stdout_redirected(void)
{
    unit_fresh_kernel();
    cr_redirect_stdout();
}

TestSuite(port, .init = unit_fresh_kernel);

Test(port, k_print_discard_formats_nothing)
{
    k_print_set(k_print_discard);
    /* formatting would read a string at address 1 and crash */
    cr_assert_eq(k_printf("WARNING, %s\n", (const char *)(uintptr_t)1), 0);
}

Test(port, k_print_set_null_sends_kernel_text_to_stdout, .init = fresh_kernel_stdout_redirected)
{
    /* unit_fresh_kernel installed the capture sink; NULL must hand back that
     * sink and restore the built-in stdout printer. */
    cr_assert_eq(k_print_set(NULL), capture_print);
    const char *warning = "WARNING, probe: 0x00001234\n";
    cr_assert_eq(k_printf("WARNING, %s: 0x%08lx\n", "probe", 0x1234ul), (int)strlen(warning));
    krhino_mm_overview(NULL); /* NULL print = the kernel console = stdout now */
    cr_assert_str_empty(capture_text(), "nothing may reach the old sink");
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "%s"
             "========== Heap Info  ==========\n"
             "-----------------------------------------------------------\n"
             "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
             "      | 0x0004A838 | 0x%08zX | 0x%08zX | 0x%08zX |\n"
             "-----------------------------------------------------------\n"
             "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"
             "      | 0x00002000 | 0x00002000 | 0x00000000 | 0x00000020 |\n"
             "-----------------------------------------------------------\n",
             warning, st.free, st.used, st.total - st.maxused);
    fflush(stdout);
    cr_assert_stdout_eq_str(expect);
}

Test(port, k_printf_truncates_a_line_to_255_characters_but_returns_the_full_length)
{
    char long_word[400];
    memset(long_word, 'x', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    cr_assert_eq(k_printf("%s", long_word), 399);
    cr_assert_eq(strlen(capture_text()), 255, "one console line is at most 255 characters");
}

static const struct {
    kstat_t code;
    const char *name;
} status_names[] = {
    {RHINO_SUCCESS, "RHINO_SUCCESS"},
    {RHINO_INV_PARAM, "RHINO_INV_PARAM"},
    {RHINO_NULL_PTR, "RHINO_NULL_PTR"},
    {RHINO_INV_ALIGN, "RHINO_INV_ALIGN"},
    {RHINO_KOBJ_TYPE_ERR, "RHINO_KOBJ_TYPE_ERR"},
    {RHINO_KOBJ_DEL_ERR, "RHINO_KOBJ_DEL_ERR"},
    {RHINO_MM_POOL_SIZE_ERR, "RHINO_MM_POOL_SIZE_ERR"},
    {RHINO_MM_ALLOC_SIZE_ERR, "RHINO_MM_ALLOC_SIZE_ERR"},
    {RHINO_MM_FREE_ADDR_ERR, "RHINO_MM_FREE_ADDR_ERR"},
    {RHINO_MM_CORRUPT_ERR, "RHINO_MM_CORRUPT_ERR"},
    {RHINO_MM_DOUBLE_FREE, "RHINO_MM_DOUBLE_FREE"},
    {RHINO_NO_MEM, "RHINO_NO_MEM"},
    {RHINO_TIMER_STATE_INV, "RHINO_TIMER_STATE_INV"},
    {RHINO_TIMER_MSG_FULL, "RHINO_TIMER_MSG_FULL"},
    {RHINO_NO_PEND_WAIT, "RHINO_NO_PEND_WAIT"},
    {RHINO_WAIT_NEVER_RETURNS, "RHINO_WAIT_NEVER_RETURNS"},
    {RHINO_BLK_TIMEOUT, "RHINO_BLK_TIMEOUT"},
    {RHINO_SEM_OVF, "RHINO_SEM_OVF"},
    {RHINO_MUTEX_NOT_RELEASED_BY_OWNER, "RHINO_MUTEX_NOT_RELEASED_BY_OWNER"},
    {RHINO_MUTEX_OWNER_NESTED, "RHINO_MUTEX_OWNER_NESTED"},
    {RHINO_BUF_QUEUE_FULL, "RHINO_BUF_QUEUE_FULL"},
    {RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW, "RHINO_BUF_QUEUE_MSG_SIZE_OVERFLOW"},
    {RHINO_BUF_QUEUE_SIZE_ZERO, "RHINO_BUF_QUEUE_SIZE_ZERO"},
    {RHINO_WORKQUEUE_WORK_EXIST, "RHINO_WORKQUEUE_WORK_EXIST"},
    {RHINO_WORKQUEUE_WORK_RUNNING, "RHINO_WORKQUEUE_WORK_RUNNING"},
};

Test(port, every_status_code_has_its_own_name)
{
    size_t n = sizeof status_names / sizeof status_names[0];
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(k_err_name(status_names[i].code), status_names[i].name, "code %d",
                         (int)status_names[i].code);
    /* Values between and beyond the defined ones are not guessed at. */
    cr_assert_str_eq(k_err_name((kstat_t)1), "RHINO_UNKNOWN");
    cr_assert_str_eq(k_err_name((kstat_t)106), "RHINO_UNKNOWN");
    cr_assert_str_eq(k_err_name((kstat_t)-1), "RHINO_UNKNOWN");
}

/* ---- error hook --------------------------------------------------------- */

static int g_other_hook_calls;
static void other_hook(kstat_t err, const void *addr)
{
    (void)err;
    (void)addr;
    g_other_hook_calls++;
}

Test(port, k_err_hook_set_returns_the_previous_hook_and_k_err_proc_calls_the_current_one)
{
    k_err_hook_t recorder = k_err_hook_set(other_hook);
    cr_assert_not_null(recorder, "unit_fresh_kernel's recorder was installed");
    k_err_proc(RHINO_MM_CORRUPT_ERR, (void *)0x40);
    cr_assert_eq(g_other_hook_calls, 1);
    cr_assert_eq(g_err_record.count, 0, "the replaced hook is not called any more");
    cr_assert_eq(k_err_hook_set(recorder), other_hook);
    k_err_proc(RHINO_MM_DOUBLE_FREE, (void *)0x80);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_DOUBLE_FREE);
    cr_assert_eq(g_err_record.last_addr, (void *)0x80);
}

/* The default hook ends in abort(). misuse.the_default_hook_stops_the_program
 * lets the process die; this test catches the SIGABRT and jumps back, so the
 * process exits normally and the hook's message can be checked (and gcov,
 * which writes its counters at exit, sees the hook run). glibc's abort()
 * raises SIGABRT with its own lock released, so leaving the handler by
 * siglongjmp is safe. */
static sigjmp_buf g_abort_jump;
static volatile sig_atomic_t g_aborts;

static void on_abort(int sig)
{
    (void)sig;
    g_aborts++;
    siglongjmp(g_abort_jump, 1);
}

static void fresh_kernel_stderr_redirected(void)
{
    unit_fresh_kernel();
    cr_redirect_stderr();
}

Test(port, k_err_hook_set_null_restores_the_default_hook_that_names_the_error_and_aborts,
     .init = fresh_kernel_stderr_redirected)
{
    k_err_hook_t recorder = k_err_hook_set(NULL);
    k_err_hook_t dflt = k_err_hook_set(NULL);
    cr_assert_not_null(dflt);
    cr_assert_neq(dflt, recorder, "NULL installs the default, not the hook it replaced");

    struct sigaction sa = {.sa_handler = on_abort}, old;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGABRT, &sa, &old), 0);
    void *p = aos_malloc(100);
    if (sigsetjmp(g_abort_jump, 1) == 0) {
        aos_free(p);
        aos_free(p); /* double free: WARNING line, then the default hook */
        cr_assert_fail("the default hook returned instead of aborting");
    }
    sigaction(SIGABRT, &old, NULL);
    cr_assert_eq(g_aborts, 1);
    char expect[128];
    snprintf(expect, sizeof expect, "rtosfuzz: kernel error RHINO_MM_DOUBLE_FREE at 0x%08lx, stopping\n",
             (unsigned long)(uintptr_t)p);
    fflush(stderr);
    cr_assert_stderr_eq_str(expect);
    cr_assert(strstr(capture_text(), "WARNING, double free: 0x"), "the WARNING line comes first");
}

/* ---- fault points ------------------------------------------------------- */

TestSuite(fault, .init = unit_fresh_kernel);

Test(fault, a_point_takes_at_most_K_FAULT_SCHEDULE_MAX_call_numbers)
{
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 0), -1, "calls count from 1");
    for (uint32_t i = 1; i <= K_FAULT_SCHEDULE_MAX; i++)
        cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 2 * i), 0, "call number %u", i);
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 2 * K_FAULT_SCHEDULE_MAX + 2), -1, "schedule full");
    cr_assert_eq(k_fault_fail_at(K_FAULT_POOL_ALLOC, 5), 0, "the other points keep their own room");
    /* The accepted numbers are exactly the ones that fail; the refused one
     * does not. */
    for (uint32_t call = 1; call <= 2 * K_FAULT_SCHEDULE_MAX + 4; call++)
        cr_assert_eq(k_fault_should_fail(K_FAULT_HEAP_ALLOC), call % 2 == 0 && call <= 2 * K_FAULT_SCHEDULE_MAX,
                     "call %u", call);
    cr_assert_eq(k_fault_injected(K_FAULT_HEAP_ALLOC), K_FAULT_SCHEDULE_MAX);
}

Test(fault, schedule_text_with_too_many_call_numbers_for_one_point_is_refused)
{
    char spec[256] = "heap=1", err[128];
    for (int i = 2; i <= K_FAULT_SCHEDULE_MAX + 1; i++)
        snprintf(spec + strlen(spec), sizeof spec - strlen(spec), ",%d", i);
    /* "heap=" is 5 characters, "1," ... "9," 2 each, "10," ... "16," 3 each:
     * the 17th number starts at column 5 + 2 * 9 + 3 * 7 + 1 = 45. */
    cr_assert_eq(k_fault_parse(spec, err, sizeof err), -1);
    cr_assert_str_eq(err, "fault schedule, column 45: too many call numbers for one point", "%s", spec);
    cr_assert_eq(strncmp(spec + 44, "17", 2), 0, "column 45 is where 17 starts");
}

Test(fault, schedule_text_names_the_column_of_a_bad_count)
{
    static const struct {
        const char *spec, *err;
    } bad[] = {
        {"heap=x", "fault schedule, column 6: expected a call number N or %P, counted from 1"},
        {"heap=3,-1", "fault schedule, column 8: expected a call number N or %P, counted from 1"},
        {"pool=%x", "fault schedule, column 6: expected a call number N or %P, counted from 1"},
        {"pool=%0", "fault schedule, column 6: expected a call number N or %P, counted from 1"},
        {"timerq=4294967296", "fault schedule, column 8: expected a call number N or %P, counted from 1"},
        {"heap5", "fault schedule, column 1: expected heap=, pool= or timerq="},
        {"heap=2\tpool=1x", "fault schedule, column 14: unexpected character"},
    };
    char err[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k_fault_reset();
        cr_assert_eq(k_fault_parse(bad[i].spec, err, sizeof err), -1, "'%s' accepted", bad[i].spec);
        cr_assert_str_eq(err, bad[i].err, "'%s'", bad[i].spec);
    }
    /* The largest count is fine. */
    cr_assert_eq(k_fault_parse("timerq=4294967295", err, sizeof err), 0, "%s", err);
    cr_assert(k_fault_call_fails(K_FAULT_TIMER_QUEUE, UINT32_MAX));
    /* Without a buffer the error is still returned, just not described. */
    cr_assert_eq(k_fault_parse("heap=x", NULL, 0), -1);
    strcpy(err, "untouched");
    cr_assert_eq(k_fault_parse("heap=x", err, 0), -1);
    cr_assert_str_eq(err, "untouched", "errlen 0: nothing written");
}

Test(fault, every_period_schedule_from_text)
{
    char err[128];
    cr_assert_eq(k_fault_parse("\tpool=%3\ttimerq=%2,5 ;", err, sizeof err), 0, "%s", err);
    for (uint32_t call = 1; call <= 12; call++) {
        cr_assert_eq(k_fault_should_fail(K_FAULT_POOL_ALLOC), call % 3 == 0, "pool call %u", call);
        cr_assert_eq(k_fault_should_fail(K_FAULT_TIMER_QUEUE), call % 2 == 0 || call == 5, "timerq call %u", call);
        cr_assert_not(k_fault_should_fail(K_FAULT_HEAP_ALLOC), "heap call %u", call);
    }
    cr_assert_eq(k_fault_injected(K_FAULT_POOL_ALLOC), 4);
    cr_assert_eq(k_fault_injected(K_FAULT_TIMER_QUEUE), 7);
    cr_assert_eq(k_fault_calls(K_FAULT_POOL_ALLOC), 12);
    /* %P then turned off by the API: only the explicit number is left. */
    k_fault_fail_every(K_FAULT_TIMER_QUEUE, 0);
    cr_assert_not(k_fault_call_fails(K_FAULT_TIMER_QUEUE, 4));
    cr_assert(k_fault_call_fails(K_FAULT_TIMER_QUEUE, 5));
}

Test(fault, injections_past_the_record_are_counted_not_recorded)
{
    k_fault_fail_every(K_FAULT_HEAP_ALLOC, 1);
    for (uint32_t call = 1; call <= K_FAULT_SCHEDULE_MAX + 2; call++)
        cr_assert(k_fault_should_fail(K_FAULT_HEAP_ALLOC), "call %u", call);
    cr_assert_eq(k_fault_injected(K_FAULT_HEAP_ALLOC), K_FAULT_SCHEDULE_MAX + 2);
    cr_assert_eq(k_fault_injected_call(K_FAULT_HEAP_ALLOC, K_FAULT_SCHEDULE_MAX - 1), K_FAULT_SCHEDULE_MAX);
    cr_assert_eq(k_fault_injected_call(K_FAULT_HEAP_ALLOC, K_FAULT_SCHEDULE_MAX), 0, "past the record");
}

Test(fault, point_names_and_an_unknown_point)
{
    cr_assert_str_eq(k_fault_point_name(K_FAULT_HEAP_ALLOC), "heap");
    cr_assert_str_eq(k_fault_point_name(K_FAULT_POOL_ALLOC), "pool");
    cr_assert_str_eq(k_fault_point_name(K_FAULT_TIMER_QUEUE), "timerq");
    cr_assert_str_eq(k_fault_point_name(K_FAULT_POINTS), "?");
}

Test(fault, environment_schedule_is_added_when_set)
{
    char err[128] = "";
    cr_assert_eq(unsetenv("RTOSFUZZ_FAULTS"), 0);
    cr_assert_eq(k_fault_load_env(err, sizeof err), 0, "unset: nothing to add");
    cr_assert_not(k_fault_call_fails(K_FAULT_HEAP_ALLOC, 2));

    cr_assert_eq(setenv("RTOSFUZZ_FAULTS", "heap=2 pool=%4", 1), 0);
    cr_assert_eq(k_fault_load_env(err, sizeof err), 0, "%s", err);
    cr_assert(k_fault_call_fails(K_FAULT_HEAP_ALLOC, 2));
    cr_assert_not(k_fault_call_fails(K_FAULT_HEAP_ALLOC, 3));
    cr_assert(k_fault_call_fails(K_FAULT_POOL_ALLOC, 8));
    /* The schedule acts on the kernel: the second heap allocation fails. */
    cr_assert_not_null(aos_malloc(100));
    cr_assert_null(aos_malloc(100));
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:100"), 1);

    cr_assert_eq(setenv("RTOSFUZZ_FAULTS", "heap=2 disk=1", 1), 0);
    cr_assert_eq(k_fault_load_env(err, sizeof err), -1);
    cr_assert_str_eq(err, "fault schedule, column 8: expected heap=, pool= or timerq=");
    unsetenv("RTOSFUZZ_FAULTS");
}
