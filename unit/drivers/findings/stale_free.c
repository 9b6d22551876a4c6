/* A stale free: connect frees its scan result once it is parsed but keeps
 * the pointer; suspend frees it "again". By then the application may have
 * been given the same address. FIXED forgets the pointer. */
#include "aos/kernel.h"
#include "wifi_driver.h"

static void *g_scan_result;

static void *scan_result_alloc(void) { return aos_malloc(96); }

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_scan_result = scan_result_alloc();
    if (!g_scan_result)
        return WIFI_ERR_NOMEM;
    aos_free(g_scan_result); /* parsed */
#ifdef FIXED
    g_scan_result = NULL;
#endif
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_scan_result);
    g_scan_result = NULL;
    return 0;
}
