/* Heap allocator: power-of-two segregated free lists with a bitmap,
 * immediate coalescing with both physical neighbours. See k_mm.h for the
 * accounting rules and k_mm_internal.h for the block layout. */
#include <stdio.h>
#include <string.h>

#include "k_mm_internal.h"
#include "k_timer.h"

k_mm_head *g_kmm_head;

/* The largest request considered at all; anything above fails cleanly
 * before any size arithmetic can wrap. */
#define K_MM_MAX_REQUEST (((size_t)-1 >> 2) & ~(size_t)(K_MM_ALIGN - 1))

#define CALLER() ((uintptr_t)__builtin_return_address(0))

/* ---- misuse ----------------------------------------------------------- */
static k_mm_misuse_t g_last_misuse;

const k_mm_misuse_t *k_mm_last_misuse(void) { return &g_last_misuse; }

void mm_report_misuse(kstat_t err, const void *addr, const char *what, const k_mm_blame_t *blame)
{
    k_printf("WARNING, %s: " K_ADDR_FMT "\n", what, K_ADDR(addr));
    g_last_misuse = (k_mm_misuse_t){.err = err, .addr = (uintptr_t)addr};
    snprintf(g_last_misuse.what, sizeof g_last_misuse.what, "%s", what);
    g_last_misuse.blame = *blame;
    k_err_proc(err, addr);
}

void k_mm_report_misuse(kstat_t err, const void *addr, const char *what, const k_mm_blame_t *blame)
{
    mm_report_misuse(err, addr, what, blame);
}

/* A free block's header keeps no trustworthy owner (a split leaves whatever
 * was there): what it is named by is the last record at its address. */
k_mm_blame_t mm_blame_blk(const char *label, const k_mm_blk_t *b)
{
    uintptr_t p = (uintptr_t)blk_payload(b);
    k_mm_blame_t blame = {.label = label, .blk = p, .size = blk_size(b), .kind = blk_kind(b)};
    const k_trace_t *t = k_trace_get(blk_trace(b));
    if (!t || t->addr != p)
        t = k_trace_last_at(p, 0);
    if (t) {
        blame.trace = t->id;
        blame.owner = t->alloc[0];
        blame.kind = (k_mm_kind_t)t->kind;
        /* a write after free may come through a pointer to what lived here before */
        const k_trace_t *before = strcmp(label, "use-after-free") ? NULL : k_trace_last_at(p, t->id);
        blame.earlier = before ? before->id : 0;
    } else if (!blk_is_free(b)) {
        blame.owner = blk_owner(b);
    }
    return blame;
}

/* Blame on the block at the faulting call's site. */
static void report_at(kstat_t err, const void *addr, const char *what, k_mm_blame_t blame, uintptr_t site)
{
    k_trace_stack(site, blame.site);
    mm_report_misuse(err, addr, what, &blame);
}

/* A pointer that is no live block: name what used to live there, if anything. */
static k_mm_blame_t blame_stale(const char *label, const void *ptr)
{
    const k_trace_t *t = k_trace_last_at((uintptr_t)ptr, 0);
    k_mm_blame_t b = {.label = label, .blk = (uintptr_t)ptr};
    if (t) {
        b.trace = t->id;
        b.owner = t->alloc[0];
        b.size = t->size;
        b.kind = (k_mm_kind_t)t->kind;
    }
    return b;
}

/* ---- objects handed to an object API -------------------------------- */
/* False before the heap exists (h NULL). */
static bool in_heap_or_pool(const k_mm_head *h, uintptr_t a)
{
    if (!h)
        return false;
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, (const void *)a))
        return true;
#endif
    return mm_region_of(h, a) != NULL;
}

bool k_mm_object_is_readable(const k_mm_head *h, const void *obj)
{
    return !in_heap_or_pool(h, (uintptr_t)obj) || krhino_mm_blk_size(h, obj) != 0;
}

/* The newest record of an object of kind at a, or NULL. */
static const k_trace_t *last_object_at(uintptr_t a, k_mm_kind_t kind)
{
    const k_trace_t *t = k_trace_last_at(a, 0);
    while (t && t->kind != kind)
        t = k_trace_last_at(a, t->id);
    return t;
}

/* Blame on a freed object or block, with what its memory was handed to since. */
static k_mm_blame_t blame_freed_record(const char *label, const k_trace_t *t)
{
    k_mm_blame_t b = {.label = label, .blk = t->addr, .trace = t->id, .owner = t->alloc[0], .size = t->size,
                      .kind = (k_mm_kind_t)t->kind};
    const k_trace_t *now = k_trace_last_at(t->addr, 0); /* t itself, or newer */
    b.reused_by = now->id != t->id ? now->id : 0;
    return b;
}

/* A free of ptr, which is no block's start now: if a block started there
 * and was freed, its memory has since been merged or handed out again, and
 * this is that block's second free. */
static k_mm_blame_t blame_not_a_block(const void *ptr)
{
    const k_trace_t *t = k_trace_last_at((uintptr_t)ptr, 0);
    return t && t->freed[0] ? blame_freed_record("double-free", t) : blame_stale("invalid-free", ptr);
}

/* The pool's slab and a region's sentinel are the heap's own blocks, not
 * storage handed to a caller. */
static bool is_callers_block(const k_mm_blk_info_t *blk)
{
    return blk->used && blk->kind != K_MM_KIND_POOL && blk->kind != K_MM_KIND_REGION;
}

