/* Standalone replay: runs files and directories of inputs through a target
 * without a fuzzing engine (gcc builds, CTest, coverage) and reports each
 * finding without stopping, prints any input as a listing with the model's
 * view (--show) or as bare text (--list), compiles text scenarios
 * (--compile) and shrinks a finding to its fewest ops (--minimize). Text
 * scenarios (*.ops) are compiled on the fly.
 *
 * Driver code runs in a worker process under the guard (guard.h): an input
 * that crashes the driver, hangs past its budget or makes it call exit()
 * is reported as a finding, and a new worker goes on with the next input.
 * The worker passes such a finding up before it ends; this process writes
 * its record to $RTOSFUZZ_FINDING_RECORD (the checker's findings the
 * worker records itself).
 *
 * Exit status: 0 every input ran clean; 1 some input has a finding;
 * 2 bad usage, or an input that could not be read or compiled (the others
 * still run); 130 interrupted (SIGINT/SIGTERM). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "guard.h"
#include "harness.h"

#define REPLAY_MAX_INPUT (1u << 20)
#define EXIT_INTERRUPTED 130

/* A worker's outcome of one input, one line each: "." clean, "-" skipped,
 * "!" could not be read, anything else the signature of the checker's
 * finding. An input the worker dies on has no line: the guard passes its
 * finding up on a pipe of its own. */
#define OUTCOME_CLEAN "."
#define OUTCOME_SKIPPED "-"
#define OUTCOME_UNREADABLE "!"

typedef struct {
    char *path;
    bool in_dir; /* found in a directory: what is not an input is skipped, not an error */
} input_t;

static struct {
    input_t *in;
    size_t n, cap;
    unsigned clean, findings, skipped, unreadable;
} g_run;

static bool g_show, g_list;
static unsigned g_budget_ms = GUARD_INPUT_BUDGET_MS;
static volatile sig_atomic_t g_interrupted;

static int print_to_stdout(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- reading inputs ------------------------------------------------------- */
enum { LOAD_UNREADABLE = -1, LOAD_OTHER_HARNESS = -2 };

/* Where the notes of an input read a second time go (it was read and said
 * its notes once already). */
static FILE *nowhere(void)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    return null ? null : stderr;
}

/* A scenario longer than FUZZ_MAX_OPS ops runs only its first ones. */
static void warn_of_ops_never_run(const char *path, const uint8_t *buf, size_t len, harness_kind_t h, FILE *notes)
{
    fuzz_reader_t r;
    fuzz_header_t hdr;
    fuzz_op_t op;
    unsigned n = 0;
    fuzz_reader_init(&r, buf, len, h);
    fuzz_read_header(&r, &hdr);
    while (fuzz_next_op(&r, &op))
        n++;
    if (r.pos < len)
        fprintf(notes, "replay: %s: warning: only the first %u ops run (at most %u a program); the rest is ignored\n",
                path, n, FUZZ_MAX_OPS);
}

/* Reads path into buf (compiling *.ops); returns the byte count, or
 * LOAD_UNREADABLE / LOAD_OTHER_HARNESS after saying why to notes (what is
 * said of an input of another harness depends on whether it was found in
 * a directory). */
static long load_input(const char *path, uint8_t *buf, size_t cap, bool in_dir, FILE *notes)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(notes, "replay: cannot open %s: %s\n", path, strerror(errno));
        return LOAD_UNREADABLE;
    }
    static char text[REPLAY_MAX_INPUT + 1];
    size_t n = fread(text, 1, REPLAY_MAX_INPUT, f);
    bool too_big = fgetc(f) != EOF;
    fclose(f);
    if (too_big) {
        fprintf(notes, "replay: %s: larger than %u bytes\n", path, REPLAY_MAX_INPUT);
        return LOAD_UNREADABLE;
    }
    if (!ends_with(path, ".ops")) {
        memcpy(buf, text, n < cap ? n : cap);
        return (long)(n < cap ? n : cap);
    }
    text[n] = '\0';
    if (strlen(text) < n)
        fprintf(notes, "replay: %s: warning: text after the NUL byte at offset %zu is ignored\n", path,
                strlen(text));
    char err[512];
    harness_kind_t h;
    long len = fuzz_text_compile(text, buf, cap, &h, err, sizeof err);
    if (len < 0) {
        fprintf(notes, "replay: %s: %s\n", path, err);
        return LOAD_UNREADABLE;
    }
    warn_of_ops_never_run(path, buf, (size_t)len, h, notes);
    if (h != fuzz_target_harness) {
        fprintf(notes, "replay: %s: %s a %s scenario, but this is the %s harness\n", path,
                in_dir ? "skipped:" : "", fuzz_harness_name(h), fuzz_harness_name(fuzz_target_harness));
        return LOAD_OTHER_HARNESS;
    }
    return len;
}

