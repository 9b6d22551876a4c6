/* The "p = realloc(p, n); if (!p) return" bug: connect grows its IE
 * buffer from 48 to 600 bytes in place; when that realloc fails the
 * buffer's only pointer is overwritten with NULL and the 48-byte block
 * leaks. FIXED keeps the old pointer until the realloc succeeds and frees
 * the buffer when it fails. */
#include <stddef.h>
#include <string.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

enum { IE_FIRST = 48, IE_FULL = 600 };

static unsigned char *g_ie;

static int ie_grow(void)
{
#ifdef FIXED
    unsigned char *grown = aos_realloc(g_ie, IE_FULL);
    if (!grown) {
        aos_free(g_ie); /* a failed connect leaves nothing behind */
        g_ie = NULL;
        return WIFI_ERR_NOMEM;
    }
    g_ie = grown;
#else
    g_ie = aos_realloc(g_ie, IE_FULL);
    if (!g_ie)
        return WIFI_ERR_NOMEM;
#endif
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_ie = aos_malloc(IE_FIRST);
    if (!g_ie)
        return WIFI_ERR_NOMEM;
    memset(g_ie, 0xDD, IE_FIRST);
    return ie_grow();
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_ie);
    g_ie = NULL;
    return 0;
}