static bool block_does_not_hold(const k_mm_blk_info_t *blk, void *ctx)
{
    uintptr_t a = *(const uintptr_t *)ctx;
    return !(is_callers_block(blk) && a >= blk->addr && a - blk->addr < blk->size); /* false stops the walk */
}

/* a lies in the payload of a live heap or pool block: storage its owner
 * may hold a kernel object in (a context struct with a ktimer_t inside).
 * Also true when the heap is too corrupt to walk: that is reported apart. */
static bool in_live_block(const k_mm_head *h, uintptr_t a) { return !k_mm_walk(h, block_does_not_hold, &a); }

void k_mm_report_dead_object(const void *obj, k_mm_kind_t kind, const char *api, uintptr_t site)
{
    uintptr_t a = (uintptr_t)obj;
    if (!in_heap_or_pool(g_kmm_head, a) || in_live_block(g_kmm_head, a))
        return; /* the caller's storage: rhino's plain error return */
    const k_trace_t *was = last_object_at(a, kind);
    if (!was)
        was = k_trace_last_at(a, 0); /* a block that started there */
    k_mm_blame_t b = was ? blame_freed_record("use-after-free", was) : blame_stale("invalid-object", obj);
    b.kind = kind; /* what the call wanted: the signature's kind */
    b.call = api;
    report_at(RHINO_KOBJ_TYPE_ERR, obj, was ? "object API call on a freed object" : "object API call on no object", b,
              site);
}

/* ---- free lists ------------------------------------------------------- */
static void freelist_insert(k_mm_head *h, k_mm_blk_t *b)
{
    unsigned idx = size_class(blk_size(b));
    k_mm_links_t *l = blk_links(b);
    l->prev = NULL;
    l->next = h->freelist[idx];
    if (l->next)
        blk_links(l->next)->prev = b;
    h->freelist[idx] = b;
    h->bitmap |= (size_t)1 << idx;
    h->free_blocks++;
    h->free += K_MM_HDR_SIZE + blk_size(b);
}

/* Safe unlinking: a free-list link is followed only when it names a free
 * block inside the heap whose links point back. */
bool mm_link_in_heap(const k_mm_head *h, const k_mm_blk_t *t)
{
    uintptr_t a = (uintptr_t)t;
    const k_mm_region_t *r = mm_region_of(h, a);
    return r && a % K_MM_ALIGN == 0 && region_holds(r, a, K_MM_MIN_BLOCK);
}

/* t, a link of b's, names a listed free block whose own link (back) names b. */
static bool link_points_back(const k_mm_head *h, const k_mm_blk_t *t, const k_mm_blk_t *b, bool back_is_prev)
{
    if (!mm_link_in_heap(h, t) || !blk_is_listed_free(t))
        return false;
    return (back_is_prev ? blk_links(t)->prev : blk_links(t)->next) == b;
}

static bool links_are_sound(const k_mm_head *h, const k_mm_blk_t *b)
{
    const k_mm_links_t *l = blk_links(b);
    bool prev_ok = l->prev ? link_points_back(h, l->prev, b, false) : h->freelist[size_class(blk_size(b))] == b;
    bool next_ok = !l->next || link_points_back(h, l->next, b, true);
    return blk_is_listed_free(b) && prev_ok && next_ok;
}

static bool link_is_plausible(const k_mm_head *h, const k_mm_blk_t *t) { return !t || mm_link_in_heap(h, t); }

/* b and a neighbour on its list disagree: the one whose own link points
 * nowhere in the heap is the one written over (a late write leaves its
 * bytes, not a heap address), else b. */
const k_mm_blk_t *mm_blk_with_damaged_links(const k_mm_head *h, const k_mm_blk_t *b)
{
    const k_mm_links_t *l = blk_links(b);
    if (!link_is_plausible(h, l->next) || !link_is_plausible(h, l->prev))
        return b;
    if (l->next && blk_is_listed_free(l->next) && !link_is_plausible(h, blk_links(l->next)->prev))
        return l->next;
    if (l->prev && blk_is_listed_free(l->prev) && !link_is_plausible(h, blk_links(l->prev)->next))
        return l->prev;
    return b;
}

/* Free-list damage: the heap refuses further allocations rather than
 * follow it, and says which block was written after it was freed. */
static bool heap_refuses_broken_links(k_mm_head *h, const k_mm_blk_t *b)
{
    if (links_are_sound(h, b))
        return false;
    if (h->broken)
        return true; /* reported once */
    h->broken = true;
    b = mm_blk_with_damaged_links(h, b);
    k_mm_blame_t blame = mm_blame_blk("use-after-free", b);
    mm_report_misuse(RHINO_MM_CORRUPT_ERR, blk_payload(b), "free block's list links overwritten (write after free)",
                     &blame);
    return true;
}

/* Takes b, whose links were just checked, off its list. */
static void freelist_unlink(k_mm_head *h, k_mm_blk_t *b)
{
    unsigned idx = size_class(blk_size(b));
    k_mm_links_t *l = blk_links(b);
    if (l->prev)
        blk_links(l->prev)->next = l->next;
    else
        h->freelist[idx] = l->next;
    if (l->next)
        blk_links(l->next)->prev = l->prev;
    if (!h->freelist[idx])
        h->bitmap &= ~((size_t)1 << idx);
    h->free_blocks--;
    h->free -= K_MM_HDR_SIZE + blk_size(b);
}

