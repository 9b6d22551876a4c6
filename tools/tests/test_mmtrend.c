/* mmtrend: the fit, the forecast against a soak that really ran out, the
 * negative controls (flat and fluctuating free heap), boots, the pool, too
 * few cycles, and the command line. */
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
#define VENDOR_3_BOOTS_LOG SOAK_DIR "/soak_vendor_3_boots.log"
#define POOL_LEAK_LOG SOAK_DIR "/soak_pool_leak.log"
#define POOL_FIXED_LOG SOAK_DIR "/soak_pool_fixed.log"
#define POOL_LEAK_2_BOOTS_LOG SOAK_DIR "/soak_pool_leak_2_boots.log"

static run_t g_run;

static void release(void)
{
    dump_state_release();
    run_free(&g_run);
}

TestSuite(mmtrend, .fini = release);

/* The heap series of the log's first boot, fitted. */
static trend_t fit(size_t skip, size_t limit)
{
    trend_t t;
    assert_series_of_boot(0, SERIES_HEAP);
    cr_assert_eq(trend_fit(&g_series, skip, limit, &t), 0, "%zu cycles", g_series.n);
    return t;
}

static series_t heap_series(double *free, double *min_free, size_t n)
{
    return (series_t){.kind = SERIES_HEAP, .free = free, .min_free = min_free, .n = n};
}

Test(mmtrend, fits_a_steady_leak_exactly)
{
    double free[10], min_free[10];
    for (int k = 1; k <= 10; k++) {
        free[k - 1] = 10000.0 - 100.0 * k;
        min_free[k - 1] = 9500.0 - 100.0 * k;
    }
    series_t s = heap_series(free, min_free, 10);
    trend_t t;
    cr_assert_eq(trend_fit(&s, 0, 0, &t), 0);
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
    double free[50];
    for (int k = 1; k <= 50; k++)
        free[k - 1] = 100000.0 - 112.0 * k;
    free[0] += 4096; /* boot state, before the first cycle ran */
    free[1] -= 700;
    series_t s = heap_series(free, NULL, 50);
    trend_t t;
    cr_assert_eq(trend_fit(&s, 0, 0, &t), 0);
    cr_assert_eq(t.warmup, 2);
    cr_assert_eq(t.first_cycle, 3);
    cr_assert_float_eq(t.slope, -112.0, 1e-9);
    /* Four ever larger outliers: each is far off the line through the rest. */
    for (int k = 1; k <= 20; k++)
        free[k - 1] = 100000000.0 - 112.0 * k;
    free[0] += 90000000;
    free[1] += 900000;
    free[2] += 9000;
    free[3] += 90;
    s.n = 20;
    cr_assert_eq(trend_fit(&s, 0, 0, &t), 0);
    cr_assert_eq(t.warmup, 2, "at most a tenth of the window is warm-up");
}

/* No fit, so no verdict and no forecast, from fewer than TREND_MIN_CYCLES,
 * however steep the line through them. */
Test(mmtrend, a_window_needs_the_minimum_of_cycles)
{
    double free[TREND_MIN_CYCLES + 1];
    for (int k = 0; k <= TREND_MIN_CYCLES; k++)
        free[k] = 100000.0 - 5000.0 * k;
    series_t s = heap_series(free, NULL, TREND_MIN_CYCLES + 1);
    trend_t t;
    cr_assert_eq(trend_fit(&s, 1, 0, &t), 0);
    cr_assert_eq(t.first_cycle, 2);
    cr_assert_eq(t.last_cycle, TREND_MIN_CYCLES + 1);
    cr_assert_eq(trend_fit(&s, 2, 0, &t), -1);
    cr_assert_eq(trend_fit(&s, 0, TREND_MIN_CYCLES - 1, &t), -1);
    cr_assert_eq(trend_fit(&s, 99, 0, &t), -1);
    cr_assert_eq(trend_window(&s, 2, 0), TREND_MIN_CYCLES - 1);
}

