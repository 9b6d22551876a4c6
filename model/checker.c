/* The step checker. Every check reads the kernel only to compare it with
 * what the model predicted. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "driver_contract.h"
#include "finding_record.h"
#include "k_mm_validate.h"
#include "k_owned.h"
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
    char suppress_path[4096]; /* where they came from; a new one is added there before an abort */
    char first_signature[160]; /* of the first finding since checker_set_output */
    const char *settled_after;  /* of the quiescence check under way: what the driver was told */
    uint32_t settle_ticks;      /* and how long it then had */
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

typedef enum { OBJ_HEAP, OBJ_POOL, OBJ_STATIC_TIMER } obj_home_t;

typedef struct {
    uintptr_t addr, owner;
    size_t size;
    k_mm_kind_t kind;
    obj_home_t home;
    uint32_t trace; /* its trace record (k_trace.h), 0 = none */
    const char *role; /* how it is involved ("the block hit", ...), NULL = plainly */
} finding_obj_t;

/* What a finding blames beyond its objects: a label for the signature and
 * the faulting call's stack. */
typedef struct {
    const char *label; /* replaces the oracle name in the signature; NULL = the oracle's */
    const uintptr_t *site; /* K_TRACE_FRAMES return addresses, NULL or site[0] == 0: none */
    const char *how; /* what happened, led by the label: the summary's start */
    const char *site_title; /* what site is: NULL = "faulting call" */
    const uintptr_t *locked; /* a mutex involved: where its holder locked it; NULL or [0] == 0: none */
} blame_t;

static const char *const home_names[] = {[OBJ_HEAP] = "heap", [OBJ_POOL] = "pool", [OBJ_STATIC_TIMER] = "driver storage"};

/* "fn (file:line) < caller (file:line) < ...", innermost first. */
static void print_stack(const char *title, const uintptr_t *frames)
{
    if (!frames || !frames[0])
        return;
    g_report.out("    %-14s", title);
    for (int i = 0; i < K_TRACE_FRAMES && frames[i]; i++) {
        char where[256];
        symbolize_owner(frames[i], where, sizeof where);
        g_report.out("%s%s", i ? " < " : "", where);
    }
    g_report.out("\n");
}

static void print_object(const finding_obj_t *o)
{
    char where[SYMBOLIZE_MAX];
    symbolize_owner(o->owner, where, sizeof where);
    g_report.out("  %s%s%s %zu bytes at 0x%08lx (%s), owner %s\n", o->role ? o->role : "", o->role ? ": " : "",
                 o->home == OBJ_STATIC_TIMER ? "static timer" : k_mm_kind_name(o->kind), o->size,
                 (unsigned long)o->addr, home_names[o->home], where);
    const k_trace_t *t = k_trace_get(o->trace);
    if (t && t->addr == o->addr) {
        print_stack("allocated at", t->alloc);
        print_stack("freed at", t->freed);
    }
}

/* The function a signature names: the faulting call's when there is one
 * (misuse), else the first object's owner (a leak puts first the object
 * whose owner sorts first). */
static uintptr_t blamed_code(const finding_obj_t *objs, size_t n, const blame_t *b)
{
    if (b && b->site && b->site[0])
        return b->site[0];
    return n ? objs[0].owner : 0;
}

/* The signature names what broke and who owns it: findings with the same
 * signature are the same bug. */
static void signature_of(oracle_t o, const finding_obj_t *objs, size_t n, const blame_t *b, char *buf, size_t len)
{
    char fn[128] = "-";
    uintptr_t code = blamed_code(objs, n, b);
    if (n || code)
        symbolize_function(code, fn, sizeof fn);
    snprintf(buf, len, "%s/%s/%s", b && b->label ? b->label : oracle_name(o), fn,
             n ? objs[0].home == OBJ_STATIC_TIMER ? "static-timer" : k_mm_kind_name(objs[0].kind) : "-");
}

/* The faults injected so far: what the finding needs (after minimizing,
 * nothing more). */
static void print_faults(void)
{
    int n = 0;
    g_report.out("faults:  ");
    for (int p = 0; p < K_FAULT_POINTS; p++)
        for (uint32_t i = 0; i < k_fault_injected((k_fault_point_t)p) && i < K_FAULT_SCHEDULE_MAX; i++, n++)
            g_report.out(" %s call %u", k_fault_point_name((k_fault_point_t)p),
                         (unsigned)k_fault_injected_call((k_fault_point_t)p, i));
    g_report.out("%s\n", n ? "" : " none");
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
    snprintf(g_report.suppress_path, sizeof g_report.suppress_path, "%s", path);
    char line[sizeof g_report.suppressed[0]];
    while (g_report.nsuppressed < MAX_SUPPRESSED && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && !is_suppressed(line))
            strcpy(g_report.suppressed[g_report.nsuppressed++], line);
    }
    fclose(f);
    return 0;
}

/* The process is about to die on sig: the engine's next process (a fork
 * job, AFL++'s next child) reads it as known and fuzzes on at full speed. */
static void add_to_suppress_file(const char *sig)
{
    FILE *f = g_report.suppress_path[0] ? fopen(g_report.suppress_path, "a") : NULL;
    if (!f)
        return;
    fprintf(f, "%s\n", sig); /* one short append: atomic next to other writers */
    fclose(f);
}

/* Counts a finding; true when its signature is known, which ends the input
 * quietly. */
static bool is_known_finding(const char *sig)
{
    if (g_report.findings++ == 0)
        strcpy(g_report.first_signature, sig);
    return is_suppressed(sig);
}

