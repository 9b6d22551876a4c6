/* Heap and fixed-block pool, rhino style.
 *
 * A heap is one or more regions. Each region starts with a sentinel block
 * (holding the region record) and ends with a zero-size used sentinel, so
 * coalescing never looks past a region's edges. Free blocks sit on
 * power-of-two segregated lists indexed by a bitmap; freeing coalesces with
 * both physical neighbours at once.
 *
 * Accounting (exact, and what krhino_mm_overview prints):
 *   TotalSz   = bytes handed to krhino_init_mm_head + krhino_add_mm_region
 *               (after 8-byte alignment trimming)
 *   FreeSz    = sum over free blocks of (header + payload)
 *   UsedSz    = TotalSz - FreeSz: the heap head, region sentinels, the pool
 *               slab and every used block with its header
 *   MinFreeSz = TotalSz - peak UsedSz
 * So one heap allocation raises UsedSz by exactly K_MM_HDR_SIZE +
 * krhino_mm_blk_size(ptr), and a pool allocation leaves the heap alone and
 * raises the pool's UsedSz by BlkSz.
 */
#ifndef K_MM_H
#define K_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_config.h"
#include "k_err.h"
#include "k_port.h"
#include "k_trace.h"

#define K_MM_ALIGN 8u

/* What a block holds; shown in the dump's Kind column. */
typedef enum {
    K_MM_KIND_DATA = 0, /* plain malloc */
    K_MM_KIND_TIMER,    /* krhino_timer_dyn_create */
    K_MM_KIND_POOL,     /* the fixed-block pool's slab */
    K_MM_KIND_REGION,   /* a region's start sentinel */
    K_MM_KIND_MUTEX,    /* aos_mutex_new */
    K_MM_KIND_SEM,      /* aos_sem_new */
    K_MM_KIND_QUEUE,    /* aos_queue_new */
    K_MM_KIND_DELAYED_ACTION, /* aos_post_delayed_action (yloop) */
    K_MM_KIND_WORK,     /* aos_work_init */
    K_MM_KIND_COUNT
} k_mm_kind_t;

typedef struct k_mm_head k_mm_head;

typedef struct {
    size_t total;   /* TotalSz */
    size_t free;    /* FreeSz */
    size_t used;    /* UsedSz */
    size_t maxused; /* peak UsedSz; MinFreeSz = total - maxused */
    size_t free_blocks;
    size_t used_blocks; /* excluding sentinels */
    size_t pool_size;   /* PoolSz, 0 without a pool */
    size_t pool_free;
    size_t pool_used;
    size_t pool_blk;
} k_mm_stats_t;

/* One block as the walk reports it. For pool blocks, hdr_addr == addr. */
typedef struct {
    uintptr_t addr;     /* payload address (what malloc returned) */
    uintptr_t hdr_addr; /* block header address */
    size_t size;        /* payload bytes */
    bool used;
    bool in_pool;
    bool dye_ok;
    uintptr_t owner; /* caller's return address; 0 = kernel */
    k_mm_kind_t kind;
} k_mm_blk_info_t;

/* A block the kernel names when it finds damage or misuse: what happened,
 * which block, and who made it (k_trace.h). */
typedef struct {
    const char *label;  /* "use-after-free", "overflow", "double-free", "invalid-free",
                           "corrupt-block", "live-timer-freed", "deadlock" (a wait forever on
                           the named mutex, sem or queue that nothing can end),
                           "invalid-object" (an object API called with a pointer into
                           heap space never handed out); NULL when nothing was found */
    uintptr_t blk;      /* payload address of the named block; 0 = none */
    uint32_t trace;     /* its trace record, 0 = none left */
    uintptr_t owner;    /* its owner from the header (when the record is gone) */
    size_t size;        /* its payload capacity */
    k_mm_kind_t kind;
    size_t offset;      /* use-after-free, or an overflow into the slack: first written byte,
                           from the payload start; 0 for an overflow onto the next header */
    uint32_t earlier;   /* use-after-free: what lived at the address before (a stale pointer's
                           block); live-timer-freed: the timer's record; 0 = none */
    uint32_t reused_by; /* a freed block or object named after its memory was handed out
                           again (a double free, an object API call): what lives there now;
                           0 = none */
    const char *call;   /* an object API call on a freed object or a non-object: its name
                           ("krhino_timer_change"); NULL for a heap call */
    uintptr_t site[K_TRACE_FRAMES]; /* the faulting call's stack; all 0 when a check found it */
    uintptr_t locked[K_TRACE_FRAMES]; /* deadlock on a mutex: where its holder locked it; else all 0 */
} k_mm_blame_t;

