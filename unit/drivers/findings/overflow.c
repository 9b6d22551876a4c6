/* One byte past a 512-byte buffer: connect copies a frame of 513 bytes
 * into it. FIXED copies at most the buffer's 512. */
#include <string.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#define FRAME_BUF 512

static unsigned char *g_frame;

static unsigned char *frame_buf_alloc(void) { return aos_malloc(FRAME_BUF); }

static void copy_frame(unsigned char *dst, size_t len)
{
#ifdef FIXED
    if (len > FRAME_BUF)
        len = FRAME_BUF;
#endif
    memset(dst, 0xA5, len);
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_frame = frame_buf_alloc();
    if (!g_frame)
        return WIFI_ERR_NOMEM;
    copy_frame(g_frame, FRAME_BUF + 1);
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_frame);
    g_frame = NULL;
    return 0;
}