static bool freelist_remove(k_mm_head *h, k_mm_blk_t *b)
{
    if (heap_refuses_broken_links(h, b))
        return false;
    freelist_unlink(h, b);
    return true;
}

/* A bounded look through the request's own class, then any block of a
 * higher class (all of which fit), then the rest of the own class: a
 * request fails only when no free block is large enough. */
static k_mm_blk_t *scan_class(k_mm_head *h, unsigned idx, size_t need, unsigned limit)
{
    k_mm_blk_t *b = h->freelist[idx];
    for (unsigned n = 0; b && n < limit; n++, b = blk_links(b)->next) {
        if (heap_refuses_broken_links(h, b))
            return NULL;
        if (blk_size(b) >= need)
            return b;
    }
    return NULL;
}

static k_mm_blk_t *find_free_block(k_mm_head *h, size_t need)
{
    if (h->broken)
        return NULL;
    unsigned idx = size_class(need);
    k_mm_blk_t *b = scan_class(h, idx, need, RHINO_CONFIG_MM_SCAN_LIMIT);
    if (b)
        return b;
    size_t higher = h->bitmap & ~(((size_t)2 << idx) - 1);
    if (h->broken)
        return NULL; /* the scan above met a damaged link */
    if (higher)
        return scan_class(h, (unsigned)__builtin_ctzll((unsigned long long)higher), 0, 1);
    return scan_class(h, idx, need, (unsigned)-1);
}

/* ---- block state ------------------------------------------------------ */
static void blk_set_size(k_mm_blk_t *b, size_t size) { b->size = size | (b->size & K_MM_FLAGS); }

static void blk_mark_used(k_mm_blk_t *b, uintptr_t owner, k_mm_kind_t kind)
{
    b->size &= ~(size_t)K_MM_FREE;
    blk_next_phys(b)->size &= ~(size_t)K_MM_PREVFREE;
#if RHINO_CONFIG_MM_DEBUG
    b->owner = owner;
    b->dye = K_MM_DYE_USED | (uint32_t)kind;
#endif
}

static void blk_mark_free(k_mm_blk_t *b)
{
    b->size |= K_MM_FREE;
    blk_next_phys(b)->size |= K_MM_PREVFREE;
#if RHINO_CONFIG_MM_DEBUG
    b->dye = K_MM_DYE_FREE;
#endif
}

static void blk_link_next(k_mm_blk_t *b) { blk_next_phys(b)->prev_phys = b; }

/* Cuts a used block b down to `need` payload bytes when the rest can form a
 * block of its own; the rest is freed (and merged with a free successor). */
static k_mm_blk_t *blk_absorb_next(k_mm_head *h, k_mm_blk_t *b);

static void blk_trim(k_mm_head *h, k_mm_blk_t *b, size_t need)
{
    size_t size = blk_size(b);
    if (size < need + K_MM_MIN_BLOCK)
        return;
    k_mm_blk_t *rest = (k_mm_blk_t *)(void *)(blk_payload(b) + need);
    rest->size = (size - need - K_MM_HDR_SIZE) | K_MM_FREE;
    rest->prev_phys = b;
    blk_set_size(b, need);
    blk_link_next(rest);
    blk_mark_free(rest);
    mm_asan_poison(h, rest, K_MM_HDR_SIZE + blk_size(rest));
    k_mm_blk_t *after = blk_next_phys(rest);
    if (blk_is_listed_free(after) && freelist_remove(h, after))
        blk_absorb_next(h, rest);
    freelist_insert(h, rest);
}

/* Merges b's free physical successor into b (which is off the lists). */
static k_mm_blk_t *blk_absorb_next(k_mm_head *h, k_mm_blk_t *b)
{
    k_mm_blk_t *next = blk_next_phys(b);
    blk_set_size(b, blk_size(b) + K_MM_HDR_SIZE + blk_size(next));
    blk_link_next(b);
    return b;
}

static void note_peak(k_mm_head *h)
{
    size_t used = h->total - h->free;
    if (used > h->maxused)
        h->maxused = used;
}

/* ---- pointer checks --------------------------------------------------- */
const k_mm_region_t *mm_region_of(const k_mm_head *h, uintptr_t addr)
{
    for (const k_mm_region_t *r = h->regions; r; r = r->next)
        if (addr >= r->start && addr < r->end)
            return r;
    return NULL;
}

/* The block just before b in its region, found by walking from the start
 * (b's own prev_phys is not trusted); NULL if the walk does not reach b. */
static const k_mm_blk_t *blk_before(const k_mm_region_t *r, const k_mm_blk_t *b)
{
    const k_mm_blk_t *prev = region_first_blk(r), *n;
    while ((n = region_next_blk(r, prev)) && n != b)
        prev = n;
    return n ? prev : NULL;
}

k_mm_blame_t mm_blame_header(const k_mm_blk_t *prev, const k_mm_blk_t *b)
{
    if (prev && !blk_is_free(prev) && blk_dye_ok(prev) && blk_kind(prev) != K_MM_KIND_REGION)
        return mm_blame_blk("overflow", prev);
    return (k_mm_blame_t){.label = "corrupt-block", .blk = (uintptr_t)blk_payload(b)};
}

static k_mm_blame_t blame_damaged_header(const k_mm_region_t *r, const k_mm_blk_t *b)
{
    return mm_blame_header(blk_before(r, b), b);
}