/* The last misuse the kernel reported through the error hook. */
typedef struct {
    kstat_t err;
    uintptr_t addr;     /* the address in the WARNING line */
    char what[96];      /* the WARNING line's text */
    k_mm_blame_t blame;
} k_mm_misuse_t;
const k_mm_misuse_t *k_mm_last_misuse(void);
/* Reports a misuse found outside the heap on one of its blocks (a kernel
 * object's record): prints "WARNING, <what>: <addr>", keeps blame for
 * k_mm_last_misuse, then calls the error hook k_err_proc(err, addr). */
void k_mm_report_misuse(kstat_t err, const void *addr, const char *what, const k_mm_blame_t *blame);
/* Whether obj may be read as a kernel object: it lies outside the heap and
 * pool (driver storage, such as a static timer), or a live allocation
 * starts at it. False for freed or never-allocated heap memory, which an
 * object API must not read (ASan builds poison it), and for a pointer
 * inside a live block that does not start it. */
bool k_mm_object_is_readable(const k_mm_head *mmhead, const void *obj);
/* An object API (`api`: "krhino_timer_change", "aos_mutex_lock", ...) got
 * obj, which is no created object of kind: the call fails without touching
 * it, as rhino's k_timer.c returns RHINO_KOBJ_TYPE_ERR after its obj_type
 * check. If obj lies in heap or pool memory that no live block holds, the
 * call is misuse, reported through k_mm_report_misuse with err
 * RHINO_KOBJ_TYPE_ERR and site (the API's caller's return address) as the
 * faulting call:
 *   "use-after-free" when an object or block at obj was freed (blame: the
 *     object of kind created there, else the block that started there,
 *     with its creation and free stacks and what the memory was handed to
 *     since);
 *   "invalid-object" when nothing ever was (free space never handed out).
 * Nothing is reported outside the heap (a static timer never created, or
 * deleted) nor inside a live block, even one that used to hold a freed
 * object: that is the caller's storage (a context struct whose ktimer_t
 * is stopped before its create ran), and rhino's plain error return. */
void k_mm_report_dead_object(const void *obj, k_mm_kind_t kind, const char *api, uintptr_t site);

/* Freed memory is filled with this byte while it waits in quarantine. */
#define K_MM_POISON 0xFDu
/* A live block's slack, between the bytes requested and its capacity, holds
 * this byte (debug builds with trace records): a write there is an overflow. */
#define K_MM_SLACK 0xFBu

/* ---- heap lifetime ---------------------------------------------------- */
kstat_t krhino_init_mm_head(k_mm_head **ppmmhead, void *addr, size_t len);
kstat_t krhino_add_mm_region(k_mm_head *mmhead, void *addr, size_t len);
/* (Re)initialises the default heap g_kmm_head over its static region of
 * RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE bytes: everything on it is forgotten. */
kstat_t k_mm_init(void);
extern k_mm_head *g_kmm_head;
/* The storage k_mm_init puts the default heap on: page-aligned, *len bytes
 * (RHINO_CONFIG_MM_DEFAULT_HEAP_SIZE rounded up to whole 4 KiB pages). An
 * emulator maps it into its guest so guest and host share one heap. */
void *k_mm_default_region(size_t *len);

/* Quarantine (debug builds): a freed heap block is filled with K_MM_POISON
 * and held back — counted free (FreeSz), but neither merged nor reused —
 * until `depth` newer frees have pushed it out or an allocation finds no
 * other room. Leaving, and at every k_mm_validate, its poison is checked,
 * so a write after free is reported as a use-after-free of that block.
 * depth 0 (the default of a new heap) frees at once; at most
 * RHINO_CONFIG_MM_QUARANTINE. Changing it releases what waits. */
