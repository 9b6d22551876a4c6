/* A semaphore created on every connect and never deleted. Connect starts a
 * scan and waits (up to 1 s) on a "scan done" semaphore that a yloop delayed
 * action signals 100 ms later. The semaphore is created per connect (the
 * scan context is per connection) but only init-time objects are torn down
 * in suspend, so each connect/suspend cycle leaves one sem record behind.
 * Modelled on: LiteOS/LiteOS#300 ("deinit destroying the semaphore while
 * overwritten by init then semaphore leak") and unfoldedcircle/ucd3-firmware#56
 * (semaphore leak on connection paths). FIXED frees it in suspend and on
 * the error path.
 *
 * Here for the soak (tools/CMakeLists.txt builds the FIXED twin): its
 * FreeSz never moves, but its free block count goes between 1 and 2 as
 * the kernel's quarantine lets freed blocks go, so the first cycle and the
 * last can differ in layout. The soak must not call that a leak. */
#include <stdbool.h>
#include <stddef.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "wifi_driver.h"

static aos_sem_t g_scan_done;
static bool g_connected;

static void scan_complete(void *arg)
{
    aos_sem_signal(&g_scan_done);
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    if (aos_sem_new(&g_scan_done, 0) != 0)
        return WIFI_ERR_NOMEM;
    if (aos_post_delayed_action(100, scan_complete, NULL) != 0) {
#ifdef FIXED
        aos_sem_free(&g_scan_done);
#endif
        return WIFI_ERR_NOMEM;
    }
    if (aos_sem_wait(&g_scan_done, 1000) != 0) {
        aos_cancel_delayed_action(-1, scan_complete, NULL);
#ifdef FIXED
        aos_sem_free(&g_scan_done);
#endif
        return WIFI_ERR_BUSY;
    }
    g_connected = true;
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    if (!g_connected)
        return 0;
    g_connected = false;
#ifdef FIXED
    aos_sem_free(&g_scan_done);
#endif
    return 0;
}
