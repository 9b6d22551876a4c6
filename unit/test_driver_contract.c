/* The driver contract, checked on whichever driver this binary is linked
 * with: fixed and the bring-your-own example must pass; the vendor driver
 * must fail with the messages its bugs deserve (unit/CMakeLists.txt). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "aos/kernel.h"
#include "driver_contract.h"
#include "unit_support.h"

static drv_footprint_t g_base;
static drv_blocks_t *g_base_blocks;

static void boot(void)
{
    unit_observe_kernel();
    cr_assert_eq(drv_boot(0), 0, "hal_wifi_init failed");
    drv_footprint(&g_base);
    drv_blocks_release(g_base_blocks);
    g_base_blocks = drv_blocks_take(NULL, NULL);
}

/* After a suspend or failed connect: settle, then nothing of the driver's
 * may be left. On failure, names every new block with its owner. */
static void assert_back_to_baseline(const char *when)
{
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    drv_footprint_t now;
    drv_footprint(&now);
    char diff[200];
    if (drv_footprint_differs(&now, &g_base, diff, sizeof diff)) {
        capture_reset();
        size_t n = drv_blocks_print_new(g_base_blocks, capture_print);
        cr_assert_fail("%s: driver left objects behind after settling: %s; %zu new blocks:\n%s", when, diff, n,
                 capture_text());
    }
    cr_assert_eq(g_err_record.count, 0, "%s: kernel reported misuse %s", when, k_err_name(g_err_record.last_err));
}

TestSuite(contract, .init = boot);

Test(contract, cycles_leave_nothing_behind)
{
    char when[64];
    for (int cycle = 1; cycle <= 1000; cycle++) {
        cr_assert_eq(netmgr_reconnect_wifi(), 0, "cycle %d: connect failed", cycle);
        aos_msleep(5000);
        cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
        snprintf(when, sizeof when, "cycle %d", cycle);
        assert_back_to_baseline(when);
    }
}

Test(contract, suspend_at_any_point_of_the_connect_sequence)
{
    char when[64];
    for (uint32_t t = 0; t <= 400; t += 7) {
        cr_assert_eq(netmgr_reconnect_wifi(), 0);
        aos_msleep(t * 1000 / RHINO_CONFIG_TICKS_PER_SECOND);
        hal_wifi_suspend_station(NULL);
        snprintf(when, sizeof when, "suspend %u ticks after connect", t);
        assert_back_to_baseline(when);
    }
}

Test(contract, double_suspend_and_reconnect_while_connected)
{
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0, "suspend before any connect");
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    cr_assert_eq(netmgr_reconnect_wifi(), 0, "reconnect while connecting");
    aos_msleep(3000);
    cr_assert_eq(netmgr_reconnect_wifi(), 0, "reconnect while connected");
    aos_msleep(3000);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0, "second suspend");
    assert_back_to_baseline("after double suspend");
}

/* SQLite-style sweep: count the calls of a fault point that one connect
 * makes, then fail the 1st, 2nd, ... in turn on a fresh system. */
static uint32_t calls_of_one_connect(k_fault_point_t p)
{
    uint32_t before = k_fault_calls(p);
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    uint32_t n = k_fault_calls(p) - before;
    hal_wifi_suspend_station(NULL); /* the driver's own state must be idle before the next boot */
    return n;
}

static void sweep_connect_faults(k_fault_point_t p, bool pool_always_empty)
{
    if (pool_always_empty)
        k_fault_fail_every(K_FAULT_POOL_ALLOC, 1);
    uint32_t k = calls_of_one_connect(p);
    cr_assert_gt(k, 0, "connect never reaches fault point %s", k_fault_point_name(p));
    int failed = 0;
    char when[96];
    for (uint32_t n = 1; n <= k; n++) {
        boot();
        if (pool_always_empty)
            k_fault_fail_every(K_FAULT_POOL_ALLOC, 1);
        cr_assert_eq(k_fault_fail_at(p, k_fault_calls(p) + n), 0);
        int rc = netmgr_reconnect_wifi();
        failed += rc != 0;
        if (rc == 0)
            hal_wifi_suspend_station(NULL);
        snprintf(when, sizeof when, "%s fault on call %u of %u of connect (rc %d)", k_fault_point_name(p), n, k, rc);
        assert_back_to_baseline(when);
    }
    cr_assert_gt(failed, 0, "no injected %s fault made connect fail", k_fault_point_name(p));
}

Test(contract, failed_connect_leaves_nothing_heap_faults)
{
    sweep_connect_faults(K_FAULT_HEAP_ALLOC, false);
}

Test(contract, failed_connect_leaves_nothing_heap_faults_pool_empty)
{
    sweep_connect_faults(K_FAULT_HEAP_ALLOC, true);
}

Test(contract, failed_connect_leaves_nothing_timer_queue_faults)
{
    sweep_connect_faults(K_FAULT_TIMER_QUEUE, false);
}
