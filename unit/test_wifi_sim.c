/* The simulated wifi driver's station state machine, seen through
 * wifi_sim_state(): the connect sequence tick by tick, the access point
 * going away while connected or while authenticating, timers that come due
 * while suspend is tearing the station down, and init without memory.
 * Linked with the fixed driver (the state machine is shared with vendor). */
#include <criterion/criterion.h>
#include <string.h>

#include "aos/kernel.h"
#include "driver_contract.h"
#include "wifi_sim.h"
#include "unit_support.h"

/* ---- what fired, and when ------------------------------------------------ */
#define MAX_FIRES 64

typedef struct {
    const char *name;
    tick_t tick;
    wifi_state_t state; /* the station's state just before the callback */
} fire_t;

static struct {
    fire_t f[MAX_FIRES];
    unsigned n;
} g_fired;

static void record_fire(ktimer_t *timer, tick_t now, void *ctx)
{
    if (g_fired.n < MAX_FIRES)
        g_fired.f[g_fired.n] = (fire_t){wifi_sim_timer_name(timer), now, wifi_sim_state()};
    g_fired.n++;
}

/* The tick of the first firing of the named timer after index from, or 0. */
static tick_t fired_at(const char *name, unsigned from)
{
    for (unsigned i = from; i < g_fired.n && i < MAX_FIRES; i++)
        if (strcmp(g_fired.f[i].name, name) == 0)
            return g_fired.f[i].tick;
    return 0;
}

static unsigned fires_of(const char *name)
{
    unsigned n = 0;
    for (unsigned i = 0; i < g_fired.n && i < MAX_FIRES; i++)
        n += strcmp(g_fired.f[i].name, name) == 0;
    return n;
}

static drv_footprint_t g_base;

static void boot(void)
{
    unit_observe_kernel();
    cr_assert_eq(drv_boot(0), 0);
    drv_footprint(&g_base);
    memset(&g_fired, 0, sizeof g_fired);
    k_timer_observe(record_fire, NULL);
}

TestSuite(wifi_sim, .init = boot);

static void assert_state(wifi_state_t want)
{
    cr_assert_eq(wifi_sim_state(), want, "state %s at tick %lu, want %s", wifi_sim_state_name(wifi_sim_state()),
                 (unsigned long)krhino_sys_tick_get(), wifi_sim_state_name(want));
}

/* Ticks one at a time until the state is want; returns the tick. */
static tick_t tick_until(wifi_state_t want, tick_t limit)
{
    for (tick_t n = 0; wifi_sim_state() != want; n++) {
        cr_assert_lt(n, limit, "still %s after %lu ticks", wifi_sim_state_name(wifi_sim_state()), (unsigned long)n);
        krhino_tick_proc();
    }
    return krhino_sys_tick_get();
}

static void assert_back_to_baseline(void)
{
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    drv_footprint_t now;
    drv_footprint(&now);
    char diff[200];
    cr_assert_not(drv_footprint_differs(&now, &g_base, diff, sizeof diff), "left behind: %s", diff);
    cr_assert_eq(g_err_record.count, 0, "kernel reported %s", k_err_name(g_err_record.last_err));
}

/* A command posted outside the timer task (connect, suspend) is applied
 * at the next tick; one posted by a callback right after that callback,
 * at the same tick. A timer started at tick t fires at t + first:
 * connect at 0 -> scan at 21 -> auth at 31 -> assoc at 41. */
#define SCAN_DUE (1 + WIFI_SCAN_TICKS)
#define AUTH_DUE (SCAN_DUE + WIFI_AUTH_TICKS)
#define ASSOC_DUE (AUTH_DUE + WIFI_ASSOC_TICKS)
#define DHCP_DUE (ASSOC_DUE + WIFI_DHCP_RETRY_TICKS)
#define BEACON_DUE (ASSOC_DUE + WIFI_BEACON_CHECK_TICKS)

