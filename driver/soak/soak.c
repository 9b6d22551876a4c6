/* The access-point power-cycle soak: the seed's test loop, literally,
 *
 *     while (1) {
 *         krhino_mm_overview(NULL);
 *         aos_msleep(5000);
 *         hal_wifi_suspend_station(NULL);
 *         netmgr_reconnect_wifi();
 *     }
 *
 * after one connect at boot (the device came up connected), against the
 * host kernel and the driver this binary was linked with, until
 * the heap runs out or --cycles is reached. Kernel text goes to the log
 * (for tools/mmtrend and tools/mmdump) and, unless --quiet, to stdout. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aos/kernel.h"
#include "driver_contract.h"
#include "guard.h"
#include "pool_full.h"

#ifndef SOAK_DRIVER_NAME
#define SOAK_DRIVER_NAME "custom"
#endif
#define SOAK_DEFAULT_CYCLES 20000u

typedef struct {
    unsigned long cycles; /* 0: until the heap runs out (capped) */
    bool quiet;
    const char *log_path; /* --log; NULL: log_dir/SOAK_DRIVER_NAME.log */
    const char *log_dir;
    const char *faults;
} soak_opts_t;

static FILE *g_log;
static bool g_quiet;

static int soak_print(const char *fmt, ...)
{
    va_list ap;
    int n = 0;
    if (g_log) {
        va_start(ap, fmt);
        n = vfprintf(g_log, fmt, ap);
        va_end(ap);
    }
    if (!g_quiet) {
        va_start(ap, fmt);
        n = vprintf(fmt, ap);
        va_end(ap);
    }
    return n;
}

/* The soak's own lines go to stdout always, and to the log. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (g_log) {
        va_list copy;
        va_copy(copy, ap);
        vfprintf(g_log, fmt, copy);
        va_end(copy);
    }
    vprintf(fmt, ap);
    va_end(ap);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: soak-%s [--cycles N] [--quiet] [--log FILE | --log-dir DIR] [--faults SPEC]\n"
                "  --cycles N     stop after N cycles (default: until the heap runs out, at most %u)\n"
                "  --quiet        kernel text (overviews, dump) only to the log\n"
                "  --log FILE     write the log there\n"
                "  --log-dir DIR  write the log to DIR/%s.log, named after the driver (default DIR: .)\n"
                "  --faults SPEC  fault schedule, e.g. \"heap=5000\" (also $RTOSFUZZ_FAULTS)\n",
            SOAK_DRIVER_NAME, SOAK_DEFAULT_CYCLES, SOAK_DRIVER_NAME);
}

static int parse_opts(int argc, char **argv, soak_opts_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(a, "--cycles") && has_value) {
            char *end;
            o->cycles = strtoul(argv[++i], &end, 10);
            if (*end || argv[i][0] == '-') {
                fprintf(stderr, "soak: --cycles wants a number, got '%s'\n", argv[i]);
                return -1;
            }
        } else if (!strcmp(a, "--log") && has_value) {
            o->log_path = argv[++i];
        } else if (!strcmp(a, "--log-dir") && has_value) {
            o->log_dir = argv[++i];
        } else if (!strcmp(a, "--faults") && has_value) {
            o->faults = argv[++i];
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "soak: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

static int arm_faults(const soak_opts_t *o)
{
    char err[160];
    if (k_fault_load_env(err, sizeof err) || (o->faults && k_fault_parse(o->faults, err, sizeof err))) {
        fprintf(stderr, "soak: %s\n", err);
        return -1;
    }
    return 0;
}

typedef struct {
    uintptr_t owner;
    k_mm_kind_t kind;
    unsigned long count, bytes;
} holder_t;

typedef struct {
    holder_t *rows;
    size_t n, cap;
} holders_t;

static bool tally_holder(const k_mm_blk_info_t *b, void *ctx)
{
    holders_t *h = ctx;
    if (!b->used || b->owner == 0)
        return true;
    for (size_t i = 0; i < h->n; i++) {
        if (h->rows[i].owner == b->owner && h->rows[i].kind == b->kind) {
            h->rows[i].count++;
            h->rows[i].bytes += b->size;
            return true;
        }
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 32;
        h->rows = realloc(h->rows, h->cap * sizeof *h->rows);
        if (!h->rows)
            abort();
    }
    h->rows[h->n++] = (holder_t){b->owner, b->kind, 1, b->size};
    return true;
}

/* The application-side owner holding the most bytes (kernel blocks aside). */
static void say_top_holder(void)
{
    holders_t h = {0};
    k_mm_walk(g_kmm_head, tally_holder, &h);
    holder_t *top = NULL;
    for (size_t i = 0; i < h.n; i++)
        if (!top || h.rows[i].bytes > top->bytes)
            top = &h.rows[i];
    if (top)
        say("soak: top owner 0x%08lx holds %lu %s blocks, %lu bytes\n", (unsigned long)top->owner, top->count,
            k_mm_kind_name(top->kind), top->bytes);
    free(h.rows);
}