Test(mmtrend, the_first_50_cycles_forecast_the_soaks_exhaustion_within_2_percent)
{
    assert_log_loads(VENDOR_LOG, &g_log);
    cr_assert_eq(g_log.nboots, 1);
    cr_assert_neq(g_log.boots[0].first_failure.line, 0, "the vendor soak runs until malloc fails");
    double actual = (double)g_log.boots[0].tables_before_failure + 1.0;
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
    cr_assert_eq(g_log.nboots, 1, "a fluctuating heap is no reboot");
    cr_assert_gt(hi - lo, 2000, "the control must really fluctuate");
    trend_t t = fit(0, 0);
    cr_log_info("fluctuating: slope %.2f bytes/cycle, R^2 %.4f over %zu cycles", t.slope, t.r2, g_log.ntables);
    cr_assert_eq(t.warmup, 0, "swings are not warm-up");
    cr_assert_lt(t.r2, TREND_MIN_R2);
    cr_assert_not(trend_is_leak(&t, 0.0));
}

/* Three soak runs in one file: each run is its own boot, fitted and
 * forecast on its own, and each forecast meets its own run's failure. */
Test(mmtrend, each_boot_of_concatenated_soak_logs_is_trended_alone)
{
    assert_log_loads(VENDOR_3_BOOTS_LOG, &g_log);
    cr_assert_eq(g_log.nboots, 3);
    for (size_t b = 0; b < 3; b++) {
        const mm_boot_t *boot = &g_log.boots[b];
        cr_assert_eq(boot->ntables, g_log.boots[0].ntables);
        cr_assert_eq(boot->cause, b == 0 ? MM_BOOT_LOG_START : MM_BOOT_BANNER_SEEN);
        cr_assert_neq(boot->first_failure.line, 0, "each run ends in its own malloc failure");
        assert_series_of_boot(b, SERIES_HEAP);
        trend_t t;
        cr_assert_eq(trend_fit(&g_series, 0, 50, &t), 0);
        double actual = (double)boot->tables_before_failure + 1.0;
        cr_assert(trend_is_leak(&t, 0.0));
        cr_assert_leq(fabs(ceil(t.exhaustion_cycle) - actual) / actual, 0.02, "boot %zu", b + 1);
    }
}

/* A pool that loses a 32-byte block a cycle while the heap's figures stay:
 * a leak of the pool, which the heap series cannot see. */
Test(mmtrend, a_pool_only_leak_is_a_leak_of_the_pool)
{
    assert_log_loads(POOL_LEAK_LOG, &g_log);
    cr_assert_geq(g_log.ntables, POOL_SOAK_CYCLES);
    trend_t heap = fit(0, 0), pool;
    cr_assert_float_eq(heap.slope, 0.0, 1e-9, "the pool is carved out of the heap once");
    cr_assert_not(trend_is_leak(&heap, 0.0));
    assert_series_of_boot(0, SERIES_POOL);
    cr_assert_eq(trend_fit(&g_series, 0, 0, &pool), 0);
    cr_assert_float_eq(trend_leak_rate(&pool), 32.0, 1e-9);
    cr_assert(trend_is_leak(&pool, 0.0));
}

/* Negative control: its fixed twin leaks nowhere. */
Test(mmtrend, the_pool_leaks_fixed_twin_is_no_leak)
{
    assert_log_loads(POOL_FIXED_LOG, &g_log);
    trend_t pool;
    assert_series_of_boot(0, SERIES_POOL);
    cr_assert_eq(trend_fit(&g_series, 0, 0, &pool), 0);
    cr_assert_float_eq(pool.slope, 0.0, 1e-9);
    cr_assert_not(trend_is_leak(&pool, 0.0));
}

/* The same driver past the pool's last block: from the cycle the pool is
 * full its 24-byte records come from the heap, and the leak goes on there,
 * each record now a heap block with its header. */
Test(mmtrend, a_pool_leak_goes_on_in_the_heap_once_the_pool_is_full)
{
    assert_log_loads(POOL_FULL_LOG, &g_log);
    cr_assert_eq(g_log.ntables, POOL_FULL_SOAK_CYCLES + 1);
    const pool_info_t *first = &g_log.tables[0].pool;
    size_t full = series_pool_full_cycle(&g_log, 0);
    size_t blocks_free_at_1 = (size_t)(first->free / first->blk_size);
    cr_assert_eq(full, 1 + blocks_free_at_1, "one block a cycle: full when the free ones at cycle 1 are gone");
    cr_assert_eq(g_log.tables[full - 1].pool.free, 0);

    assert_series_of_boot(0, SERIES_HEAP);
    trend_t whole, after;
    cr_assert_eq(trend_fit(&g_series, 0, 0, &whole), 0);
    cr_assert_not(trend_is_leak(&whole, 0.0), "negative control: one line through both stretches misses it "
                                              "(R^2 %.2f)", whole.r2);
    cr_assert_eq(trend_fit_regime(&g_series, 0, 0, (trend_regime_t){full, g_series.n}, &after), 0);
    cr_assert(trend_is_leak(&after, 0.0));
    cr_assert_float_eq(after.r2, 1.0, 1e-9);
    double step = g_series.free[full - 1] - g_series.free[full];
    cr_assert_float_eq(trend_leak_rate(&after), step, 1e-9, "the heap falls by one record block a cycle");
    cr_assert_gt(step, (double)first->blk_size, "a heap block and its header cost more than a pool block");

    assert_series_of_boot(0, SERIES_POOL);
    trend_t pool;
    cr_assert_eq(trend_fit_regime(&g_series, 0, 0, (trend_regime_t){1, full}, &pool), 0);
    cr_assert_float_eq(trend_leak_rate(&pool), (double)first->blk_size, 1e-9);
}

