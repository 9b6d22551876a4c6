/* The step checker. Every check reads the kernel only to compare it with
 * what the model predicted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "driver_contract.h"
#include "k_mm_validate.h"
#include "symbolize.h"

#define CONTENT_CHECK_BYTES 64 /* head and tail of every live object */

static const char *const oracle_names[] = {
    [ORACLE_CONSERVATION] = "conservation",   [ORACLE_ACCOUNTING] = "accounting",
    [ORACLE_STRUCTURE] = "structure",         [ORACLE_LIVE_SET] = "live-set",
    [ORACLE_CONTENTS] = "contents",           [ORACLE_TIMERS] = "timers",
    [ORACLE_QUIESCENCE] = "quiescence",       [ORACLE_ERROR_CONTRACT] = "error-contract",
    [ORACLE_MISUSE] = "misuse",               [ORACLE_DRIVER_FAULT] = "driver-fault",
};

const char *oracle_name(oracle_t o) { return oracle_names[o]; }

/* ---- reporting ------------------------------------------------------------ */
static int print_to_stderr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stderr, fmt, ap);
    va_end(ap);
    return n;
}

#define MAX_SUPPRESSED 64

static struct {
    checker_listing_fn listing;
    void *listing_ctx;
    k_print_fn out;
    bool abort_on_finding;
    unsigned findings;
    char suppressed[MAX_SUPPRESSED][160]; /* signatures that end an input quietly */
    unsigned nsuppressed;
    char first_signature[160]; /* of the first finding since checker_set_output */
} g_report = {.out = print_to_stderr, .abort_on_finding = true};

void checker_set_listing(checker_listing_fn fn, void *ctx)
{
    g_report.listing = fn;
    g_report.listing_ctx = ctx;
}

void checker_set_output(k_print_fn out, bool abort_on_finding)
{
    g_report.out = out ? out : print_to_stderr;
    g_report.abort_on_finding = abort_on_finding;
    g_report.findings = 0;
}

unsigned checker_findings(void) { return g_report.findings; }
const char *checker_first_signature(void) { return g_report.findings ? g_report.first_signature : ""; }

typedef struct {
    uintptr_t addr, owner;
    size_t size;
    k_mm_kind_t kind;
    bool in_pool;
    const char *fault; /* not a block: driver code that faulted this way at owner */
} finding_obj_t;

static void print_object(const finding_obj_t *o)
{
    char where[256];
    symbolize_owner(o->owner, where, sizeof where);
    if (o->fault)
        g_report.out("  %s in %s\n", o->fault, where);
    else
        g_report.out("  %s %zu bytes at 0x%08lx (%s), owner %s\n", k_mm_kind_name(o->kind), o->size,
                 (unsigned long)o->addr, o->in_pool ? "pool" : "heap", where);
}

/* The signature names what broke and who owns it: findings with the same
 * signature are the same bug. */
static void signature_of(oracle_t o, const finding_obj_t *objs, size_t n, char *buf, size_t len)
{
    char fn[128] = "-";
    if (n)
        symbolize_function(objs[0].owner, fn, sizeof fn);
    const char *what = !n ? "-" : objs[0].fault ? objs[0].fault : k_mm_kind_name(objs[0].kind);
    snprintf(buf, len, "%s/%s/%s", oracle_name(o), fn, what);
}

static bool is_suppressed(const char *sig)
{
    for (unsigned i = 0; i < g_report.nsuppressed; i++)
        if (!strcmp(g_report.suppressed[i], sig))
            return true;
    return false;
}

int checker_suppress_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[sizeof g_report.suppressed[0]];
    while (g_report.nsuppressed < MAX_SUPPRESSED && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            strcpy(g_report.suppressed[g_report.nsuppressed++], line);
    }
    fclose(f);
    return 0;
}