Test(wifi_sim, state_names_and_an_out_of_range_state)
{
    cr_assert_str_eq(wifi_sim_state_name(WIFI_IDLE), "idle");
    cr_assert_str_eq(wifi_sim_state_name(WIFI_CONNECTING), "connecting");
    cr_assert_str_eq(wifi_sim_state_name(WIFI_CONNECTED), "connected");
    cr_assert_str_eq(wifi_sim_state_name(WIFI_SUSPENDED), "suspended");
    cr_assert_str_eq(wifi_sim_state_name((wifi_state_t)(WIFI_SUSPENDED + 1)), "?");
    cr_assert_str_eq(wifi_sim_state_name((wifi_state_t)-1), "?");
}

Test(wifi_sim, a_connect_goes_idle_connecting_connected_and_suspend_ends_it)
{
    assert_state(WIFI_IDLE);
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    assert_state(WIFI_CONNECTING);
    cr_assert_eq(tick_until(WIFI_CONNECTED, 1000), ASSOC_DUE);
    cr_assert_eq(fired_at("wifi_scan", 0), SCAN_DUE);
    cr_assert_eq(fired_at("wifi_auth", 0), AUTH_DUE);
    cr_assert_eq(fired_at("wifi_assoc", 0), ASSOC_DUE);
    cr_assert_eq(g_fired.n, 3, "nothing else fired on the way");
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(g_fired.f[i].state, WIFI_CONNECTING);

    /* Connected, DHCP retries twice and stops; the beacon monitor runs. */
    k_timer_advance(BEACON_DUE + WIFI_BEACON_CHECK_TICKS - ASSOC_DUE);
    assert_state(WIFI_CONNECTED);
    cr_assert_eq(fires_of("wifi_dhcp"), WIFI_DHCP_TRIES);
    cr_assert_eq(fired_at("wifi_dhcp", 0), DHCP_DUE);
    cr_assert_eq(fires_of("wifi_beacon"), 2);
    cr_assert_eq(fired_at("wifi_beacon", 0), BEACON_DUE);

    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    assert_state(WIFI_SUSPENDED);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0, "suspending a suspended station is a no-op");
    assert_state(WIFI_SUSPENDED);
    assert_back_to_baseline();
}

Test(wifi_sim, beacon_loss_sends_a_connected_station_back_to_scanning)
{
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    tick_until(WIFI_CONNECTED, 1000);
    wifi_sim_ap_power(false);
    unsigned before = g_fired.n;
    tick_t lost = tick_until(WIFI_CONNECTING, 1000);
    cr_assert_eq(lost, BEACON_DUE, "the first beacon check notices");
    cr_assert_eq(fired_at("wifi_beacon", before), BEACON_DUE);

    /* With the access point still off the station only scans. */
    unsigned scans = fires_of("wifi_scan");
    k_timer_advance(10 * WIFI_SCAN_TICKS);
    assert_state(WIFI_CONNECTING);
    cr_assert_eq(fires_of("wifi_scan") - scans, 10, "scans repeat every %u ticks", WIFI_SCAN_TICKS);
    cr_assert_eq(fires_of("wifi_auth"), 1, "no authentication without an access point");
    cr_assert_eq(fires_of("wifi_beacon"), 1, "the beacon monitor stopped itself");

    /* Back on: the next scan finds it and the sequence completes. */
    wifi_sim_ap_power(true);
    tick_t on = krhino_sys_tick_get();
    tick_t connected = tick_until(WIFI_CONNECTED, 1000);
    cr_assert_leq(connected - on, WIFI_SCAN_TICKS + WIFI_AUTH_TICKS + WIFI_ASSOC_TICKS,
                  "at most one scan period plus auth and assoc");
    cr_assert_eq(fires_of("wifi_auth"), 2);

    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    assert_back_to_baseline();
}

