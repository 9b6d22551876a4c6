/* A driver that calls the served imports with edge arguments, for the ABI
 * test (emu/tests/test_abi.c): huge sizes, NULL, ticks past 2^32, a 5th
 * and later argument on the stack, 64-bit results. */
#include <stdint.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

static ktimer_t g_static; /* the device's layout: the host must not write it */
static ktimer_t *g_dyn;
static uint8_t *g_buf;
static void *g_cb_timer, *g_cb_arg;

static void abi_callback(void *timer, void *arg)
{
    g_cb_timer = timer;
    g_cb_arg = arg;
}

int netmgr_reconnect_wifi(void)
{
    aos_malloc(0xfffffff0u);      /* fails: larger than the heap */
    aos_calloc(0x10000, 0x10001); /* fails: past 2^32 in the guest's size_t */
    aos_free(NULL);
    g_buf = aos_zalloc(40);
    tick_t now = krhino_sys_tick_get();
    krhino_timer_dyn_create(&g_dyn, "abi_dyn", abi_callback, 0x100000007ull, 0x200000003ull, (void *)0xa5a5a5a5u, 0);
    krhino_timer_change(g_dyn, 0x100000001ull, 0);
    krhino_timer_create(&g_static, "abi_static", abi_callback, 3, 0, g_buf, 1);
    return (int)(now >> 32);
}

int hal_wifi_suspend_station(void *m)
{
    krhino_timer_dyn_del(g_dyn);
    krhino_timer_del(&g_static);
    aos_free(g_buf);
    return 0;
}

/* 1 when the static timer's callback ran with the guest's own timer and
 * argument. */
int abi_callback_saw_guest_pointers(void) { return g_cb_timer == &g_static && g_cb_arg == g_buf; }

/* 1 when the guest's ktimer_t is still all zero: the host kept its state
 * in a shadow. */
int abi_static_timer_untouched(void)
{
    static const ktimer_t zero;
    return memcmp(&g_static, &zero, sizeof zero) == 0;
}
