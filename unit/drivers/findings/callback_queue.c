/* Relying on the empty queue a callback sees (kernel/timer/README.md): the
 * one-shot retry timer deletes itself from its own callback without
 * looking at the result, which is correct. The buggy variant deletes it
 * from suspend instead, also unchecked: there the queue can be full (an
 * injected timerq fault), and the timer leaks. FIXED is the callback one. */
#include "k_timer.h"
#include "wifi_driver.h"

static ktimer_t *g_retry;

static void retry_due(void *timer, void *arg)
{
#ifdef FIXED
    krhino_timer_dyn_del(timer); /* the queue is empty here */
#endif
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    return krhino_timer_dyn_create(&g_retry, "retry", retry_due, 10, 0, NULL, 1) == RHINO_SUCCESS ? 0
                                                                                                 : WIFI_ERR_BUSY;
}

int hal_wifi_suspend_station(void *m)
{
#ifndef FIXED
    if (g_retry)
        krhino_timer_dyn_del(g_retry); /* a full queue here leaks the timer */
#endif
    g_retry = NULL;
    return 0;
}
