/* Transition functions of the heap model (heap_model.h). */
#include <assert.h>
#include <string.h>

#include "heap_model.h"
#include "k_mm.h"

/* A free block's payload holds its two free-list links: no block is smaller. */
#define MIN_PAYLOAD (2 * sizeof(void *))

/* ---- routing ------------------------------------------------------------ */
model_alloc_t model_predict_alloc(size_t size, const model_alloc_env_t *env)
{
    if (size == 0)
        return ALLOC_FAILS_SIZE;
    /* The pool is asked first (and its fault point counted) for small requests. */
    if (env->pool_blk && size <= env->pool_blk && !env->pool_fault_next && env->pool_has_room)
        return ALLOC_TO_POOL;
    if (env->heap_fault_next)
        return ALLOC_FAILS_FAULT;
    return ALLOC_HEAP_OR_FAIL;
}

model_alloc_t model_predict_calloc(size_t n, size_t size, const model_alloc_env_t *env)
{
    if (size && n > SIZE_MAX / size)
        return ALLOC_FAILS_SIZE;
    return model_predict_alloc(n * size, env);
}

model_alloc_t model_predict_growth(size_t size, bool in_place, const model_alloc_env_t *env)
{
    if (!in_place)
        return model_predict_alloc(size, env);
    return env->heap_fault_next ? ALLOC_FAILS_FAULT : ALLOC_HEAP_OR_FAIL;
}

/* ---- costs -------------------------------------------------------------- */
static size_t payload_for(size_t size)
{
    size_t payload = (size + K_MM_ALIGN - 1) & ~(size_t)(K_MM_ALIGN - 1);
    return payload < MIN_PAYLOAD ? MIN_PAYLOAD : payload;
}

/* The smallest block that can stand alone as a free block. */
static size_t min_block(const model_heap_t *h) { return h->env.hdr_bytes + MIN_PAYLOAD; }

static size_t capacity_of(const model_heap_t *h, const model_obj_t *o) { return o->cost - h->env.hdr_bytes; }

model_cost_range_t model_heap_block_cost(const model_heap_t *h, size_t size)
{
    size_t least = h->env.hdr_bytes + payload_for(size);
    return (model_cost_range_t){least, least + min_block(h) - K_MM_ALIGN};
}

size_t model_heap_trimmed_cost(const model_heap_t *h, int slot, size_t size)
{
    const model_obj_t *o = &h->obj[slot];
    size_t need = payload_for(size), cap = capacity_of(h, o);
    assert(o->live && o->where == WHERE_HEAP && need <= cap);
    return cap >= need + min_block(h) ? h->env.hdr_bytes + need : o->cost;
}

size_t model_heap_used(const model_heap_t *h) { return h->env.used + h->objects_cost; }

model_realloc_t model_predict_realloc(const model_heap_t *h, int slot, size_t size)
{
    const model_obj_t *o = &h->obj[slot];
    assert(o->live && size > 0);
    if (o->where == WHERE_POOL)
        return size <= h->env.pool_blk ? REALLOC_KEEPS_POOL_BLOCK : REALLOC_GROWS;
    /* the capacity is a multiple of K_MM_ALIGN: size fits it iff its payload
     * does (and a size near SIZE_MAX does not wrap) */
    return size <= capacity_of(h, o) ? REALLOC_TRIMS_IN_PLACE : REALLOC_GROWS;
}

model_where_t model_realloc_where(const model_heap_t *h, int slot, size_t size, const model_alloc_env_t *env,
                                  bool moved)
{
    if (!moved)
        return h->obj[slot].where;
    return model_predict_alloc(size, env) == ALLOC_TO_POOL ? WHERE_POOL : WHERE_HEAP;
}

/* ---- transitions -------------------------------------------------------- */
void model_heap_init(model_heap_t *h, const model_heap_env_t *env)
{
    memset(h, 0, sizeof *h);
    h->env = *env;
    h->peak = env->peak;
}

static size_t within(model_cost_range_t r, size_t v) { return v < r.least ? r.least : v > r.most ? r.most : v; }

static void raise_peak_to(model_heap_t *h, size_t used)
{
    if (used > h->peak)
        h->peak = used;
}

/* Takes a block for o as it is now (where, cost) into the figures. */
static void take_block(model_heap_t *h, const model_obj_t *o)
{
    if (o->where == WHERE_POOL) {
        h->pool_used += h->env.pool_blk;
        return;
    }
    h->objects_cost += o->cost;
    raise_peak_to(h, model_heap_used(h));
}

static void give_block_back(model_heap_t *h, const model_obj_t *o)
{
    if (o->where == WHERE_POOL) {
        assert(h->pool_used >= h->env.pool_blk);
        h->pool_used -= h->env.pool_blk;
        return;
    }
    assert(h->objects_cost >= o->cost);
    h->objects_cost -= o->cost;
}

static size_t heap_cost_or_none(const model_heap_t *h, model_where_t where, size_t size, size_t block_cost)
{
    return where == WHERE_POOL ? 0 : within(model_heap_block_cost(h, size), block_cost);
}

void model_heap_alloc(model_heap_t *h, int slot, size_t size, model_where_t where, size_t block_cost)
{
    model_obj_t *o = &h->obj[slot];
    assert(!o->live);
    *o = (model_obj_t){.live = true, .id = ++h->next_id, .size = size, .where = where,
                       .cost = heap_cost_or_none(h, where, size, block_cost)};
    take_block(h, o);
}

void model_heap_realloc(model_heap_t *h, int slot, size_t size, const model_alloc_env_t *env, bool moved,
                        size_t block_cost)
{
    model_obj_t *o = &h->obj[slot];
    model_obj_t now = *o;
    now.size = size;
    switch (model_predict_realloc(h, slot, size)) {
    case REALLOC_KEEPS_POOL_BLOCK: break;
    case REALLOC_TRIMS_IN_PLACE: now.cost = model_heap_trimmed_cost(h, slot, size); break;
    case REALLOC_GROWS:
        now.where = model_realloc_where(h, slot, size, env, moved);
        now.cost = heap_cost_or_none(h, now.where, size, block_cost);
        break;
    }
    if (moved) { /* the new block first, then the old one goes */
        take_block(h, &now);
        give_block_back(h, o);
    } else {
        give_block_back(h, o);
        take_block(h, &now);
    }
    *o = now;
}

void model_heap_free(model_heap_t *h, int slot)
{
    model_obj_t *o = &h->obj[slot];
    assert(o->live);
    give_block_back(h, o);
    o->live = false;
}

void model_heap_transient_block(model_heap_t *h, size_t used, size_t size, size_t block_cost)
{
    raise_peak_to(h, used + within(model_heap_block_cost(h, size), block_cost));
}

void model_heap_note_used(model_heap_t *h, size_t used) { raise_peak_to(h, used); }
