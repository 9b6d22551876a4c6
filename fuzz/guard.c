/* The guard (see guard.h). Its handlers run in a process that is about to
 * end: they may call stdio and libdw, which a process that goes on could
 * not; a second alarm kills the process if the report itself gets stuck.
 * The finding's record is its parent's to write (guard_record_append). */
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "symbolize.h"

#define GUARD_MAX_FRAMES 64
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
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
static void on_sanitizer_death(void);
#define watch_sanitizer_deaths() __sanitizer_set_death_callback(on_sanitizer_death)
#else
#define watch_sanitizer_deaths() ((void)0)
#endif

static guard_config_t g_cfg = {.record_fd = -1};
static volatile sig_atomic_t g_armed;
static unsigned g_budget_ms;

static const int guarded_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};

static const char *const kind_names[] = {
    [GUARD_CRASH] = "crash", [GUARD_HANG] = "hang", [GUARD_EXIT] = "exit", [GUARD_SANITIZER] = "sanitizer"};

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

/* The index of the driver frame of a backtrace: the first frame in code
 * outside the kernel, the model, the harness and the C library; failing
 * that the innermost named frame outside the guard; -1 when none is named. */
static int driver_frame_index(void *const *frames, int n)
{
    int named = -1;
    for (int i = 0; i < n; i++) {
        char where[SYMBOLIZE_MAX];
        symbolize_owner((uintptr_t)frames[i], where, sizeof where);
        if (is_driver_frame(where))
            return i;
        if (named < 0 && where[0] != '?' && !is_guard_frame(where))
            named = i;
    }
    return named;
}

/* "SIGSEGV" and the like ("SIG?" for a number without a name); valid until
 * the next call. */
