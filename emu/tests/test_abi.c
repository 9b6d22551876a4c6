/* The device ABI of the served imports, seen from the host: a guest driver
 * (abi_driver.c) calls them with edge arguments and the host checks what it
 * decoded, what the guest got back, and whose blocks they are. */
#include <criterion/criterion.h>
#include <string.h>

#include "blob.h"
#include "driver_contract.h"
#include "imports.h"
#include "k_trace.h"
#include "symbolize.h"

#define START_TICK 0x300000011ull /* past 2^32: the high word must reach the guest */

typedef struct {
    const char *name;
    import_call_t call;
    uint64_t result;
} seen_t;

static seen_t g_seen[32];
static int g_nseen;

static void remember(const import_t *imp, const import_call_t *c, uint64_t result)
{
    if (g_nseen < 32)
        g_seen[g_nseen++] = (seen_t){imp->name, *c, result};
}

static const seen_t *first_call_of(const char *name)
{
    for (int i = 0; i < g_nseen; i++)
        if (!strcmp(g_seen[i].name, name))
            return &g_seen[i];
    cr_assert_fail("the guest's call of %s never reached the host", name);
    return NULL;
}

static void connect_traced(void)
{
    cr_assert_eq(drv_boot(START_TICK), 0);
    g_nseen = 0;
    import_trace_set(remember);
    cr_assert_eq(netmgr_reconnect_wifi(), (int)(START_TICK >> 32), "the 64-bit tick reached the guest in r0:r1");
    import_trace_set(NULL);
}

static uint32_t guest_function(const char *name)
{
    guest_addr_t fn = blob_symbol(name);
    cr_assert_neq(fn, 0, "the ABI blob defines %s", name);
    return blob_call(fn, NULL, 0);
}

Test(abi, sizes_and_null_arrive_as_the_guest_passed_them)
{
    connect_traced();
    const seen_t *m = first_call_of("aos_malloc"), *c = first_call_of("aos_calloc"), *f = first_call_of("aos_free");
    cr_assert_eq(m->call.arg[0], 0xfffffff0u);
    cr_assert_eq(m->result, 0, "a huge request fails");
    cr_assert_eq(c->call.arg[0], 0x10000u);
    cr_assert_eq(c->call.arg[1], 0x10001u);
    cr_assert_eq(c->result, 0, "a product past 2^32 overflows the guest's size_t");
    cr_assert_eq(f->call.arg[0], 0);
    const seen_t *z = first_call_of("aos_zalloc");
    cr_assert_eq(z->call.arg[0], 40u);
    cr_assert(z->result >= GUEST_HEAP_BASE && z->result < GUEST_HEAP_BASE + 0x100000u, "a guest heap address");
}

Test(abi, ticks_past_2e32_and_stack_arguments)
{
    connect_traced();
    cr_assert_eq(first_call_of("krhino_sys_tick_get")->result, START_TICK);
    const seen_t *d = first_call_of("krhino_timer_dyn_create");
    cr_assert_eq(d->call.arg[3], 0x100000007ull, "first: a 64-bit stack slot");
    cr_assert_eq(d->call.arg[4], 0x200000003ull, "round: the next 8-byte aligned slot");
    cr_assert_eq(d->call.arg[5], 0xa5a5a5a5u, "arg: the 6th argument");
    cr_assert_eq(d->call.arg[6], 0u, "auto_run: the 7th");
    cr_assert_eq(d->result, RHINO_SUCCESS);
    const seen_t *ch = first_call_of("krhino_timer_change");
    cr_assert_eq(ch->call.arg[1], 0x100000001ull, "first: the even register pair r2:r3");
    cr_assert_eq(ch->call.arg[2], 0u, "round: on the stack");
    cr_assert_eq(ch->result, RHINO_SUCCESS);
    const seen_t *s = first_call_of("krhino_timer_create");
    cr_assert_eq(s->call.arg[3], 3u);
    cr_assert_eq(s->call.arg[5], first_call_of("aos_zalloc")->result);
    cr_assert_eq(s->call.arg[6], 1u);
}

