/* Negative control for the coverage report (coverage/run.sh): a tiny
 * driver implementing driver/include/wifi_driver.h that keeps the contract,
 * with one defensive branch no input can take. Its contract tests run in a
 * coverage build; the "uncovered driver code" list must then name the line
 * marked UNREACHABLE and the branch marked NEVER-TAKEN, and must not name
 * the line marked REACHED, an error path only the heap fault sweep gets to.
 * Cross-compiled into a Cortex-M blob (emu/), its uncovered list must name
 * the function marked NEVER-CALLED and no other, and the
 * UNREACHABLE line but not the REACHED one.
 * The markers are looked up by text: keep each on one line, once. */
#include <stddef.h>
#include <stdint.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

static uint8_t *g_frame;
static ktimer_t *g_poll;

static void poll_link(void *timer, void *arg) {}

/* Only the impossible branch below calls it: as a binary driver, the one
 * function no input reaches (noinline: it stays a function at -Os). */
__attribute__((noinline)) static void drop_frame(void) /* coverage-negctl: NEVER-CALLED */
{
    aos_free(g_frame);
    g_frame = NULL;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_frame = aos_malloc(96);
    if (!g_frame)
        return WIFI_ERR_NOMEM; /* coverage-negctl: REACHED */
    if ((uintptr_t)g_frame % 8 != 0) { /* coverage-negctl: NEVER-TAKEN (payloads are 8-byte aligned) */
        drop_frame(); /* coverage-negctl: UNREACHABLE */
        return WIFI_ERR_NOMEM;
    }
    kstat_t st = krhino_timer_dyn_create(&g_poll, "poll", poll_link, 20, 20, NULL, 1);
    if (st != RHINO_SUCCESS) {
        aos_free(g_frame);
        g_frame = NULL;
        g_poll = NULL;
        return st == RHINO_NO_MEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    if (g_poll) {
        krhino_timer_stop(g_poll);
        krhino_timer_dyn_del(g_poll);
        g_poll = NULL;
    }
    aos_free(g_frame);
    g_frame = NULL;
    return 0;
}
