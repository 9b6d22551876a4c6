/* A bring-your-own driver that gives its association ASSOC_TIMEOUT_MS: an
 * aos timer polls every POLL_MS and, once the deadline has passed, frees
 * the association buffer and deletes itself. Suspend leaves that cleanup
 * to the timer (within the settle time, which the contract allows).
 *
 * The start time is kept as a uint32_t of aos_now_ms(). With DRIVER_BUG=1
 * the elapsed time is computed in signed 64-bit arithmetic from the two
 * 32-bit values: once the millisecond counter passes 2^32 the difference
 * goes negative, the deadline is never met, and the timer and buffer stay
 * forever. With DRIVER_BUG=0 (the clean twin) the difference is taken in
 * uint32_t and is right across the wrap. */
#include <stddef.h>
#include <stdint.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#define ASSOC_TIMEOUT_MS 2000
#define POLL_MS 100
#define ASSOC_BUF_LEN 128

static aos_timer_t g_poll;
static void *g_assoc_buf;
static uint32_t g_assoc_start_ms;

static int deadline_passed(void)
{
#if DRIVER_BUG
    long long elapsed = (long long)(uint32_t)aos_now_ms() - (long long)g_assoc_start_ms; /* BUG */
#else
    uint32_t elapsed = (uint32_t)aos_now_ms() - g_assoc_start_ms;
#endif
    return elapsed >= ASSOC_TIMEOUT_MS;
}

static void poll_assoc(void *timer, void *arg)
{
    if (!deadline_passed())
        return;
    aos_free(g_assoc_buf);
    g_assoc_buf = NULL;
    aos_timer_stop(&g_poll);
    aos_timer_free(&g_poll);
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    if (g_assoc_buf) /* the last association is still timing out */
        return 0;
    g_assoc_buf = aos_malloc(ASSOC_BUF_LEN);
    if (!g_assoc_buf)
        return WIFI_ERR_NOMEM;
    g_assoc_start_ms = (uint32_t)aos_now_ms();
    int err = aos_timer_create(&g_poll, poll_assoc, NULL, POLL_MS, AOS_TIMER_REPEAT | AOS_TIMER_AUTORUN);
    if (err) {
        aos_free(g_assoc_buf);
        g_assoc_buf = NULL;
        return err == -ENOMEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY;
    }
    return 0;
}

int hal_wifi_suspend_station(void *m) { return 0; }
