/* Block layout and tiny helpers shared by the allocator, the pool, the
 * debug printer and the validator. Not part of the public API. */
#ifndef K_MM_INTERNAL_H
#define K_MM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_mm.h"

/* Block header. The payload follows it directly; a free block keeps its
 * free-list links in the first bytes of its payload. */
typedef struct k_mm_blk {
    struct k_mm_blk *prev_phys; /* physically previous block; NULL for a region's sentinel */
    size_t size;                /* payload bytes | K_MM_FREE | K_MM_PREVFREE */
#if RHINO_CONFIG_MM_DEBUG
    uintptr_t owner; /* return address of the allocating call; 0 = kernel */
    uint32_t dye;    /* K_MM_DYE_USED, _FREE or _QUAR in the high 24 bits, kind in the low 8 */
#if RHINO_CONFIG_MM_TRACE
    uint32_t trace; /* trace record id (k_trace.h); in what was padding */
#endif
#endif
} k_mm_blk_t;

typedef struct {
    k_mm_blk_t *next;
    k_mm_blk_t *prev;
} k_mm_links_t;

/* A region record lives in the payload of the region's start sentinel. */
typedef struct k_mm_region {
    uintptr_t start; /* start sentinel header */
    uintptr_t end;   /* one past the end sentinel header */
    struct k_mm_region *next;
} k_mm_region_t;

#define K_MM_FREE 0x1u
#define K_MM_PREVFREE 0x2u
#define K_MM_FLAGS 0x3u
#define K_MM_HDR_SIZE (sizeof(k_mm_blk_t))
#define K_MM_MIN_PAYLOAD (sizeof(k_mm_links_t))
#define K_MM_MIN_BLOCK (K_MM_HDR_SIZE + K_MM_MIN_PAYLOAD)
#define K_MM_CLASSES (sizeof(size_t) * 8u)
#define K_MM_HEAD_MAGIC 0x6B6D6D68u /* "kmmh" */

#define K_MM_DYE_USED 0xFEFEFE00u
#define K_MM_DYE_FREE 0xABABAB00u
#define K_MM_DYE_QUAR 0xCDCDCD00u /* freed, waiting in quarantine */
#define K_MM_DYE_MASK 0xFFFFFF00u

_Static_assert(sizeof(k_mm_blk_t) % K_MM_ALIGN == 0, "payload must stay 8-byte aligned");
_Static_assert(K_MM_MIN_PAYLOAD % K_MM_ALIGN == 0, "minimum payload must be aligned");
#ifdef K_MM_EXPECT_HDR_SIZE
_Static_assert(sizeof(k_mm_blk_t) == K_MM_EXPECT_HDR_SIZE, "README states this header size");
#endif

#if RHINO_CONFIG_MM_BLK
#define K_MM_POOL_BLKS (RHINO_CONFIG_MM_TLF_BLK_SIZE / RHINO_CONFIG_MM_BLK_SIZE)
_Static_assert(RHINO_CONFIG_MM_BLK_SIZE % K_MM_ALIGN == 0, "pool blocks must stay aligned");
typedef struct {
    uint8_t *base; /* first block; NULL when the heap was too small for a pool */
    size_t blk_size;
    size_t nblocks;
    size_t used; /* blocks handed out */
    uint32_t used_map[(K_MM_POOL_BLKS + 31) / 32];
#if RHINO_CONFIG_MM_DEBUG
    uintptr_t owner[K_MM_POOL_BLKS];
    uint8_t kind[K_MM_POOL_BLKS];
    uint32_t trace[K_MM_POOL_BLKS];
#endif
} k_mm_pool_t;
#endif

struct k_mm_head {
    uint32_t magic;
    bool dumped;      /* the out-of-memory dump is printed once */
    bool broken;      /* a free-list link was found damaged: no more allocations */
    size_t total;     /* TotalSz */
    size_t free;      /* FreeSz: header + payload of every free block */
    size_t maxused;   /* peak of total - free */
    size_t free_blocks;
    size_t used_blocks;
    size_t bitmap;    /* bit i set <=> freelist[i] non-empty */
    k_mm_blk_t *freelist[K_MM_CLASSES];
    k_mm_region_t *regions;
#if RHINO_CONFIG_MM_BLK
    k_mm_pool_t pool;
#endif
#if RHINO_CONFIG_MM_DEBUG
    k_mm_blk_t *quarantine[RHINO_CONFIG_MM_QUARANTINE]; /* oldest at q_first */
    unsigned q_first, q_count, q_depth;
#endif
    bool asan_poison; /* headers and free payloads are poisoned for ASan */
};

