/* The heap model: what the harness's heap and pool objects should be and
 * what they should cost, kept as plain data and changed only by the
 * transition functions below. Written from the documented rules of the
 * rhino heap (k_mm.h, "Accounting"; README.md, "Accounting"): a heap block
 * for n bytes costs a header plus n rounded up to K_MM_ALIGN, at least the
 * free-list links; the pool takes requests up to BlkSz first; realloc keeps
 * a pool block while the size fits BlkSz, trims a heap block in place, and
 * otherwise grows in place or moves to a block routed like a new
 * allocation (AliOS kernel/rhino/k_mm.c, krhino_mm_realloc).
 *
 * Facts the model does not own enter as arguments: the environment of a
 * call (BlkSz, whether the pool has room, the fault schedule) and what the
 * allocator chose where the rules leave it a choice (a free block handed
 * out whole when its remainder is too small to stand alone; a realloc that
 * grew in place or moved). Where the rules give only a range, the model
 * says the range (model_cost_range_t) and the checker verifies the
 * kernel's figure lies in it. The model never reads the kernel. */
#ifndef HEAP_MODEL_H
#define HEAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_OBJS 16 /* the harness's heap object slots */

typedef enum { WHERE_HEAP, WHERE_POOL } model_where_t;

typedef struct {
    bool live;
    uint32_t id;         /* content pattern seed */
    size_t size;         /* requested bytes */
    model_where_t where;
    size_t cost;         /* heap UsedSz the object's block takes (header + capacity); 0 in the pool */
} model_obj_t;

/* The facts of the heap the model starts from (the kernel's own, after
 * boot): the UsedSz and peak of its own blocks (head, region sentinels,
 * the pool slab), the size of a block header and the pool's BlkSz (0 when
 * there is no pool). All in bytes. */
typedef struct {
    size_t used, peak;
    size_t hdr_bytes;
    size_t pool_blk;
} model_heap_env_t;

typedef struct {
    model_obj_t obj[MODEL_OBJS];
    uint32_t next_id;
    model_heap_env_t env;
    size_t objects_cost; /* sum of the heap objects' cost */
    size_t pool_used;    /* BlkSz x pool objects */
    size_t peak;         /* the peak heap UsedSz (MinFreeSz = TotalSz - peak) */
} model_heap_t;

/* An inclusive range of bytes. */
typedef struct {
    size_t least, most;
} model_cost_range_t;

/* What an allocation request should do. */
typedef enum {
    ALLOC_TO_POOL,
    ALLOC_FAILS_SIZE,   /* size 0 (rhino warns) or a calloc product that overflows */
    ALLOC_FAILS_FAULT,  /* the heap fault point fires */
    ALLOC_HEAP_OR_FAIL, /* heap, or NULL if no free block is large enough */
} model_alloc_t;

/* The environment an allocation meets: facts the model does not own. */
typedef struct {
    size_t pool_blk;        /* BlkSz, 0 without a pool */
    bool pool_has_room;
    bool pool_fault_next;   /* the pool fault point fires on its next call */
    bool heap_fault_next;
} model_alloc_env_t;

/* What malloc(size) (aos_malloc, krhino_mm_alloc) should do in env. */
model_alloc_t model_predict_alloc(size_t size, const model_alloc_env_t *env);
/* What calloc(n, size) should do: as malloc of n * size bytes, failing for
 * size when the product overflows. */
model_alloc_t model_predict_calloc(size_t n, size_t size, const model_alloc_env_t *env);
/* A realloc that grows its block to size bytes takes memory (rhino
 * k_mm_realloc): in place (in_place) it is one heap request, so it fails
 * at an injected heap fault (ALLOC_FAILS_FAULT, else ALLOC_HEAP_OR_FAIL);
 * moved, its new block is allocated as model_predict_alloc says. */
model_alloc_t model_predict_growth(size_t size, bool in_place, const model_alloc_env_t *env);

/* What a realloc of live object slot to size (> 0) bytes should do. */
typedef enum {
    REALLOC_KEEPS_POOL_BLOCK, /* a pool block and size <= BlkSz: same block, succeeds */
    REALLOC_TRIMS_IN_PLACE,   /* a heap block whose capacity holds size: same block, succeeds */
    REALLOC_GROWS,            /* needs more: grows in place or moves (the allocator's choice) */
} model_realloc_t;

model_realloc_t model_predict_realloc(const model_heap_t *h, int slot, size_t size);
/* Where slot's block is after a successful realloc to size bytes in env:
 * where it was, unless it moved (the allocator's choice, an observation);
 * a moved block is routed as model_predict_alloc says. */
model_where_t model_realloc_where(const model_heap_t *h, int slot, size_t size, const model_alloc_env_t *env,
                                  bool moved);

/* The heap UsedSz a new heap block for size bytes adds: header + size
 * rounded up to K_MM_ALIGN (at least the free-list links) when a free block
 * is split for it, up to a header and the links (less K_MM_ALIGN) more when
 * the block is handed out whole. A block grown in place ends in the same
 * range. */
model_cost_range_t model_heap_block_cost(const model_heap_t *h, size_t size);
/* The exact cost of slot's heap block after a realloc trims it to size
 * bytes in place: the rest is split off only if it can stand alone. */
size_t model_heap_trimmed_cost(const model_heap_t *h, int slot, size_t size);
/* The heap UsedSz the model predicts: the kernel's own + its objects'. */
size_t model_heap_used(const model_heap_t *h);

/* ---- transitions ------------------------------------------------------- */
/* An empty model over the kernel's own figures after boot. */
void model_heap_init(model_heap_t *h, const model_heap_env_t *env);
/* A successful allocation of size bytes into empty slot. In the heap,
 * block_cost is what the allocator chose within model_heap_block_cost
 * (an observation); a figure outside the range is taken as its nearest
 * end (the checker reports the difference). Ignored in the pool. */
void model_heap_alloc(model_heap_t *h, int slot, size_t size, model_where_t where, size_t block_cost);
/* A successful realloc of live slot to size bytes in env (the one the
 * call met). REALLOC_KEEPS_POOL_BLOCK and REALLOC_TRIMS_IN_PLACE need no
 * observation; for REALLOC_GROWS, moved and (for a heap block) block_cost
 * say what the allocator chose. A moved block is routed as
 * model_predict_alloc says and taken before the old one is freed: the peak
 * sees both. */
void model_heap_realloc(model_heap_t *h, int slot, size_t size, const model_alloc_env_t *env, bool moved,
                        size_t block_cost);
/* Live slot's block goes back (free, or realloc to 0 bytes). */
void model_heap_free(model_heap_t *h, int slot);
/* A block for size bytes that a failed call took and gave back at once
 * (a timer whose START post failed): the peak rose by its cost, which
 * block_cost observes within model_heap_block_cost. used is the heap
 * UsedSz when it was taken. */
void model_heap_transient_block(model_heap_t *h, size_t used, size_t size, size_t block_cost);
/* The heap UsedSz after a call of a service whose blocks are not the heap
 * model's (timers, delayed-action records, the driver's): it may raise the
 * peak. */
void model_heap_note_used(model_heap_t *h, size_t used);

#endif