/* ---- the summary line: what happened, in a firmware engineer's words ------- */
static const char *const oracle_words[] = {
    [ORACLE_CONSERVATION] = "heap figures disagree", [ORACLE_ACCOUNTING] = "accounting off",
    [ORACLE_STRUCTURE] = "heap damaged",              [ORACLE_LIVE_SET] = "heap blocks differ from the program's",
    [ORACLE_CONTENTS] = "memory overwritten",         [ORACLE_TIMERS] = "timer misbehaved",
    [ORACLE_QUIESCENCE] = "leak",                     [ORACLE_ERROR_CONTRACT] = "failed call",
    [ORACLE_MISUSE] = "misuse",                       [ORACLE_DRIVER_FAULT] = "the driver faulted",
};
_Static_assert(sizeof oracle_words / sizeof oracle_words[0] == ORACLE_DRIVER_FAULT + 1, "every oracle has its words");

static const char *object_kind(const finding_obj_t *o)
{
    return o->home == OBJ_STATIC_TIMER ? "static timer" : k_mm_kind_name(o->kind);
}

static bool same_kind_and_owner(const finding_obj_t *a, const finding_obj_t *b)
{
    return a->home == b->home && a->kind == b->kind && a->owner == b->owner;
}

/* "1 timer (80 B) created in fn (file:line)": the first object and those
 * like it; then how many others there are. */
static void describe_objects(const finding_obj_t *objs, size_t n, char *buf, size_t len)
{
    size_t alike = 0, bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (same_kind_and_owner(&objs[i], &objs[0])) {
            alike++;
            bytes += objs[i].size;
        }
    char where[256], freed[256] = "";
    symbolize_owner(objs[0].owner, where, sizeof where);
    const k_trace_t *t = k_trace_get(objs[0].trace);
    if (t && t->addr == objs[0].addr && t->freed[0])
        symbolize_owner(t->freed[0], freed, sizeof freed);
    const char *kind = object_kind(&objs[0]);
    bool blocks = !strcmp(kind, "data");
    int w = snprintf(buf, len, "%zu %s%s%s (%zu B) created in %s%s%s", alike, kind, blocks ? " block" : "",
                     alike > 1 ? "s" : "", bytes, where, freed[0] ? ", freed in " : "", freed);
    if (n > alike && w > 0 && (size_t)w < len)
        snprintf(buf + w, len - (size_t)w, ", and %zu other object%s", n - alike, n - alike > 1 ? "s" : "");
}

/* The summary: a leak says what is still alive and for how long after the
 * driver was stopped; a misuse leads with the kernel's label (its "how" is
 * in actual); the others say what disagreed. */
static void summarize(oracle_t o, const finding_obj_t *objs, size_t nobjs, const blame_t *blame, const char *actual,
                      char *buf, size_t len)
{
    char what[512] = "";
    if (nobjs)
        describe_objects(objs, nobjs, what, sizeof what);
    if (blame && blame->how)
        snprintf(buf, len, "%s%s%s", blame->how, nobjs ? "; block: " : "", what);
    else if (o == ORACLE_QUIESCENCE && nobjs)
        snprintf(buf, len, "leak: %s, still alive %u s after %s", what,
                 (unsigned)(g_report.settle_ticks / RHINO_CONFIG_TICKS_PER_SECOND), g_report.settled_after);
    else
        snprintf(buf, len, "%s: %s%s%s", oracle_words[o], actual, nobjs ? "; " : "", what);
}

static void write_record(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const blame_t *blame,
                         const char *expected, const char *actual, const char *sig, const char *summary)
{
    const char *path = getenv("RTOSFUZZ_FINDING_RECORD");
    if (!path || !path[0])
        return;
    record_obj_t robj[16];
    size_t n = nobjs < 16 ? nobjs : 16;
    for (size_t i = 0; i < n; i++) {
        const k_trace_t *t = k_trace_get(objs[i].trace);
        bool traced = t && t->addr == objs[i].addr;
        robj[i] = (record_obj_t){objs[i].role, object_kind(&objs[i]), home_names[objs[i].home], objs[i].size,
                                 objs[i].addr, objs[i].owner, traced ? t->alloc : NULL,
                                 traced && t->freed[0] ? t->freed : NULL};
    }
    finding_record_t rec = {oracle_name(o), (int)o, summary, step, sig, expected, actual,
                            blame ? blame->site : NULL, robj, n, g_report.listing, g_report.listing_ctx,
                            NULL /* the faults: this process's kernel's */, 0};
    if (finding_record_append(path, &rec) != 0)
        g_report.out("rtosfuzz: cannot write the finding record to %s\n", path);
}

static void print_report(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const blame_t *blame,
                         const char *expected, const char *actual, const char *sig)
{
    k_print_fn out = g_report.out;
    char summary[1024];
    summarize(o, objs, nobjs, blame, actual, summary, sizeof summary);
    write_record(o, step, objs, nobjs, blame, expected, actual, sig, summary);
    out("==== rtosfuzz finding ====\n");
    out("summary:  %s\n", summary);
    out("oracle:   %d %s\n", (int)o, oracle_name(o));
    out("step:     %u\n", step);
    out("expected: %s\n", expected);
    out("actual:   %s\n", actual);
    if (blame && blame->site && blame->site[0]) {
        out("call:\n");
        print_stack(blame->site_title ? blame->site_title : "faulting call", blame->site);
    }
    if (blame && blame->locked)
        print_stack("locked at", blame->locked);
    if (nobjs) {
        out("objects:\n");
        for (size_t i = 0; i < nobjs; i++)
            print_object(&objs[i]);
    }
    print_faults();
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
        add_to_suppress_file(sig);
        fflush(NULL);
        abort();
    }
}

