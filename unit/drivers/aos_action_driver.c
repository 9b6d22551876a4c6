/* A bring-your-own driver on the AliOS yloop API: connect posts a link
 * check every LINK_CHECK_MS as a delayed action, suspend cancels it.
 * Built twice: with DRIVER_BUG=1 the cancel passes the period in seconds,
 * so it matches no pending action and the record (30 s away) outlives the
 * settle time; with DRIVER_BUG=0 it cancels with ms = -1 (any). */
#include <stdbool.h>
#include <stddef.h>

#include "aos/yloop.h"
#include "wifi_driver.h"

#define LINK_CHECK_MS 30000

static bool g_connected;
static unsigned g_checks;

static void link_check(void *arg)
{
    g_checks++;
    if (g_connected)
        aos_post_delayed_action(LINK_CHECK_MS, link_check, NULL);
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    if (aos_post_delayed_action(LINK_CHECK_MS, link_check, NULL) != 0)
        return WIFI_ERR_NOMEM;
    g_connected = true;
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    if (!g_connected)
        return 0;
    g_connected = false;
#if DRIVER_BUG
    aos_cancel_delayed_action(LINK_CHECK_MS / 1000, link_check, NULL); /* BUG: seconds, not ms */
#else
    aos_cancel_delayed_action(-1, link_check, NULL);
#endif
    return 0;
}