/* ---- block helpers ---------------------------------------------------- */
static inline size_t blk_size(const k_mm_blk_t *b) { return b->size & ~(size_t)K_MM_FLAGS; }
static inline bool blk_is_free(const k_mm_blk_t *b) { return (b->size & K_MM_FREE) != 0; }
static inline bool blk_prev_is_free(const k_mm_blk_t *b) { return (b->size & K_MM_PREVFREE) != 0; }
static inline bool blk_is_sentinel_end(const k_mm_blk_t *b) { return blk_size(b) == 0; }
static inline uint8_t *blk_payload(const k_mm_blk_t *b) { return (uint8_t *)b + K_MM_HDR_SIZE; }
static inline k_mm_blk_t *blk_from_payload(const void *p)
{
    return (k_mm_blk_t *)(uintptr_t)((uintptr_t)p - K_MM_HDR_SIZE);
}
static inline k_mm_blk_t *blk_next_phys(const k_mm_blk_t *b)
{
    return (k_mm_blk_t *)(uintptr_t)((uintptr_t)blk_payload(b) + blk_size(b));
}
static inline k_mm_links_t *blk_links(const k_mm_blk_t *b) { return (k_mm_links_t *)(void *)blk_payload(b); }
static inline size_t align_up(size_t n) { return (n + K_MM_ALIGN - 1) & ~(size_t)(K_MM_ALIGN - 1); }

static inline unsigned size_class(size_t size)
{
    return (unsigned)(sizeof(unsigned long long) * 8 - 1 - (unsigned)__builtin_clzll((unsigned long long)size));
}

#if RHINO_CONFIG_MM_DEBUG
static inline bool blk_is_quarantined(const k_mm_blk_t *b) { return blk_is_free(b) && b->dye == K_MM_DYE_QUAR; }
static inline bool blk_dye_ok(const k_mm_blk_t *b)
{
    if (blk_is_free(b))
        return b->dye == K_MM_DYE_FREE || b->dye == K_MM_DYE_QUAR;
    return (b->dye & K_MM_DYE_MASK) == K_MM_DYE_USED && (b->dye & ~K_MM_DYE_MASK) < K_MM_KIND_COUNT;
}
static inline k_mm_kind_t blk_kind(const k_mm_blk_t *b) { return (k_mm_kind_t)(b->dye & 0xFFu); }
static inline uintptr_t blk_owner(const k_mm_blk_t *b) { return b->owner; }
#else
static inline bool blk_is_quarantined(const k_mm_blk_t *b) { return false; }
static inline bool blk_dye_ok(const k_mm_blk_t *b) { return true; }
static inline k_mm_kind_t blk_kind(const k_mm_blk_t *b) { return K_MM_KIND_DATA; }
static inline uintptr_t blk_owner(const k_mm_blk_t *b) { return 0; }
#endif

/* A free block on the free lists (not one waiting in quarantine, nor one
 * whose dye is damaged). */
#if RHINO_CONFIG_MM_DEBUG
static inline bool blk_is_listed_free(const k_mm_blk_t *b) { return blk_is_free(b) && b->dye == K_MM_DYE_FREE; }
#else
static inline bool blk_is_listed_free(const k_mm_blk_t *b) { return blk_is_free(b); }
#endif

#if RHINO_CONFIG_MM_TRACE
static inline uint32_t blk_trace(const k_mm_blk_t *b) { return b->trace; }
static inline void blk_set_trace(k_mm_blk_t *b, uint32_t id) { b->trace = id; }
#else
static inline uint32_t blk_trace(const k_mm_blk_t *b) { return 0; }
static inline void blk_set_trace(k_mm_blk_t *b, uint32_t id) {}
#endif

/* ---- ASan (sanitizer builds define K_MM_ASAN_POISON) -------------------
 * The allocator's own files are built without ASan instrumentation: they
 * read headers and free blocks, which are poisoned for everyone else. */
#ifdef K_MM_ASAN_POISON
/* The functions, not the ASAN_*_MEMORY_REGION macros: those are empty in
 * uninstrumented files. */
#include <sanitizer/asan_interface.h>
static inline void mm_asan_poison(const k_mm_head *h, const void *p, size_t n)
{
    if (h->asan_poison)
        __asan_poison_memory_region(p, n);
}
static inline void mm_asan_unpoison(const void *p, size_t n) { __asan_unpoison_memory_region(p, n); }
#else
static inline void mm_asan_poison(const k_mm_head *h, const void *p, size_t n) {}
static inline void mm_asan_unpoison(const void *p, size_t n) {}
#endif