static void finding(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const char *expected,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void finding(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const char *expected,
                    const char *fmt, ...)
{
    char actual[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(actual, sizeof actual, fmt, ap);
    va_end(ap);
    k_print_fn out = g_report.out;
    char sig[sizeof g_report.suppressed[0]];
    signature_of(o, objs, nobjs, sig, sizeof sig);
    if (g_report.findings++ == 0)
        strcpy(g_report.first_signature, sig);
    if (is_suppressed(sig))
        return; /* a known bug: the input ends here, quietly */
    out("==== rtosfuzz finding ====\n");
    out("oracle:   %d %s\n", (int)o, oracle_name(o));
    out("step:     %u\n", step);
    out("expected: %s\n", expected);
    out("actual:   %s\n", actual);
    if (nobjs) {
        out("objects:\n");
        for (size_t i = 0; i < nobjs; i++)
            print_object(&objs[i]);
    }
    if (g_report.listing) {
        out("program:\n");
        g_report.listing(out, step, g_report.listing_ctx);
    }
    out("dump excerpt:\n");
    k_mm_dump_owners(g_kmm_head, out, 6);
    k_mm_overview(g_kmm_head, out);
    out("signature: %s\n", sig);
    out("==== end finding ====\n");
    if (g_report.abort_on_finding) {
        fflush(NULL);
        abort();
    }
}

/* ---- oracle 10: driver faults ---------------------------------------------- */
void check_driver_fault(unsigned step, const char *kind, uintptr_t site, const char *what)
{
    finding_obj_t at = {.addr = site, .owner = site, .fault = kind};
    finding(ORACLE_DRIVER_FAULT, step, &at, 1, "the driver runs without faulting", "%s", what);
}

/* ---- oracle 1: conservation ------------------------------------------------ */
static void check_conservation(unsigned step, const k_mm_stats_t *st)
{
    if (st->total != st->free + st->used)
        finding(ORACLE_CONSERVATION, step, NULL, 0, "TotalSz = FreeSz + UsedSz",
                "TotalSz 0x%zx, FreeSz 0x%zx + UsedSz 0x%zx", st->total, st->free, st->used);
    if (st->pool_size != st->pool_free + st->pool_used)
        finding(ORACLE_CONSERVATION, step, NULL, 0, "PoolSz = FreeSz + UsedSz",
                "PoolSz 0x%zx, FreeSz 0x%zx + UsedSz 0x%zx", st->pool_size, st->pool_free, st->pool_used);
}

/* ---- oracle 3: structure ----------------------------------------------------- */
static void check_structure(unsigned step)
{
    k_mm_check_t c;
    if (!k_mm_validate(g_kmm_head, &c))
        finding(ORACLE_STRUCTURE, step, NULL, 0, "the heap walk proves every invariant", "%s at 0x%08lx", c.what,
                (unsigned long)c.where);
}

/* ---- oracles 2 and 4: every used block is accounted for --------------------- */
typedef struct {
    const check_view_t *v;
    bool matched_obj[MODEL_OBJS];
    bool matched_timer[MODEL_TIMERS];
    size_t heap_cost;        /* header + payload of every used heap block not the kernel's */
    size_t pool_blocks;
    finding_obj_t stray;     /* first block nobody owns */
    bool has_stray;
} census_t;

static int harness_obj_at(const check_view_t *v, uintptr_t addr)
{
    for (int i = 0; i < MODEL_OBJS; i++)
        if (v->obj[i].live && (uintptr_t)v->ptr[i] == addr)
            return i;
    return -1;
}

static int harness_timer_at(const check_view_t *v, uintptr_t addr)
{
    for (int s = MODEL_STATIC_TIMERS; v->timers && s < MODEL_TIMERS; s++)
        if (v->timers->t[s].created && (uintptr_t)v->tptr[s] == addr)
            return s;
    return -1;
}

static finding_obj_t object_of(const k_mm_blk_info_t *b)
{
    return (finding_obj_t){.addr = b->addr, .owner = b->owner, .size = b->size, .kind = b->kind, .in_pool = b->in_pool};
}

static bool take_census(const k_mm_blk_info_t *b, void *ctx)
{
    census_t *c = ctx;
    if (!b->used)
        return true;
    if (b->in_pool)
        c->pool_blocks++;
    else if (b->owner != 0)
        c->heap_cost += k_mm_hdr_size() + b->size;
    int i = harness_obj_at(c->v, b->addr), s = harness_timer_at(c->v, b->addr);
    if (i >= 0)
        c->matched_obj[i] = true;
    else if (s >= 0)
        c->matched_timer[s] = true;
    else if (b->owner != 0 && !c->v->driver_may_hold_blocks && !c->has_stray) {
        c->stray = object_of(b);
        c->has_stray = true;
    }
    return true;
}

static void check_live_set(const check_view_t *v, census_t *c, const k_mm_stats_t *st)
{
    if (c->has_stray)
        finding(ORACLE_LIVE_SET, v->step, &c->stray, 1, "every used block is a live object of the model",
                "a used block nobody allocated (leak or corruption)");
    for (int i = 0; i < MODEL_OBJS; i++) {
        const model_obj_t *o = &v->obj[i];
        if (!o->live)
            continue;
        size_t cap = krhino_mm_blk_size(g_kmm_head, v->ptr[i]);
        bool in_pool = cap == st->pool_blk && o->where == WHERE_POOL;
        if (!c->matched_obj[i] || cap < o->size || (o->where == WHERE_POOL) != in_pool)
            finding(ORACLE_LIVE_SET, v->step, NULL, 0, "every live object of the model has its block",
                    "slot %d (%zu bytes, %s) at 0x%08lx: block %s, capacity %zu", i, o->size,
                    o->where == WHERE_POOL ? "pool" : "heap", (unsigned long)(uintptr_t)v->ptr[i],
                    c->matched_obj[i] ? "found" : "missing", cap);
    }
    for (int s = MODEL_STATIC_TIMERS; v->timers && s < MODEL_TIMERS; s++)
        if (v->timers->t[s].created && !c->matched_timer[s])
            finding(ORACLE_LIVE_SET, v->step, NULL, 0, "every dynamic timer of the model has its heap block",
                    "timer slot %d has none", s);
}

static size_t model_pool_objects(const check_view_t *v)
{
    size_t n = 0;
    for (int i = 0; i < MODEL_OBJS; i++)
        n += v->obj[i].live && v->obj[i].where == WHERE_POOL;
    return n;
}

static void check_accounting(const check_view_t *v, const census_t *c, const k_mm_stats_t *st)
{
    size_t pool_expect = st->pool_blk * (v->driver_may_hold_blocks ? c->pool_blocks : model_pool_objects(v));
    if (st->pool_used != pool_expect)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "pool UsedSz = BlkSz x live pool objects",
                "pool UsedSz 0x%zx, expected 0x%zx", st->pool_used, pool_expect);
    if (st->used != v->kernel_used + c->heap_cost)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "heap UsedSz = kernel baseline + sum(header + block)",
                "UsedSz 0x%zx, kernel 0x%zx + blocks 0x%zx", st->used, v->kernel_used, c->heap_cost);
    if (v->peak_used && st->maxused != v->peak_used)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "MinFreeSz = TotalSz - the model's peak UsedSz",
                "MinFreeSz 0x%zx, expected 0x%zx", st->total - st->maxused, st->total - v->peak_used);
}

