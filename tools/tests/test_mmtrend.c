/* mmtrend: the fit, the forecast against a soak that really ran out, the
 * negative controls (flat and fluctuating free heap), and the command line. */
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_support.h"
#include "trend.h"

#define VENDOR_LOG SOAK_DIR "/soak_vendor.log"
#define FIXED_LOG SOAK_DIR "/soak_fixed.log"
#define FLUCTUATING_LOG SOAK_DIR "/soak_fluctuating.log"

static run_t g_run;

static void release(void)
{
    dump_state_release();
    run_free(&g_run);
}

TestSuite(mmtrend, .fini = release);

static trend_t fit(size_t skip, size_t limit)
{
    trend_t t;
    cr_assert_eq(trend_fit(g_log.tables, g_log.ntables, skip, limit, &t), 0, "%zu tables", g_log.ntables);
    return t;
}

Test(mmtrend, fits_a_steady_leak_exactly)
{
    heap_info_t tables[10];
    for (int k = 1; k <= 10; k++)
        tables[k - 1] = (heap_info_t){.total = 20000, .free = 10000 - 100 * (uint64_t)k,
                                      .min_free = 9500 - 100 * (uint64_t)k};
    trend_t t;
    cr_assert_eq(trend_fit(tables, 10, 0, 0, &t), 0);
    cr_assert_float_eq(t.slope, -100.0, 1e-9);
    cr_assert_float_eq(t.intercept, 10000.0, 1e-6);
    cr_assert_float_eq(t.r2, 1.0, 1e-12);
    cr_assert_float_eq(t.reserve, 500.0, 1e-12);
    cr_assert(t.falling);
    cr_assert_float_eq(t.exhaustion_cycle, 95.0, 1e-6);
    cr_assert(trend_is_leak(&t, 99.0));
    cr_assert_not(trend_is_leak(&t, 100.0), "the threshold is tolerated");
}

Test(mmtrend, leading_cycles_off_the_line_are_left_out_as_warm_up)
{
    heap_info_t tables[50];
    for (int k = 1; k <= 50; k++)
        tables[k - 1] = (heap_info_t){.free = 100000 - 112 * (uint64_t)k};
    tables[0].free += 4096; /* boot state, before the first cycle ran */
    tables[1].free -= 700;
    trend_t t;
    cr_assert_eq(trend_fit(tables, 50, 0, 0, &t), 0);
    cr_assert_eq(t.warmup, 2);
    cr_assert_eq(t.first_cycle, 3);
    cr_assert_float_eq(t.slope, -112.0, 1e-9);
    /* Four ever larger outliers: each is far off the line through the rest. */
    for (int k = 1; k <= 20; k++)
        tables[k - 1] = (heap_info_t){.free = 100000000 - 112 * (uint64_t)k};
    tables[0].free += 90000000;
    tables[1].free += 900000;
    tables[2].free += 9000;
    tables[3].free += 90;
    cr_assert_eq(trend_fit(tables, 20, 0, 0, &t), 0);
    cr_assert_eq(t.warmup, 2, "at most a tenth of the window is warm-up");
}

Test(mmtrend, a_window_needs_three_cycles)
{
    heap_info_t tables[4] = {{.free = 4}, {.free = 3}, {.free = 2}, {.free = 1}};
    trend_t t;
    cr_assert_eq(trend_fit(tables, 4, 1, 0, &t), 0);
    cr_assert_eq(t.first_cycle, 2);
    cr_assert_eq(t.last_cycle, 4);
    cr_assert_eq(trend_fit(tables, 4, 2, 0, &t), -1);
    cr_assert_eq(trend_fit(tables, 4, 0, 2, &t), -1);
    cr_assert_eq(trend_fit(tables, 4, 9, 0, &t), -1);
}

Test(mmtrend, the_first_50_cycles_forecast_the_soaks_exhaustion_within_2_percent)
{
    assert_log_loads(VENDOR_LOG, &g_log);
    cr_assert_neq(g_log.first_failure.line, 0, "the vendor soak runs until malloc fails");
    double actual = (double)g_log.tables_before_failure + 1.0;
    trend_t t = fit(0, 50);
    cr_assert(t.falling && trend_is_leak(&t, 0.0));
    double error = (ceil(t.exhaustion_cycle) - actual) / actual;
    cr_log_info("leak %.1f bytes/cycle, R^2 %.6f, reserve %.0f, forecast %.0f, actual %.0f, error %+.3f%%",
                trend_leak_rate(&t), t.r2, t.reserve, ceil(t.exhaustion_cycle), actual, error * 100.0);
    cr_assert_gt(actual, 500.0, "a soak long enough for 50 cycles to be a small part of it");
    cr_assert_leq(fabs(error), 0.02, "forecast %.0f, actual %.0f", ceil(t.exhaustion_cycle), actual);
}

