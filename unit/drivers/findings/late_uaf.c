/* Late callback writes after free. Connect takes a 512-byte receive buffer
 * and arms a one-shot beacon timer (3 s) that stamps the buffer and deletes
 * itself. The buggy callback writes through the pointer it was armed with:
 * once suspend has freed the buffer, that write lands in freed memory.
 * FIXED writes only into the buffer of the current link, if there is one. */
#include <string.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

#define RX_LEN 512

static unsigned char *g_rx;

static void beacon_seen(void *timer, void *rx)
{
#ifdef FIXED
    rx = g_rx;
#endif
    if (rx)
        memset(rx, 0x5A, 16); /* the late write */
    krhino_timer_dyn_del(timer); /* a callback meets an empty queue */
}

static unsigned char *rx_ring_alloc(void) { return aos_malloc(RX_LEN); }

int netmgr_reconnect_wifi(void)
{
    ktimer_t *beacon;
    hal_wifi_suspend_station(NULL);
    g_rx = rx_ring_alloc();
    if (!g_rx)
        return WIFI_ERR_NOMEM;
    if (krhino_timer_dyn_create(&beacon, "beacon", beacon_seen, 300, 0, g_rx, 1) != RHINO_SUCCESS) {
        aos_free(g_rx);
        g_rx = NULL;
        return WIFI_ERR_BUSY;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_rx);
    g_rx = NULL;
    return 0;
}
