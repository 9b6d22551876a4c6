/* A driver whose heap layout changes, for the soak's judgement of the
 * heap's block counts (tools/CMakeLists.txt builds it three times, by
 * LAYOUT_LEAK):
 *
 * - soak_layout_settles (LEAK_NONE): a scan table allocated at init is
 *   moved once, on the third connect, to a fresh buffer of the same size
 *   (the new one is taken before the old one is given back, as a resize
 *   that copies does): the heap gains a hole there for good (it shows a
 *   few cycles later, once the kernel's quarantine,
 *   RHINO_CONFIG_MM_QUARANTINE freed blocks deep, lets the old table go).
 *   FreeSz never moves: the soak must call this settled, not a leak.
 * - soak_layout_tiny_leak (LEAK_TINY): the same, and every eighth connect
 *   forgets a 40-byte scan result (just too big for the 32-byte pool): a
 *   few bytes per cycle and one more used block every eighth cycle.
 * - soak_layout_block_leak (LEAK_BLOCK): the same forgotten results,
 *   but the driver first shrinks a scan cache it holds from init by what
 *   one takes from the heap: FreeSz and MinFreeSz stay exactly flat while
 *   the used blocks keep growing. Only the block counts' trend shows this
 *   leak.
 *
 * The results are forgotten on connects 1, 9, 17, ...: the first on the
 * boot connect, so that its momentary peak is the run's from the start.
 *
 * Every connect also takes a 512-byte rx buffer that suspend gives back. */
#include <stddef.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "wifi_driver.h"

#define LEAK_NONE 0
#define LEAK_TINY 1
#define LEAK_BLOCK 2 /* budgeted: bytes flat */

#define RX_BYTES 512
#define SCAN_TABLE_BYTES 200 /* less than the rx buffer: moving it deepens no peak */
#define SCAN_CACHE_BYTES 4096
#define MOVE_ON_CONNECT 3
#define SCAN_RESULT_BYTES 40
#define LEAK_EVERY 8

static void *g_rx;
static void *g_scan_table;
static void *g_scan_cache;
static size_t g_scan_cache_bytes = SCAN_CACHE_BYTES;
static size_t g_scan_result_cost; /* heap bytes one forgotten result takes */
static unsigned g_connects;

static size_t heap_free_bytes(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st.free;
}

/* What a scan result costs the heap: its payload and header. */
static size_t scan_result_cost(void)
{
    size_t before = heap_free_bytes();
    void *probe = aos_malloc(SCAN_RESULT_BYTES);
    size_t cost = before - heap_free_bytes();
    aos_free(probe);
    return cost;
}

int hal_wifi_init(void)
{
    g_scan_result_cost = scan_result_cost();
    g_scan_table = aos_malloc(SCAN_TABLE_BYTES);
    g_scan_cache = LAYOUT_LEAK == LEAK_BLOCK ? aos_malloc(g_scan_cache_bytes) : NULL;
    return g_scan_table && (g_scan_cache || LAYOUT_LEAK != LEAK_BLOCK) ? 0 : WIFI_ERR_NOMEM;
}

int hal_wifi_suspend_station(void *m)
{
    (void)m;
    aos_free(g_rx);
    g_rx = NULL;
    return 0;
}

/* The new table is taken while the old one is still held, so it lands
 * elsewhere and the old one leaves a hole. */
static int move_scan_table(void)
{
    void *moved = aos_malloc(SCAN_TABLE_BYTES);
    if (!moved)
        return WIFI_ERR_NOMEM;
    memcpy(moved, g_scan_table, SCAN_TABLE_BYTES);
    aos_free(g_scan_table);
    g_scan_table = moved;
    return 0;
}

/* Shrinking in place gives the cache's tail back to the heap. */
static int shrink_scan_cache_by(size_t bytes)
{
    if (g_scan_cache_bytes <= bytes)
        return WIFI_ERR_NOMEM;
    void *shrunk = aos_realloc(g_scan_cache, g_scan_cache_bytes - bytes);
    if (!shrunk)
        return WIFI_ERR_NOMEM;
    g_scan_cache = shrunk;
    g_scan_cache_bytes -= bytes;
    return 0;
}

static int forget_a_scan_result(void)
{
    if (LAYOUT_LEAK == LEAK_NONE || (g_connects - 1) % LEAK_EVERY)
        return 0;
    if (LAYOUT_LEAK == LEAK_BLOCK && shrink_scan_cache_by(g_scan_result_cost))
        return WIFI_ERR_NOMEM;
    return aos_malloc(SCAN_RESULT_BYTES) ? 0 : WIFI_ERR_NOMEM;
}

int netmgr_reconnect_wifi(void)
{
    hal_wifi_suspend_station(NULL);
    g_connects++;
    if (g_connects == MOVE_ON_CONNECT && move_scan_table())
        return WIFI_ERR_NOMEM;
    g_rx = aos_malloc(RX_BYTES);
    if (!g_rx)
        return WIFI_ERR_NOMEM;
    return forget_a_scan_result();
}
