/* A static timer record inside a heap block, freed while its delete is
 * still queued: suspend stops and deletes the scan timer, then frees the
 * context that holds it at once. FIXED posts the stop and the delete until
 * the queue takes them and lets a tick pass (the timer task applies them)
 * before freeing. */
#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

typedef struct {
    ktimer_t scan; /* driver-owned storage: krhino_timer_create */
    int channel;
} scan_ctx_t;

static scan_ctx_t *g_scan;

static void scan_next(void *timer, void *ctx) { ((scan_ctx_t *)ctx)->channel++; }

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_scan = aos_zalloc(sizeof *g_scan);
    if (!g_scan)
        return WIFI_ERR_NOMEM;
    if (krhino_timer_create(&g_scan->scan, "scan", scan_next, 20, 20, g_scan, 1) != RHINO_SUCCESS) {
        aos_free(g_scan);
        g_scan = NULL;
        return WIFI_ERR_BUSY;
    }
    return 0;
}

#ifdef FIXED
#include "post_retry.h"
#else
static void post_until_queued(kstat_t (*post)(ktimer_t *), ktimer_t *t) { post(t); }
#endif

int hal_wifi_suspend_station(void *m)
{
    if (!g_scan)
        return 0;
    post_until_queued(krhino_timer_stop, &g_scan->scan);
    post_until_queued(krhino_timer_del, &g_scan->scan);
#ifdef FIXED
    aos_msleep(10); /* one tick: the timer task applies the stop and the delete */
#endif
    aos_free(g_scan);
    g_scan = NULL;
    return 0;
}