void k_mm_set_quarantine(k_mm_head *mmhead, unsigned depth);
/* Sanitizer builds: poisons block headers and free memory for ASan (and
 * keeps them so), so that a driver writing past a block or into freed
 * memory is stopped by ASan at its own faulting instruction. Code that
 * pokes headers on purpose (allocator unit tests) leaves it off, the
 * default. A no-op in other builds. */
void k_mm_set_asan_poison(k_mm_head *mmhead, bool on);

/* ---- allocation on an explicit heap ----------------------------------- */
/* owner: the caller's return address; with trace records it starts the
 * block's creation stack and allocation wrappers above it are skipped
 * (k_trace.h). */
void *k_mm_alloc(k_mm_head *mmhead, size_t size, uintptr_t owner, k_mm_kind_t kind);
/* Frees ptr; site (a return address) is recorded as the free site. */
void k_mm_free_at(k_mm_head *mmhead, void *ptr, uintptr_t site);
/* k_mm_free_at with the caller as the site. */
void k_mm_free(k_mm_head *mmhead, void *ptr);
/* Frees ptr on behalf of an earlier call whose stack frames (k_trace_stack)
 * were taken then: they are recorded as the free stack, and frames[0] is
 * the site of any misuse report (a deferred delete the timer task applies,
 * rhino's CMD_DYN_DEL). */
void k_mm_free_deleted_by(k_mm_head *mmhead, void *ptr, const uintptr_t frames[K_TRACE_FRAMES]);
/* Resizes oldmem to new_size bytes (rhino k_mm_realloc): NULL oldmem
 * allocates, new_size 0 frees (NULL). Shrinking and a pool block within
 * BlkSz keep the block; growing takes its free successor in place (one
 * heap request at the heap fault point) or moves to a block allocated as
 * k_mm_alloc does. On failure (NULL) the old block is left live and intact. */
void *k_mm_realloc(k_mm_head *mmhead, void *oldmem, size_t new_size, uintptr_t owner);
/* Makes owner the owner of the live allocation ptr (aos_alloc_trace). A
 * ptr that is no live allocation is reported as misuse, as k_mm_free
 * reports it, and changes nothing. */
void k_mm_set_owner(k_mm_head *mmhead, void *ptr, uintptr_t owner);

/* ---- allocation on the default heap (owner = the caller) -------------- */
void *krhino_mm_alloc(size_t size);
void krhino_mm_free(void *ptr);
void *krhino_mm_realloc(void *oldmem, size_t newsize);

/* ---- introspection ---------------------------------------------------- */
void k_mm_stats(const k_mm_head *mmhead, k_mm_stats_t *st);
/* Payload capacity of a live allocation (BlkSz for a pool block); 0 when ptr
 * is not a live allocation of this heap. */
size_t krhino_mm_blk_size(const k_mm_head *mmhead, const void *ptr);
/* Calls fn for every heap block in address order, then every used pool
 * block. Stops early (returning false) if fn returns false or the heap is
 * too corrupt to walk safely. */
typedef bool (*k_mm_walk_fn)(const k_mm_blk_info_t *blk, void *ctx);
bool k_mm_walk(const k_mm_head *mmhead, k_mm_walk_fn fn, void *ctx);
/* The trace record id of a live block (heap or pool), 0 if none. */
uint32_t k_mm_blk_trace(const k_mm_head *mmhead, const void *ptr);
/* Size in bytes of every block header (K_MM_HDR_SIZE). */
size_t k_mm_hdr_size(void);
const char *k_mm_kind_name(k_mm_kind_t kind);

/* ---- console ---------------------------------------------------------- */
/* Prints the Heap Info table; print NULL means the kernel console. */
void krhino_mm_overview(k_print_fn print);
void k_mm_overview(const k_mm_head *mmhead, k_print_fn print);
/* Prints every block, the per-owner summary and the overview (README,
 * "Reading the dump"). */
void krhino_mm_dump(k_print_fn print);
void k_mm_dump(const k_mm_head *mmhead, k_print_fn print);
/* Just the dump's owner summary, its first max_rows rows (for reports). */
void k_mm_dump_owners(const k_mm_head *mmhead, k_print_fn print, size_t max_rows);

#endif
