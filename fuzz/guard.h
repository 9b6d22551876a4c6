/* The guard: turns what driver code can do to the process running it — a
 * crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, abort()), a hang (an input or
 * soak cycle past its time budget) or a call of exit() — into a finding
 * report instead of a dead or stuck tool. The report names the signal,
 * the step, and the driver function and line where it happened, from a
 * backtrace symbolized with libdw (model/symbolize.c); its signature is
 * "crash/<SIGNAL>/<function>", "hang/<function>" or "exit/<function>".
 * After reporting, the process ends with GUARD_EXIT_STATUS: the caller
 * runs guarded code in a child process (replay's worker) or stops (soak). */
#ifndef GUARD_H
#define GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Time budget of one input (replay, libFuzzer -timeout, AFL++ -t) and one
 * soak cycle, in milliseconds. A normal input runs in well under 10 ms. */
#define GUARD_INPUT_BUDGET_MS 1000u

/* Exit status of a process the guard ended after reporting a finding,
 * unless its guard_config_t says otherwise. */
#define GUARD_EXIT_STATUS 86

typedef struct {
    unsigned (*step)(void); /* the step (op index, soak cycle) running now */
    const char *step_name;  /* its label in the report: "step:", "cycle:" */
    int record_fd;          /* -1, or where "<signature>\n" is written before the process ends */
    int exit_status;        /* the process's exit status after a report; 0 = GUARD_EXIT_STATUS */
} guard_config_t;

/* Installs the signal handlers (on an alternate stack, so a stack overflow
 * is reported too) and the exit hook. Call once, before guard_arm. */
void guard_install(const guard_config_t *cfg);

/* Starts watching one unit of work (an input, a cycle): its time budget
 * (ms; 0 = none) starts now, and an exit() from here on is a finding. */
void guard_arm(unsigned budget_ms);

/* The unit ended normally: no budget, exit() is allowed again. */
void guard_disarm(void);

/* "SIGSEGV" and the like ("SIG?" for a number without a name); the
 * result stays valid until the next call. */
const char *guard_signal_name(int signo);

/* The driver frame of a backtrace: "function (file:line)" of the first
 * frame in code outside the kernel, the model, the harness and the C
 * library, written to buf (at most len bytes, NUL-terminated); fn gets the
 * bare function name (fn_len bytes). Returns false when there is none
 * (then the innermost named frame is given). */
bool guard_driver_frame(void *const *frames, int n, char *buf, size_t len, char *fn, size_t fn_len);

#endif