/* ---- which paths are inputs ----------------------------------------------- */
static void add_input(const char *path, bool in_dir)
{
    if (g_run.n == g_run.cap) {
        g_run.cap = g_run.cap ? 2 * g_run.cap : 64;
        g_run.in = realloc(g_run.in, g_run.cap * sizeof *g_run.in);
        if (!g_run.in) {
            perror("replay");
            exit(2);
        }
    }
    g_run.in[g_run.n++] = (input_t){.path = strdup(path), .in_dir = in_dir};
}

static void skip(const char *path, const char *why)
{
    fprintf(stderr, "replay: %s: skipped: %s\n", path, why);
    g_run.skipped++;
}

/* Inputs in a directory are *.ops scenarios and binary inputs, which have
 * no extension (corpus entries) or .bin; README.txt and the like are not. */
static bool looks_like_input(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.'); /* of the name: a folder may have dots */
    return !dot || !strcmp(dot, ".ops") || !strcmp(dot, ".bin");
}

static int not_hidden(const struct dirent *d) { return d->d_name[0] != '.'; }

/* A campaign's finding folder (fuzz/campaign/triage.sh) holds its record
 * finding.json beside text files without extension (duplicates, and
 * signature in older runs) that are no inputs: its inputs are these. */
#define FINDING_RECORD "finding.json"
static const char *const finding_inputs[] = {"input", "minimized"};

static bool is_finding_folder(const char *path)
{
    char record[4096];
    struct stat st;
    snprintf(record, sizeof record, "%s/" FINDING_RECORD, path);
    return stat(record, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_finding_input(const char *name)
{
    for (size_t i = 0; i < sizeof finding_inputs / sizeof *finding_inputs; i++)
        if (!strcmp(name, finding_inputs[i]))
            return true;
    return false;
}

static void collect(const char *path, bool in_dir);

/* Every entry of a directory, in name order so runs repeat exactly; of a
 * finding folder, only its inputs. */
static void collect_dir(const char *path)
{
    bool finding = is_finding_folder(path);
    struct dirent **names;
    int n = scandir(path, &names, not_hidden, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: cannot read the directory: %s\n", path, strerror(errno));
        g_run.unreadable++;
        return;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(names[i]->d_name) + 2;
        char *child = malloc(len);
        if (!child) {
            perror("replay");
            exit(2);
        }
        snprintf(child, len, "%s/%s", path, names[i]->d_name);
        if (finding && !is_finding_input(names[i]->d_name))
            skip(child, "not an input of the finding (its inputs are input and minimized; listing.ops is minimized as text)");
        else
            collect(child, true);
        free(child);
        free(names[i]);
    }
    free(names);
}

static void collect(const char *path, bool in_dir)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: no such file or directory\n", path);
        g_run.unreadable++;
    } else if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
        skip(path, "a dangling symbolic link");
    } else if (S_ISDIR(st.st_mode)) {
        collect_dir(path);
    } else if (!S_ISREG(st.st_mode)) {
        skip(path, "not a regular file (a FIFO, socket or device)");
    } else if (in_dir && !looks_like_input(path)) {
        skip(path, "not an input (inputs are *.ops scenarios and binary files without extension or *.bin)");
    } else {
        add_input(path, in_dir);
    }
}

/* ---- the worker: runs inputs under the guard ------------------------------- */
static int g_outcome_fd = -1;

static void tell_outcome(const char *what)
{
    dprintf(g_outcome_fd, "%s\n", what);
}

static void run_one(const input_t *in)
{
    static uint8_t buf[REPLAY_MAX_INPUT];
    long n = load_input(in->path, buf, sizeof buf, in->in_dir, stderr);
    if (n == LOAD_OTHER_HARNESS && in->in_dir) {
        tell_outcome(OUTCOME_SKIPPED);
        return;
    }
    if (n < 0) {
        tell_outcome(OUTCOME_UNREADABLE);
        return;
    }
    if (g_list) {
        fuzz_program_print(fuzz_target_harness, buf, (size_t)n, print_to_stdout, "", -1);
        tell_outcome(OUTCOME_CLEAN);
        return;
    }
    if (g_show)
        printf("== %s (%ld bytes, %s harness)\n", in->path, n, fuzz_harness_name(fuzz_target_harness));
    else
        fprintf(stderr, "== %s\n", in->path);
    fflush(NULL);
    harness_opts_t opts = {.show = g_show ? print_to_stdout : NULL, .report_only = true};
    guard_arm(g_budget_ms);
    unsigned found = harness_run(fuzz_target_harness, buf, (size_t)n, &opts);
    guard_disarm();
    fflush(NULL);
    tell_outcome(found ? checker_first_signature() : OUTCOME_CLEAN);
}

