/* A deadlock in the timer task: the periodic watchdog waits forever on the
 * rx lock, which connect took and kept: its success path returns without
 * releasing it (only the error path does). SEM: the watchdog instead waits
 * forever on a "ring ready" semaphore that connect's error path never
 * signals. FIXED releases the lock (signals the semaphore) on every path.
 * The reports name the waiting callback, the object's creator and, for the
 * lock, where connect took it. */
#include <stddef.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

static aos_mutex_t g_rx_lock;
static aos_sem_t g_ring_ready;
static aos_timer_t g_watchdog;
static void *g_ring;
static unsigned g_polls;

static void watchdog_poll(void *timer, void *arg)
{
    (void)timer;
    (void)arg;
#ifdef SEM
    if (aos_sem_wait(&g_ring_ready, AOS_WAIT_FOREVER) != 0)
        return;
    g_polls += g_ring != NULL;
    aos_sem_signal(&g_ring_ready);
#else
    if (aos_mutex_lock(&g_rx_lock, AOS_WAIT_FOREVER) != 0)
        return;
    g_polls += g_ring != NULL;
    aos_mutex_unlock(&g_rx_lock);
#endif
}

int hal_wifi_init(void)
{
    if (aos_mutex_new(&g_rx_lock) != 0 || aos_sem_new(&g_ring_ready, 1) != 0)
        return WIFI_ERR_NOMEM;
    return aos_timer_new(&g_watchdog, watchdog_poll, NULL, 50, true) == 0 ? 0 : WIFI_ERR_NOMEM;
}

static int open_ring(void)
{
#ifdef SEM
    aos_sem_wait(&g_ring_ready, AOS_WAIT_FOREVER);
    g_ring = aos_malloc(512);
    if (g_ring == NULL) {
#ifdef FIXED
        aos_sem_signal(&g_ring_ready);
#endif
        return WIFI_ERR_NOMEM;
    }
    aos_sem_signal(&g_ring_ready);
#else
    aos_mutex_lock(&g_rx_lock, AOS_WAIT_FOREVER);
    g_ring = aos_malloc(512);
    if (g_ring == NULL) {
        aos_mutex_unlock(&g_rx_lock);
        return WIFI_ERR_NOMEM;
    }
#ifdef FIXED
    aos_mutex_unlock(&g_rx_lock);
#endif
#endif
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    return open_ring();
}

int hal_wifi_suspend_station(void *m)
{
    (void)m;
    aos_mutex_lock(&g_rx_lock, AOS_WAIT_FOREVER);
    aos_free(g_ring);
    g_ring = NULL;
    aos_mutex_unlock(&g_rx_lock);
    return 0;
}
