/* A bring-your-own driver on the AliOS aos API: connect takes an rx ring
 * and a mutex guarding it, suspend gives them back. Built twice: with
 * DRIVER_BUG=1 suspend forgets aos_mutex_free (one mutex record leaks per
 * connect, as a vendor driver did), with DRIVER_BUG=0 it is the clean
 * twin. */
#include <stddef.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#define RX_RING_LEN 256

static aos_mutex_t g_lock;
static void *g_rx_ring;

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_rx_ring = aos_malloc(RX_RING_LEN);
    if (!g_rx_ring)
        return WIFI_ERR_NOMEM;
    if (aos_mutex_new(&g_lock) != 0) {
        aos_free(g_rx_ring);
        g_rx_ring = NULL;
        return WIFI_ERR_NOMEM;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    if (!g_rx_ring)
        return 0;
    aos_mutex_lock(&g_lock, AOS_WAIT_FOREVER);
    aos_free(g_rx_ring);
    g_rx_ring = NULL;
    aos_mutex_unlock(&g_lock);
#if DRIVER_BUG
    g_lock = NULL; /* BUG: the mutex record is never freed */
#else
    aos_mutex_free(&g_lock);
#endif
    return 0;
}