typedef struct {
    pid_t pid;
    FILE *outcomes; /* its outcome lines */
    int findings;   /* where the guard passes up the finding it dies of */
} worker_t;

/* Forks a worker. In the worker: returns true, with the guard installed
 * and tell_outcome() writing to the parent. In the parent: returns false
 * with w filled in. */
static bool forked_worker(worker_t *w)
{
    int out[2], up[2];
    fflush(NULL);
    if (pipe(out) != 0 || pipe(up) != 0) {
        perror("replay: pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("replay: fork");
        exit(2);
    }
    if (pid == 0) {
        close(out[0]);
        close(up[0]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        g_outcome_fd = out[1];
        guard_install(&(guard_config_t){.step = harness_step, .record_fd = up[1]});
        return true;
    }
    close(out[1]);
    close(up[1]);
    *w = (worker_t){.pid = pid, .outcomes = fdopen(out[0], "r"), .findings = up[0]};
    if (!w->outcomes) {
        perror("replay: fdopen");
        exit(2);
    }
    return false;
}

static void count(const char *rec)
{
    if (!strcmp(rec, OUTCOME_CLEAN))
        g_run.clean++;
    else if (!strcmp(rec, OUTCOME_SKIPPED))
        g_run.skipped++;
    else if (!strcmp(rec, OUTCOME_UNREADABLE))
        g_run.unreadable++;
    else
        g_run.findings++;
}

/* The listing of a finding's record: the input's program up to the step. */
typedef struct {
    uint8_t data[REPLAY_MAX_INPUT];
    long size;
} program_t;

static void print_program_upto(k_print_fn out, unsigned upto_step, void *ctx)
{
    const program_t *p = ctx;
    fuzz_program_print(fuzz_target_harness, p->data, (size_t)p->size, out, "  ", (long)upto_step);
}

/* The JSON record of a finding the worker died of, beside those the
 * checker wrote in the worker. */
static void write_guard_record(const input_t *in, const guard_finding_t *f)
{
    const char *path = getenv("RTOSFUZZ_FINDING_RECORD");
    if (!path || !path[0])
        return;
    static program_t program;
    program.size = load_input(in->path, program.data, sizeof program.data, in->in_dir, nowhere());
    bool listed = program.size >= 0;
    if (guard_record_append(path, f, listed ? print_program_upto : NULL, &program) != 0)
        fprintf(stderr, "replay: cannot write the finding record to %s: %s\n", path, strerror(errno));
}

/* The worker died running in: the finding it passed up, or one made of
 * how it died when it passed none (killed, or ended by the driver through
 * _exit). */
static void count_death(const input_t *in, const worker_t *w, int status)
{
    guard_finding_t f;
    if (!guard_finding_read(w->findings, &f))
        guard_finding_of_death(status, in->path, &f);
    write_guard_record(in, &f);
    g_run.findings++;
}

static bool died_of_interrupt(int status)
{
    return g_interrupted || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM));
}

/* Runs inputs [from, n) in one worker; returns where the next worker
 * starts (g_run.n after an interrupt). */
static size_t run_worker_from(size_t from)
{
    worker_t w;
    if (forked_worker(&w)) {
        for (size_t i = from; i < g_run.n; i++)
            run_one(&g_run.in[i]);
        exit(0); /* exit, not _exit: coverage builds write their counters */
    }
    char line[512];
    size_t done = from;
    while (done < g_run.n && fgets(line, sizeof line, w.outcomes)) {
        line[strcspn(line, "\n")] = '\0';
        count(line);
        done++;
    }
    fclose(w.outcomes);
    int status = 0;
    if (g_interrupted) /* SIGTERM to this process alone: the worker goes too */
        kill(w.pid, SIGKILL);
    while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR)
        if (g_interrupted)
            kill(w.pid, SIGKILL);
    if (died_of_interrupt(status)) {
        g_interrupted = 1;
        done = g_run.n;
    } else if (done < g_run.n) {
        count_death(&g_run.in[done++], &w, status);
    }
    close(w.findings);
    return done;
}

static void on_interrupt(int sig) { g_interrupted = 1; }

