/* A leaked static timer: connect creates a periodic link monitor in
 * driver-owned storage; suspend never stops or deletes it. FIXED does (and
 * posts again what a full queue refused). */
#include <stdbool.h>

#include "k_timer.h"
#include "post_retry.h"
#include "wifi_driver.h"

static ktimer_t g_link_monitor;
static bool g_monitoring;

static void link_check(void *timer, void *arg) {}

static void link_monitor_start(void)
{
    if (krhino_timer_create(&g_link_monitor, "link", link_check, 50, 50, NULL, 1) == RHINO_SUCCESS)
        g_monitoring = true;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    link_monitor_start();
    return g_monitoring ? 0 : WIFI_ERR_BUSY;
}

int hal_wifi_suspend_station(void *m)
{
#ifdef FIXED
    if (g_monitoring) {
        post_until_queued(krhino_timer_stop, &g_link_monitor);
        post_until_queued(krhino_timer_del, &g_link_monitor);
    }
#endif
    g_monitoring = false;
    return 0;
}
