/* One leak of two objects with different owners: connect creates a rekey
 * timer and allocates an IE buffer; suspend forgets both. However the heap
 * is laid out, the leak must have one signature (the owner that sorts
 * first: ie_buf_alloc). FIXED deletes the timer and frees the buffer. */
#include <stddef.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "post_retry.h"
#include "wifi_driver.h"

static ktimer_t *g_rekey;
static unsigned char *g_ie;

static void rekey(void *timer, void *arg) {}

static ktimer_t *rekey_timer_create(void)
{
    ktimer_t *t = NULL;
    return krhino_timer_dyn_create(&t, "rekey", rekey, 100, 100, NULL, 0) == RHINO_SUCCESS ? t : NULL;
}

static unsigned char *ie_buf_alloc(void)
{
    unsigned char *p = aos_malloc(48);
    if (p)
        memset(p, 0xDD, 48);
    return p;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_rekey = rekey_timer_create();
    g_ie = ie_buf_alloc();
    return g_rekey && g_ie ? 0 : WIFI_ERR_NOMEM;
}

int hal_wifi_suspend_station(void *m)
{
#ifdef FIXED
    if (g_rekey)
        post_until_queued(krhino_timer_dyn_del, g_rekey);
    aos_free(g_ie);
#endif
    g_rekey = NULL;
    g_ie = NULL;
    return 0;
}
