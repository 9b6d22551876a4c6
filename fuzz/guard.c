/* The guard (see guard.h). Its handlers run in a process that is about to
 * end: they may call stdio and libdw, which a process that goes on could
 * not; a second alarm kills the process if the report itself gets stuck. */
#define _GNU_SOURCE /* sigabbrev_np */
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "guard.h"
#include "symbolize.h"

#define GUARD_MAX_FRAMES 64
#define GUARD_SIGNATURE_MAX 160 /* as the checker's signatures */
#define GUARD_REPORT_GRACE_S 10 /* a report that takes longer is cut off by SIGALRM's default action */

/* In gcc --coverage builds a process the guard ends still writes what its
 * earlier inputs covered (a coverage replay of a corpus). */
#ifdef GUARD_WRITES_GCOV_COUNTERS
void __gcov_dump(void);
#define write_coverage_counters() __gcov_dump()
#else
#define write_coverage_counters() ((void)0)
#endif

#ifdef __SANITIZE_ADDRESS__
/* ASan keeps SIGSEGV and the like to itself unless a program lets a
 * handler of its own have them: the guard's report names the driver.
 * UBSan (built with ASan) aborts after its report, so the guard names the
 * driver function of that too. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allow_user_segv_handler=1"; }
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "print_stacktrace=1:abort_on_error=1"; }
/* ASan found a bad access and is about to print its report: symbolizing it
 * can outlast an input's budget on a loaded machine, and the report is the
 * finding, not a hang. It gets the grace a report of ours gets. */
void __asan_on_error(void);
void __asan_on_error(void)
{
    signal(SIGALRM, SIG_DFL);
    alarm(GUARD_REPORT_GRACE_S);
}
#endif

static guard_config_t g_cfg = {.record_fd = -1};
static volatile sig_atomic_t g_armed;
static unsigned g_budget_ms;

static const int guarded_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};

static bool is_own_code(const char *file)
{
    static const char *const own[] = {"kernel/", "model/", "fuzz/"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!strncmp(file, own[i], strlen(own[i])))
            return true;
    return false;
}

/* The source file of "fn (file:line)", or NULL for a frame without a
 * source line (stripped code, an address). */
static const char *file_of(const char *where)
{
    const char *file = strstr(where, " (");
    return file && strchr(file, ':') && strncmp(file, " (0x", 4) ? file + 2 : NULL;
}

/* Driver code: a source file of the project outside kernel/, model/ and
 * fuzz/, or an absolute path (a user's driver). The C library's files
 * are named "./..." or "../..." by its debug information. */
static bool is_driver_frame(const char *where)
{
    const char *file = file_of(where);
    return file && file[0] != '.' && !is_own_code(file);
}

static bool is_guard_frame(const char *where)
{
    const char *file = file_of(where);
    return file && !strncmp(file, "fuzz/guard.c:", 13);
}

bool guard_driver_frame(void *const *frames, int n, char *buf, size_t len, char *fn, size_t fn_len)
{
    snprintf(buf, len, "?");
    snprintf(fn, fn_len, "?");
    bool named = false;
    for (int i = 0; i < n; i++) {
        char where[SYMBOLIZE_MAX];
        symbolize_owner((uintptr_t)frames[i], where, sizeof where);
        if (is_driver_frame(where)) {
            snprintf(buf, len, "%s", where);
            symbolize_function((uintptr_t)frames[i], fn, fn_len);
            return true;
        }
        if (!named && where[0] != '?' && !is_guard_frame(where)) {
            snprintf(buf, len, "%s", where);
            symbolize_function((uintptr_t)frames[i], fn, fn_len);
            named = true;
        }
    }
    return false;
}

static void print_stack(void *const *frames, int n)
{
    fprintf(stderr, "stack:\n");
    for (int i = 0; i < n; i++) {
        char where[SYMBOLIZE_MAX];
        symbolize_owner((uintptr_t)frames[i], where, sizeof where);
        if (where[0] != '?' && !is_guard_frame(where))
            fprintf(stderr, "  #%d %s\n", i, where);
    }
}

/* Prints the finding, records its signature, ends the process. */
static void report_and_end(const char *kind, const char *what, void *const *frames, int n)
{
    alarm(GUARD_REPORT_GRACE_S);
    signal(SIGALRM, SIG_DFL);
    char where[SYMBOLIZE_MAX], fn[SYMBOLIZE_MAX], sig[GUARD_SIGNATURE_MAX];
    guard_driver_frame(frames, n, where, sizeof where, fn, sizeof fn);
    /* a signature names the function by its first 100 characters: enough to tell bugs apart */
    if (!strcmp(kind, "crash"))
        snprintf(sig, sizeof sig, "crash/%s/%.100s", what, fn);
    else
        snprintf(sig, sizeof sig, "%s/%.100s", kind, fn);
    unsigned step = g_cfg.step ? g_cfg.step() : 0;
    fflush(stdout);
    fprintf(stderr, "==== rtosfuzz finding ====\n");
    fprintf(stderr, "oracle:   %s\n", kind);
    fprintf(stderr, "%-9s %u\n", g_cfg.step_name ? g_cfg.step_name : "step:", step);
    if (!strcmp(kind, "hang"))
        fprintf(stderr, "actual:   still running after %u ms, in %s\n", g_budget_ms, where);
    else if (!strcmp(kind, "exit"))
        fprintf(stderr, "actual:   exit() called from %s\n", where);
    else
        fprintf(stderr, "actual:   %s in %s\n", what, where);
    print_stack(frames, n);
    fprintf(stderr, "signature: %s\n==== end finding ====\n", sig);
    fflush(stderr);
    if (g_cfg.record_fd >= 0) {
        char line[sizeof sig + 1];
        int len = snprintf(line, sizeof line, "%s\n", sig);
        if (write(g_cfg.record_fd, line, (size_t)len) != len)
            fprintf(stderr, "guard: the finding record was not written\n");
    }
    write_coverage_counters();
    _exit(g_cfg.exit_status ? g_cfg.exit_status : GUARD_EXIT_STATUS);
}

const char *guard_signal_name(int signo)
{
    static char name[32];
    snprintf(name, sizeof name, "SIG%s", sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
    return name;
}

static void on_signal(int signo)
{
    void *frames[GUARD_MAX_FRAMES];
    int n = backtrace(frames, GUARD_MAX_FRAMES);
    report_and_end(signo == SIGALRM ? "hang" : "crash", guard_signal_name(signo), frames, n);
}

static void on_exit_called(void)
{
    if (!g_armed)
        return;
    void *frames[GUARD_MAX_FRAMES];
    int n = backtrace(frames, GUARD_MAX_FRAMES);
    report_and_end("exit", "exit", frames, n);
}

void guard_install(const guard_config_t *cfg)
{
    g_cfg = *cfg;
    static char altstack[4 << 20]; /* libdw's line-table reader needs a deep stack */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_ONSTACK | SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof guarded_signals / sizeof guarded_signals[0]; i++)
        sigaction(guarded_signals[i], &sa, NULL);
    atexit(on_exit_called);
    void *warm[1];
    backtrace(warm, 1); /* loads the unwinder now, not inside a handler */
}

static void set_timer_ms(unsigned ms)
{
    struct itimerval t = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
}

void guard_arm(unsigned budget_ms)
{
    g_budget_ms = budget_ms;
    g_armed = 1;
    set_timer_ms(budget_ms);
}

void guard_disarm(void)
{
    set_timer_ms(0);
    g_armed = 0;
}