Test(wifi_sim, an_access_point_lost_during_authentication_sends_the_station_back_to_scanning)
{
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    k_timer_advance(SCAN_DUE); /* scan done, authentication running */
    cr_assert_eq(fires_of("wifi_scan"), 1);
    wifi_sim_ap_power(false);
    k_timer_advance(AUTH_DUE - SCAN_DUE);
    cr_assert_eq(fires_of("wifi_auth"), 1);
    k_timer_advance(WIFI_SCAN_TICKS);
    cr_assert_eq(fires_of("wifi_assoc"), 0, "no association with the access point gone");
    assert_state(WIFI_CONNECTING);
    cr_assert_eq(fired_at("wifi_scan", 1), AUTH_DUE + WIFI_SCAN_TICKS, "auth restarted the scan");

    wifi_sim_ap_power(true);
    tick_until(WIFI_CONNECTED, 1000);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    assert_back_to_baseline();
}

/* Suspend detaches the station, then stops and deletes its timers; a full
 * timer queue makes it wait a tick per retry, and a timer that comes due
 * meanwhile still runs. Its callback must find no station and leave the
 * state alone. */
static void timer_due_during_teardown(const char *name, tick_t due)
{
    cr_assert_eq(netmgr_reconnect_wifi(), 0);
    k_timer_advance(due - 1);
    unsigned before = g_fired.n;
    uint32_t posts = k_fault_calls(K_FAULT_TIMER_QUEUE);
    for (uint32_t i = 1; i <= 3; i++) /* the first stop command waits 3 ticks */
        cr_assert_eq(k_fault_fail_at(K_FAULT_TIMER_QUEUE, posts + i), 0);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    assert_state(WIFI_SUSPENDED);
    cr_assert_eq(k_fault_injected(K_FAULT_TIMER_QUEUE), 3);
    cr_assert_eq(fired_at(name, before), due, "%s came due during the teardown", name);
    for (unsigned i = before; i < g_fired.n && i < MAX_FIRES; i++) {
        cr_assert_eq(g_fired.f[i].state, WIFI_SUSPENDED, "%s ran with the station detached", g_fired.f[i].name);
        cr_assert_leq(g_fired.f[i].tick, due + 2, "%s fired at %lu, after the teardown", g_fired.f[i].name,
                      (unsigned long)g_fired.f[i].tick);
    }
    assert_back_to_baseline();
    assert_state(WIFI_SUSPENDED);
}

Test(wifi_sim, a_scan_that_completes_during_suspend_finds_no_station) { timer_due_during_teardown("wifi_scan", SCAN_DUE); }
Test(wifi_sim, an_auth_that_completes_during_suspend_finds_no_station) { timer_due_during_teardown("wifi_auth", AUTH_DUE); }
Test(wifi_sim, an_assoc_that_completes_during_suspend_finds_no_station) { timer_due_during_teardown("wifi_assoc", ASSOC_DUE); }
Test(wifi_sim, a_dhcp_retry_during_suspend_finds_no_station) { timer_due_during_teardown("wifi_dhcp", DHCP_DUE); }
Test(wifi_sim, a_beacon_check_during_suspend_finds_no_station) { timer_due_during_teardown("wifi_beacon", BEACON_DUE); }

Test(wifi_sim, init_without_memory_for_the_firmware_image_fails_with_nomem)
{
    /* boot() ran init once; a second init on a fresh kernel, with its
     * first heap allocation failing. */
    k_fault_reset();
    k_mm_init();
    k_timer_init(0);
    size_t used = unit_heap_stats(g_kmm_head).used;
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 1), 0);
    capture_reset();
    cr_assert_eq(hal_wifi_init(), WIFI_ERR_NOMEM);
    cr_assert_eq(capture_count("FAULT, injected heap alloc failure #1, need size:1024\n"), 1, "%s", capture_text());
    cr_assert_eq(unit_heap_stats(g_kmm_head).used, used, "nothing allocated");
    assert_state(WIFI_IDLE);
    cr_assert_eq(hal_wifi_init(), 0, "with memory it succeeds");
}
