/* A minimal driver written against driver/include/wifi_driver.h, as a
 * user's own would be: connect takes a heap buffer and a periodic
 * keep-alive timer, suspend gives both back. It is the default
 * RTOSFUZZ_DRIVER, so the bring-your-own path is always built and tested. */
#include <stddef.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

static void *g_rx_ring;
static ktimer_t *g_keepalive;

static void keepalive(void *timer, void *arg) {}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_rx_ring = aos_malloc(256);
    if (!g_rx_ring)
        return WIFI_ERR_NOMEM;
    kstat_t st = krhino_timer_dyn_create(&g_keepalive, "keepalive", keepalive, 50, 50, NULL, 1);
    if (st != RHINO_SUCCESS) {
        aos_free(g_rx_ring);
        g_rx_ring = NULL;
        g_keepalive = NULL;
        return st == RHINO_NO_MEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY;
    }
    return 0;
}

/* A full timer queue drains once the timer task runs: let a tick pass and
 * post again, or the timer would never be deleted. */
static void post_until_queued(kstat_t (*post)(ktimer_t *), ktimer_t *t)
{
    for (int tries = 0; tries < 50 && post(t) == RHINO_TIMER_MSG_FULL; tries++)
        aos_msleep(10);
}

int hal_wifi_suspend_station(void *m)
{
    if (g_keepalive) {
        post_until_queued(krhino_timer_stop, g_keepalive);
        post_until_queued(krhino_timer_dyn_del, g_keepalive);
        g_keepalive = NULL;
    }
    aos_free(g_rx_ring);
    g_rx_ring = NULL;
    return 0;
}
