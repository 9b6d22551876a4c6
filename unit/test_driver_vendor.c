/* What the vendor driver's bugs look like from outside: one timer leaked
 * per connect/suspend cycle, and a soak to exhaustion whose dump names the
 * function that created the leaked timers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "driver_contract.h"
#include "wifi_sim.h"
#include "unit_support.h"

TestSuite(vendor, .init = unit_observe_kernel);

static size_t heap_cost_of_one_timer(void)
{
    ktimer_t *t;
    cr_assert_eq(wifi_sim_start_beacon_monitor(&t), RHINO_SUCCESS);
    size_t cost = k_mm_hdr_size() + krhino_mm_blk_size(g_kmm_head, t);
    krhino_timer_dyn_del(t);
    drv_settle(1);
    return cost;
}

Test(vendor, leaks_exactly_one_timer_per_cycle)
{
    cr_assert_eq(drv_boot(0), 0);
    size_t timer_cost = heap_cost_of_one_timer();
    drv_footprint_t base, now;
    drv_footprint(&base);
    for (size_t cycle = 1; cycle <= 50; cycle++) {
        cr_assert_eq(netmgr_reconnect_wifi(), 0);
        aos_msleep(5000);
        hal_wifi_suspend_station(NULL);
        drv_settle(RTOSFUZZ_SETTLE_TICKS);
        drv_footprint(&now);
        cr_assert_eq(now.timers - base.timers, cycle);
        cr_assert_eq(now.active_timers, cycle, "the leaked monitors keep running");
        cr_assert_eq(now.heap_used - base.heap_used, cycle * timer_cost, "cycle %zu", cycle);
        cr_assert_eq(now.pool_used, base.pool_used);
    }
}

Test(vendor, soak_to_exhaustion_dump_names_the_creator)
{
    cr_assert_eq(drv_boot(0), 0);
    cr_assert_eq(netmgr_reconnect_wifi(), 0, "connected at boot, as the device was");
    unsigned cycle;
    for (cycle = 1; cycle < 100000; cycle++) {
        capture_reset(); /* keep the last cycle's text only */
        krhino_mm_overview(NULL);
        aos_msleep(5000);
        hal_wifi_suspend_station(NULL);
        if (netmgr_reconnect_wifi() != 0)
            break;
    }
    const char *t = capture_text();
    cr_assert_geq(capture_count("WARNING, malloc failed!!!! need size:"), 1);
    cr_assert_eq(capture_count("========== Heap Dump  =========="), 1, "the dump comes once");
    const char *summary = strstr(t, "Owner       Count       Bytes       Kind\n");
    cr_assert_not_null(summary);
    unsigned long owner, count, bytes;
    char kind[16];
    cr_assert_eq(sscanf(summary + strlen("Owner       Count       Bytes       Kind\n"), "0x%lx %lu %lu %15s", &owner,
                        &count, &bytes, kind), 4);
    cr_assert_str_eq(kind, "timer", "top owner holds timers");
    cr_assert(unit_owner_is_in(owner, (const void *)wifi_sim_start_beacon_monitor), "top owner 0x%lx is the beacon monitor's creator", owner);
    cr_assert_eq(count, cycle, "one leaked timer per cycle run (%u cycles)", cycle);
    cr_log_info("vendor soak: heap ran out in cycle %u, %lu leaked timers, %lu bytes", cycle, count, bytes);
}