static bool header_is_freed(const k_mm_blk_t *b)
{
#if RHINO_CONFIG_MM_DEBUG
    return blk_is_free(b) && blk_dye_ok(b);
#else
    return blk_is_free(b);
#endif
}

/* Returns the header of a live heap block, or NULL after reporting why ptr
 * cannot be one (site: the faulting call). Checks only what free/realloc
 * need, in O(1) but for the error paths. */
static k_mm_blk_t *live_block_of(k_mm_head *h, void *ptr, uintptr_t site)
{
    uintptr_t a = (uintptr_t)ptr;
    const k_mm_region_t *r = mm_region_of(h, a);
    if (!r || a % K_MM_ALIGN || a < r->start + 2 * K_MM_HDR_SIZE) {
        report_at(RHINO_MM_FREE_ADDR_ERR, ptr, "free of a pointer not from the heap", blame_stale("invalid-free", ptr),
                  site);
        return NULL;
    }
    k_mm_blk_t *b = blk_from_payload(ptr);
    if (header_is_freed(b)) {
        report_at(RHINO_MM_DOUBLE_FREE, ptr, "double free", mm_blame_blk("double-free", b), site);
        return NULL;
    }
    if (!blk_dye_ok(b)) {
        k_mm_blame_t blame = blame_not_a_block(ptr);
        report_at(RHINO_MM_CORRUPT_ERR, ptr,
                  strcmp(blame.label, "double-free") ? "block header dye overwritten or pointer not from the heap"
                                                     : "double free of a block whose memory was reused",
                  blame, site);
        return NULL;
    }
    k_mm_blk_t *next = region_next_blk(r, b);
    if (!next || next->prev_phys != b || blk_prev_is_free(next) || !blk_dye_ok(next) ||
        blk_size(b) < K_MM_MIN_PAYLOAD) {
        report_at(RHINO_MM_CORRUPT_ERR, ptr, "block header size or successor link corrupt",
                  mm_blame_blk("overflow", b), site);
        return NULL;
    }
    k_mm_blk_t *prev = b->prev_phys;
    if (!region_holds(r, (uintptr_t)prev, K_MM_HDR_SIZE) || (uintptr_t)prev % K_MM_ALIGN ||
        region_next_blk(r, prev) != b || blk_is_free(prev) != blk_prev_is_free(b) || !blk_dye_ok(prev)) {
        report_at(RHINO_MM_CORRUPT_ERR, ptr, "block header predecessor link corrupt", blame_damaged_header(r, b),
                  site);
        return NULL;
    }
    return b;
}

/* ---- heap core -------------------------------------------------------- */
static size_t request_to_payload(size_t size)
{
    size_t need = align_up(size);
    return need < K_MM_MIN_PAYLOAD ? K_MM_MIN_PAYLOAD : need;
}

static void report_alloc_failure(k_mm_head *h, size_t size)
{
    k_printf("WARNING, malloc failed!!!! need size:%d, but free size:%d\n",
             (int)(size > (size_t)INT32_MAX ? INT32_MAX : size), (int)h->free);
    if (!h->dumped) {
        h->dumped = true;
        k_mm_dump(h, NULL);
    }
}

static void *heap_alloc(k_mm_head *h, size_t size, uintptr_t owner, k_mm_kind_t kind)
{
    size_t need = request_to_payload(size);
    k_mm_blk_t *b = find_free_block(h, need); /* its links are checked */
    if (!b)
        return NULL;
    freelist_unlink(h, b);
    blk_mark_used(b, owner, kind);
    blk_trim(h, b, need);
    h->used_blocks++;
    note_peak(h);
    return blk_payload(b);
}

/* Puts a free block (marked, off the lists) back, merged with its listed
 * free neighbours. */
static void release_block(k_mm_head *h, k_mm_blk_t *b)
{
    blk_mark_free(b);
    if (blk_is_listed_free(blk_next_phys(b)) && freelist_remove(h, blk_next_phys(b)))
        blk_absorb_next(h, b);
    if (blk_prev_is_free(b) && blk_is_listed_free(b->prev_phys) && freelist_remove(h, b->prev_phys))
        b = blk_absorb_next(h, b->prev_phys);
    freelist_insert(h, b);
}

/* ---- quarantine ------------------------------------------------------- */
#if RHINO_CONFIG_MM_DEBUG
static const uint64_t k_poison_word = 0x0101010101010101ull * K_MM_POISON;

size_t mm_poison_damage(const k_mm_blk_t *b)
{
    const uint64_t *w = (const uint64_t *)(const void *)blk_payload(b);
    size_t words = blk_size(b) / sizeof *w;
    for (size_t i = 0; i < words; i++) {
        if (w[i] == k_poison_word)
            continue;
        const uint8_t *p = (const uint8_t *)&w[i];
        size_t k = 0;
        while (p[k] == K_MM_POISON)
            k++;
        return i * sizeof *w + k;
    }
    return blk_size(b);
}

static k_mm_blk_t **quarantine_slot(k_mm_head *h, unsigned i)
{
    return &h->quarantine[(h->q_first + i) % RHINO_CONFIG_MM_QUARANTINE];
}

/* The oldest block leaves: its poison and header are checked, then it is
 * freed for real. A block whose header is damaged stays out of the lists. */
