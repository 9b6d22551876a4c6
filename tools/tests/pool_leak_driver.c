/* A driver whose only leak is in the fixed-block pool, for the soak and
 * mmtrend: each connect takes a heap rx buffer and a 24-byte scan record
 * (small enough for the pool: one 32-byte pool block); suspend gives the
 * buffer back and, unless POOL_LEAK, the record too. The pool is carved out
 * of the heap at init, so the leak never moves the heap's figures: only the
 * [POOL] row of each overview shows it. Built twice (tools/CMakeLists.txt):
 * soak_pool_leak and its fixed twin soak_pool_fixed. */
#include <stddef.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#define RX_BYTES 512
#define SCAN_RECORD_BYTES 24

static void *g_rx;
static void *g_scan_record;

int hal_wifi_suspend_station(void *m)
{
    (void)m;
    aos_free(g_rx);
    g_rx = NULL;
#if !POOL_LEAK
    aos_free(g_scan_record);
#endif
    g_scan_record = NULL;
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_rx = aos_malloc(RX_BYTES);
    g_scan_record = g_rx ? aos_malloc(SCAN_RECORD_BYTES) : NULL;
    if (!g_scan_record) {
        aos_free(g_rx);
        g_rx = NULL;
        return WIFI_ERR_NOMEM;
    }
    return 0;
}