/* Two pool-leak runs in one file leave the heap's figures as they were:
 * only the soak's boot banner splits them. Fitted across both, the saw
 * tooth would not be a leak (the reason boots are split). */
Test(mmtrend, a_reboot_the_figures_do_not_show_is_found_by_its_banner)
{
    assert_log_loads(POOL_LEAK_2_BOOTS_LOG, &g_log);
    cr_assert_eq(g_log.nboots, 2);
    cr_assert_eq(g_log.boots[1].cause, MM_BOOT_BANNER_SEEN);
    series_t whole = {.kind = SERIES_POOL};
    double *figures = calloc(g_log.ntables, sizeof *figures);
    cr_assert_not_null(figures);
    for (size_t i = 0; i < g_log.ntables; i++)
        figures[i] = (double)g_log.tables[i].pool.free;
    whole.free = figures;
    whole.n = g_log.ntables;
    trend_t across, each;
    cr_assert_eq(trend_fit(&whole, 0, 0, &across), 0);
    free(figures);
    cr_assert_not(trend_is_leak(&across, 0.0), "R^2 %.3f across the reboot", across.r2);
    assert_series_of_boot(1, SERIES_POOL);
    cr_assert_eq(trend_fit(&g_series, 0, 0, &each), 0);
    cr_assert(trend_is_leak(&each, 0.0));
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

Test(mmtrend, cli_reads_alios_dumpsys_mm_heap_and_pool_rows)
{
    g_run = run_tool("%s %s/alios_dumpsys_mm_pool_leak.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "12 Heap Info tables in 1 boot");
    assert_output_has(g_run, "verdict: LEAK: pool 16.0 bytes/cycle, heap not leaking (threshold 0)");
    assert_output_has(g_run, "forecast: the pool runs out at cycle ");
}

Test(mmtrend, cli_reads_the_debug_readme_layouts_and_skips_the_unknown_table)
{
    g_run = run_tool("%s %s/alios_debug_readme.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "8 Heap Info tables in 1 boot");
    assert_output_has(g_run, "verdict: LEAK: heap 64.0 bytes/cycle (threshold 0)");
    assert_output_has(g_run, "alios_debug_readme.log:75: note: skipped table \"[HEAP]| TotalSz | FreeSz Fail |\"");
}

Test(mmtrend, cli_splits_reboots_and_judges_each_boot)
{
    g_run = run_tool("%s %s/alios_reboots.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "30 Heap Info tables in 4 boots");
    assert_output_has(g_run, "boot 2 of 4: from line 84, 9 cycles (new boot: a boot banner)");
    assert_output_has(g_run, "boot 3 of 4: from line 172, 9 cycles (new boot: MinFreeSz, a low-water mark, rose");
    assert_output_has(g_run, "note: boot 4 not judged: 3 cycles, fewer than the 7 a verdict needs");
    assert_output_has(g_run, "verdict: LEAK in 3 of 4 boots: boot 1: heap 112.0 bytes/cycle, pool flat; "
                             "boot 2: heap 112.0 bytes/cycle, pool flat; boot 3: heap 112.0 bytes/cycle, pool flat");
}

Test(mmtrend, cli_names_the_pool_as_what_leaks_and_its_twin_as_flat)
{
    g_run = run_tool("%s %s", MMTREND_BIN, POOL_LEAK_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "verdict: LEAK: pool 32.0 bytes/cycle, heap flat (threshold 0)");
    run_free(&g_run);
    g_run = run_tool("%s %s", MMTREND_BIN, POOL_FIXED_LOG);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    assert_output_has(g_run, "verdict: no leak above the threshold of 0 bytes/cycle: heap flat, pool flat");
}

/* A pool full from boot never filled up within the log: nothing to split
 * the heap's trend at, and the pool is judged (flat) like any other, as the
 * soak judges it (pool_full.h). */
Test(mmtrend, a_pool_full_from_boot_is_no_regime_change)
{
    assert_log_loads(FIXTURES "/alios_dumpsys_mm_pool_full_at_boot.log", &g_log);
    cr_assert_eq(g_log.tables[0].pool.free, 0, "the fixture's pool must be full at cycle 1");
    cr_assert_eq(series_pool_full_cycle(&g_log, 0), 0);
    g_run = run_tool("%s %s/alios_dumpsys_mm_pool_full_at_boot.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    cr_assert_null(strstr(g_run.output, "regime:"), "no regime of a pool that was never seen with room:\n%s",
                   g_run.output);
    assert_output_has(g_run, "verdict: no leak above the threshold of 0 bytes/cycle: heap flat, pool flat");
}

/* The pool runs out at cycle 256 and the leak goes on in the heap: the
 * verdict follows it across, and the pool's run-out, which the log shows,
 * is told as it happened, never forecast. */
Test(mmtrend, cli_follows_a_pool_leak_into_the_heap)
{
    g_run = run_tool("%s %s", MMTREND_BIN, POOL_FULL_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    assert_output_has(g_run, "heap: fitted cycles 256-301 of 301\n"
                             "  regime: from cycle 256, when the pool filled up");
    assert_output_has(g_run, "pool: fitted cycles 1-256 of 301");
    assert_output_has(g_run, "  ran out: the pool is full from cycle 256 (FreeSz 0)");
    cr_assert_null(strstr(g_run.output, "forecast: the pool runs out"), "%s", g_run.output);
    assert_output_has(g_run, "verdict: LEAK: pool 32.0 bytes/cycle until full at cycle 256, "
                             "heap 56.0 bytes/cycle from cycle 256 (the pool full) (threshold 0)");
}

/* Three tables that fall, each of another boot: neither a verdict nor a
 * forecast. */
Test(mmtrend, cli_gives_no_verdict_from_tables_of_different_boots)
{
    static const char one_boot[] = "Welcome to AliOS Things\n"
                                   "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
                                   "      | 0x00010000 | 0x0000%04X | 0x0000%04X | 0x00004000 |\n";
    char text[1024] = "", path[512];
    for (unsigned k = 0; k < 3; k++)
        snprintf(text + strlen(text), sizeof text - strlen(text), one_boot, 0x9000 - 0x800 * k,
                 0x10000 - (0x9000 - 0x800 * k));
    snprintf(path, sizeof path, "%s/three_boots_one_table_each.log", SOAK_DIR);
    cr_assert(write_text(path, text));
    g_run = run_tool("%s %s", MMTREND_BIN, path);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "3 Heap Info tables in 3 boots");
    assert_output_has(g_run, "verdict: none, no boot has the 7 cycles a verdict needs");
    cr_assert_null(strstr(g_run.output, "runs out at cycle"), "%s", g_run.output);
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
    assert_output_has(g_run, "truncated_overview.log:44: warning: truncated last line");
    assert_output_has(g_run, "8 Heap Info tables");
    assert_output_has(g_run, "leak rate: 256.0 bytes/cycle");
}

Test(mmtrend, cli_malformed_table_is_bad_input_naming_its_line)
{
    g_run = run_tool("%s %s/malformed_heap_info.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "malformed_heap_info.log:24: error: [HEAP] figures");
}

Test(mmtrend, cli_too_few_cycles_is_no_verdict)
{
    g_run = run_tool("%s %s/alios_dumpsys.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "heap: 5 cycles to fit, fewer than the 7 a verdict needs: no verdict, no forecast");
    assert_output_has(g_run, "verdict: none");
    run_free(&g_run);
    g_run = run_tool("%s --skip 3 %s", MMTREND_BIN, POOL_LEAK_LOG);
    cr_assert_eq(g_run.status, 1, "%s", g_run.output);
    run_free(&g_run);
    g_run = run_tool("%s %s/garbage.log", MMTREND_BIN, FIXTURES);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "no Heap Info tables");
}