static void quarantine_release_oldest(k_mm_head *h)
{
    k_mm_blk_t *b = *quarantine_slot(h, 0);
    h->q_first = (h->q_first + 1) % RHINO_CONFIG_MM_QUARANTINE;
    h->q_count--;
    const k_mm_region_t *r = mm_region_of(h, (uintptr_t)b);
    k_mm_blk_t *next = region_next_blk(r, b);
    if (!blk_is_quarantined(b) || !next || next->prev_phys != b) {
        k_mm_blame_t blame = blame_damaged_header(r, b);
        mm_report_misuse(RHINO_MM_CORRUPT_ERR, blk_payload(b), "quarantined block's header overwritten", &blame);
        return;
    }
    size_t at = mm_poison_damage(b);
    if (at < blk_size(b)) {
        k_mm_blame_t blame = mm_blame_blk("use-after-free", b);
        blame.offset = at;
        mm_report_misuse(RHINO_MM_CORRUPT_ERR, blk_payload(b), "freed block written after free", &blame);
    }
    h->free -= K_MM_HDR_SIZE + blk_size(b);
    release_block(h, b);
}

/* Holds b back: counted free, poisoned, neither merged nor reused. */
static void quarantine_hold(k_mm_head *h, k_mm_blk_t *b)
{
    if (h->q_count == h->q_depth)
        quarantine_release_oldest(h);
    blk_mark_free(b);
    b->dye = K_MM_DYE_QUAR;
    memset(blk_payload(b), K_MM_POISON, blk_size(b));
    h->free += K_MM_HDR_SIZE + blk_size(b);
    *quarantine_slot(h, h->q_count++) = b;
}

static bool quarantine_flush(k_mm_head *h)
{
    bool any = h->q_count > 0;
    while (h->q_count > 0)
        quarantine_release_oldest(h);
    return any;
}

void k_mm_set_quarantine(k_mm_head *h, unsigned depth)
{
    quarantine_flush(h);
    h->q_depth = depth < RHINO_CONFIG_MM_QUARANTINE ? depth : RHINO_CONFIG_MM_QUARANTINE;
}

static void heap_free(k_mm_head *h, k_mm_blk_t *b)
{
    h->used_blocks--;
    if (h->q_depth)
        quarantine_hold(h, b);
    else
        release_block(h, b);
}
#else
static bool quarantine_flush(k_mm_head *h) { return false; }
void k_mm_set_quarantine(k_mm_head *h, unsigned depth) {}
size_t mm_poison_damage(const k_mm_blk_t *b) { return blk_size(b); }

static void heap_free(k_mm_head *h, k_mm_blk_t *b)
{
    h->used_blocks--;
    release_block(h, b);
}
#endif

/* ---- ASan: headers and free memory poisoned, live payloads not --------- */
/* A heap block handed out: its payload opens, its header stays shut. */
static void asan_open_payload(k_mm_head *h, k_mm_blk_t *b)
{
    mm_asan_unpoison(blk_payload(b), blk_size(b));
    mm_asan_poison(h, b, K_MM_HDR_SIZE);
}

#ifdef K_MM_ASAN_POISON
static bool poison_blk(const k_mm_blk_info_t *info, void *ctx)
{
    k_mm_head *h = ctx;
    if (!info->in_pool)
        mm_asan_poison(h, (void *)info->hdr_addr, K_MM_HDR_SIZE + (info->used ? 0 : info->size));
    return true;
}

void k_mm_set_asan_poison(k_mm_head *h, bool on)
{
    for (const k_mm_region_t *r = h->regions; r; r = r->next)
        mm_asan_unpoison((void *)r->start, r->end - r->start);
    h->asan_poison = on;
    k_mm_walk(h, poison_blk, h);
}
#else
void k_mm_set_asan_poison(k_mm_head *h, bool on) {}
#endif

/* ---- trace records ------------------------------------------------------ */
/* Starts p's trace record and sets its owner to the first frame past any
 * allocation wrapper. */
static void note_creation(k_mm_head *h, void *p, size_t size, k_mm_kind_t kind, uintptr_t site)
{
#if RHINO_CONFIG_MM_TRACE
    uintptr_t owner;
    uint32_t id = k_trace_new((uintptr_t)p, size, (uint8_t)kind, site, &owner);
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, p)) {
        mm_pool_set_trace(&h->pool, p, id);
        mm_pool_set_owner(&h->pool, p, owner);
        return;
    }
#endif
    k_mm_blk_t *b = blk_from_payload(p);
    blk_set_trace(b, id);
    b->owner = owner;
#endif
}

uint32_t k_mm_blk_trace(const k_mm_head *h, const void *p)
{
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, p))
        return krhino_mm_blk_size(h, p) ? mm_pool_trace(&h->pool, p) : 0;
#endif
    return krhino_mm_blk_size(h, p) ? blk_trace(blk_from_payload(p)) : 0;
}

/* ---- slack canary (k_mm_slack.c) ----------------------------------------- */
/* A live block p (what malloc returned): its capacity and trace record id. */
static size_t live_capacity(const k_mm_head *h, const void *p, uint32_t *id)
{
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, p)) {
        *id = mm_pool_trace(&h->pool, p);
        return h->pool.blk_size;
    }
#endif
    *id = blk_trace(blk_from_payload(p));
    return blk_size(blk_from_payload(p));
}

/* p now holds `size` requested bytes: the rest of its capacity is slack. */
static void fill_slack(k_mm_head *h, void *p, size_t size)
{
    uint32_t id;
    mm_slack_fill(h, p, size, live_capacity(h, p, &id));
}

