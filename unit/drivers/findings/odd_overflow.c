/* One byte past a 509-byte buffer, into the 3 bytes the heap rounds it up
 * by: connect copies a 509-byte SSID list and its terminating NUL into a
 * buffer sized for the list alone. No header is touched; the block's slack
 * canary is what shows the write. FIXED sizes the buffer for the NUL. */
#include <string.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#define SSID_LIST_LEN 509

static char *g_ssids;

static size_t ssid_buf_len(void)
{
#ifdef FIXED
    return SSID_LIST_LEN + 1;
#else
    return SSID_LIST_LEN;
#endif
}

static char *ssid_buf_alloc(void) { return aos_malloc(ssid_buf_len()); }

static void copy_ssids(char *dst, const char *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = '\0';
}

int netmgr_reconnect_wifi(void)
{
    static char scanned[SSID_LIST_LEN];
    hal_wifi_suspend_station(NULL);
    g_ssids = ssid_buf_alloc();
    if (!g_ssids)
        return WIFI_ERR_NOMEM;
    memset(scanned, 'a', sizeof scanned);
    copy_ssids(g_ssids, scanned, sizeof scanned);
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_ssids);
    g_ssids = NULL;
    return 0;
}