/* ---- oracle 5: contents ---------------------------------------------------- */
/* An object carries its pattern in two windows, its first and last
 * CONTENT_CHECK_BYTES bytes: writing and checking stay O(1) per object. */
static uint8_t checker_pattern_byte(uint32_t id, size_t i) { return (uint8_t)(id * 31u + i * 7u + (i >> 8)); }

static size_t tail_window_start(size_t size) { return size > CONTENT_CHECK_BYTES ? size - CONTENT_CHECK_BYTES : 0; }
static size_t head_window_end(size_t size) { return size < CONTENT_CHECK_BYTES ? size : CONTENT_CHECK_BYTES; }

void checker_write_pattern(unsigned char *p, uint32_t id, size_t size)
{
    for (size_t i = 0; i < head_window_end(size); i++)
        p[i] = checker_pattern_byte(id, i);
    for (size_t i = tail_window_start(size); i < size; i++)
        p[i] = checker_pattern_byte(id, i);
}

static bool range_holds_pattern(const unsigned char *p, uint32_t id, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (p[i] != checker_pattern_byte(id, i))
            return false;
    return true;
}

void check_contents_of(unsigned step, int slot, const unsigned char *p, uint32_t id, size_t size, size_t limit)
{
    size_t head = head_window_end(size), tail = tail_window_start(size);
    if (!range_holds_pattern(p, id, 0, head < limit ? head : limit) ||
        !range_holds_pattern(p, id, tail, size < limit ? size : limit))
        finding(ORACLE_CONTENTS, step, NULL, 0, "every live object keeps the pattern of its id",
                "slot %d (%zu bytes at 0x%08lx) was overwritten", slot, size, (unsigned long)(uintptr_t)p);
}

static size_t first_nonzero(const unsigned char *p, size_t from, size_t to)
{
    while (from < to && !p[from])
        from++;
    return from;
}