static k_mm_blame_t blame_overflow(k_mm_head *h, const void *p)
{
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, p))
        return mm_pool_blame(&h->pool, "overflow", p);
#endif
    return mm_blame_blk("overflow", blk_from_payload(p));
}

/* A write past the bytes requested, found as live block p is freed or
 * resized: reported as an overflow of p, at the faulting call's site. */
static bool slack_was_written(k_mm_head *h, void *p, uintptr_t site)
{
    uint32_t id;
    size_t cap = live_capacity(h, p, &id);
    size_t at = mm_slack_damage(p, id, cap);
    if (!at)
        return false;
    k_mm_blame_t blame = blame_overflow(h, p);
    blame.offset = at;
    report_at(RHINO_MM_CORRUPT_ERR, p, "write past the bytes requested (slack canary damaged)", blame, site);
    return true;
}

/* ---- allocation API ----------------------------------------------------- */
/* Counts one heap request of size bytes at the heap fault point; true (and
 * said on the console) when it must fail as if memory ran out. */
static bool heap_fault_injected(size_t size)
{
    if (!k_fault_should_fail(K_FAULT_HEAP_ALLOC))
        return false;
    k_printf("FAULT, injected heap alloc failure #%u, need size:%d\n", (unsigned)k_fault_injected(K_FAULT_HEAP_ALLOC),
             (int)(size > (size_t)INT32_MAX ? INT32_MAX : size));
    return true;
}

static void *alloc_untraced(k_mm_head *h, size_t size, uintptr_t owner, k_mm_kind_t kind)
{
#if RHINO_CONFIG_MM_BLK
    if (h->pool.base && size <= h->pool.blk_size && !k_fault_should_fail(K_FAULT_POOL_ALLOC)) {
        void *p = mm_pool_alloc(&h->pool, owner, kind);
        if (p)
            return p;
    }
#endif
    if (heap_fault_injected(size))
        return NULL;
    if (size > K_MM_MAX_REQUEST) {
        report_alloc_failure(h, size);
        return NULL;
    }
    void *p = heap_alloc(h, size, owner, kind);
    if (!p && quarantine_flush(h)) /* the quarantine only delays reuse: never fail for it */
        p = heap_alloc(h, size, owner, kind);
    if (!p)
        report_alloc_failure(h, size);
    return p;
}

void *k_mm_alloc(k_mm_head *h, size_t size, uintptr_t owner, k_mm_kind_t kind)
{
    if (!h)
        return NULL;
    if (size == 0) {
        k_printf("WARNING, malloc size = 0\n");
        return NULL;
    }
    void *p = alloc_untraced(h, size, owner, kind);
    if (!p)
        return NULL;
#if RHINO_CONFIG_MM_BLK
    if (!mm_pool_owns(&h->pool, p))
#endif
        asan_open_payload(h, blk_from_payload(p));
    note_creation(h, p, size, kind, owner);
    fill_slack(h, p, size);
    return p;
}

/* A block that holds a created timer (or one a queued command still
 * names) must not be freed: the timer service would run into it. */
static bool holds_live_timer(k_mm_blk_t *b, uintptr_t site)
{
    const ktimer_t *t = k_timer_stored_in(blk_payload(b), blk_size(b));
    if (!t)
        return false;
    k_mm_blame_t blame = mm_blame_blk("live-timer-freed", b);
    blame.earlier = t->trace;
    report_at(RHINO_KOBJ_DEL_ERR, blk_payload(b), "free of a block holding a live timer", blame, site);
    return true;
}

#if RHINO_CONFIG_MM_BLK
/* A pool block is checked only while live: a second free is the pool's to report. */
static bool pool_blk_is_live(const k_mm_head *h, const void *p) { return krhino_mm_blk_size(h, p) != 0; }

/* Records who freed the block of trace record id: the stack already taken
 * (freed_by), else one taken now from site. */
static void note_freed(uint32_t id, uintptr_t site, const uintptr_t *freed_by)
{
    if (freed_by)
        k_trace_freed_by(id, freed_by);
    else
        k_trace_freed(id, site);
}

static void pool_free(k_mm_head *h, void *ptr, uintptr_t site, const uintptr_t *freed_by)
{
    if (pool_blk_is_live(h, ptr) && slack_was_written(h, ptr, site))
        return;
    uint32_t id = mm_pool_trace(&h->pool, ptr);
    if (!mm_pool_free(&h->pool, ptr))
        return;
    mm_asan_unpoison(ptr, h->pool.blk_size);
    note_freed(id, site, freed_by);
}
#endif

static void free_block(k_mm_head *h, void *ptr, uintptr_t site, const uintptr_t *freed_by)
{
    if (!h || !ptr)
        return;
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, ptr)) {
        pool_free(h, ptr, site, freed_by);
        return;
    }
#endif
    k_mm_blk_t *b = live_block_of(h, ptr, site);
    if (!b || holds_live_timer(b, site) || slack_was_written(h, ptr, site))
        return;
    note_freed(blk_trace(b), site, freed_by);
    size_t n = blk_size(b);
    mm_asan_unpoison(ptr, n); /* its slack: the quarantine fills the whole block */
    heap_free(h, b);
    mm_asan_poison(h, ptr, n);
}

void k_mm_free_at(k_mm_head *h, void *ptr, uintptr_t site) { free_block(h, ptr, site, NULL); }

