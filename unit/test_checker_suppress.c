/* Known signatures (model/checker.c): a finding that aborts the process, as
 * under a fuzzing engine, first adds its signature to the known-signatures
 * file, so the engine's next process ends such inputs quietly instead of
 * crashing on every one of them. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "unit_support.h"

#define SIG "error-contract/-/-" /* what the failed check_status below is signed */

static void fail_one_check(void) { check_status(1, "krhino_mm_alloc", RHINO_SUCCESS, RHINO_NO_MEM); }
static void fail_misuse_check(void) { check_misuse(1, RHINO_SUCCESS, 1, RHINO_MM_DOUBLE_FREE, NULL); }

static void read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot read %s", path);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* In a child, as an engine runs the harness: known signatures from path,
 * abort on a new finding, then one failing check. Returns how it ended. */
static int run_aborting_child(const char *path, void (*failing_check)(void))
{
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork failed");
    if (pid == 0) {
        checker_suppress_file(path);
        checker_set_output(k_print_discard, true);
        failing_check();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

TestSuite(known_signatures, .init = unit_fresh_kernel);

Test(known_signatures, an_aborting_finding_is_recorded_once_and_then_ends_inputs_quietly)
{
    char path[] = "/tmp/rtosfuzz-known-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);

    int first = run_aborting_child(path, fail_one_check);
    cr_assert(WIFSIGNALED(first) && WTERMSIG(first) == SIGABRT, "a new finding must abort (status 0x%x)", first);
    char text[256];
    read_file(path, text, sizeof text);
    cr_assert_str_eq(text, SIG "\n");

    int second = run_aborting_child(path, fail_one_check);
    cr_assert(WIFEXITED(second) && WEXITSTATUS(second) == 0, "a known finding must not abort (status 0x%x)", second);
    read_file(path, text, sizeof text);
    cr_assert_str_eq(text, SIG "\n", "a known finding is not recorded again");

    /* and in this process: counted, signed, quiet */
    checker_suppress_file(path);
    checker_set_output(k_print_discard, true);
    fail_one_check();
    cr_assert_eq(checker_findings(), 1);
    cr_assert_str_eq(checker_first_signature(), SIG);
    unlink(path);
}

Test(known_signatures, repeated_lines_take_no_room_from_other_signatures)
{
    char path[] = "/tmp/rtosfuzz-known-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < 100; i++) /* more lines than the table has room for */
        fprintf(f, SIG "\n");
    fprintf(f, "misuse/-/-\n");
    fclose(f);
    int status = run_aborting_child(path, fail_misuse_check);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "misuse/-/- was not loaded (status 0x%x)", status);
    unlink(path);
}
