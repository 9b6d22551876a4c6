/* A driver for `./rtosfuzz bench fuzz`'s after-a-finding rows: connect
 * takes a session record and a receive buffer; suspend frees both and,
 * with WRITE_AFTER_FREE=1, then marks the session closed through the stale
 * pointer — a use-after-free on every suspend that follows a connect. Built
 * with 0 it is the same driver without the bug: the speed before any
 * finding. */
#include <stdint.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

typedef struct {
    uintptr_t state; /* the first word: where a freed block keeps its free-list link */
    uint8_t key[56];
} session_t;

static session_t *g_session;
static void *g_rx;

static session_t *release_link(void)
{
    session_t *s = g_session;
    aos_free(g_rx);
    aos_free(s);
    g_session = NULL;
    g_rx = NULL;
    return s;
}

int netmgr_reconnect_wifi(void)
{
    release_link();
    g_session = aos_malloc(sizeof *g_session);
    g_rx = aos_malloc(sizeof *g_session);
    if (!g_session || !g_rx) {
        release_link();
        return WIFI_ERR_NOMEM;
    }
    g_session->state = 1;
    return 0;
}

int hal_wifi_suspend_station(void *m)
{
    session_t *s = release_link();
    if (WRITE_AFTER_FREE && s)
        s->state = 3; /* closed */
    return 0;
}
