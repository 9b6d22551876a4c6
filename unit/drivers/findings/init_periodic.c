/* hal_wifi_init starts a periodic watchdog that runs for the driver's whole
 * life: part of the baseline, never a leak. Connect and suspend balance a
 * buffer. The buggy variant's connect also starts a periodic RSSI poll that
 * suspend leaves running. FIXED has only the watchdog. */
#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

static ktimer_t *g_watchdog;
static void *g_ies;
#ifndef FIXED
static ktimer_t *g_rssi_poll;
#endif

static void watchdog_kick(void *timer, void *arg) {}

int hal_wifi_init(void)
{
    return krhino_timer_dyn_create(&g_watchdog, "wdog", watchdog_kick, 100, 100, NULL, 1) == RHINO_SUCCESS
               ? 0
               : WIFI_ERR_BUSY;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_ies = aos_malloc(64);
    if (!g_ies)
        return WIFI_ERR_NOMEM;
#ifndef FIXED
    krhino_timer_dyn_create(&g_rssi_poll, "rssi", watchdog_kick, 50, 50, NULL, 1);
#endif
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_ies);
    g_ies = NULL;
    return 0;
}