static void report(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const blame_t *blame,
                   const char *expected, const char *actual)
{
    char sig[sizeof g_report.suppressed[0]];
    signature_of(o, objs, nobjs, blame, sig, sizeof sig);
    if (!is_known_finding(sig))
        print_report(o, step, objs, nobjs, blame, expected, actual, sig);
}

/* As report, with the actual state formatted only when it is printed. */
static void finding(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const char *expected,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void finding(oracle_t o, unsigned step, const finding_obj_t *objs, size_t nobjs, const char *expected,
                    const char *fmt, ...)
{
    char sig[sizeof g_report.suppressed[0]];
    signature_of(o, objs, nobjs, NULL, sig, sizeof sig);
    if (is_known_finding(sig))
        return;
    char actual[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(actual, sizeof actual, fmt, ap);
    va_end(ap);
    print_report(o, step, objs, nobjs, NULL, expected, actual, sig);
}

/* ---- oracle 10: driver faults ---------------------------------------------- */
/* Signed <kind>/<function>/-, as misuse is signed by what happened and where. */
void check_driver_fault(unsigned step, const char *kind, uintptr_t site, const char *what)
{
    uintptr_t call[K_TRACE_FRAMES] = {site};
    blame_t blame = {.label = kind, .site = call};
    report(ORACLE_DRIVER_FAULT, step, NULL, 0, &blame, "the driver runs without faulting", what);
}

/* ---- blamed blocks: what the kernel named ------------------------------------ */
static finding_obj_t object_of_trace(const k_trace_t *t, const char *role)
{
    return (finding_obj_t){t->addr, t->alloc[0], t->size, (k_mm_kind_t)t->kind, OBJ_HEAP, t->id, role};
}

static finding_obj_t object_blamed(const k_mm_blame_t *b)
{
    const k_trace_t *t = k_trace_get(b->trace);
    finding_obj_t o = {b->blk, b->owner, b->size, b->kind, OBJ_HEAP, b->trace, NULL};
    if (t && t->addr == b->blk) /* the record knows the owner past wrappers and the requested size */
        o = object_of_trace(t, NULL);
    if (krhino_mm_blk_size(g_kmm_head, (void *)b->blk) == RHINO_CONFIG_MM_BLK_SIZE &&
        k_mm_blk_trace(g_kmm_head, (void *)b->blk) == b->trace)
        o.home = OBJ_POOL;
    return o;
}

#define ROLE_REUSED_BY "what its memory was handed to since"

/* The blamed block, and what is also involved: the timer stored in it,
 * what used to live at a stale pointer, or what a freed block's memory was
 * handed to since. Up to 3 objects. */
static size_t objects_blamed(const k_mm_blame_t *b, finding_obj_t *objs)
{
    size_t n = 0;
    if (b->blk)
        objs[n++] = object_blamed(b);
    const k_trace_t *t = k_trace_get(b->earlier);
    bool timer = !strcmp(b->label, "live-timer-freed");
    if (t && b->earlier != b->trace) {
        objs[n] = object_of_trace(t, timer ? "the live timer in it" : "what lived there before");
        objs[n++].home = timer ? OBJ_STATIC_TIMER : OBJ_HEAP;
    }
    const k_trace_t *now = k_trace_get(b->reused_by);
    if (now)
        objs[n++] = object_of_trace(now, ROLE_REUSED_BY);
    return n;
}

/* A second free, whether the block still sat in quarantine or its memory
 * was handed out again: one label, so the same bug has one signature. */
static const char *double_free_how(bool reused)
{
    return reused ? "double-free: a block was freed a second time, after its memory was handed out again"
                  : "double-free: a block was freed a second time";
}

static const char *blamed_how(const k_mm_blame_t *b, char *buf, size_t len)
{
    const char *kind = k_mm_kind_name(b->kind);
    if (!strcmp(b->label, "use-after-free") && b->call)
        snprintf(buf, len, "%s: %s was called on a deleted %s (its memory freed%s)", b->label, b->call, kind,
                 b->reused_by ? " and handed out again" : "");
    else if (!strcmp(b->label, "invalid-object"))
        snprintf(buf, len, "%s: %s was called with a heap pointer that never was a %s", b->label, b->call,
                 kind);
    else if (!strcmp(b->label, "double-free"))
        snprintf(buf, len, "%s", double_free_how(b->reused_by != 0));
    else if (!strcmp(b->label, "invalid-free") && b->trace)
        snprintf(buf, len, "%s: a pointer that is no live heap block was freed (its header overwritten, or not from "
                 "the heap)", b->label);
    else if (!strcmp(b->label, "use-after-free"))
        snprintf(buf, len, "%s: byte %zu of the block was written after it was freed", b->label, b->offset);
    else if (!strcmp(b->label, "overflow") && b->offset)
        snprintf(buf, len, "%s: a write past the end of the block reached byte %zu, in its slack", b->label,
                 b->offset);
    else if (!strcmp(b->label, "overflow"))
        snprintf(buf, len, "%s: a write past the end of the block damaged the next block's header", b->label);
    else
        snprintf(buf, len, "%s", b->label);
    return buf;
}

/* The summary's start: how, with the labels it leaves bare put in words. */
static const char *blamed_in_words(const k_mm_blame_t *b, const char *how, char *buf, size_t len)
{
    if (strcmp(how, b->label))
        return how;
    static const struct {
        const char *label, *words;
    } words[] = { /* the labels blamed_how leaves bare */
        {"invalid-free", "a pointer the heap never handed out was freed"},
        {"live-timer-freed", "a block was freed while the timer in it was still live"},
        {"corrupt-block", "a block's header was overwritten"},
        {"deadlock", "a wait forever that nothing can end"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(b->label, words[i].label)) {
            snprintf(buf, len, "%s: %s", b->label, words[i].words);
            return buf;
        }
    return how;
}

/* A finding on a block the kernel named (k_mm_blame_t). */
static void blamed_finding(oracle_t o, unsigned step, const k_mm_blame_t *b, const char *expected, const char *what)
{
    finding_obj_t objs[3];
    size_t n = objects_blamed(b, objs);
    char actual[512], how[160], said[160];
    snprintf(actual, sizeof actual, "%s (%s); seen at step %u", blamed_how(b, how, sizeof how), what, step);
    bool waits = !strcmp(b->label, "deadlock");
    blame_t blame = {b->label, b->site, blamed_in_words(b, how, said, sizeof said), waits ? "waiting call" : NULL,
                     b->locked};
    report(o, step, objs, n, &blame, expected, actual);
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

/* ---- the harness's objects by address -------------------------------------- */
/* An open-addressing table from payload address to harness object (its
 * slot) or dynamic timer (MODEL_OBJS + its slot), built once per check, so
 * that each block of a walk is looked up in O(1). */
#define INDEX_SIZE 64 /* a power of two, well above MODEL_OBJS + MODEL_TIMERS */
#define INDEX_TIMER(s) (MODEL_OBJS + (s))

typedef struct {
    uintptr_t addr[INDEX_SIZE]; /* 0: empty */
    int8_t what[INDEX_SIZE];
} addr_index_t;

_Static_assert(MODEL_OBJS + MODEL_TIMERS <= INDEX_SIZE / 2, "the index stays at most half full");

/* Payloads are 8-byte aligned and at least 16 bytes apart. */
static size_t index_home(uintptr_t addr) { return (size_t)(addr >> 3) % INDEX_SIZE; }

static void index_add(addr_index_t *ix, uintptr_t addr, int what)
{
    size_t i = index_home(addr);
    while (ix->addr[i] && ix->addr[i] != addr)
        i = (i + 1) % INDEX_SIZE;
    ix->addr[i] = addr;
    ix->what[i] = (int8_t)what;
}

/* The object or timer at addr, or -1. */
static int index_find(const addr_index_t *ix, uintptr_t addr)
{
    for (size_t i = index_home(addr); ix->addr[i]; i = (i + 1) % INDEX_SIZE)
        if (ix->addr[i] == addr)
            return ix->what[i];
    return -1;
}

/* The slots of the harness's live objects. */
typedef struct {
    int slot[MODEL_OBJS];
    int n;
} live_slots_t;

static void list_live_slots(const check_view_t *v, live_slots_t *live)
{
    live->n = 0;
    for (int i = 0; i < MODEL_OBJS; i++)
        if (v->heap->obj[i].live)
            live->slot[live->n++] = i;
}

/* ix starts empty (zeroed). */
static void index_harness(const check_view_t *v, const live_slots_t *live, addr_index_t *ix)
{
    for (int k = 0; k < live->n; k++)
        index_add(ix, (uintptr_t)v->ptr[live->slot[k]], live->slot[k]);
    for (int s = MODEL_STATIC_TIMERS; v->timers && s < MODEL_TIMERS; s++)
        if (v->timers->t[s].created)
            index_add(ix, (uintptr_t)v->tptr[s], INDEX_TIMER(s));
}

static void index_view(const check_view_t *v, addr_index_t *ix)
{
    live_slots_t live;
    list_live_slots(v, &live);
    index_harness(v, &live, ix);
}

/* ---- oracles 2 and 4: every used block is accounted for --------------------- */
typedef struct {
    const check_view_t *v;
    live_slots_t live;
    addr_index_t index;
    size_t hdr_size;
    bool strays_are_drivers; /* the system harness: blocks of no harness object are the driver's */
    bool matched_obj[MODEL_OBJS];
    size_t matched_size[MODEL_OBJS]; /* the capacity of the block found */
    bool matched_timer[MODEL_TIMERS];
    size_t heap_cost;        /* header + payload of every used heap block not the kernel's */
    size_t objects_cost;     /* of them, the heap model's objects' blocks */
    size_t pool_blocks;
    long delayed_actions;    /* delayed-action records, when the model tracks them */
    finding_obj_t stray;     /* first block nobody owns */
    bool has_stray;
} census_t;

static finding_obj_t object_of(const k_mm_blk_info_t *b)
{
    return (finding_obj_t){b->addr, b->owner, b->size, b->kind, b->in_pool ? OBJ_POOL : OBJ_HEAP,
                           k_mm_blk_trace(g_kmm_head, (void *)b->addr), NULL};
}

/* Called by the validating walk for every used block. */
static bool take_census(const k_mm_blk_info_t *b, void *ctx)
{
    census_t *c = ctx;
    /* the kernel's own blocks (owner 0) are its baseline; the pool slab's
     * payload starts at the first pool block's address */
    size_t heap_cost = !b->in_pool && b->owner != 0 ? c->hdr_size + b->size : 0;
    c->pool_blocks += b->in_pool;
    c->heap_cost += heap_cost;
    int what = index_find(&c->index, b->addr);
    if (what >= INDEX_TIMER(0))
        c->matched_timer[what - INDEX_TIMER(0)] = true;
    else if (what >= 0) {
        c->matched_obj[what] = true;
        c->matched_size[what] = b->size;
        c->objects_cost += heap_cost;
    } else if (b->kind == K_MM_KIND_DELAYED_ACTION && c->v->delayed_actions >= 0)
        c->delayed_actions++;
    else if (b->owner != 0 && !c->strays_are_drivers && !c->has_stray) {
        c->stray = object_of(b);
        c->has_stray = true;
    }
    return true;
}

/* A harness object whose block is gone. If someone else freed it through
 * a stale pointer to a block freed before at the same address, that is
 * that block's second free: a misuse finding as the kernel reports a
 * double free (same oracle and signature: the freeing call, the block it
 * freed first), with the block hit named second. A free by code that
 * never had a block there is a stale free of the block hit. */
/* The block that lived at hit's address before hit's block and was freed:
 * records of hit's own block kept in place (a realloc within it) are
 * passed over, they are the same block, never freed. */
static const k_trace_t *freed_before(const k_trace_t *hit)
{
    const k_trace_t *t = k_trace_last_at(hit->addr, hit->id);
    while (t && !t->freed[0])
        t = k_trace_last_at(hit->addr, t->id);
    return t;
}

static void report_lost_object(const check_view_t *v, int i, size_t cap, bool found)
{
    const model_obj_t *o = &v->heap->obj[i];
    char actual[256];
    snprintf(actual, sizeof actual, "slot %d (%zu bytes, %s) at 0x%08lx: block %s, capacity %zu", i, o->size,
             o->where == WHERE_POOL ? "pool" : "heap", (unsigned long)(uintptr_t)v->ptr[i], found ? "found" : "missing",
             cap);
    const k_trace_t *hit = k_trace_last_at((uintptr_t)v->ptr[i], 0);
    if (!hit || !hit->freed[0]) {
        report(ORACLE_LIVE_SET, v->step, NULL, 0, NULL, "every live object of the model has its block", actual);
        return;
    }
    finding_obj_t hit_obj = object_of_trace(hit, ROLE_REUSED_BY);
    hit_obj.home = o->where == WHERE_POOL ? OBJ_POOL : OBJ_HEAP;
    const k_trace_t *before = freed_before(hit);
    char how[400];
    if (before) {
        finding_obj_t objs[2] = {object_of_trace(before, NULL), hit_obj};
        snprintf(how, sizeof how, "%s (%s: freed through a stale pointer)", double_free_how(true), actual);
        blame_t blame = {.label = "double-free", .site = hit->freed, .how = double_free_how(true)};
        report(ORACLE_MISUSE, v->step, objs, 2, &blame, "every live object of the model has its block", how);
        return;
    }
    hit_obj.role = "the block hit";
    snprintf(how, sizeof how, "stale-free: %s, freed by code that does not own it", actual);
    blame_t blame = {.label = "stale-free", .site = hit->freed, .how = how};
    report(ORACLE_LIVE_SET, v->step, &hit_obj, 1, &blame, "every live object of the model has its block", how);
}

/* ---- oracle 3: structure, with the census on the same walk ----------------- */
/* False when the heap is broken: a census of it would say nothing more. */
static bool check_structure_taking_census(unsigned step, census_t *c)
{
    k_mm_check_t res;
    if (k_mm_validate_walk(g_kmm_head, &res, take_census, c))
        return true;
    if (res.blame.label)
        blamed_finding(ORACLE_STRUCTURE, step, &res.blame, "the heap walk proves every invariant", res.what);
    else
        finding(ORACLE_STRUCTURE, step, NULL, 0, "the heap walk proves every invariant", "%s at 0x%08lx", res.what,
                (unsigned long)res.where);
    return false;
}

static void check_live_set(const check_view_t *v, census_t *c, const k_mm_stats_t *st)
{
    if (c->has_stray)
        finding(ORACLE_LIVE_SET, v->step, &c->stray, 1, "every used block is a live object of the model",
                "a used block nobody allocated (leak or corruption)");
    for (int k = 0; k < c->live.n; k++) {
        int i = c->live.slot[k];
        const model_obj_t *o = &v->heap->obj[i];
        size_t cap = c->matched_size[i]; /* what krhino_mm_blk_size says of a found block */
        bool in_pool = cap == st->pool_blk && o->where == WHERE_POOL;
        if (!c->matched_obj[i] || cap < o->size || (o->where == WHERE_POOL) != in_pool)
            report_lost_object(v, i, cap, c->matched_obj[i]);
    }
    for (int s = MODEL_STATIC_TIMERS; v->timers && s < MODEL_TIMERS; s++)
        if (v->timers->t[s].created && !c->matched_timer[s])
            finding(ORACLE_LIVE_SET, v->step, NULL, 0, "every dynamic timer of the model has its heap block",
                    "timer slot %d has none", s);
    if (v->delayed_actions >= 0 && c->delayed_actions != v->delayed_actions)
        finding(ORACLE_LIVE_SET, v->step, NULL, 0, "a delayed-action record for each pending action of the model",
                "%ld records, the model has %ld pending", c->delayed_actions, v->delayed_actions);
}

static void check_accounting(const check_view_t *v, const census_t *c, const k_mm_stats_t *st)
{
    const model_heap_t *h = v->heap;
    size_t pool_expect = v->driver_may_hold_blocks ? st->pool_blk * c->pool_blocks : h->pool_used;
    if (st->pool_used != pool_expect)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "pool UsedSz = BlkSz x live pool objects",
                "pool UsedSz 0x%zx, expected 0x%zx", st->pool_used, pool_expect);
    if (st->used != h->env.used + c->heap_cost)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "heap UsedSz = kernel baseline + sum(header + block)",
                "UsedSz 0x%zx, kernel 0x%zx + blocks 0x%zx", st->used, h->env.used, c->heap_cost);
    if (c->objects_cost != h->objects_cost)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "the model's heap objects cost what the model predicts",
                "their blocks take 0x%zx, the model 0x%zx", c->objects_cost, h->objects_cost);
    if (v->peak_tracked && st->maxused != h->peak)
        finding(ORACLE_ACCOUNTING, v->step, NULL, 0, "MinFreeSz = TotalSz - the model's peak UsedSz",
                "MinFreeSz 0x%zx, expected 0x%zx", st->total - st->maxused, st->total - h->peak);
}

/* ---- oracle 5: contents ---------------------------------------------------- */
/* An object carries its pattern in two windows, its first and last
 * CONTENT_CHECK_BYTES bytes: writing and checking stay O(1) per object.
 * Byte i of object id is pattern[(id * 31 + i) mod PATTERN_PERIOD], so a
 * window is one memcpy or memcmp from the table. The period's bytes are all
 * different: a block shifted or swapped with another object's shows. */
#define PATTERN_PERIOD 256

static const uint8_t *pattern_at(uint32_t id, size_t i)
{
    static uint8_t pattern[PATTERN_PERIOD + CONTENT_CHECK_BYTES];
    if (!pattern[1]) /* not filled yet (once filled it holds 167) */
        for (size_t j = 0; j < sizeof pattern; j++)
            pattern[j] = (uint8_t)((j % PATTERN_PERIOD) * 167u); /* 167 is odd: a permutation of the bytes */
    return pattern + (id * 31u + i) % PATTERN_PERIOD;
}

static size_t tail_window_start(size_t size) { return size > CONTENT_CHECK_BYTES ? size - CONTENT_CHECK_BYTES : 0; }
static size_t head_window_end(size_t size) { return size < CONTENT_CHECK_BYTES ? size : CONTENT_CHECK_BYTES; }

void checker_write_pattern(unsigned char *p, uint32_t id, size_t size)
{
    size_t tail = tail_window_start(size);
    memcpy(p, pattern_at(id, 0), head_window_end(size));
    memcpy(p + tail, pattern_at(id, tail), size - tail);
}

/* Windows are at most CONTENT_CHECK_BYTES long: within the table. */
static bool range_holds_pattern(const unsigned char *p, uint32_t id, size_t from, size_t to)
{
    return from >= to || !memcmp(p + from, pattern_at(id, from), to - from);
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

static void check_contents(const check_view_t *v, const live_slots_t *live)
{
    /* an object whose block is gone was reported by the live-set oracle; its
     * memory is not read (ASan builds poison it) */
    for (int k = 0; k < live->n; k++) {
        int i = live->slot[k];
        const model_obj_t *o = &v->heap->obj[i];
        if (krhino_mm_blk_size(g_kmm_head, v->ptr[i]))
            check_contents_of(v->step, i, v->ptr[i], o->id, o->size, o->size);
    }
}

/* ---- oracle 6: timer state ------------------------------------------------- */
static void check_timer_matches_model(const check_view_t *v, int s)
{
    const model_timer_t *m = &v->timers->t[s];
    const ktimer_t *k = v->tptr[s];
    bool active = k->timer_state == TIMER_ACTIVE;
    if (active != m->active || (active && k->match != m->match) || k->timer_cb_arg != (void *)(uintptr_t)m->arg)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "every timer in the state the model predicts",
                "slot %d: kernel %s match %llu arg %lu, model %s match %llu arg %u", s,
                active ? "ACTIVE" : "DEACTIVE", (unsigned long long)k->match, (unsigned long)(uintptr_t)k->timer_cb_arg,
                m->active ? "ACTIVE" : "DEACTIVE", (unsigned long long)m->match, (unsigned)m->arg);
    /* A CHANGE applied to the wrong timer, or not at all, shows here before
     * the timer's next start does. */
    if (k->init_count != m->first)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "every timer's first expiry (init_count) as the model predicts",
                "slot %d: kernel init_count %llu, model %llu", s, (unsigned long long)k->init_count,
                (unsigned long long)m->first);
    if (k->round_ticks != m->round)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "every timer's period (round_ticks) as the model predicts",
                "slot %d: kernel round_ticks %llu, model %llu", s, (unsigned long long)k->round_ticks,
                (unsigned long long)m->round);
}