/* ---- what moved ------------------------------------------------------- */
typedef struct {
    char text[256];
    size_t len;
    bool moved; /* any figure changed */
} moves_t;

static void append_text(moves_t *m, const char *sep, const char *fmt, va_list ap)
{
    if (m->len < sizeof m->text) {
        m->len += (size_t)snprintf(m->text + m->len, sizeof m->text - m->len, "%s", m->len ? sep : "");
        if (m->len < sizeof m->text)
            m->len += (size_t)vsnprintf(m->text + m->len, sizeof m->text - m->len, fmt, ap);
    }
}

/* A new part of the text, after a comma. */
static void add_move(moves_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_move(moves_t *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_text(m, ", ", fmt, ap);
    va_end(ap);
}

/* More of the last part. */
static void extend_move(moves_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void extend_move(moves_t *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    append_text(m, "", fmt, ap);
    va_end(ap);
}

static long change(size_t from, size_t to) { return (long)to - (long)from; }

/* How the heap's block counts went over a stretch of cycles. A leak grows
 * cycle after cycle; a layout that changed early on (the allocator's free
 * blocks split and merged into their steady shape) and then stayed put, or
 * that goes round the same few shapes (timers and delayed actions landing
 * in different places), is not one. So the counts are judged by their
 * trend, not by the first cycle against the last: the layout grows when
 * the later half of the cycles reaches more used or more free blocks than
 * the earlier half ever did (a block leaked or the heap fragmented further
 * in the later half). */
typedef struct {
    size_t used_most, free_most; /* the most used and free heap blocks after any cycle of a half */
} block_peak_t;

typedef struct {
    block_peak_t earlier, later;
    unsigned long halfway;     /* the earlier half's last cycle */
    unsigned long last_change; /* the cycle the counts last changed in; 0: never */
} layout_t;

static block_peak_t block_peak(const k_mm_stats_t *after, unsigned long from, unsigned long to)
{
    block_peak_t p = {0};
    for (unsigned long c = from; c <= to; c++) {
        p.used_most = after[c].used_blocks > p.used_most ? after[c].used_blocks : p.used_most;
        p.free_most = after[c].free_blocks > p.free_most ? after[c].free_blocks : p.free_most;
    }
    return p;
}

static bool same_layout(const k_mm_stats_t *a, const k_mm_stats_t *b)
{
    return a->used_blocks == b->used_blocks && a->free_blocks == b->free_blocks;
}

/* The heap's layout over cycles from..to (from < to). */
static layout_t layout_of(const k_mm_stats_t *after, unsigned long from, unsigned long to)
{
    assert(from < to);
    layout_t l = {.halfway = from + (to - from) / 2};
    l.earlier = block_peak(after, from, l.halfway);
    l.later = block_peak(after, l.halfway + 1, to);
    for (unsigned long c = from + 1; c <= to; c++)
        if (!same_layout(&after[c - 1], &after[c]))
            l.last_change = c;
    return l;
}

static bool layout_grows(const layout_t *l)
{
    return l->later.used_most > l->earlier.used_most || l->later.free_most > l->earlier.free_most;
}

/* The heap's part when its bytes stayed: the block counts' trend. */
static void add_layout_move(moves_t *m, const layout_t *l)
{
    if (layout_grows(l))
        add_move(m, "heap blocks grew (at most %zu used and %zu free in cycles up to %lu, %zu and %zu after), FreeSz flat",
                 l->earlier.used_most, l->earlier.free_most, l->halfway, l->later.used_most, l->later.free_most);
    else if (!l->last_change)
        add_move(m, "heap flat");
    else if (l->last_change <= l->halfway)
        add_move(m, "heap layout settled after cycle %lu, flat since", l->last_change);
    else
        add_move(m, "heap flat, its layout varies without growing (at most %zu used and %zu free blocks)",
                 l->later.used_most, l->later.free_most);
}

/* The heap's part: FreeSz per cycle, or, when FreeSz came back to where it
 * was, a deeper peak (MinFreeSz) or the block counts' trend (l). */
static void add_heap_move(moves_t *m, const k_mm_stats_t *a, const k_mm_stats_t *b, unsigned long cycles,
                          const layout_t *l, bool moving)
{
    bool free_moved = a->free != b->free, peak_moved = a->maxused != b->maxused;
    if (moving != (free_moved || peak_moved || layout_grows(l)))
        return;
    if (free_moved)
        add_move(m, "heap FreeSz %+.1f bytes per cycle", (double)change(a->free, b->free) / (double)cycles);
    else if (peak_moved)
        add_move(m, "heap MinFreeSz %+ld bytes (a deeper peak), FreeSz flat", -change(a->maxused, b->maxused));
    else
        add_layout_move(m, l);
}

/* The pool's part: it is carved out of the heap at init, so what it hands
 * out never shows in the heap's figures. */
static void add_pool_move(moves_t *m, const k_mm_stats_t *a, const k_mm_stats_t *b, unsigned long cycles, bool moving)
{
    bool used_moved = a->pool_used != b->pool_used;
    if (!a->pool_size || moving != used_moved)
        return;
    if (used_moved)
        add_move(m, "pool UsedSz %+.1f bytes per cycle", (double)change(a->pool_used, b->pool_used) / (double)cycles);
    else
        add_move(m, "pool flat");
}

/* The figures without the block counts (judged by their trend instead). */
static k_mm_stats_t without_blocks(k_mm_stats_t s)
{
    s.used_blocks = s.free_blocks = 0;
    return s;
}

/* What moved from a to b, cycles apart, the heap's layout l in between:
 * what changed first, then what stayed, e.g. "pool UsedSz +32.0 bytes per
 * cycle, heap flat". */
static moves_t what_moved(const k_mm_stats_t *a, const k_mm_stats_t *b, unsigned long cycles, const layout_t *l)
{
    k_mm_stats_t sa = without_blocks(*a), sb = without_blocks(*b);
    moves_t m = {.moved = memcmp(&sa, &sb, sizeof sa) != 0 || layout_grows(l)};
    for (int moving = 1; moving >= 0; moving--) {
        add_heap_move(&m, a, b, cycles, l, moving);
        add_pool_move(&m, a, b, cycles, moving);
    }
    return m;
}

/* Whether the pool is full after cycle c (after: const k_mm_stats_t[]). */
static bool pool_full_after(const void *after, size_t c)
{
    const k_mm_stats_t *s = &((const k_mm_stats_t *)after)[c];
    return s->pool_size && pool_is_full(s->pool_free, s->pool_blk);
}

/* Once the pool is full, the kernel serves its block size from the heap: a
 * pool leak goes on in the heap. One average from cycle 1 to the last
 * would blur both into a small figure of each, so the pool is told up to
 * the cycle it filled up (full, after cycle 1) and the heap from there:
 * "pool UsedSz +32.0 bytes per cycle until full after cycle 255, heap
 * FreeSz -56.0 bytes per cycle from then on". */
static moves_t what_moved_past_a_full_pool(const k_mm_stats_t *after, unsigned long full, unsigned long last)
{
    moves_t m = {.moved = true};
    add_pool_move(&m, &after[1], &after[full], full - 1, true);
    extend_move(&m, " until full after cycle %lu", full);
    if (last == full)
        return m;
    layout_t l = layout_of(after, full, last);
    for (int moving = 1; moving >= 0; moving--)
        add_heap_move(&m, &after[full], &after[last], last - full, &l, moving);
    extend_move(&m, " from then on");
    return m;
}

/* ---- injected faults -------------------------------------------------- */
/* How many faults each point has injected so far. */
typedef struct {
    uint32_t injected[K_FAULT_POINTS];
} fault_count_t;

static fault_count_t faults_so_far(void)
{
    fault_count_t c;
    for (int p = 0; p < K_FAULT_POINTS; p++)
        c.injected[p] = k_fault_injected((k_fault_point_t)p);
    return c;
}

/* The first point that injected a fault since `before`, or K_FAULT_POINTS. */
static k_fault_point_t point_injected_since(const fault_count_t *before)
{
    fault_count_t now = faults_so_far();
    int p = 0;
    while (p < K_FAULT_POINTS && now.injected[p] == before->injected[p])
        p++;
    return (k_fault_point_t)p;
}

typedef struct {
    unsigned long connects; /* connects failed by an injected fault */
} faulted_t;

/* A connect that failed because the fault schedule made a call fail is not
 * the heap running out: the soak says so (for the first one) and goes on,
 * judging the driver by what it leaks across such failures. */
static void say_faulted_connect(faulted_t *f, unsigned long cycle, int rc, k_fault_point_t p,
                                const fault_count_t *before)
{
    if (f->connects++)
        return;
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    char call[32] = ""; /* the call number is kept for a point's first K_FAULT_SCHEDULE_MAX faults */
    uint32_t n = k_fault_injected_call(p, before->injected[p]);
    if (n)
        snprintf(call, sizeof call, " %u", (unsigned)n);
    say("soak: cycle %lu: connect failed with %d: an injected %s fault made %s call%s fail (%lu heap bytes free); "
        "not the heap running out: the soak goes on (later such failures are counted, not told)\n",
        cycle, rc, k_fault_point_name(p), k_fault_point_name(p), call, (unsigned long)st.free);
}

/* Under injected faults the state after a cycle depends on which call
 * failed: even a driver that frees everything holds different blocks,
 * split differently, after different failures, and a pool fault moves a
 * block to the heap. A leak is what piles up across them: the emptiest
 * state (most heap and pool free) of the later half of the cycles holds
 * more than that of the earlier half. Returns the index in [from, to) of
 * the emptiest state: the first of equals, or the last when `latest`. */
static size_t emptiest(const k_mm_stats_t *after, size_t from, size_t to, bool latest)
{
    size_t best = from;
    for (size_t i = from; i < to; i++) {
        size_t free_i = after[i].free + after[i].pool_free, free_best = after[best].free + after[best].pool_free;
        if (free_i > free_best || (latest && free_i == free_best))
            best = i;
    }
    return best;
}

/* Only the bytes: a deeper peak or other splits come with other failures. */
static k_mm_stats_t bytes_only(k_mm_stats_t s)
{
    s = without_blocks(s);
    s.maxused = 0;
    return s;
}

static void say_figures(const k_mm_stats_t *after, unsigned long a, unsigned long b)
{
    say("soak: after cycle %lu: heap FreeSz 0x%08lX, pool UsedSz 0x%08lX; after cycle %lu: heap FreeSz 0x%08lX, "
        "pool UsedSz 0x%08lX\n",
        a, (unsigned long)after[a].free, (unsigned long)after[a].pool_used, b, (unsigned long)after[b].free,
        (unsigned long)after[b].pool_used);
}

typedef struct {
    moves_t moves;
    unsigned long from, to; /* the cycles compared */
} judged_t;

/* What moved over cycles 1..last (after[c]: the figures after cycle c's
 * connect): after cycle 1 against after the last one (apart before and
 * after the pool filled up), or, when faults were injected, the emptiest
 * states of the two halves. */
static judged_t judge(const k_mm_stats_t *after, unsigned long last, const faulted_t *faulted)
{
    fault_count_t injected = faults_so_far();
    if (!memcmp(&injected, &(fault_count_t){0}, sizeof injected)) {
        unsigned long full = pool_filled_up(last, pool_full_after, after);
        if (full)
            return (judged_t){what_moved_past_a_full_pool(after, full, last), 1, last};
        layout_t l = layout_of(after, 1, last);
        return (judged_t){what_moved(&after[1], &after[last], last - 1, &l), 1, last};
    }
    unsigned long half = (last + 1) / 2;
    size_t a = emptiest(after, 1, half + 1, false), b = emptiest(after, half + 1, last + 1, true);
    k_mm_stats_t sa = bytes_only(after[a]), sb = bytes_only(after[b]);
    static const layout_t blocks_not_judged; /* no counts: all 0, flat */
    say("soak: injected faults:");
    for (int p = 0; p < K_FAULT_POINTS; p++)
        say(" %s %u", k_fault_point_name((k_fault_point_t)p), (unsigned)injected.injected[p]);
    say("; %lu of %lu connects failed on them; judged by the emptiest state after cycles 1-%lu against that "
        "after cycles %lu-%lu\n",
        faulted->connects, last, half, half + 1, last);
    return (judged_t){what_moved(&sa, &sb, b - a, &blocks_not_judged), a, b};
}

static unsigned long g_cycle; /* 0: the boot connect */

static unsigned cycle_now(void) { return (unsigned)g_cycle; }

/* One cycle of the seed's loop after its overview; returns the connect's
 * status, 0 when an injected fault failed it (told and counted). */
static int run_cycle(unsigned long cycle, faulted_t *faulted)
{
    aos_msleep(5000);
    hal_wifi_suspend_station(NULL);
    fault_count_t before = faults_so_far();
    int rc = netmgr_reconnect_wifi();
    k_fault_point_t p = rc ? point_injected_since(&before) : K_FAULT_POINTS;
    if (p == K_FAULT_POINTS)
        return rc;
    say_faulted_connect(faulted, cycle, rc, p, &before);
    return 0;
}

int main(int argc, char **argv)
{
    soak_opts_t o = {.log_dir = "."};
    if (parse_opts(argc, argv, &o))
        return 2;
    char default_log[4096];
    if (!o.log_path) {
        mkdir(o.log_dir, 0777); /* an existing one is fine; fopen says what else is wrong */
        snprintf(default_log, sizeof default_log, "%s/%s.log", o.log_dir, SOAK_DRIVER_NAME);
        o.log_path = default_log;
    }
    g_log = fopen(o.log_path, "w");
    if (!g_log) {
        fprintf(stderr, "soak: cannot write the log '%s'\n", o.log_path);
        return 2;
    }
    g_quiet = o.quiet;
    k_print_set(soak_print);
    /* The boot banner tools/mmtrend splits concatenated logs at. */
    soak_print("soak: boot, driver %s\n", SOAK_DRIVER_NAME);
    /* A driver that crashes, hangs in a cycle or calls exit() is a finding (exit status 1). */
    guard_install(&(guard_config_t){.step = cycle_now, .step_name = "cycle", .record_fd = -1, .exit_status = 1});
    guard_arm(GUARD_INPUT_BUDGET_MS);
    /* The device came up connected; the loop then power-cycles the AP. */
    if (drv_boot(0) != 0 || netmgr_reconnect_wifi() != 0) {
        say("soak: the driver did not come up (init or first connect failed); log written to %s\n", o.log_path);
        return 2;
    }
    if (arm_faults(&o))
        return 2;

    unsigned long max = o.cycles ? o.cycles : SOAK_DEFAULT_CYCLES;
    k_mm_stats_t *after = calloc(max + 1, sizeof *after); /* after[c]: after cycle c (0: the boot connect) */
    if (!after)
        abort();
    faulted_t faulted = {0};
    unsigned long cycle;
    int rc = 0;
    for (cycle = 1; cycle <= max; cycle++) {
        g_cycle = cycle;
        guard_arm(GUARD_INPUT_BUDGET_MS);
        soak_print("soak: cycle %lu\n", cycle);
        krhino_mm_overview(NULL);
        k_mm_stats(g_kmm_head, &after[cycle - 1]);
        rc = run_cycle(cycle, &faulted);
        if (rc)
            break;
    }
    guard_disarm();
    if (rc) {
        say("soak: driver %s, connect failed with %d in cycle %lu\n", SOAK_DRIVER_NAME, rc, cycle);
        if (cycle > 2) {
            judged_t j = judge(after, cycle - 1, &faulted);
            say("soak: cycles 1-%lu: %s\n", cycle - 1, j.moves.text);
            say_figures(after, j.from, j.to);
        }
        if (rc == WIFI_ERR_NOMEM)
            say("soak: the heap ran out in cycle %lu\n", cycle);
        say_top_holder();
    } else {
        /* The overview after the last cycle, then the dump, close the log. */
        soak_print("soak: after cycle %lu\n", max);
        krhino_mm_overview(NULL);
        k_mm_stats(g_kmm_head, &after[max]);
        krhino_mm_dump(NULL);
        if (max < 2) {
            say("soak: driver %s, 1 cycle: nothing to compare the overview after cycle 1 with\n", SOAK_DRIVER_NAME);
        } else {
            judged_t j = judge(after, max, &faulted);
            say("soak: driver %s, %lu cycles, %s\n", SOAK_DRIVER_NAME, max, j.moves.text);
            say_figures(after, j.from, j.to);
            rc = j.moves.moved;
        }
    }
    free(after);
    say("soak: log written to %s\n", o.log_path);
    fclose(g_log);
    return rc ? 1 : 0;
}
