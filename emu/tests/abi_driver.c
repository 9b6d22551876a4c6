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

/* ---- the aos API: each check that holds in the guest sets its bit ---------- */
#include "aos/yloop.h"

#define GUEST_ETIMEDOUT 116 /* newlib's errno, which the host's results must use */

static aos_timer_t g_aos_timer;
static aos_sem_t g_sem;
static aos_mutex_t g_mutex;
static aos_queue_t g_queue;
static aos_work_t g_work;
static uint8_t g_queue_buf[64];
static unsigned g_ran; /* bits of the callbacks that ran with their own arguments */
static void *g_small;

/* Makes the caller the owner of p, as a wrapper library records its own
 * caller (aos_alloc_trace). */
__attribute__((noinline)) static int trace_to_caller(void *p)
{
    aos_alloc_trace(p, (uintptr_t)__builtin_return_address(0));
    return 1;
}

/* Takes both buffers over: the dump must name this function as their owner. */
__attribute__((noinline)) static int abi_adopt_buffers(void) { return trace_to_caller(g_buf) + trace_to_caller(g_small); }

static void on_aos_timer(void *timer, void *arg) { g_ran |= (timer == g_aos_timer && arg == &g_sem) << 0; }
static void on_delayed_action(void *arg) { g_ran |= (arg == &g_mutex) << 1; }
static void on_scheduled_call(void *arg) { g_ran |= (arg == &g_queue) << 2; }
static void on_work(void *arg) { g_ran |= (arg == &g_work) << 3; }

int abi_aos(void)
{
    int ok = 0;
    char msg[8] = "ping", got[8] = {0};
    size_t got_size = 0;
    ok |= (aos_timer_create(&g_aos_timer, on_aos_timer, &g_sem, 30, AOS_TIMER_AUTORUN) == 0 && g_aos_timer) << 0;
    ok |= (aos_sem_new(&g_sem, 0) == 0) << 1;
    ok |= (aos_sem_wait(&g_sem, 20) == -GUEST_ETIMEDOUT) << 2;
    ok |= (aos_mutex_new(&g_mutex) == 0 && aos_mutex_lock(&g_mutex, AOS_WAIT_FOREVER) == 0 &&
           aos_mutex_unlock(&g_mutex) == 0 && aos_mutex_is_valid(&g_mutex)) << 3;
    ok |= (aos_queue_new(&g_queue, g_queue_buf, sizeof g_queue_buf, 8) == 0 &&
           aos_queue_send(&g_queue, msg, 5) == 0 && aos_queue_recv(&g_queue, 0, got, &got_size) == 0 &&
           got_size == 5 && memcmp(got, "ping", 5) == 0) << 4;
    ok |= (aos_work_init(&g_work, on_work, &g_work, 0) == 0 && aos_work_sched(&g_work) == 0) << 5;
    ok |= (aos_post_delayed_action(50, on_delayed_action, &g_mutex) == 0 &&
           aos_post_delayed_action(60, on_delayed_action, &g_sem) == 0) << 6;
    aos_cancel_delayed_action(60, on_delayed_action, &g_sem); /* found by its action and argument */
    ok |= (aos_schedule_call(on_scheduled_call, &g_queue) == 0) << 7;
    ok |= (aos_post_delayed_action(10, NULL, NULL) == -EINVAL) << 8;
    ok |= (aos_now_ms() >= 200) << 9; /* the sem wait let 20 ms pass after a start past 2^32 ticks */
    g_small = aos_malloc(16); /* a pool block, g_buf a heap one */
    ok |= (abi_adopt_buffers() == 2) << 10;
    return ok;
}

/* Which callbacks ran with their own arguments (bits as in g_ran). */
int abi_aos_callbacks(void) { return (int)g_ran; }

int abi_aos_free(void)
{
    aos_timer_stop(&g_aos_timer);
    aos_timer_free(&g_aos_timer);
    aos_sem_free(&g_sem);
    aos_mutex_free(&g_mutex);
    aos_queue_free(&g_queue);
    aos_work_destroy(&g_work);
    aos_free(g_small);
    return g_aos_timer == NULL && g_sem == NULL && g_mutex == NULL && g_queue == NULL && g_work == NULL;
}