static bool find_timer_block(const k_mm_blk_info_t *b, void *ctx)
{
    if (b->used && b->kind == K_MM_KIND_TIMER)
        *(uintptr_t *)ctx = b->owner;
    return true;
}

Test(abi, guest_call_sites_own_blocks_and_callbacks_get_guest_pointers)
{
    connect_traced();
    uintptr_t owner = 0;
    k_mm_walk(g_kmm_head, find_timer_block, &owner);
    char fn[128];
    symbolize_function(owner, fn, sizeof fn);
    cr_assert_str_eq(fn, "netmgr_reconnect_wifi", "the dynamic timer's owner is its guest call site");
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    cr_assert_eq(guest_function("abi_callback_saw_guest_pointers"), 1u);
    cr_assert_eq(guest_function("abi_static_timer_untouched"), 1u, "the host kept the static timer in a shadow");
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    drv_footprint_t fp;
    drv_footprint(&fp);
    cr_assert_eq(fp.timers, 0, "dyn_del and del reached the host's timers");
}

static bool find_static_timer_owner(const ktimer_t *t, void *ctx)
{
    if (t->mm_alloc_flag == K_OBJ_STATIC_ALLOC)
        *(uintptr_t *)ctx = t->owner;
    return true;
}

static void assert_names(uintptr_t site, const char *expected, const char *what)
{
    char fn[128];
    symbolize_function(site, fn, sizeof fn);
    cr_assert_str_eq(fn, expected, "%s", what);
}

/* Sites the kernel takes from its own caller (krhino_timer_create's
 * owner, k_mm_free's free site) are the guest's call sites, not the host
 * code serving the import. */
Test(abi, sites_the_kernel_records_while_serving_are_the_guests)
{
    connect_traced();
    uintptr_t owner = 0;
    k_timer_walk(find_static_timer_owner, &owner);
    assert_names(owner, "netmgr_reconnect_wifi", "the static timer's owner is its guest call site");
    void *buf = guest_mem((guest_addr_t)first_call_of("aos_zalloc")->result, 1);
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    const k_trace_t *t = k_trace_last_at((uintptr_t)buf, 0);
    cr_assert_not_null(t, "the buffer has a trace record");
    assert_names(t->freed[0], "hal_wifi_suspend_station", "the buffer's free site is its guest call site");
    cr_assert_eq(t->freed[1], 0, "the guest's callers are not the host's frames");
}

typedef struct {
    const char *fn;
    int n;
} owner_count_t;

static bool count_owned_by(const k_mm_blk_info_t *b, void *ctx)
{
    owner_count_t *c = ctx;
    char fn[128];
    symbolize_function(b->owner, fn, sizeof fn);
    c->n += b->used && b->owner && !strcmp(fn, c->fn);
    return true;
}

static int count_blocks_owned_by(const char *fn)
{
    owner_count_t c = {fn, 0};
    k_mm_walk(g_kmm_head, count_owned_by, &c);
    return c.n;
}

Test(abi, aos_handles_callbacks_and_errno)
{
    connect_traced();
    uint32_t held = guest_function("abi_aos");
    cr_assert_eq(held, 0x7ffu, "each bit a check that held in the guest: got 0x%x", held);
    k_timer_advance(100); /* one simulated second: timers, work and the yloop all run */
    cr_assert_eq(count_blocks_owned_by("abi_adopt_buffers"), 2, "aos_alloc_trace gave a heap and a pool block the "
                                                                  "owner the guest named");
    uint32_t ran = guest_function("abi_aos_callbacks");
    cr_assert_eq(ran, 0xfu, "timer, delayed action, scheduled call and work ran: got 0x%x", ran);
    cr_assert_eq(guest_function("abi_aos_free"), 1u, "the frees cleared the guest's handles");
    cr_assert_eq(hal_wifi_suspend_station(NULL), 0);
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    drv_footprint_t fp;
    drv_footprint(&fp);
    cr_assert_eq(fp.timers, 0);
}
