/* Standalone replay: runs files and directories of inputs through a target
 * without a fuzzing engine (gcc builds, CTest, coverage) and reports each
 * finding without stopping (exit status 1 if there was any), prints any input
 * as a listing with the model's view (--show) or as bare text (--list),
 * compiles text scenarios (--compile) and shrinks a finding to its fewest
 * ops (--minimize). Text scenarios (*.ops) are compiled on the fly. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define REPLAY_MAX_INPUT (1u << 20)

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

/* Reads path into buf (compiling *.ops); returns the byte count or -1. */
static long load_input(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    static char text[REPLAY_MAX_INPUT + 1];
    size_t n = fread(text, 1, REPLAY_MAX_INPUT, f);
    bool too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "replay: %s: larger than %u bytes\n", path, REPLAY_MAX_INPUT);
        return -1;
    }
    if (!ends_with(path, ".ops")) {
        memcpy(buf, text, n < cap ? n : cap);
        return (long)(n < cap ? n : cap);
    }
    text[n] = '\0';
    char err[256];
    harness_kind_t h;
    long len = fuzz_text_compile(text, buf, cap, &h, err, sizeof err);
    if (len < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, err);
        return -1;
    }
    if (h != fuzz_target_harness) {
        fprintf(stderr, "replay: %s: a %s scenario, but this is the %s harness\n", path, fuzz_harness_name(h),
                fuzz_harness_name(fuzz_target_harness));
        return -1;
    }
    return len;
}

static unsigned g_findings;
static bool g_list;

static int run_file(const char *path, bool show)
{
    static uint8_t buf[REPLAY_MAX_INPUT];
    long n = load_input(path, buf, sizeof buf);
    if (n < 0)
        return -1;
    if (g_list) {
        fuzz_program_print(fuzz_target_harness, buf, (size_t)n, print_to_stdout, "", -1);
        return 1;
    }
    if (show)
        printf("== %s (%ld bytes, %s harness)\n", path, n, fuzz_harness_name(fuzz_target_harness));
    else
        fprintf(stderr, "== %s\n", path);
    harness_opts_t opts = {.show = show ? print_to_stdout : NULL, .report_only = true};
    g_findings += harness_run(fuzz_target_harness, buf, (size_t)n, &opts);
    return 1;
}

static int not_hidden(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Runs every file of a directory, in name order so runs repeat exactly. */
static int run_path(const char *path, bool show)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, show);
    struct dirent **names;
    int n = scandir(path, &names, not_hidden, alphasort), ran = 0;
    for (int i = 0; i < n; i++) {
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, names[i]->d_name);
        int r = ran >= 0 ? run_path(child, show) : 0;
        ran = r < 0 ? -1 : ran + r;
        free(names[i]);
    }
    free(names);
    return ran;
}

/* Writes in (binary or .ops) to out as a binary input, minimized first if
 * asked. */
static int write_input(const char *in, const char *out, bool minimize)
{
    static uint8_t buf[REPLAY_MAX_INPUT];
    long n = load_input(in, buf, sizeof buf);
    if (n >= 0 && minimize)
        n = (long)harness_minimize(fuzz_target_harness, buf, (size_t)n);
    FILE *f = n < 0 ? NULL : fopen(out, "wb");
    if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        if (n >= 0)
            fprintf(stderr, "replay: cannot write %s\n", out);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool show = false;
    int first = 1;
    if (argc == 4 && (!strcmp(argv[1], "--compile") || !strcmp(argv[1], "--minimize")))
        return write_input(argv[2], argv[3], !strcmp(argv[1], "--minimize"));
    if (argc > 1 && !strcmp(argv[1], "--show")) {
        show = true;
        first = 2;
    } else if (argc > 1 && !strcmp(argv[1], "--list")) {
        g_list = true;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr,
                "usage: %s [--show|--list] FILE|DIR...\n       %s --compile IN.ops OUT\n"
                "       %s --minimize IN OUT   (fewest ops that give the same finding)\n",
                argv[0], argv[0], argv[0]);
        return 2;
    }
    int total = 0;
    for (int i = first; i < argc; i++) {
        int r = run_path(argv[i], show);
        if (r < 0)
            return 2;
        total += r;
    }
    if (g_list)
        return 0;
    if (g_findings) {
        printf("replay: %u of %d inputs of the %s harness have findings\n", g_findings, total,
               fuzz_harness_name(fuzz_target_harness));
        return 1;
    }
    printf("replay: %d inputs of the %s harness ran clean\n", total, fuzz_harness_name(fuzz_target_harness));
    return 0;
}
