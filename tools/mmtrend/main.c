/* mmtrend LOG: is the free heap leaking, how fast, and when does it run
 * out. See tools/README.md. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "svg.h"
#include "trend.h"

enum { EXIT_NO_LEAK = 0, EXIT_LEAK = 1 };

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static const char usage_text[] =
    "usage: mmtrend LOG [--plot OUT.svg] [--threshold BYTES] [--skip N] [--cycles N]\n"
    "Reads the Heap Info tables LOG prints outside dumps (one per cycle), splits\n"
    "them into boots, fits the heap's and the pool's FreeSz per cycle of each boot\n"
    "by least squares and forecasts the cycle each runs out.\n"
    "  --plot OUT.svg      chart of the last boot judged: FreeSz, MinFreeSz, the fit\n"
    "                      and the forecast (of the pool when only the pool leaks)\n"
    "  --threshold BYTES   leak rate (bytes/cycle) tolerated; default 0\n"
    "  --skip N            leave the first N cycles of each boot out of the fit\n"
    "                      (leading cycles off the line are left out as warm-up anyway)\n"
    "  --cycles N          fit only N cycles of each boot (after --skip); the rest is\n"
    "                      still drawn\n"
    "Exit status: 0 no leak above the threshold; 1 a leak above it; 2 bad usage\n"
    "or input (the message names the line); 3 no verdict: no boot has the\n"
    "cycles a fit needs (" STRINGIFY(TREND_MIN_CYCLES) ").\n";

typedef struct {
    const char *log_path;
    const char *plot_path;
    double threshold;
    size_t skip;
    size_t cycles;
} options_t;

static int usage_error(const char *why) { return cli_usage(false, "mmtrend", usage_text, why); }

static bool parse_count(const char *text, size_t *value)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || *text == '-' || v > SIZE_MAX)
        return false;
    *value = (size_t)v;
    return true;
}

static bool store_option(options_t *o, int c, const char *arg)
{
    size_t v = 0;
    if (c == 'p') {
        o->plot_path = arg;
        return true;
    }
    if (!parse_count(arg, &v))
        return false;
    if (c == 't')
        o->threshold = (double)v;
    else if (c == 's')
        o->skip = v;
    else
        o->cycles = v;
    return c != 'n' || v > 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option longopts[] = {
        {"plot", required_argument, NULL, 'p'},   {"threshold", required_argument, NULL, 't'},
        {"skip", required_argument, NULL, 's'},   {"cycles", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    *o = (options_t){0};
    for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
        if (c == 'h' || c == '?')
            return cli_usage(c == 'h', "mmtrend", usage_text, NULL);
        if (!store_option(o, c, optarg))
            return usage_error("--threshold, --skip and --cycles take a whole number (--cycles at least 1)");
    }
    if (argc - optind != 1)
        return usage_error("expected one LOG");
    o->log_path = argv[optind];
    return -1;
}

/* ---- fitting each boot --------------------------------------------------- */
typedef struct {
    series_t series;
    bool present; /* the boot's tables print this figure */
    bool fitted;  /* the window held enough cycles: trend is valid */
    trend_regime_t regime; /* the cycles one line may follow */
    size_t window;
    trend_t trend;
} fit_t;

enum { NSERIES = 2 };

typedef struct {
    fit_t fits[NSERIES]; /* SERIES_HEAP, SERIES_POOL */
    size_t pool_full;    /* the first cycle the pool is full; 0: never */
} boot_fits_t;

static int fit_boot(const options_t *o, const mm_log_t *log, size_t boot, boot_fits_t *bf)
{
    *bf = (boot_fits_t){.pool_full = series_pool_full_cycle(log, boot)};
    for (series_kind_t k = SERIES_HEAP; k <= SERIES_POOL; k++) {
        fit_t *f = &bf->fits[k];
        int got = series_of_boot(log, boot, k, &f->series);
        if (got < 0)
            return -1;
        f->present = got == 0 && f->series.n > 0;
        f->regime = trend_regime_of(&f->series, o->skip, o->cycles, bf->pool_full);
        f->window = trend_window_regime(&f->series, o->skip, o->cycles, f->regime);
        f->fitted = f->present && trend_fit_regime(&f->series, o->skip, o->cycles, f->regime, &f->trend) == 0;
    }
    return 0;
}

static void free_boot_fits(boot_fits_t *bf)
{
    for (int k = 0; k < NSERIES; k++)
        series_free(&bf->fits[k].series);
}