static void stop_on_interrupt(void)
{
    struct sigaction sa = {.sa_handler = on_interrupt}; /* no SA_RESTART: a blocked read returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- minimizing in a child --------------------------------------------------- */
/* The signature of one trial program, run in a child under the guard with
 * reports silenced: a trial may crash, hang or call exit(). */
static const char *signature_in_child(harness_kind_t h, const uint8_t *data, size_t size)
{
    static char sig[512];
    worker_t w;
    if (forked_worker(&w)) {
        if (!freopen("/dev/null", "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(2);
        static const harness_opts_t quiet = {.report_only = true, .quiet = true};
        guard_arm(g_budget_ms);
        unsigned found = harness_run(h, data, size, &quiet);
        guard_disarm();
        tell_outcome(found ? checker_first_signature() : "");
        _exit(0);
    }
    sig[0] = '\0';
    guard_finding_t f;
    if (fgets(sig, sizeof sig, w.outcomes))
        sig[strcspn(sig, "\n")] = '\0';
    else if (guard_finding_read(w.findings, &f))
        snprintf(sig, sizeof sig, "%s", f.signature);
    fclose(w.outcomes);
    close(w.findings);
    int status;
    waitpid(w.pid, &status, 0);
    return sig;
}

/* ---- commands ------------------------------------------------------------------ */
/* Writes in (binary or .ops) to out as a binary input, minimized first if
 * asked. */
static int write_input(const char *in, const char *out, bool minimize)
{
    static uint8_t buf[REPLAY_MAX_INPUT];
    long n = load_input(in, buf, sizeof buf, false, stderr);
    if (n >= 0 && minimize)
        n = (long)harness_minimize(fuzz_target_harness, buf, (size_t)n, signature_in_child);
    FILE *f = n < 0 ? NULL : fopen(out, "wb");
    if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        if (n >= 0)
            fprintf(stderr, "replay: cannot write %s\n", out);
        return 2;
    }
    return 0;
}

static int usage(const char *argv0, FILE *to, int status)
{
    fprintf(to,
            "usage: %s [--show|--list] [--budget-ms MS] FILE|DIR...\n"
            "       %s --compile IN.ops OUT\n"
            "       %s --minimize IN OUT   (fewest ops that give the same finding)\n"
            "       %s --print-budget-ms   (the per-input time budget)\n"
            "Each input runs with a time budget (default %u ms); crashes, hangs and exit()\n"
            "calls of the driver are findings. Exit status: 0 clean, 1 findings, 2 bad usage\n"
            "or an unreadable input, 130 interrupted.\n",
            argv0, argv0, argv0, argv0, GUARD_INPUT_BUDGET_MS);
    return status;
}

static int summary(void)
{
    const char *h = fuzz_harness_name(fuzz_target_harness);
    unsigned ran = g_run.clean + g_run.findings;
    if (g_run.findings)
        printf("replay: %u of %u inputs of the %s harness have findings", g_run.findings, ran, h);
    else
        printf("replay: %u inputs of the %s harness ran clean", ran, h);
    if (g_run.skipped)
        printf(", %u skipped", g_run.skipped);
    if (g_run.unreadable)
        printf(", %u could not be read", g_run.unreadable);
    printf("\n");
    return g_run.findings ? 1 : g_run.unreadable ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--print-budget-ms")) {
        printf("%u\n", GUARD_INPUT_BUDGET_MS);
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return usage(argv[0], stdout, 0);
    int first = 1;
    for (; first < argc && !strncmp(argv[first], "--", 2); first++) {
        if (!strcmp(argv[first], "--show"))
            g_show = true;
        else if (!strcmp(argv[first], "--list"))
            g_list = true;
        else if (!strcmp(argv[first], "--budget-ms") && first + 1 < argc && atoi(argv[first + 1]) > 0)
            g_budget_ms = (unsigned)atoi(argv[++first]);
        else if ((!strcmp(argv[first], "--compile") || !strcmp(argv[first], "--minimize")) && argc - first == 3)
            return write_input(argv[first + 1], argv[first + 2], !strcmp(argv[first], "--minimize"));
        else
            return usage(argv[0], stderr, 2);
    }
    if (first >= argc)
        return usage(argv[0], stderr, 2);
    for (int i = first; i < argc; i++)
        collect(argv[i], false);
    stop_on_interrupt();
    for (size_t next = 0; next < g_run.n;)
        next = run_worker_from(next);
    if (g_interrupted) {
        fflush(NULL);
        fprintf(stderr, "replay: interrupted\n");
        return EXIT_INTERRUPTED;
    }
    if (g_list)
        return g_run.unreadable ? 2 : 0;
    return summary();
}
