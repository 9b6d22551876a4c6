/* Double free on disconnect: suspend releases the association buffer and
 * then tears the link down, which releases it again. FIXED forgets the
 * pointer after the first free. */
#include "aos/kernel.h"
#include "wifi_driver.h"

static void *g_assoc;

static void link_teardown(void)
{
    aos_free(g_assoc);
    g_assoc = NULL;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_assoc = aos_malloc(200);
    return g_assoc ? 0 : WIFI_ERR_NOMEM;
}

int hal_wifi_suspend_station(void *m)
{
    if (!g_assoc)
        return 0;
    aos_free(g_assoc);
#ifdef FIXED
    g_assoc = NULL;
#endif
    link_teardown();
    return 0;
}