static bool fit_leaks(const options_t *o, const fit_t *f) { return f->fitted && trend_is_leak(&f->trend, o->threshold); }

static bool boot_judged(const boot_fits_t *bf) { return bf->fits[SERIES_HEAP].fitted || bf->fits[SERIES_POOL].fitted; }

static bool boot_leaks(const options_t *o, const boot_fits_t *bf)
{
    return fit_leaks(o, &bf->fits[SERIES_HEAP]) || fit_leaks(o, &bf->fits[SERIES_POOL]);
}

/* The cycle of the boot whose malloc failed (0: none): a failure printed
 * after table N happened in cycle N + 1. */
static size_t failure_cycle(const mm_boot_t *b) { return b->first_failure.line ? b->tables_before_failure + 1 : 0; }

/* Rounding noise around zero would print as "-0.0". */
static double tidy(double v) { return fabs(v) < 0.05 ? 0.0 : v; }

/* ---- the report ------------------------------------------------------------ */
static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

static void print_boot_heading(const mm_log_t *log, size_t boot)
{
    const mm_boot_t *b = &log->boots[boot];
    printf("boot %zu of %zu: from line %lu, %zu cycle%s", boot + 1, log->nboots, b->first_line, b->ntables,
           plural(b->ntables));
    if (b->cause == MM_BOOT_BANNER_SEEN)
        printf(" (new boot: %s)", mm_boot_cause_text(b->cause));
    else if (b->cause != MM_BOOT_LOG_START)
        printf(" (new boot: %s from 0x%08" PRIX64 " to 0x%08" PRIX64 ")", mm_boot_cause_text(b->cause), b->before,
               b->after);
    putchar('\n');
}

/* Which stretch of the boot a series was fitted on, when not all of it. */
static void print_regime(const fit_t *f, size_t pool_full)
{
    if (!pool_full || f->series.kind == SERIES_POOL)
        return;
    if (f->regime.first > 1)
        printf("  regime: from cycle %zu, when the pool filled up: requests of its block size come from the heap "
               "since\n", f->regime.first);
    else
        printf("  regime: cycles 1-%zu, up to when the pool filled up (fewer than %d cycles after it)\n",
               f->regime.last, TREND_MIN_CYCLES);
}

static void print_window(const fit_t *f, size_t pool_full)
{
    const trend_t *t = &f->trend;
    const char *name = series_name(f->series.kind);
    printf("%s: fitted cycles %zu-%zu of %zu\n", name, t->first_cycle, t->last_cycle, f->series.n);
    print_regime(f, pool_full);
    if (t->warmup == 1)
        printf("  warm-up: cycle %zu left out, off the line the later cycles follow\n", t->first_cycle - 1);
    else if (t->warmup)
        printf("  warm-up: cycles %zu-%zu left out, off the line the later cycles follow\n",
               t->first_cycle - t->warmup, t->first_cycle - 1);
    printf("  FreeSz: %.0f bytes at cycle %zu, %.0f at cycle %zu\n", f->series.free[t->first_cycle - 1],
           t->first_cycle, f->series.free[t->last_cycle - 1], t->last_cycle);
    printf("  leak rate: %.1f bytes/cycle (least squares, R^2 %.4f)\n", tidy(trend_leak_rate(t)), t->r2);
}

static void print_pool_ran_out(const fit_t *f, size_t pool_full)
{
    printf("  ran out: the pool is full from cycle %zu (FreeSz %.0f); requests of its block size come from the "
           "heap since\n",
           pool_full, f->series.free[pool_full - 1]);
}

static void print_forecast(const fit_t *f, const mm_boot_t *b, size_t pool_full)
{
    const trend_t *t = &f->trend;
    const char *name = series_name(f->series.kind);
    if (f->series.kind == SERIES_POOL && pool_full) {
        print_pool_ran_out(f, pool_full); /* a run-out the log shows is no forecast */
        return;
    }
    if (t->slope >= 0.0) {
        printf("  forecast: none, the %s's free space is not falling\n", name);
        return;
    }
    if (!t->falling) {
        printf("  forecast: none, the %s's free space only fluctuates (R^2 %.4f < %.2f)\n", name, t->r2,
               TREND_MIN_R2);
        return;
    }
    double forecast = ceil(t->exhaustion_cycle);
    if (f->series.min_free)
        printf("  reserve: %.0f bytes (FreeSz - MinFreeSz at cycle %zu, what a cycle takes at its peak)\n",
               t->reserve, t->last_cycle);
    if (f->series.kind == SERIES_POOL) {
        printf("  forecast: the pool runs out at cycle %.0f; allocations of its block size then come from the heap\n",
               forecast);
        return;
    }
    printf("  forecast: the heap runs out at cycle %.0f\n", forecast);
    size_t actual = failure_cycle(b);
    if (actual)
        printf("  actual: malloc failed after table %zu (line %lu), in cycle %zu; the forecast is off by %+.2f%%\n",
               actual - 1, b->first_failure.line, actual, (forecast - (double)actual) / (double)actual * 100.0);
}

