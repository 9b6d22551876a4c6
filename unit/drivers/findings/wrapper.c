/* Allocation through the driver's own wrapper: connect takes a packet
 * buffer through pbuf_alloc_wrap, and suspend forgets to release it. The
 * wrapper is marked K_ALLOC_WRAPPER, so the leak is the caller's
 * (rx_pbuf_take). UNMARKED leaves the mark off (the owner is then the
 * wrapper); FIXED releases the buffer. */
#include "aos/kernel.h"
#include "k_trace.h"
#include "wifi_driver.h"

#ifdef UNMARKED
#define PBUF_WRAPPER __attribute__((noinline))
#else
#define PBUF_WRAPPER K_ALLOC_WRAPPER
#endif

static void *g_pbuf;

PBUF_WRAPPER void *pbuf_alloc_wrap(size_t len)
{
    void *p = aos_malloc(len + 16); /* room for the link header */
    return p;
}

PBUF_WRAPPER void pbuf_free_wrap(void *p) { aos_free(p); }

static void *rx_pbuf_take(void) { return pbuf_alloc_wrap(300); }

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_pbuf = rx_pbuf_take();
    return g_pbuf ? 0 : WIFI_ERR_NOMEM;
}

int hal_wifi_suspend_station(void *m)
{
#ifdef FIXED
    pbuf_free_wrap(g_pbuf);
#endif
    g_pbuf = NULL;
    return 0;
}