void k_mm_free_deleted_by(k_mm_head *h, void *ptr, const uintptr_t frames[K_TRACE_FRAMES])
{
    free_block(h, ptr, frames[0], frames);
}

__attribute__((noinline)) void k_mm_free(k_mm_head *h, void *ptr) { k_mm_free_at(h, ptr, CALLER()); }

/* Whether b's free successor is enough to grow b in place to need bytes. */
static bool heap_can_grow_in_place(k_mm_blk_t *b, size_t need)
{
    k_mm_blk_t *next = blk_next_phys(b);
    return blk_is_listed_free(next) && blk_size(b) + K_MM_HDR_SIZE + blk_size(next) >= need;
}

/* Grows b in place by taking its free successor, if that is enough. */
static bool heap_grow_in_place(k_mm_head *h, k_mm_blk_t *b, size_t need)
{
    if (!heap_can_grow_in_place(b, need) || !freelist_remove(h, blk_next_phys(b)))
        return false;
    blk_absorb_next(h, b);
    blk_next_phys(b)->size &= ~(size_t)K_MM_PREVFREE;
    blk_trim(h, b, need);
    note_peak(h);
    return true;
}

static void blk_set_owner(k_mm_blk_t *b, uintptr_t owner)
{
#if RHINO_CONFIG_MM_DEBUG
    b->owner = owner;
#endif
}

static void *move_to_new_block(k_mm_head *h, void *old, size_t old_size, size_t new_size,
                               uintptr_t owner, k_mm_kind_t kind)
{
    void *p = k_mm_alloc(h, new_size, owner, kind);
    if (!p)
        return NULL;
    mm_asan_unpoison(old, old_size); /* its slack, about to be freed */
    memcpy(p, old, old_size < new_size ? old_size : new_size);
    k_mm_free_at(h, old, owner);
    return p;
}

void *k_mm_realloc(k_mm_head *h, void *old, size_t new_size, uintptr_t owner)
{
    if (!h)
        return NULL;
    if (!old)
        return k_mm_alloc(h, new_size, owner, K_MM_KIND_DATA);
    if (new_size == 0) {
        k_mm_free_at(h, old, owner);
        return NULL;
    }
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, old)) {
        if (pool_blk_is_live(h, old) && slack_was_written(h, old, owner))
            return NULL;
        if (new_size <= h->pool.blk_size) {
            mm_pool_set_owner(&h->pool, old, owner);
            note_creation(h, old, new_size, K_MM_KIND_DATA, owner);
            fill_slack(h, old, new_size);
            return old;
        }
        return move_to_new_block(h, old, h->pool.blk_size, new_size, owner, K_MM_KIND_DATA);
    }
#endif
    k_mm_blk_t *b = live_block_of(h, old, owner);
    if (!b || slack_was_written(h, old, owner))
        return NULL;
    if (new_size > K_MM_MAX_REQUEST) {
        report_alloc_failure(h, new_size);
        return NULL;
    }
    size_t need = request_to_payload(new_size);
    if (need <= blk_size(b)) {
        blk_trim(h, b, need);
    } else if (heap_can_grow_in_place(b, need) && heap_fault_injected(new_size)) {
        return NULL; /* growing takes memory: one heap request, as a move's allocation is */
    } else if (!heap_grow_in_place(h, b, need)) {
        return move_to_new_block(h, old, blk_size(b), new_size, owner, blk_kind(b));
    }
    blk_set_owner(b, owner);
    asan_open_payload(h, b);
    note_creation(h, old, new_size, blk_kind(b), owner);
    fill_slack(h, old, new_size);
    return old;
}

void k_mm_set_owner(k_mm_head *h, void *p, uintptr_t owner)
{
    if (!h || !p)
        return;
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, p)) {
        mm_pool_set_owner(&h->pool, p, owner);
        return;
    }
#endif
    k_mm_blk_t *b = live_block_of(h, p, owner);
    if (b)
        blk_set_owner(b, owner);
}

/* ---- regions ---------------------------------------------------------- */
/* Smallest region: start sentinel with its record, one minimal free block,
 * end sentinel. */
#define K_MM_REGION_REC (align_up(sizeof(k_mm_region_t)))
#define K_MM_REGION_MIN (K_MM_HDR_SIZE + K_MM_REGION_REC + K_MM_MIN_BLOCK + K_MM_HDR_SIZE)

static void blk_init_used(k_mm_blk_t *b, k_mm_blk_t *prev, size_t size, k_mm_kind_t kind)
{
    b->prev_phys = prev;
    b->size = size;
#if RHINO_CONFIG_MM_DEBUG
    b->owner = 0;
    b->dye = K_MM_DYE_USED | (uint32_t)kind;
#endif
}

static void region_build(k_mm_head *h, uintptr_t start, size_t len)
{
    k_mm_blk_t *first = (k_mm_blk_t *)start;
    blk_init_used(first, NULL, K_MM_REGION_REC, K_MM_KIND_REGION);
    k_mm_region_t *r = (k_mm_region_t *)(void *)blk_payload(first);
    r->start = start;
    r->end = start + len;
    r->next = NULL;

    k_mm_blk_t *body = blk_next_phys(first);
    k_mm_blk_t *last = (k_mm_blk_t *)(r->end - K_MM_HDR_SIZE);
    blk_init_used(body, first, (uintptr_t)last - (uintptr_t)blk_payload(body), K_MM_KIND_DATA);
    blk_init_used(last, body, 0, K_MM_KIND_REGION);
    blk_mark_free(body);
    freelist_insert(h, body);

    k_mm_region_t **tail = &h->regions;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    h->total += len;
}