static bool count_kernel_timer(const ktimer_t *t, void *ctx)
{
    (void)t;
    (*(int *)ctx)++;
    return true;
}

static int model_created_timers(const model_timers_t *m)
{
    int n = 0;
    for (int s = 0; s < MODEL_TIMERS; s++)
        n += m->t[s].created;
    return n;
}

/* The timer service as a whole: its tick, the commands still queued, and
 * how many timers it lists as created. The timer harness creates every
 * kernel timer there is, so the kernel's list holds exactly the model's. */
static void check_timer_service_matches_model(const check_view_t *v)
{
    const model_timers_t *m = v->timers;
    if (krhino_sys_tick_get() != m->tick)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "the tick the model counts", "kernel tick %llu, model %llu",
                (unsigned long long)krhino_sys_tick_get(), (unsigned long long)m->tick);
    if (k_timer_queued() != (size_t)m->nq)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "as many queued timer commands as the model posted",
                "kernel queues %zu commands, model %d", k_timer_queued(), m->nq);
    int listed = 0, created = model_created_timers(m);
    k_timer_walk(count_kernel_timer, &listed);
    if (listed != created)
        finding(ORACLE_TIMERS, v->step, NULL, 0, "as many created timers as the model has",
                "kernel lists %d created timers, model %d", listed, created);
}

