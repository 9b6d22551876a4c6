/* krhino_timer_change on a deleted dynamic timer. A connected station runs
 * a periodic listen-interval timer. Suspend stops and deletes it but keeps
 * the pointer; the next connect "restores the previous link's interval" by
 * calling krhino_timer_change on that stale pointer (reading the freed timer)
 * before it creates the new timer.
 * Modelled on: flipperdevices/flipperzero-firmware#3431 ("timer handle
 * use-after-free post deletion": the handle is used after xTimerDelete
 * freed it) and FreeRTOS/FreeRTOS-Kernel#396. FIXED forgets the pointer
 * once the delete is posted. */
#include <stddef.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "post_retry.h"
#include "wifi_driver.h"

static ktimer_t *g_listen;
static unsigned g_listen_ticks = 30;
static kstat_t g_last_change;

static void listen_tick(void *timer, void *arg) {}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    if (g_listen)
        g_last_change = krhino_timer_change(g_listen, g_listen_ticks, g_listen_ticks); /* stale */
    kstat_t st = krhino_timer_dyn_create(&g_listen, "listen", listen_tick, g_listen_ticks, g_listen_ticks, NULL, 1);
    if (st != RHINO_SUCCESS) {
        g_listen = NULL;
        return st == RHINO_NO_MEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    if (g_listen) {
        post_until_queued(krhino_timer_stop, g_listen);
        post_until_queued(krhino_timer_dyn_del, g_listen);
#ifdef FIXED
        g_listen = NULL;
#endif
    }
    return 0;
}
