/* A simulated vendor wifi driver. WIFI_SIM_BUGS selects the vendor's bugs
 * (the blocks marked "VENDOR BUG"): 3 = both, the `vendor` driver; 0 = none,
 * the `fixed` driver; 1 or 2 = one of them, for time-to-detect benchmarks.
 * Everything else is shared.
 *
 * Connect allocates a station (heap), a scan buffer (heap), rx/tx
 * descriptors (pool-sized) and five dynamic timers, as vendor code does
 * with both APIs: four rhino timers (krhino_timer_dyn_create) and the DHCP
 * retry timer through the AliOS aos API (aos_timer_create); the deferred
 * cleanup timer is an aos timer too. The timers then drive
 * scan -> auth -> assoc -> connected, DHCP retries and beacon-loss
 * detection as ticks pass. Suspend stops and deletes the timers and frees
 * the buffers; the scan buffer is released by a deferred cleanup timer,
 * as real drivers do, which the contract allows within the settle time. */
#include <stddef.h>
#include <stdint.h>

#include "aos/kernel.h"
#include "wifi_sim.h"

#define WIFI_BUG_SUSPEND_LEAK 1    /* suspend forgets the beacon-loss monitor */
#define WIFI_BUG_ERROR_PATH_LEAK 2 /* a failed DHCP timer create forgets the rx descriptor */
#ifndef WIFI_SIM_BUGS
#error "build with -DWIFI_SIM_BUGS=0 (fixed), 3 (vendor), or 1 / 2 (one bug)"
#endif

#define SCAN_BUF_LEN 512
#define RX_DESC_LEN 24 /* both descriptors fit a 32-byte pool block */
#define TX_DESC_LEN 16
#define FW_IMAGE_LEN 1024

#define MS_PER_TICK (1000u / RHINO_CONFIG_TICKS_PER_SECOND)

typedef struct {
    ktimer_t *scan, *auth, *assoc, *beacon;
    aos_timer_t dhcp; /* an aos timer: the handle is a ktimer_t * */
    uint8_t *scan_buf;
    uint8_t *rx_desc;
    uint8_t *tx_desc;
    int dhcp_tries;
    uint32_t beacons_missed;
} station_t;

static struct {
    wifi_state_t state;
    bool ap_up;
    station_t *sta;
    uint8_t *fw; /* allocated by init: the driver's baseline */
} g_wifi;

wifi_state_t wifi_sim_state(void) { return g_wifi.state; }

void wifi_sim_ap_power(bool on) { g_wifi.ap_up = on; }

