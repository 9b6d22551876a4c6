/* A lock left held on an error path: connect takes the configuration lock
 * and, when its scan buffer cannot be allocated, returns without releasing
 * it. Nobody waits on the lock afterwards (suspend runs in the same context
 * and nests), so only the quiescence check can see it. FIXED releases the
 * lock before returning. */
#include <stddef.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

static aos_mutex_t g_cfg_lock;
static void *g_scan;

int hal_wifi_init(void)
{
    return aos_mutex_new(&g_cfg_lock) == 0 ? 0 : WIFI_ERR_NOMEM;
}

static int start_scan(void)
{
    aos_mutex_lock(&g_cfg_lock, AOS_WAIT_FOREVER);
    g_scan = aos_malloc(320);
    if (g_scan == NULL) {
#ifdef FIXED
        aos_mutex_unlock(&g_cfg_lock);
#endif
        return WIFI_ERR_NOMEM;
    }
    aos_mutex_unlock(&g_cfg_lock);
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    return start_scan();
}

int hal_wifi_suspend_station(void *m)
{
    (void)m;
    aos_mutex_lock(&g_cfg_lock, AOS_WAIT_FOREVER);
    aos_free(g_scan);
    g_scan = NULL;
    aos_mutex_unlock(&g_cfg_lock);
    return 0;
}