Test(mmtrend, the_fixed_driver_does_not_leak)
{
    assert_log_loads(FIXED_LOG, &g_log);
    trend_t t = fit(0, 0);
    cr_assert_eq(g_log.ntables, 300);
    cr_assert_float_eq(t.slope, 0.0, 1e-9);
    cr_assert_not(t.falling);
    cr_assert_not(trend_is_leak(&t, 0.0));
}

/* Negative control: free heap that only fluctuates is not a leak. */
Test(mmtrend, free_heap_that_only_fluctuates_is_not_a_leak)
{
    assert_log_loads(FLUCTUATING_LOG, &g_log);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < g_log.ntables; i++) {
        lo = g_log.tables[i].free < lo ? g_log.tables[i].free : lo;
        hi = g_log.tables[i].free > hi ? g_log.tables[i].free : hi;
    }
    cr_assert_gt(hi - lo, 2000, "the control must really fluctuate");
    trend_t t = fit(0, 0);
    cr_log_info("fluctuating: slope %.2f bytes/cycle, R^2 %.4f over %zu cycles", t.slope, t.r2, g_log.ntables);
    cr_assert_eq(t.warmup, 0, "swings are not warm-up");
    cr_assert_lt(t.r2, TREND_MIN_R2);
    cr_assert_not(trend_is_leak(&t, 0.0));
}

/* ---- the command line ---------------------------------------------------- */
Test(mmtrend, cli_exit_status_says_leak_or_not)
{
    g_run = run_tool("%s %s", MMTREND_BIN, VENDOR_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "verdict: LEAK");
    run_free(&g_run);
    g_run = run_tool("%s --threshold 100000 %s", MMTREND_BIN, VENDOR_LOG);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    run_free(&g_run);
    g_run = run_tool("%s %s", MMTREND_BIN, FLUCTUATING_LOG);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    assert_output_has(g_run, "forecast: none");
}

Test(mmtrend, cli_reports_forecast_and_actual_failure)
{
    g_run = run_tool("%s --cycles 50 %s", MMTREND_BIN, VENDOR_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "fitted cycles 1-50");
    assert_output_has(g_run, "forecast: the heap runs out at cycle ");
    assert_output_has(g_run, "actual: malloc failed after table ");
}

Test(mmtrend, cli_reads_the_five_column_alios_overviews)
{
    g_run = run_tool("%s %s/alios_dumpsys.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "5 Heap Info tables");
    assert_output_has(g_run, "leak rate: 560.0 bytes/cycle");
}

Test(mmtrend, cli_plots_series_fit_and_forecast)
{
    char svg[PATH_MAX + 32];
    snprintf(svg, sizeof svg, "%s/vendor_trend.svg", SOAK_DIR);
    remove(svg);
    g_run = run_tool("%s --cycles 50 --plot %s %s", MMTREND_BIN, svg, VENDOR_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    char *text = read_text(svg, NULL);
    cr_assert_not_null(text);
    cr_assert(strncmp(text, "<svg ", 5) == 0);
    char *second_series = strstr(text, "<polyline");
    cr_assert(second_series && strstr(second_series + 1, "<polyline"), "FreeSz and MinFreeSz");
    cr_assert(strstr(text, "<circle"), "the forecast point");
    cr_assert(strstr(text, "forecast: heap runs out at cycle"));
    cr_assert(strstr(text, "malloc failed: cycle"));
    cr_assert(strstr(text, "</svg>\n"));
    free(text);
}

Test(mmtrend, cli_drops_a_truncated_last_table)
{
    g_run = run_tool("%s %s/truncated_overview.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "truncated_overview.log:34: warning: truncated last line");
    assert_output_has(g_run, "6 Heap Info tables");
    assert_output_has(g_run, "leak rate: 256.0 bytes/cycle");
}

Test(mmtrend, cli_malformed_table_is_bad_input_naming_its_line)
{
    g_run = run_tool("%s %s/malformed_heap_info.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "malformed_heap_info.log:24: error: Heap Info figures");
}

Test(mmtrend, cli_too_few_cycles_is_bad_input)
{
    g_run = run_tool("%s --skip 3 %s/alios_dumpsys.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "need 3");
}