static void print_fit(const fit_t *f, const mm_boot_t *b, size_t pool_full)
{
    if (!f->present)
        return;
    if (!f->fitted) {
        printf("%s: %zu cycle%s to fit, fewer than the %d a verdict needs: no verdict, no forecast\n",
               series_name(f->series.kind), f->window, plural(f->window), TREND_MIN_CYCLES);
        if (f->series.kind == SERIES_POOL && pool_full)
            print_pool_ran_out(f, pool_full);
        return;
    }
    print_window(f, pool_full);
    print_forecast(f, b, pool_full);
}

/* "pool 32.0 bytes/cycle until full at cycle 256", "heap 56.0 bytes/cycle
 * from cycle 256 (the pool full)". */
static void print_leak(const fit_t *f, size_t pool_full)
{
    printf("%.1f bytes/cycle", trend_leak_rate(&f->trend));
    if (f->series.kind == SERIES_POOL && pool_full)
        printf(" until full at cycle %zu", pool_full);
    if (f->regime.first > 1)
        printf(" from cycle %zu (the pool full)", f->regime.first);
}

/* "heap 112.0 bytes/cycle", "pool flat", "pool not leaking", "pool too few
 * cycles": leaking figures first; the pool first once it filled up, as its
 * leak came first. */
static void print_boot_summary(const options_t *o, const boot_fits_t *bf)
{
    const char *sep = "";
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < NSERIES; i++) {
            const fit_t *f = &bf->fits[bf->pool_full ? NSERIES - 1 - i : i];
            if (!f->present || fit_leaks(o, f) != (pass == 0))
                continue;
            printf("%s%s ", sep, series_name(f->series.kind));
            if (pass == 0)
                print_leak(f, bf->pool_full);
            else
                fputs(!f->fitted ? "too few cycles" : tidy(f->trend.slope) == 0.0 ? "flat" : "not leaking", stdout);
            sep = ", ";
        }
}

static void print_boots_where(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs, bool leaking)
{
    const char *sep = ": ";
    for (size_t b = 0; b < log->nboots; b++) {
        if (!boot_judged(&bfs[b]) || boot_leaks(o, &bfs[b]) != leaking)
            continue;
        fputs(sep, stdout);
        if (log->nboots > 1)
            printf("boot %zu: ", b + 1);
        print_boot_summary(o, &bfs[b]);
        sep = "; ";
    }
}

static size_t count_boots(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs, bool leaking_only)
{
    size_t n = 0;
    for (size_t b = 0; b < log->nboots; b++)
        n += boot_judged(&bfs[b]) && (!leaking_only || boot_leaks(o, &bfs[b]));
    return n;
}

static void print_unjudged(const mm_log_t *log, const boot_fits_t *bfs)
{
    for (size_t b = 0; b < log->nboots; b++)
        if (!boot_judged(&bfs[b]))
            printf("note: boot %zu not judged: %zu cycle%s, fewer than the %d a verdict needs\n", b + 1,
                   log->boots[b].ntables, plural(log->boots[b].ntables), TREND_MIN_CYCLES);
}

static int print_verdict(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs)
{
    size_t judged = count_boots(o, log, bfs, false), leaking = count_boots(o, log, bfs, true);
    print_unjudged(log, bfs);
    if (judged == 0) {
        printf("verdict: none, no boot has the %d cycles a verdict needs\n", TREND_MIN_CYCLES);
        return CLI_EXIT_INCONCLUSIVE;
    }
    if (leaking == 0) {
        printf("verdict: no leak above the threshold of %.0f bytes/cycle", o->threshold);
        if (log->nboots > 1)
            printf(" in %zu of %zu boots", judged, log->nboots);
        print_boots_where(o, log, bfs, false);
        putchar('\n');
        return EXIT_NO_LEAK;
    }
    printf("verdict: LEAK");
    if (log->nboots > 1)
        printf(" in %zu of %zu boots", leaking, log->nboots);
    print_boots_where(o, log, bfs, true);
    printf(" (threshold %.0f)\n", o->threshold);
    return EXIT_LEAK;
}