void check_zeroed(unsigned step, const unsigned char *p, size_t len)
{
    size_t head = head_window_end(len), tail = tail_window_start(len);
    size_t at = first_nonzero(p, 0, head);
    if (at == head)
        at = first_nonzero(p, tail, len);
    if (at < len)
        finding(ORACLE_CONTENTS, step, NULL, 0, "calloc returns zeroed memory", "byte %zu of 0x%08lx is 0x%02x", at,
                (unsigned long)(uintptr_t)p, p[at]);
}

static void check_contents(const check_view_t *v)
{
    for (int i = 0; i < MODEL_OBJS; i++)
        if (v->obj[i].live)
            check_contents_of(v->step, i, v->ptr[i], v->obj[i].id, v->obj[i].size, v->obj[i].size);
}

/* ---- oracle 6: timer state ------------------------------------------------- */
static void check_timer_state(const check_view_t *v)
{
    for (int s = 0; v->timers && s < MODEL_TIMERS; s++) {
        const model_timer_t *m = &v->timers->t[s];
        const ktimer_t *k = v->tptr[s];
        if (!m->created)
            continue;
        bool active = k->timer_state == TIMER_ACTIVE;
        if (active != m->active || (active && k->match != m->match) || k->timer_cb_arg != (void *)(uintptr_t)m->arg)
            finding(ORACLE_TIMERS, v->step, NULL, 0, "every timer in the state the model predicts",
                    "slot %d: kernel %s match %llu arg %lu, model %s match %llu arg %u", s,
                    active ? "ACTIVE" : "DEACTIVE", (unsigned long long)k->match, (unsigned long)(uintptr_t)k->timer_cb_arg,
                    m->active ? "ACTIVE" : "DEACTIVE", (unsigned long long)m->match, (unsigned)m->arg);
    }
}

void check_step(const check_view_t *v)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    check_conservation(v->step, &st);
    check_structure(v->step);
    census_t c = {.v = v};
    k_mm_walk(g_kmm_head, take_census, &c);
    check_live_set(v, &c, &st);
    check_accounting(v, &c, &st);
    check_contents(v);
    check_timer_state(v);
}

/* ---- per-op checks ----------------------------------------------------------- */
void check_accounting_delta(unsigned step, const k_mm_stats_t *before, const k_mm_stats_t *after, long heap_delta,
                            long pool_delta)
{
    long dheap = (long)after->used - (long)before->used, dpool = (long)after->pool_used - (long)before->pool_used;
    if (dheap != heap_delta || dpool != pool_delta) {
        char expect[96];
        snprintf(expect, sizeof expect, "heap UsedSz %+ld, pool UsedSz %+ld", heap_delta, pool_delta);
        finding(ORACLE_ACCOUNTING, step, NULL, 0, expect, "heap UsedSz %+ld, pool UsedSz %+ld", dheap, dpool);
    }
}

static bool find_largest_free(const k_mm_blk_info_t *b, void *ctx)
{
    size_t *largest = ctx;
    if (!b->used && b->size > *largest)
        *largest = b->size;
    return true;
}

void check_alloc_failure_justified(unsigned step, size_t size)
{
    size_t largest = 0;
    k_mm_walk(g_kmm_head, find_largest_free, &largest);
    size_t need = (size + K_MM_ALIGN - 1) & ~(size_t)(K_MM_ALIGN - 1);
    if (size <= largest && need <= largest)
        finding(ORACLE_ACCOUNTING, step, NULL, 0, "an allocation fails only when no free block is large enough",
                "%zu bytes refused with a free block of %zu", size, largest);
}

void check_firings(unsigned step, const model_timers_t *m, const model_firing_t *got, size_t ngot)
{
    size_t n = m->nwant > ngot ? m->nwant : ngot;
    for (size_t i = 0; i < n; i++) {
        const model_firing_t *w = i < m->nwant ? &m->want[i] : NULL, *g = i < ngot ? &got[i] : NULL;
        if (w && g && w->slot == g->slot && w->arg == g->arg && w->tick == g->tick && w->action == g->action)
            continue;
        char expect[128];
        if (w)
            snprintf(expect, sizeof expect, "firing %zu: slot %d arg %u at tick %llu, its call -> %s", i, w->slot,
                     w->arg, (unsigned long long)w->tick, k_err_name(w->action));
        else
            snprintf(expect, sizeof expect, "no firing %zu at tick %llu", i, (unsigned long long)m->tick);
        if (g)
            finding(ORACLE_TIMERS, step, NULL, 0, expect, "slot %d arg %u at tick %llu, its call -> %s", g->slot,
                    g->arg, (unsigned long long)g->tick, k_err_name(g->action));
        else
            finding(ORACLE_TIMERS, step, NULL, 0, expect, "no such firing");
    }
}