const char *wifi_sim_state_name(wifi_state_t s)
{
    static const char *const names[] = {"idle", "connecting", "connected", "suspended"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- timer commands ------------------------------------------------------ */
#define TIMER_POST_TRIES 50 /* half a second of retrying */

/* A full timer queue is transient: the timer task drains it as soon as it
 * runs, so give it a tick and post again rather than leak the timer. */
static void post_until_queued(kstat_t (*post)(ktimer_t *), ktimer_t *t)
{
    for (int i = 0; i < TIMER_POST_TRIES && post(t) == RHINO_TIMER_MSG_FULL; i++)
        aos_msleep(1000 / RHINO_CONFIG_TICKS_PER_SECOND);
}

/* ---- timer callbacks: the station state machine ------------------------ */
static void scan_done(void *timer, void *arg)
{
    station_t *sta = g_wifi.sta;
    if (!sta || g_wifi.state != WIFI_CONNECTING)
        return;
    if (!g_wifi.ap_up) {
        krhino_timer_start(sta->scan); /* no beacon heard: scan again */
        return;
    }
    krhino_timer_start(sta->auth);
}

static void auth_done(void *timer, void *arg)
{
    if (g_wifi.sta && g_wifi.state == WIFI_CONNECTING)
        krhino_timer_start(g_wifi.ap_up ? g_wifi.sta->assoc : g_wifi.sta->scan);
}

static void assoc_done(void *timer, void *arg)
{
    station_t *sta = g_wifi.sta;
    if (!sta || g_wifi.state != WIFI_CONNECTING)
        return;
    g_wifi.state = WIFI_CONNECTED;
    sta->dhcp_tries = 0;
    aos_timer_start(&sta->dhcp);
    krhino_timer_start(sta->beacon);
}

static void dhcp_retry(void *timer, void *arg)
{
    station_t *sta = g_wifi.sta;
    if (sta && ++sta->dhcp_tries >= WIFI_DHCP_TRIES)
        krhino_timer_stop(timer); /* lease obtained; aos passes the ktimer_t * */
}

static void beacon_check(void *timer, void *arg)
{
    station_t *sta = g_wifi.sta;
    if (!sta || g_wifi.state != WIFI_CONNECTED || g_wifi.ap_up)
        return;
    /* Beacon loss: drop the link and go back to scanning. */
    sta->beacons_missed++;
    g_wifi.state = WIFI_CONNECTING;
    aos_timer_stop(&sta->dhcp);
    krhino_timer_stop(timer);
    krhino_timer_start(sta->scan);
}

/* An aos one-shot timer's callback: it deletes its own timer through the
 * ktimer_t * aos passes it, as vendor code mixing both APIs does. */
static void release_scan_buffer(void *timer, void *buf)
{
    aos_free(buf);
    post_until_queued(krhino_timer_dyn_del, timer);
}

/* ---- station lifetime --------------------------------------------------- */
static void timer_stop_and_delete(ktimer_t *t)
{
    if (!t)
        return;
    post_until_queued(krhino_timer_stop, t);
    post_until_queued(krhino_timer_dyn_del, t);
}

/* aos_timer_free ignores a full timer queue (AliOS drops the DYN_DEL
 * result), so the handle's ktimer_t is deleted the rhino way. */
static void aos_timer_stop_and_delete(aos_timer_t *t)
{
    timer_stop_and_delete(*t);
    *t = NULL;
}

/* Frees the scan buffer after WIFI_CLEANUP_TICKS, or now if no timer can
 * be had for it. */
static void release_scan_buffer_later(uint8_t *buf)
{
    aos_timer_t t;
    if (!buf)
        return;
    if (aos_timer_new_ext(&t, release_scan_buffer, buf, WIFI_CLEANUP_TICKS * MS_PER_TICK, false, true) != 0)
        aos_free(buf);
}

static void station_free(station_t *sta)
{
    timer_stop_and_delete(sta->scan);
    timer_stop_and_delete(sta->auth);
    timer_stop_and_delete(sta->assoc);
    aos_timer_stop_and_delete(&sta->dhcp);
#if WIFI_SIM_BUGS & WIFI_BUG_SUSPEND_LEAK
    /* VENDOR BUG: the beacon-loss monitor is neither stopped nor deleted:
     * one live, periodic timer leaks on every suspend. */
#else
    timer_stop_and_delete(sta->beacon);
#endif
    aos_free(sta->tx_desc);
    aos_free(sta->rx_desc);
    release_scan_buffer_later(sta->scan_buf);
    aos_free(sta);
}

const char *wifi_sim_timer_name(const ktimer_t *t)
{
    if (t->cb == dhcp_retry)
        return "wifi_dhcp";
    return t->cb == release_scan_buffer ? "wifi_cleanup" : t->name;
}

kstat_t wifi_sim_start_beacon_monitor(ktimer_t **t)
{
    return krhino_timer_dyn_create(t, "wifi_beacon", beacon_check, WIFI_BEACON_CHECK_TICKS,
                                   WIFI_BEACON_CHECK_TICKS, &g_wifi, 0);
}

static int error_of(kstat_t st) { return st == RHINO_NO_MEM ? WIFI_ERR_NOMEM : WIFI_ERR_BUSY; }

static int station_create_timers(station_t *sta)
{
    kstat_t st;
    if ((st = krhino_timer_dyn_create(&sta->scan, "wifi_scan", scan_done, WIFI_SCAN_TICKS, 0, &g_wifi, 1)) ||
        (st = krhino_timer_dyn_create(&sta->auth, "wifi_auth", auth_done, WIFI_AUTH_TICKS, 0, &g_wifi, 0)) ||
        (st = krhino_timer_dyn_create(&sta->assoc, "wifi_assoc", assoc_done, WIFI_ASSOC_TICKS, 0, &g_wifi, 0)))
        return error_of(st);
    /* Without AOS_TIMER_AUTORUN nothing is posted: only the allocation can fail. */
    if (aos_timer_create(&sta->dhcp, dhcp_retry, &g_wifi, WIFI_DHCP_RETRY_TICKS * MS_PER_TICK, AOS_TIMER_REPEAT)) {
#if WIFI_SIM_BUGS & WIFI_BUG_ERROR_PATH_LEAK
        /* VENDOR BUG: this error path forgets the rx descriptor. */
        sta->rx_desc = NULL;
#endif
        return WIFI_ERR_NOMEM;
    }
    st = wifi_sim_start_beacon_monitor(&sta->beacon);
    return st ? error_of(st) : 0;
}

static int station_create(station_t **out)
{
    station_t *sta = aos_zalloc(sizeof *sta);
    if (!sta)
        return WIFI_ERR_NOMEM;
    int err = WIFI_ERR_NOMEM;
    if ((sta->scan_buf = aos_malloc(SCAN_BUF_LEN)) && (sta->rx_desc = aos_malloc(RX_DESC_LEN)) &&
        (sta->tx_desc = aos_malloc(TX_DESC_LEN)))
        err = station_create_timers(sta);
    if (err) {
        station_free(sta);
        return err;
    }
    *out = sta;
    return 0;
}

/* ---- the contract ------------------------------------------------------- */
int hal_wifi_init(void)
{
    g_wifi.state = WIFI_IDLE;
    g_wifi.ap_up = true;
    g_wifi.sta = NULL;
    g_wifi.fw = aos_malloc(FW_IMAGE_LEN);
    return g_wifi.fw ? 0 : WIFI_ERR_NOMEM;
}

int hal_wifi_suspend_station(void *m)
{
    station_t *sta = g_wifi.sta;
    if (!sta)
        return 0;
    /* Detach first: callbacks that run while the teardown waits for the
     * timer queue must find no station to act on. */
    g_wifi.sta = NULL;
    g_wifi.state = WIFI_SUSPENDED;
    station_free(sta);
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    int err = station_create(&g_wifi.sta);
    if (err) {
        g_wifi.sta = NULL;
        g_wifi.state = WIFI_IDLE;
        return err;
    }
    g_wifi.state = WIFI_CONNECTING;
    return 0;
}