static const char *signal_name(int signo)
{
    static char name[32];
    snprintf(name, sizeof name, "SIG%s", sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
    return name;
}

/* ---- what a finding says, from its guard_finding_t --------------------------- */
/* A parent that never installed the guard (it writes the records of its
 * workers' findings) counts steps. */
static const char *step_name_of_this_process(void) { return g_cfg.step_name ? g_cfg.step_name : "step"; }

/* A process the guard ended always knows its step; one it did not, not. */
static bool is_unreported(const guard_finding_t *f) { return f->step == FINDING_STEP_UNKNOWN; }

static bool has_place(const guard_finding_t *f) { return f->frames[0] != 0; }

static void where_of(const guard_finding_t *f, char *buf, size_t len)
{
    if (has_place(f))
        symbolize_owner(f->frames[0], buf, len);
    else
        snprintf(buf, len, "an unknown place");
}

static void expected_of(const guard_finding_t *f, char *buf, size_t len)
{
    static const char *const expected[] = {[GUARD_CRASH] = "each call into the driver returns",
                                           [GUARD_EXIT] = "the driver leaves the process running",
                                           [GUARD_SANITIZER] = "no sanitizer report"};
    if (f->kind == GUARD_HANG)
        snprintf(buf, len, "each step ends within %u ms", f->budget_ms);
    else
        snprintf(buf, len, "%s", expected[f->kind]);
}

static void actual_of(const guard_finding_t *f, char *buf, size_t len)
{
    char where[SYMBOLIZE_MAX];
    where_of(f, where, sizeof where);
    if (is_unreported(f))
        snprintf(buf, len, "the process ended (%s) without a report", f->what);
    else if (f->kind == GUARD_HANG)
        snprintf(buf, len, "still running after %u ms, in %s", f->budget_ms, where);
    else if (f->kind == GUARD_EXIT)
        snprintf(buf, len, "exit() called from %s", where);
    else
        snprintf(buf, len, "%s in %s", f->what, where);
}

/* The summary line: what happened, where in the driver, at which step. */
static void summary_of(const guard_finding_t *f, char *buf, size_t len)
{
    char where[SYMBOLIZE_MAX];
    where_of(f, where, sizeof where);
    const char *step_name = step_name_of_this_process();
    const char *kind = kind_names[f->kind];
    if (is_unreported(f))
        snprintf(buf, len, "%s: the process ended (%s) without a report", kind, f->what);
    else if (f->kind == GUARD_HANG)
        snprintf(buf, len, "hang: %s still running after %u ms at %s %u", where, f->budget_ms, step_name, f->step);
    else if (f->kind == GUARD_EXIT)
        snprintf(buf, len, "exit: %s called exit() at %s %u", where, step_name, f->step);
    else
        snprintf(buf, len, "%s: %s in %s at %s %u", kind, f->what, where, step_name, f->step);
}

/* The signature names the function by its first 100 characters: enough to
 * tell bugs apart. */
static void sign(guard_finding_t *f)
{
    char fn[SYMBOLIZE_MAX] = "?";
    if (has_place(f))
        symbolize_function(f->frames[0], fn, sizeof fn);
    if (f->kind == GUARD_CRASH || f->kind == GUARD_SANITIZER)
        snprintf(f->signature, sizeof f->signature, "%s/%s/%.100s", kind_names[f->kind], f->what, fn);
    else
        snprintf(f->signature, sizeof f->signature, "%s/%.100s", kind_names[f->kind], fn);
}

/* ---- the report ------------------------------------------------------------ */
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

static void print_report(const guard_finding_t *f, void *const *frames, int n)
{
    char summary[2 * SYMBOLIZE_MAX], expected[128], actual[2 * SYMBOLIZE_MAX];
    summary_of(f, summary, sizeof summary);
    expected_of(f, expected, sizeof expected);
    actual_of(f, actual, sizeof actual);
    fflush(stdout);
    fprintf(stderr, "==== rtosfuzz finding ====\n");
    fprintf(stderr, "summary:  %s\n", summary);
    fprintf(stderr, "oracle:   %s\n", kind_names[f->kind]);
    const char *step_name = step_name_of_this_process();
    if (!is_unreported(f))
        fprintf(stderr, "%s:%*s%u\n", step_name, (int)(9 - strlen(step_name)), "", f->step);
    fprintf(stderr, "expected: %s\n", expected);
    fprintf(stderr, "actual:   %s\n", actual);
    if (n > 0)
        print_stack(frames, n);
    fprintf(stderr, "signature: %s\n==== end finding ====\n", f->signature);
    fflush(stderr);
}

/* Passes the finding up in one write: a parent reads all of it or none. */
static void pass_up(const guard_finding_t *f)
{
    if (g_cfg.record_fd >= 0 && write(g_cfg.record_fd, f, sizeof *f) != (ssize_t)sizeof *f)
        fprintf(stderr, "guard: the finding was not passed to the parent process\n");
}

_Static_assert(sizeof(guard_finding_t) <= PIPE_BUF, "a finding passes up in one atomic write");

/* Prints the finding, passes it up, ends the process. */
__attribute__((noreturn)) static void report_and_end(guard_kind_t kind, const char *what, void *const *frames, int n)
{
    alarm(GUARD_REPORT_GRACE_S);
    signal(SIGALRM, SIG_DFL);
    static guard_finding_t f; /* static: a handler on the alternate stack keeps its frame small */
    memset(&f, 0, sizeof f);
    f.kind = kind;
    snprintf(f.what, sizeof f.what, "%s", what);
    f.step = g_cfg.step ? g_cfg.step() : 0;
    f.budget_ms = g_budget_ms;
    int at = driver_frame_index(frames, n);
    for (int i = 0; at >= 0 && i < K_TRACE_FRAMES && at + i < n; i++)
        f.frames[i] = (uintptr_t)frames[at + i];
    f.nfaults = finding_record_faults_now(f.faults, RECORD_FAULTS_MAX);
    sign(&f);
    print_report(&f, frames, n);
    pass_up(&f);
    write_coverage_counters();
    _exit(g_cfg.exit_status ? g_cfg.exit_status : GUARD_EXIT_STATUS);
}

static void on_signal(int signo)
{
    void *frames[GUARD_MAX_FRAMES];
    int n = backtrace(frames, GUARD_MAX_FRAMES);
    if (signo == SIGALRM)
        report_and_end(GUARD_HANG, "", frames, n);
    report_and_end(GUARD_CRASH, signal_name(signo), frames, n);
}

static void on_exit_called(void)
{
    if (!g_armed)
        return;
    void *frames[GUARD_MAX_FRAMES];
    int n = backtrace(frames, GUARD_MAX_FRAMES);
    report_and_end(GUARD_EXIT, "", frames, n);
}

#ifdef __SANITIZE_ADDRESS__
/* ASan has printed its report and is about to end the process. */
static void on_sanitizer_death(void)
{
    if (!g_armed || !__asan_report_present())
        return;
    void *frames[GUARD_MAX_FRAMES];
    int n = backtrace(frames, GUARD_MAX_FRAMES);
    report_and_end(GUARD_SANITIZER, __asan_get_report_description(), frames, n);
}
#endif

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
    watch_sanitizer_deaths();
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

/* ---- the parent's side ---------------------------------------------------- */
bool guard_finding_read(int fd, guard_finding_t *f)
{
    ssize_t n;
    while ((n = read(fd, f, sizeof *f)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof *f;
}

void guard_finding_of_death(int status, const char *path, guard_finding_t *f)
{
    memset(f, 0, sizeof *f);
    f->kind = WIFSIGNALED(status) ? GUARD_CRASH : GUARD_EXIT;
    f->step = FINDING_STEP_UNKNOWN;
    if (WIFSIGNALED(status))
        snprintf(f->what, sizeof f->what, "%s", signal_name(WTERMSIG(status)));
    else
        snprintf(f->what, sizeof f->what, "status %d", WEXITSTATUS(status));
    sign(f);
    fprintf(stderr, "guard: the process running %s ended without a report\n", path);
    print_report(f, NULL, 0);
}

int guard_record_append(const char *path, const guard_finding_t *f, checker_listing_fn listing, void *listing_ctx)
{
    char summary[2 * SYMBOLIZE_MAX], expected[128], actual[2 * SYMBOLIZE_MAX];
    summary_of(f, summary, sizeof summary);
    expected_of(f, expected, sizeof expected);
    actual_of(f, actual, sizeof actual);
    finding_record_t rec = {.oracle = kind_names[f->kind],
                            .oracle_number = 0,
                            .summary = summary,
                            .step = f->step,
                            .signature = f->signature,
                            .expected = expected,
                            .actual = actual,
                            .call = f->frames,
                            .listing = listing,
                            .listing_ctx = listing_ctx,
                            .faults = f->faults,
                            .nfaults = f->nfaults};
    return finding_record_append(path, &rec);
}
