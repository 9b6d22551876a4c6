/* The tools against the real soak (driver/soak, issue 4) when it is built:
 * the vendor driver's log and binary, and the fixed driver's log. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "owners.h"
#include "symbolize.h"
#include "tool_support.h"
#include "trend.h"

TestSuite(driver_soak, .fini = dump_state_release);

Test(driver_soak, the_first_50_cycles_forecast_the_vendor_exhaustion_within_2_percent)
{
    assert_log_loads(DRIVER_VENDOR_LOG, &g_log);
    cr_assert_eq(g_log.nboots, 1);
    cr_assert_neq(g_log.boots[0].first_failure.line, 0, "the vendor soak runs until malloc fails");
    double actual = (double)g_log.boots[0].tables_before_failure + 1.0;
    trend_t t;
    assert_series_of_boot(0, SERIES_HEAP);
    cr_assert_eq(trend_fit(&g_series, 0, 50, &t), 0);
    double forecast = ceil(t.exhaustion_cycle), error = (forecast - actual) / actual;
    cr_log_info("driver soak: leak %.1f bytes/cycle, R^2 %.6f, warm-up %zu, forecast %.0f, actual %.0f, error %+.3f%%",
                trend_leak_rate(&t), t.r2, t.warmup, forecast, actual, error * 100.0);
    cr_assert(trend_is_leak(&t, 0.0));
    cr_assert_leq(fabs(error), 0.02, "forecast %.0f, actual %.0f", forecast, actual);
}

Test(driver_soak, the_vendor_crash_dump_names_a_driver_timer_creator)
{
    assert_log_loads(DRIVER_VENDOR_LOG, &g_log);
    cr_assert_gt(g_log.ndumps, 0);
    cr_assert_eq(owner_table_build(&g_log.dumps[g_log.ndumps - 1], &g_table), 0);
    const owner_row_t *top = owner_table_top_holder(&g_table);
    cr_assert_not_null(top);
    cr_assert_str_eq(top->kind, "timer");
    cr_assert_geq(top->count + 2, g_log.boots[0].tables_before_failure, "one leaked timer per cycle");
    char err[256];
    g_sym = symbolizer_open(DRIVER_VENDOR_ELF, err, sizeof err);
    cr_assert_not_null(g_sym, "%s", err);
    call_site_t site = symbolizer_locate_call(g_sym, top->owner);
    cr_assert_not_null(site.function);
    cr_assert(site.file && strstr(site.file, "driver/"), "%s", site.file);
    cr_assert_gt(site.line, 0);
}

Test(driver_soak, the_fixed_driver_is_not_called_a_leak)
{
    assert_log_loads(DRIVER_FIXED_LOG, &g_log);
    trend_t t;
    assert_series_of_boot(0, SERIES_HEAP);
    cr_assert_eq(trend_fit(&g_series, 0, 0, &t), 0);
    cr_log_info("fixed driver: slope %.2f bytes/cycle, R^2 %.4f over %zu cycles", t.slope, t.r2, g_log.ntables);
    cr_assert_not(trend_is_leak(&t, 0.0));
}