/* ---- region helpers: bounds checks that never trust a header ---------- */
static inline bool region_holds(const k_mm_region_t *r, uintptr_t a, size_t len)
{
    return a >= r->start && a <= r->end && len <= r->end - a;
}
static inline k_mm_blk_t *region_first_blk(const k_mm_region_t *r) { return (k_mm_blk_t *)r->start; }
/* The block after b, or NULL when b's size would leave the region. */
static inline k_mm_blk_t *region_next_blk(const k_mm_region_t *r, const k_mm_blk_t *b)
{
    uintptr_t payload = (uintptr_t)b + K_MM_HDR_SIZE;
    if (!region_holds(r, payload, blk_size(b)) ||
        !region_holds(r, payload + blk_size(b), K_MM_HDR_SIZE))
        return NULL;
    return (k_mm_blk_t *)(payload + blk_size(b));
}
const k_mm_region_t *mm_region_of(const k_mm_head *h, uintptr_t addr);
/* Whether t could be a block header: aligned and wholly inside a region. */
bool mm_link_in_heap(const k_mm_head *h, const k_mm_blk_t *t);
/* Of free block b and its list neighbours, the one whose links were
 * written over (b when it cannot tell). */
const k_mm_blk_t *mm_blk_with_damaged_links(const k_mm_head *h, const k_mm_blk_t *b);

/* ---- walking ------------------------------------------------------------ */
/* inline: the validator's census calls it for every used block */
static inline void describe_heap_blk(const k_mm_blk_t *b, k_mm_blk_info_t *info)
{
    info->hdr_addr = (uintptr_t)b;
    info->addr = (uintptr_t)blk_payload(b);
    info->size = blk_size(b);
    info->used = !blk_is_free(b);
    info->in_pool = false;
    info->dye_ok = blk_dye_ok(b);
    info->owner = info->used ? blk_owner(b) : 0;
    info->kind = blk_kind(b);
}
/* k_mm_debug.c */
#if RHINO_CONFIG_MM_BLK
/* Calls fn for every used pool block; false if fn stopped it. */
bool walk_pool(const k_mm_pool_t *pool, k_mm_walk_fn fn, void *ctx);
#endif

/* ---- pool (k_mm_pool.c) ------------------------------------------------ */
#if RHINO_CONFIG_MM_BLK
void mm_pool_init(k_mm_pool_t *pool, void *slab);
bool mm_pool_owns(const k_mm_pool_t *pool, const void *p);
void *mm_pool_alloc(k_mm_pool_t *pool, uintptr_t owner, k_mm_kind_t kind);
void mm_pool_set_trace(k_mm_pool_t *pool, const void *p, uint32_t id);
uint32_t mm_pool_trace(const k_mm_pool_t *pool, const void *p);
/* false (after a report) when p is no live pool block */
bool mm_pool_free(k_mm_pool_t *pool, void *p);
void mm_pool_set_owner(k_mm_pool_t *pool, const void *p, uintptr_t owner);
bool mm_pool_blk_is_used(const k_mm_pool_t *pool, size_t idx);
/* Blame on the live pool block at p (label, its owner, kind and trace). */
k_mm_blame_t mm_pool_blame(const k_mm_pool_t *pool, const char *label, const void *p);
#endif

/* ---- slack canary (k_mm_slack.c) ---------------------------------------
 * p is a live heap or pool block's payload of `cap` bytes (its capacity),
 * id its trace record. A damaged slack is reported as an "overflow" of p
 * with blame.offset its first written byte. */
/* Opens p for ASan, then fills its slack, from `size` (the bytes requested)
 * up to cap, with K_MM_SLACK and poisons that for ASan. */
void mm_slack_fill(const k_mm_head *h, void *p, size_t size, size_t cap);
/* Offset of the first slack byte of p that lost its K_MM_SLACK, or 0 when
 * the slack is intact (or p's requested size is no longer known). */
size_t mm_slack_damage(const void *p, uint32_t id, size_t cap);

/* ---- misuse reporting (k_mm.c) ---------------------------------------- */
/* Prints the WARNING line, keeps the blame for k_mm_last_misuse and calls
 * the error hook. */
void mm_report_misuse(kstat_t err, const void *addr, const char *what, const k_mm_blame_t *blame);
/* Blame on a heap block b (label, its owner, kind, size and trace). */
k_mm_blame_t mm_blame_blk(const char *label, const k_mm_blk_t *b);
/* Damage to b's header: a write past the end of the used block before it
 * (prev, NULL when unknown) is the likely cause, and that block is named. */
k_mm_blame_t mm_blame_header(const k_mm_blk_t *prev, const k_mm_blk_t *b);
/* Offset of the first byte of a quarantined block's payload that lost its
 * poison, or the payload size when all is intact. */
size_t mm_poison_damage(const k_mm_blk_t *b);

#define K_ADDR_FMT "0x%08lx"
#define K_ADDR(a) ((unsigned long)(uintptr_t)(a))

#endif
