/* Host-side contract checking. This is harness code (it may use libc
 * malloc), not part of the system under test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_contract.h"
#include "k_loop.h"
#include "k_port.h"

/* A driver without hal_wifi_init has an empty baseline. */
__attribute__((weak)) int hal_wifi_init(void) { return 0; }

/* The optional access-point hook (driver_contract.h, "Driver extensions"). */
void wifi_sim_ap_power(bool on) __attribute__((weak));

bool drv_has_ap_power(void) { return wifi_sim_ap_power != NULL; }

bool drv_ap_power(bool on)
{
    if (!drv_has_ap_power())
        return false;
    wifi_sim_ap_power(on);
    return true;
}

/* Active timers of the settled post-init state: settling waits for no more. */
static size_t g_baseline_active;

void drv_kernel_reset(tick_t start_tick)
{
    k_fault_reset();
    k_mm_init();
    k_mm_set_quarantine(g_kmm_head, RHINO_CONFIG_MM_QUARANTINE);
    k_timer_init(start_tick);
    g_baseline_active = 0;
}

static size_t active_timers(void);

int drv_init(void)
{
    int rc = hal_wifi_init();
    krhino_timer_task_run(); /* what init queued takes effect: its periodic timers run */
    g_baseline_active = active_timers();
    return rc;
}

int drv_boot(tick_t start_tick)
{
    drv_kernel_reset(start_tick);
    return drv_init();
}

static bool count_timer(const ktimer_t *t, void *ctx)
{
    drv_footprint_t *fp = ctx;
    fp->timers++;
    fp->active_timers += t->timer_state == TIMER_ACTIVE;
    return true;
}

void drv_count_kind(size_t kinds[K_MM_KIND_COUNT], const k_mm_blk_info_t *blk)
{
    if (blk->used && (unsigned)blk->kind < K_MM_KIND_COUNT)
        kinds[blk->kind]++;
}

size_t drv_describe_kinds(const size_t now[K_MM_KIND_COUNT], const size_t base[K_MM_KIND_COUNT],
                          char buf[DRV_KINDS_TEXT_MAX])
{
    size_t moved = 0, at = 0;
    buf[0] = '\0';
    for (int k = 0; k < K_MM_KIND_COUNT; k++) {
        long d = (long)now[k] - (long)base[k];
        if (d == 0)
            continue;
        /* at most 2 + 20 + 1 + 11 bytes each: DRV_KINDS_TEXT_MAX holds them all */
        at += (size_t)snprintf(buf + at, DRV_KINDS_TEXT_MAX - at, "%s%+ld %s", moved++ ? ", " : "", d,
                               k_mm_kind_name((k_mm_kind_t)k));
    }
    return moved;
}

static bool count_object(const k_mm_blk_info_t *b, void *ctx)
{
    drv_count_kind(((drv_footprint_t *)ctx)->objects, b);
    return true;
}

void drv_footprint(drv_footprint_t *fp)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    memset(fp, 0, sizeof *fp);
    fp->heap_used = st.used;
    fp->pool_used = st.pool_used;
    fp->used_blocks = st.used_blocks;
    k_timer_walk(count_timer, fp);
    k_mm_walk(g_kmm_head, count_object, fp);
    fp->pending = k_loop_pending();
}

static size_t active_timers(void)
{
    drv_footprint_t fp = {0};
    k_timer_walk(count_timer, &fp);
    return fp.active_timers;
}

/* Nothing queued or pending, and no more timers active than in the
 * baseline; O(1) when no timer is active at all. */
static bool system_is_quiet(void)
{
    if (k_timer_queued() != 0 || k_loop_pending() != 0)
        return false;
    return k_timer_ticks_to_next_due() == K_TIMER_NONE_DUE || active_timers() <= g_baseline_active;
}

uint32_t drv_settle(uint32_t max_ticks)
{
    uint32_t n = 0;
    while (n < max_ticks && !system_is_quiet()) {
        /* straight to the next thing the timer task has to do */
        tick_t due = k_timer_ticks_to_next_due();
        tick_t step = due == 0 ? 1 : due < max_ticks - n ? due : max_ticks - n;
        k_timer_advance(step);
        n += step;
    }
    return n;
}

