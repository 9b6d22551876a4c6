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

static const char usage_text[] =
    "usage: mmtrend LOG [--plot OUT.svg] [--threshold BYTES] [--skip N] [--cycles N]\n"
    "Reads the Heap Info tables LOG prints outside dumps (one per cycle), fits\n"
    "FreeSz per cycle by least squares and forecasts the cycle the heap runs out.\n"
    "  --plot OUT.svg      chart of FreeSz, MinFreeSz, the fit and the forecast\n"
    "  --threshold BYTES   leak rate (bytes/cycle) tolerated; default 0\n"
    "  --skip N            leave the first N cycles out of the fit (leading cycles\n"
    "                      off the line are left out as warm-up anyway)\n"
    "  --cycles N          fit only N cycles (after --skip); the rest is still drawn\n"
    "Exit status: 0 no leak above the threshold; 1 a leak above it; 2 bad usage\n"
    "or input (the message names the line), or fewer than 3 cycles to fit.\n";

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

static size_t failure_cycle(const mm_log_t *log)
{
    return log->first_failure.line ? log->tables_before_failure + 1 : 0;
}

/* Rounding noise around zero would print as "-0.0". */
static double tidy(double v) { return fabs(v) < 0.05 ? 0.0 : v; }

static void print_fit(const options_t *o, const mm_log_t *log, const trend_t *t)
{
    const heap_info_t *first = &log->tables[t->first_cycle - 1], *last = &log->tables[t->last_cycle - 1];
    printf("%s: %zu Heap Info tables (cycles 1-%zu); fitted cycles %zu-%zu\n", o->log_path, log->ntables,
           log->ntables, t->first_cycle, t->last_cycle);
    if (t->warmup == 1)
        printf("warm-up: cycle %zu left out, off the line the later cycles follow\n", t->first_cycle - 1);
    else if (t->warmup)
        printf("warm-up: cycles %zu-%zu left out, off the line the later cycles follow\n",
               t->first_cycle - t->warmup, t->first_cycle - 1);
    printf("FreeSz: %" PRIu64 " bytes at cycle %zu, %" PRIu64 " at cycle %zu\n", first->free, t->first_cycle,
           last->free, t->last_cycle);
    printf("leak rate: %.1f bytes/cycle (least squares, R^2 %.4f)\n", tidy(trend_leak_rate(t)), t->r2);
}

static void print_forecast(const mm_log_t *log, const trend_t *t)
{
    if (t->slope >= 0.0) {
        printf("forecast: none, the free heap is not falling\n");
        return;
    }
    if (!t->falling) {
        printf("forecast: none, the free heap only fluctuates (R^2 %.4f < %.2f)\n", t->r2, TREND_MIN_R2);
        return;
    }
    double forecast = ceil(t->exhaustion_cycle);
    printf("reserve: %.0f bytes (FreeSz - MinFreeSz at cycle %zu, what a cycle takes at its peak)\n",
           t->reserve, t->last_cycle);
    printf("forecast: the heap runs out at cycle %.0f\n", forecast);
    size_t actual = failure_cycle(log);
    if (actual)
        printf("actual: malloc failed after table %zu (line %lu), in cycle %zu; the forecast is off by %+.2f%%\n",
               actual - 1, log->first_failure.line, actual, (forecast - (double)actual) / (double)actual * 100.0);
}

static int print_verdict(const options_t *o, const trend_t *t)
{
    if (trend_is_leak(t, o->threshold)) {
        printf("verdict: LEAK, %.1f bytes/cycle (threshold %.0f)\n", trend_leak_rate(t), o->threshold);
        return EXIT_LEAK;
    }
    printf("verdict: no leak above the threshold of %.0f bytes/cycle\n", o->threshold);
    return EXIT_NO_LEAK;
}

static int write_plot(const options_t *o, const mm_log_t *log, const trend_t *t)
{
    FILE *f = fopen(o->plot_path, "w");
    if (!f) {
        fprintf(stderr, "mmtrend: %s: cannot write the chart\n", o->plot_path);
        return CLI_EXIT_BAD_INPUT;
    }
    char title[PATH_MAX + 96]; /* the log's path, however deep */
    if (t->falling)
        snprintf(title, sizeof title, "%s: leaking %.1f bytes/cycle (R\xc2\xb2 %.3f)", o->log_path,
                 trend_leak_rate(t), t->r2);
    else
        snprintf(title, sizeof title, "%s: no steady fall (%+.1f bytes/cycle, R\xc2\xb2 %.3f)", o->log_path,
                 tidy(t->slope), t->r2);
    chart_t chart = {.title = title, .tables = log->tables, .ntables = log->ntables, .trend = t,
                     .failure_cycle = failure_cycle(log)};
    svg_write_chart(f, &chart);
    return fclose(f) == 0 ? 0 : CLI_EXIT_BAD_INPUT;
}

static int analyse(const options_t *o, const mm_log_t *log)
{
    trend_t t;
    if (trend_fit(log->tables, log->ntables, o->skip, o->cycles, &t) != 0) {
        fprintf(stderr, "mmtrend: %s: %zu Heap Info tables outside dumps, %zu after --skip; need %d to fit\n",
                o->log_path, log->ntables, log->ntables > o->skip ? log->ntables - o->skip : 0,
                TREND_MIN_CYCLES);
        return CLI_EXIT_BAD_INPUT;
    }
    print_fit(o, log, &t);
    print_forecast(log, &t);
    int status = print_verdict(o, &t);
    if (o->plot_path && write_plot(o, log, &t) != 0)
        return CLI_EXIT_BAD_INPUT;
    return status;
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
