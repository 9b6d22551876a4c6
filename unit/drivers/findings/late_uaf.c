/* Late callback writes after free. Connect takes a 512-byte receive buffer
 * and arms a one-shot beacon timer (3 s) whose callback stamps the buffer.
 * The buggy suspend frees the buffer and leaves the beacon armed: 3 s
 * later the callback writes into freed memory. FIXED stops and deletes the
 * beacon before the buffer goes. */
#include <string.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

#define RX_LEN 512

static unsigned char *g_rx;
static ktimer_t *g_beacon;

static void beacon_seen(void *timer, void *rx)
{
    memset(rx, 0x5A, 16); /* the late write */
    krhino_timer_dyn_del(timer);
    g_beacon = NULL;
}

static unsigned char *rx_ring_alloc(void) { return aos_malloc(RX_LEN); }

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_rx = rx_ring_alloc();
    if (!g_rx)
        return WIFI_ERR_NOMEM;
    if (krhino_timer_dyn_create(&g_beacon, "beacon", beacon_seen, 300, 0, g_rx, 1) != RHINO_SUCCESS) {
        aos_free(g_rx);
        g_rx = NULL;
        g_beacon = NULL;
        return WIFI_ERR_BUSY;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
#ifdef FIXED
    if (g_beacon) {
        krhino_timer_stop(g_beacon);
        krhino_timer_dyn_del(g_beacon);
        g_beacon = NULL;
    }
#endif
    aos_free(g_rx);
    g_rx = NULL;
    return 0;
}