bool drv_footprint_differs(const drv_footprint_t *now, const drv_footprint_t *base, char *buf, size_t len)
{
    long dheap = (long)now->heap_used - (long)base->heap_used;
    long dpool = (long)now->pool_used - (long)base->pool_used;
    long dblocks = (long)now->used_blocks - (long)base->used_blocks;
    long dtimers = (long)now->timers - (long)base->timers;
    char kinds[DRV_KINDS_TEXT_MAX];
    size_t moved = drv_describe_kinds(now->objects, base->objects, kinds);
    snprintf(buf, len, "heap UsedSz %+ld bytes (%+ld blocks), pool UsedSz %+ld bytes, timers %+ld (%zu active); objects: %s",
             dheap, dblocks, dpool, dtimers, now->active_timers, moved ? kinds : "none moved");
    return dheap || dpool || dblocks || dtimers || moved || now->active_timers != base->active_timers ||
           now->pending != base->pending;
}

/* ---- block snapshots ---------------------------------------------------- */
struct drv_blocks {
    drv_block_filter_fn keep;
    void *keep_ctx;
    k_mm_blk_info_t *blk;
    size_t n, cap;
};

static void *grow_or_exit(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        fprintf(stderr, "rtosfuzz: out of host memory taking a block snapshot\n");
        exit(2);
    }
    return p;
}

static bool remember_used_block(const k_mm_blk_info_t *b, void *ctx)
{
    drv_blocks_t *s = ctx;
    if (!b->used || (s->keep && !s->keep(b, s->keep_ctx)))
        return true;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->blk = grow_or_exit(s->blk, s->cap * sizeof *s->blk);
    }
    s->blk[s->n++] = *b;
    return true;
}

drv_blocks_t *drv_blocks_take(drv_block_filter_fn keep, void *ctx)
{
    drv_blocks_t *s = grow_or_exit(NULL, sizeof *s);
    *s = (drv_blocks_t){.keep = keep, .keep_ctx = ctx};
    k_mm_walk(g_kmm_head, remember_used_block, s);
    return s;
}

void drv_blocks_release(drv_blocks_t *s)
{
    if (s)
        free(s->blk);
    free(s);
}

size_t drv_blocks_count(const drv_blocks_t *s) { return s->n; }
const k_mm_blk_info_t *drv_blocks_at(const drv_blocks_t *s, size_t i) { return &s->blk[i]; }

bool drv_blocks_holds(const drv_blocks_t *s, const k_mm_blk_info_t *b)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->blk[i].addr == b->addr && s->blk[i].owner == b->owner && s->blk[i].size == b->size)
            return true;
    return false;
}

size_t drv_blocks_print_new(const drv_blocks_t *base, k_print_fn print)
{
    drv_blocks_t *now = drv_blocks_take(NULL, NULL);
    size_t fresh = 0;
    for (size_t i = 0; i < now->n; i++) {
        const k_mm_blk_info_t *b = &now->blk[i];
        if (drv_blocks_holds(base, b))
            continue;
        fresh++;
        print("  0x%08lx  %s  %lu bytes  owner 0x%08lx  kind %s\n", (unsigned long)b->addr,
              b->in_pool ? "pool" : "heap", (unsigned long)b->size, (unsigned long)b->owner,
              k_mm_kind_name(b->kind));
    }
    drv_blocks_release(now);
    return fresh;
}

/* ---- driver faults ------------------------------------------------------ */
static void exit_on_fault(const char *kind, uintptr_t site, const char *what)
{
    fprintf(stderr, "rtosfuzz: driver fault (%s) at 0x%08lx: %s\n", kind, (unsigned long)site, what);
    exit(3);
}

static drv_fault_fn g_fault_hook = exit_on_fault;

drv_fault_fn drv_fault_hook_set(drv_fault_fn fn)
{
    drv_fault_fn was = g_fault_hook;
    g_fault_hook = fn ? fn : exit_on_fault;
    return was;
}

void drv_fault(const char *kind, uintptr_t site, const char *what) { g_fault_hook(kind, site, what); }

/* ---- call traces -------------------------------------------------------- */
static k_print_fn g_call_trace;

void drv_call_trace_set(k_print_fn print) { g_call_trace = print; }
k_print_fn drv_call_trace(void) { return g_call_trace; }
