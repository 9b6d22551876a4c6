/* Double free via two paths. Connect sends an auth request and keeps the
 * frame until the peer answers; a one-shot 2 s auth-timeout timer frees the
 * frame when no answer came. Suspend frees the pending frame as well. The
 * callback forgets to clear g_auth_frame, so a suspend after the timeout
 * frees it a second time.
 * Modelled on: openvehicles/Open-Vehicle-Monitoring-System-3#666 (a delayed
 * event message freed by the one-shot timer callback and again elsewhere:
 * "CORRUPT HEAP" after hours). FIXED clears the pointer in the callback. */
#include <stddef.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "post_retry.h"
#include "wifi_driver.h"

#define AUTH_FRAME_LEN 96

static unsigned char *g_auth_frame;
static ktimer_t *g_auth_timer;

static void auth_timeout(void *timer, void *arg)
{
    aos_free(g_auth_frame);
#ifdef FIXED
    g_auth_frame = NULL;
#endif
}

static int auth_send(void)
{
    g_auth_frame = aos_malloc(AUTH_FRAME_LEN);
    if (!g_auth_frame)
        return WIFI_ERR_NOMEM;
    memset(g_auth_frame, 0xA5, AUTH_FRAME_LEN);
    kstat_t st = krhino_timer_dyn_create(&g_auth_timer, "auth_to", auth_timeout, 200, 0, NULL, 1);
    if (st != RHINO_SUCCESS) {
        aos_free(g_auth_frame);
        g_auth_frame = NULL;
        g_auth_timer = NULL;
        return st == RHINO_NO_MEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY;
    }
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    return auth_send();
}

int hal_wifi_suspend_station(void *m)
{
    if (g_auth_timer) {
        post_until_queued(krhino_timer_stop, g_auth_timer);
        post_until_queued(krhino_timer_dyn_del, g_auth_timer);
        g_auth_timer = NULL;
    }
    if (g_auth_frame) {
        aos_free(g_auth_frame); /* BUG: second free when the timeout already ran */
        g_auth_frame = NULL;
    }
    return 0;
}