static void check_timer_state(const check_view_t *v)
{
    if (!v->timers)
        return;
    for (int s = 0; s < MODEL_TIMERS; s++)
        if (v->timers->t[s].created)
            check_timer_matches_model(v, s);
    check_timer_service_matches_model(v);
}

void check_step(const check_view_t *v)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    check_conservation(v->step, &st);
    census_t c = {.v = v, .hdr_size = k_mm_hdr_size(), .strays_are_drivers = v->driver_may_hold_blocks};
    list_live_slots(v, &c.live);
    index_harness(v, &c.live, &c.index);
    if (check_structure_taking_census(v->step, &c)) {
        check_live_set(v, &c, &st);
        check_accounting(v, &c, &st);
    }
    check_contents(v, &c.live);
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

void check_block_cost(unsigned step, const char *call, size_t size, model_cost_range_t range, size_t cost)
{
    if (cost < range.least || cost > range.most)
        finding(ORACLE_ACCOUNTING, step, NULL, 0, "a heap block costs header + size rounded to K_MM_ALIGN, or a little "
                "more when handed out whole",
                "%s of %zu bytes: the block costs %zu, the model allows %zu..%zu", call, size, cost, range.least,
                range.most);
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

void check_errno(unsigned step, const char *call, int want, int got)
{
    if (want != got) {
        char expect[128];
        snprintf(expect, sizeof expect, "%s returns %d", call, want);
        finding(ORACLE_ERROR_CONTRACT, step, NULL, 0, expect, "%d", got);
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
    const k_mm_misuse_t *m = k_mm_last_misuse();
    if (reports && m->blame.label && m->addr == (uintptr_t)addr) {
        char what[160];
        snprintf(what, sizeof what, "%s at 0x%08lx, %s; %d reports", m->what, (unsigned long)m->addr, k_err_name(got),
                 reports);
        blamed_finding(ORACLE_MISUSE, step, &m->blame, expect, what);
        return;
    }
    finding(ORACLE_MISUSE, step, NULL, 0, expect, "%d reports, last %s at 0x%08lx", reports,
            reports ? k_err_name(got) : "-", (unsigned long)(uintptr_t)addr);
}

/* ---- oracle 7: quiescence ---------------------------------------------------- */
#define BASELINE_STATIC_TIMERS 32 /* static timers a baseline names; more are only counted */
#define LOCKED_MUTEXES 8           /* locked driver mutexes a census keeps; more are only counted */

/* The driver's mutexes that are locked: their blocks, and how many. */
typedef struct {
    k_mm_blk_info_t blk[LOCKED_MUTEXES];
    uint32_t trace[LOCKED_MUTEXES];
    size_t n, more;
} locked_mutexes_t;

struct checker_baseline {
    drv_blocks_t *blocks; /* the driver's */
    size_t timers, active_timers;
    const ktimer_t *static_timer[BASELINE_STATIC_TIMERS];
    uint32_t static_trace[BASELINE_STATIC_TIMERS];
    size_t nstatic;
    size_t kinds[K_MM_KIND_COUNT]; /* the driver's blocks of each kind: timer, mutex, sem, queue, ... */
    locked_mutexes_t locked; /* locked after init: not a finding when still locked */
};

/* Blocks that are neither the harness's nor the kernel's belong to the driver. */
static bool is_driver_block(const k_mm_blk_info_t *b, void *ctx)
{
    const addr_index_t *harness = ctx;
    return b->owner != 0 && index_find(harness, b->addr) < 0;
}

static bool count_driver_timer(const ktimer_t *t, void *ctx)
{
    checker_baseline_t *b = ctx;
    b->timers++;
    b->active_timers += t->timer_state == TIMER_ACTIVE;
    if (t->mm_alloc_flag == K_OBJ_STATIC_ALLOC && b->nstatic < BASELINE_STATIC_TIMERS) {
        b->static_timer[b->nstatic] = t;
        b->static_trace[b->nstatic++] = t->trace;
    }
    return true;
}

static bool baseline_holds_timer(const checker_baseline_t *b, const ktimer_t *t, uint32_t trace)
{
    for (size_t i = 0; i < b->nstatic; i++)
        if (b->static_timer[i] == t && b->static_trace[i] == trace)
            return true;
    return false;
}

/* Static timers (driver storage, no heap block of their own) created since
 * the baseline, named by their creator. */
static size_t list_new_static_timers(const checker_baseline_t *base, const checker_baseline_t *now,
                                     finding_obj_t *out, size_t room)
{
    size_t n = 0;
    for (size_t i = 0; i < now->nstatic && n < room; i++) {
        const ktimer_t *t = now->static_timer[i];
        if (!baseline_holds_timer(base, t, now->static_trace[i]))
            out[n++] = (finding_obj_t){(uintptr_t)t, t->owner, sizeof *t, K_MM_KIND_TIMER, OBJ_STATIC_TIMER,
                                       t->trace, NULL};
    }
    return n;
}

static bool note_locked_mutex(const k_mm_blk_info_t *b, void *ctx)
{
    locked_mutexes_t *l = ctx;
    if (!b->used || b->kind != K_MM_KIND_MUTEX || b->owner == 0 || !k_mutex_locked_at((const void *)b->addr))
        return true;
    if (l->n == LOCKED_MUTEXES) {
        l->more++;
        return true;
    }
    l->trace[l->n] = k_mm_blk_trace(g_kmm_head, (const void *)b->addr);
    l->blk[l->n++] = *b;
    return true;
}

static bool was_locked_at_baseline(const checker_baseline_t *base, const k_mm_blk_info_t *b, uint32_t trace)
{
    for (size_t i = 0; i < base->locked.n; i++)
        if (base->locked.blk[i].addr == b->addr && base->locked.trace[i] == trace)
            return true;
    return false;
}

/* A driver mutex locked since the baseline and still locked after settling:
 * whoever locked it returned without unlocking (an error path), and the
 * next lock of it waits forever. Reported with its creator and lock site. */
/* now: the mutexes locked after settling (noted on the quiescence walk). */
static void check_no_mutex_held(const check_view_t *v, const checker_baseline_t *base, const locked_mutexes_t *now,
                                const char *expect)
{
    for (size_t i = 0; i < now->n; i++) {
        if (was_locked_at_baseline(base, &now->blk[i], now->trace[i]))
            continue;
        finding_obj_t obj = object_of(&now->blk[i]);
        obj.role = "still locked";
        char actual[160];
        snprintf(actual, sizeof actual, "a mutex locked since init is still locked after %s",
                 g_report.settled_after);
        const uintptr_t *site = k_mutex_locked_at((const void *)obj.addr);
        blame_t blame = {"mutex-held", site, "mutex-held: a driver mutex is still locked after settling",
                         "locked at", NULL};
        report(ORACLE_QUIESCENCE, v->step, &obj, 1, &blame, expect, actual);
        return;
    }
}

checker_baseline_t *checker_baseline_take(const check_view_t *v)
{
    checker_baseline_t *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    addr_index_t harness = {.addr = {0}};
    index_view(v, &harness);
    b->blocks = drv_blocks_take(is_driver_block, &harness);
    k_timer_walk(count_driver_timer, b);
    k_mm_walk(g_kmm_head, note_locked_mutex, &b->locked);
    for (size_t i = 0; i < drv_blocks_count(b->blocks); i++)
        drv_count_kind(b->kinds, drv_blocks_at(b->blocks, i));
    return b;
}

void checker_baseline_release(checker_baseline_t *b)
{
    if (b)
        drv_blocks_release(b->blocks);
    free(b);
}

/* The driver's blocks (and locked mutexes) now, against its baseline, in one
 * walk and no copy. */
typedef struct {
    addr_index_t harness;
    const drv_blocks_t *base;
    size_t blocks;
    finding_obj_t leaked[16];
    size_t nleaked, unlisted;
    size_t kinds[K_MM_KIND_COUNT]; /* the driver's blocks of each kind */
    locked_mutexes_t locked;       /* mutexes still locked */
} driver_census_t;

static bool compare_driver_block(const k_mm_blk_info_t *b, void *ctx)
{
    driver_census_t *d = ctx;
    note_locked_mutex(b, &d->locked);
    if (!b->used || !is_driver_block(b, &d->harness))
        return true;
    d->blocks++;
    drv_count_kind(d->kinds, b);
    if (drv_blocks_holds(d->base, b))
        return true;
    if (d->nleaked < sizeof d->leaked / sizeof d->leaked[0])
        d->leaked[d->nleaked++] = object_of(b);
    else
        d->unlisted++;
    return true;
}

/* Orders leaked objects by what names their bug: the owner's function,
 * then the kind. Addresses and creation order are left out: both move when
 * unrelated operations change the heap's layout or the order of events. */
static int compare_bug_names(const finding_obj_t *a, const finding_obj_t *b)
{
    char fa[128], fb[128];
    symbolize_function(a->owner, fa, sizeof fa);
    symbolize_function(b->owner, fb, sizeof fb);
    int c = strcmp(fa, fb);
    return c ? c : strcmp(object_kind(a), object_kind(b));
}

/* A leak of several objects is one bug: the object that signs it comes
 * first (the rest keep their heap order), so every layout of the same
 * leak gets the same signature. */
static void lead_with_the_signing_object(finding_obj_t *objs, size_t n)
{
    if (!n)
        return;
    size_t lead = 0;
    for (size_t i = 1; i < n; i++)
        if (compare_bug_names(&objs[i], &objs[lead]) < 0)
            lead = i;
    finding_obj_t first = objs[lead];
    memmove(objs + 1, objs, lead * sizeof objs[0]);
    objs[0] = first;
}

void check_quiescence(const check_view_t *v, const checker_baseline_t *base, uint32_t settle_ticks)
{
    char expect[160];
    snprintf(expect, sizeof expect, "after settling (%u ticks) the driver holds only what init allocated",
             (unsigned)settle_ticks);
    g_report.settled_after = v->settled_after ? v->settled_after : "the driver was stopped";
    g_report.settle_ticks = settle_ticks;
    driver_census_t d = {.base = base->blocks};
    index_view(v, &d.harness);
    k_mm_walk(g_kmm_head, compare_driver_block, &d);
    check_no_mutex_held(v, base, &d.locked, expect);
    checker_baseline_t now = {.blocks = NULL}; /* its timers; its blocks are d's */
    k_timer_walk(count_driver_timer, &now);
    size_t room = sizeof d.leaked / sizeof d.leaked[0];
    d.nleaked += list_new_static_timers(base, &now, d.leaked + d.nleaked, room - d.nleaked);
    long more_blocks = (long)d.blocks - (long)drv_blocks_count(base->blocks);
    long more_timers = (long)now.timers - (long)base->timers;
    char kinds[DRV_KINDS_TEXT_MAX];
    bool kinds_moved = drv_describe_kinds(d.kinds, base->kinds, kinds) > 0;
    if (!d.nleaked && !more_blocks && !more_timers && !kinds_moved && now.active_timers == base->active_timers)
        return;
    lead_with_the_signing_object(d.leaked, d.nleaked);
    finding(ORACLE_QUIESCENCE, v->step, d.leaked, d.nleaked, expect,
            "%ld driver blocks more than after init (%zu not listed), timers %+ld (%zu active); objects: %s",
            more_blocks, d.unlisted, more_timers, now.active_timers, kinds_moved ? kinds : "none moved");
}