void check_status(unsigned step, const char *call, kstat_t want, kstat_t got)
{
    if (want != got) {
        char expect[128];
        snprintf(expect, sizeof expect, "%s returns %s", call, k_err_name(want));
        finding(ORACLE_ERROR_CONTRACT, step, NULL, 0, expect, "%s", k_err_name(got));
    }
}

void check_unchanged(unsigned step, const char *call, const k_mm_stats_t *before, const k_mm_stats_t *after)
{
    if (before->used != after->used || before->pool_used != after->pool_used)
        finding(ORACLE_ERROR_CONTRACT, step, NULL, 0, "a failed call leaves no partial state",
                "%s failed but heap UsedSz moved %+ld, pool UsedSz %+ld", call,
                (long)after->used - (long)before->used, (long)after->pool_used - (long)before->pool_used);
}

void check_misuse(unsigned step, kstat_t want, int reports, kstat_t got, const void *addr)
{
    if (want == RHINO_SUCCESS && reports == 0)
        return;
    if (want != RHINO_SUCCESS && reports == 1 && got == want)
        return;
    char expect[96];
    snprintf(expect, sizeof expect, want == RHINO_SUCCESS ? "no kernel error report" : "one report of %s",
             k_err_name(want));
    finding(ORACLE_MISUSE, step, NULL, 0, expect, "%d reports, last %s at 0x%08lx", reports,
            reports ? k_err_name(got) : "-", (unsigned long)(uintptr_t)addr);
}

/* ---- oracle 7: quiescence ---------------------------------------------------- */
struct checker_baseline {
    drv_blocks_t *blocks; /* the driver's */
    size_t timers, active_timers;
};

/* Blocks that are neither the harness's nor the kernel's belong to the driver. */
static bool is_driver_block(const k_mm_blk_info_t *b, void *ctx)
{
    const check_view_t *v = ctx;
    return b->owner != 0 && harness_obj_at(v, b->addr) < 0 && harness_timer_at(v, b->addr) < 0;
}

static bool count_driver_timer(const ktimer_t *t, void *ctx)
{
    size_t *counts = ctx;
    counts[0]++;
    counts[1] += t->timer_state == TIMER_ACTIVE;
    return true;
}

checker_baseline_t *checker_baseline_take(const check_view_t *v)
{
    checker_baseline_t *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    b->blocks = drv_blocks_take(is_driver_block, (void *)v);
    size_t counts[2] = {0, 0};
    k_timer_walk(count_driver_timer, counts);
    b->timers = counts[0];
    b->active_timers = counts[1];
    return b;
}

void checker_baseline_release(checker_baseline_t *b)
{
    if (b)
        drv_blocks_release(b->blocks);
    free(b);
}

void check_quiescence(const check_view_t *v, const checker_baseline_t *base, uint32_t settle_ticks)
{
    checker_baseline_t *now = checker_baseline_take(v);
    finding_obj_t leaked[16];
    size_t nleaked = 0, unlisted = 0;
    size_t n = drv_blocks_count(now->blocks);
    for (size_t i = 0; i < n; i++) {
        const k_mm_blk_info_t *b = drv_blocks_at(now->blocks, i);
        if (drv_blocks_holds(base->blocks, b))
            continue;
        if (nleaked < sizeof leaked / sizeof leaked[0])
            leaked[nleaked++] = object_of(b);
        else
            unlisted++;
    }
    long more_blocks = (long)n - (long)drv_blocks_count(base->blocks);
    long more_timers = (long)now->timers - (long)base->timers;
    size_t active = now->active_timers;
    bool quiet = !nleaked && !more_blocks && !more_timers && active == base->active_timers;
    checker_baseline_release(now);
    if (quiet)
        return;
    char expect[160];
    snprintf(expect, sizeof expect, "after settling (%u ticks) the driver holds only what init allocated",
             (unsigned)settle_ticks);
    finding(ORACLE_QUIESCENCE, v->step, leaked, nleaked, expect,
            "%ld driver blocks more than after init (%zu not listed), timers %+ld (%zu active)", more_blocks, unlisted,
            more_timers, active);
}
