/* The guard: turns what driver code can do to the process running it — a
 * crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, abort()), a hang (an input or
 * soak cycle past its time budget), a call of exit() or, in ASan builds, a
 * sanitizer's report — into a finding instead of a dead or stuck tool. The
 * report names the signal, the step, and the driver function and line
 * where it happened, from a backtrace symbolized with libdw
 * (model/symbolize.c); its signature is "crash/<SIGNAL>/<function>",
 * "hang/<function>", "exit/<function>" or "sanitizer/<kind>/<function>".
 *
 * The process that meets one prints the report, passes the finding up
 * (guard_finding_t, one write() to guard_config_t.record_fd) and ends with
 * GUARD_EXIT_STATUS. Its parent (replay) writes the finding's JSON record
 * once it has reaped it (guard_record_append): a process that dies in a
 * signal handler writes no files. */
#ifndef GUARD_H
#define GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding_record.h"
#include "k_trace.h"

/* Time budget of one input (replay, libFuzzer -timeout, AFL++ -t) and one
 * soak cycle, in milliseconds. A normal input runs in well under 10 ms. */
#define GUARD_INPUT_BUDGET_MS 1000u

/* Exit status of a process the guard ended after reporting a finding,
 * unless its guard_config_t says otherwise. */
#define GUARD_EXIT_STATUS 86

#define GUARD_SIGNATURE_MAX 160 /* as the checker's signatures */

typedef struct {
    unsigned (*step)(void); /* the step (op index, soak cycle) running now */
    const char *step_name;  /* its name in the report: "step", "cycle"; NULL = "step" */
    int record_fd;          /* -1, or where the guard_finding_t is written before the process ends */
    int exit_status;        /* the process's exit status after a report; 0 = GUARD_EXIT_STATUS */
} guard_config_t;

/* What ended the process; the record's "oracle". */
typedef enum { GUARD_CRASH, GUARD_HANG, GUARD_EXIT, GUARD_SANITIZER } guard_kind_t;

/* A finding of the guard, as its process passes it up: plain data (no
 * pointers but code addresses, valid in a parent forked before it and
 * running the same binary), shorter than PIPE_BUF so one write() of it is
 * whole or nothing. */
typedef struct {
    guard_kind_t kind;
    char what[48];        /* crash: the signal ("SIGSEGV"); sanitizer: its report's kind
                             ("heap-use-after-free"); "" otherwise */
    unsigned step;        /* the step running when it happened (0-based op index);
                             FINDING_STEP_UNKNOWN when the process did not say */
    unsigned budget_ms;   /* hang: the budget the step ran past */
    uintptr_t frames[K_TRACE_FRAMES]; /* the driver frame, then its callers; 0 ends; all 0 = unknown */
    record_fault_t faults[RECORD_FAULTS_MAX]; /* the faults injected so far */
    size_t nfaults;
    char signature[GUARD_SIGNATURE_MAX];
} guard_finding_t;

/* Installs the signal handlers (on an alternate stack, so a stack overflow
 * is reported too), the exit hook and, in ASan builds, the sanitizer's
 * death callback. Call once, before guard_arm. */
void guard_install(const guard_config_t *cfg);

/* Starts watching one unit of work (an input, a cycle): its time budget
 * (ms; 0 = none) starts now, and an exit() or a sanitizer report from here
 * on is a finding. */
void guard_arm(unsigned budget_ms);

/* The unit ended normally: no budget, exit() is allowed again. */
void guard_disarm(void);

/* Reads the finding a process passed up through fd (the read end of its
 * record_fd) after it ended. Returns false when it passed none, or a
 * partial one. */
bool guard_finding_read(int fd, guard_finding_t *f);

/* The finding of a process that ended without passing one up (killed, or
 * ended by the driver through _exit), from its waitpid status: a crash
 * with its signal, or an exit, at an unknown place and step. Prints the
 * report as the guard prints its own; path names what the process ran. */
void guard_finding_of_death(int status, const char *path, guard_finding_t *f);

/* Appends the finding's JSON record (model/finding_record.h; oracle
 * "crash", "hang", "exit" or "sanitizer", oracle_number 0, call[] = the
 * frames from the driver's) to the file at path. listing prints the program
 * up to the finding's step (NULL = no program). Returns 0, or -1 when the
 * file cannot be written (errno tells why). */
int guard_record_append(const char *path, const guard_finding_t *f, checker_listing_fn listing, void *listing_ctx);

#endif