static bool trim_to_alignment(void **addr, size_t *len)
{
    uintptr_t a = (uintptr_t)*addr;
    uintptr_t up = (a + K_MM_ALIGN - 1) & ~(uintptr_t)(K_MM_ALIGN - 1);
    if (!a || *len < up - a)
        return false;
    *len = (*len - (up - a)) & ~(size_t)(K_MM_ALIGN - 1);
    *addr = (void *)up;
    return true;
}

static bool spans_overlap(uintptr_t a, size_t alen, uintptr_t b, size_t blen)
{
    return a < b + blen && b < a + alen;
}

kstat_t krhino_add_mm_region(k_mm_head *h, void *addr, size_t len)
{
    if (!h || !addr)
        return RHINO_NULL_PTR;
    if (!trim_to_alignment(&addr, &len) || len < K_MM_REGION_MIN)
        return RHINO_MM_POOL_SIZE_ERR;
    uintptr_t a = (uintptr_t)addr;
    if (spans_overlap(a, len, (uintptr_t)h, align_up(sizeof *h)))
        return RHINO_INV_PARAM;
    for (const k_mm_region_t *r = h->regions; r; r = r->next)
        if (spans_overlap(a, len, r->start, r->end - r->start))
            return RHINO_INV_PARAM;
    mm_asan_unpoison(addr, len);
    region_build(h, a, len);
    note_peak(h);
    return RHINO_SUCCESS;
}

kstat_t krhino_init_mm_head(k_mm_head **pp, void *addr, size_t len)
{
    if (!pp || !addr)
        return RHINO_NULL_PTR;
    if (!trim_to_alignment(&addr, &len) || len < align_up(sizeof(k_mm_head)) + K_MM_REGION_MIN)
        return RHINO_MM_POOL_SIZE_ERR;
    mm_asan_unpoison(addr, len); /* what an earlier heap here poisoned */
    k_mm_head *h = addr;
    memset(h, 0, sizeof *h);
    h->magic = K_MM_HEAD_MAGIC;
    size_t head_len = align_up(sizeof *h);
    region_build(h, (uintptr_t)addr + head_len, len - head_len);
    h->total += head_len;
    note_peak(h);
#if RHINO_CONFIG_MM_BLK
    /* The pool's slab is an ordinary heap block; a heap too small for it
     * simply has no pool. */
    void *slab = heap_alloc(h, RHINO_CONFIG_MM_TLF_BLK_SIZE, 0, K_MM_KIND_POOL);
    if (slab)
        mm_pool_init(&h->pool, slab);
#endif
    *pp = h;
    return RHINO_SUCCESS;
}

/* Whole pages, so an emulator can map the default heap into a guest's
 * address space as it is (emu/: one heap for host and guest). */
#define K_MM_PAGE 4096u
static union {
    uint8_t bytes[RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE];
    uint8_t pages[(RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE + K_MM_PAGE - 1) / K_MM_PAGE * K_MM_PAGE];
} g_default_heap __attribute__((aligned(K_MM_PAGE)));

void *k_mm_default_region(size_t *len)
{
    *len = sizeof g_default_heap;
    return &g_default_heap;
}

kstat_t k_mm_init(void)
{
    k_trace_reset();
    return krhino_init_mm_head(&g_kmm_head, g_default_heap.bytes, sizeof g_default_heap.bytes);
}

/* ---- introspection ---------------------------------------------------- */
size_t k_mm_hdr_size(void) { return K_MM_HDR_SIZE; }

void k_mm_stats(const k_mm_head *h, k_mm_stats_t *st)
{
    memset(st, 0, sizeof *st);
    st->total = h->total;
    st->free = h->free;
    st->used = h->total - h->free;
    st->maxused = h->maxused;
    st->free_blocks = h->free_blocks;
    st->used_blocks = h->used_blocks;
#if RHINO_CONFIG_MM_BLK
    if (h->pool.base) {
        st->pool_size = h->pool.nblocks * h->pool.blk_size;
        st->pool_used = h->pool.used * h->pool.blk_size;
        st->pool_free = st->pool_size - st->pool_used;
        st->pool_blk = h->pool.blk_size;
    }
#endif
}

size_t krhino_mm_blk_size(const k_mm_head *h, const void *ptr)
{
    if (!h || !ptr)
        return 0;
#if RHINO_CONFIG_MM_BLK
    if (mm_pool_owns(&h->pool, ptr)) {
        size_t off = (size_t)((const uint8_t *)ptr - h->pool.base);
        return off % h->pool.blk_size == 0 && mm_pool_blk_is_used(&h->pool, off / h->pool.blk_size)
                   ? h->pool.blk_size : 0;
    }
#endif
    const k_mm_region_t *r = mm_region_of(h, (uintptr_t)ptr);
    if (!r || (uintptr_t)ptr % K_MM_ALIGN || (uintptr_t)ptr < r->start + 2 * K_MM_HDR_SIZE)
        return 0;
    const k_mm_blk_t *b = blk_from_payload(ptr);
    if (blk_is_free(b) || !blk_dye_ok(b) || !region_next_blk(r, b))
        return 0;
    return blk_size(b);
}