/* ---- the chart ------------------------------------------------------------- */
/* The last boot judged; its leaking series (the heap first), else its heap. */
static const fit_t *fit_to_plot(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs, size_t *boot)
{
    for (size_t b = log->nboots; b-- > 0;) {
        const fit_t *heap = &bfs[b].fits[SERIES_HEAP], *pool = &bfs[b].fits[SERIES_POOL];
        *boot = b;
        if (fit_leaks(o, heap) || (!fit_leaks(o, pool) && heap->fitted))
            return heap;
        if (pool->fitted)
            return pool;
    }
    return NULL;
}

static int write_plot(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs)
{
    size_t boot = 0;
    const fit_t *f = fit_to_plot(o, log, bfs, &boot);
    if (!f)
        return 0;
    FILE *out = fopen(o->plot_path, "w");
    if (!out) {
        fprintf(stderr, "mmtrend: %s: cannot write the chart\n", o->plot_path);
        return CLI_EXIT_BAD_INPUT;
    }
    char title[PATH_MAX + 128], which[32] = ""; /* the log's path, however deep */
    const trend_t *t = &f->trend;
    if (log->nboots > 1)
        snprintf(which, sizeof which, " boot %zu", boot + 1);
    if (t->falling)
        snprintf(title, sizeof title, "%s%s: %s leaking %.1f bytes/cycle (R\xc2\xb2 %.3f)", o->log_path, which,
                 series_name(f->series.kind), trend_leak_rate(t), t->r2);
    else
        snprintf(title, sizeof title, "%s%s: %s, no steady fall (%+.1f bytes/cycle, R\xc2\xb2 %.3f)", o->log_path,
                 which, series_name(f->series.kind), tidy(t->slope), t->r2);
    chart_t chart = {.title = title, .series = &f->series, .trend = t,
                     .failure_cycle = f->series.kind == SERIES_HEAP ? failure_cycle(&log->boots[boot]) : 0};
    svg_write_chart(out, &chart);
    return fclose(out) == 0 ? 0 : CLI_EXIT_BAD_INPUT;
}

static int report(const options_t *o, const mm_log_t *log, const boot_fits_t *bfs)
{
    printf("%s: %zu Heap Info table%s in %zu boot%s\n", o->log_path, log->ntables, plural(log->ntables),
           log->nboots, plural(log->nboots));
    for (size_t b = 0; b < log->nboots; b++) {
        if (log->nboots > 1)
            print_boot_heading(log, b);
        for (int k = 0; k < NSERIES; k++)
            print_fit(&bfs[b].fits[k], &log->boots[b], bfs[b].pool_full);
    }
    int status = print_verdict(o, log, bfs);
    if (o->plot_path && write_plot(o, log, bfs) != 0)
        return CLI_EXIT_BAD_INPUT;
    return status;
}

static int analyse(const options_t *o, const mm_log_t *log)
{
    if (log->ntables == 0) {
        fprintf(stderr, "mmtrend: %s: no Heap Info tables outside dumps\n", o->log_path);
        return CLI_EXIT_BAD_INPUT;
    }
    boot_fits_t *bfs = calloc(log->nboots, sizeof *bfs);
    int status = bfs ? 0 : -1;
    for (size_t b = 0; status == 0 && b < log->nboots; b++)
        status = fit_boot(o, log, b, &bfs[b]);
    if (status == 0)
        status = report(o, log, bfs);
    else
        fprintf(stderr, "mmtrend: out of memory\n");
    for (size_t b = 0; bfs && b < log->nboots; b++)
        free_boot_fits(&bfs[b]);
    free(bfs);
    return status < 0 ? CLI_EXIT_BAD_INPUT : status;
}

int main(int argc, char **argv)
{
    options_t o;
    mm_log_t log;
    int status = parse_options(argc, argv, &o);
    if (status >= 0 || (status = cli_load_log("mmtrend", o.log_path, &log)) != 0)
        return status;
    status = analyse(&o, &log);
    mm_log_free(&log);
    return status;
}
