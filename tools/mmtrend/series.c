/* A boot's figures as series: see series.h. */
#include "series.h"

#include <stdlib.h>

#include "pool_full.h"

static bool boot_prints_pool(const heap_info_t *tables, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!tables[i].has_pool)
            return false;
    return true;
}

static bool boot_prints_pool_min_free(const heap_info_t *tables, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!tables[i].pool.has_min_free)
            return false;
    return true;
}

static void take_figures(const heap_info_t *h, series_kind_t kind, double *free, double *min_free)
{
    *free = (double)(kind == SERIES_HEAP ? h->free : h->pool.free);
    if (min_free)
        *min_free = (double)(kind == SERIES_HEAP ? h->min_free : h->pool.min_free);
}

int series_of_boot(const mm_log_t *log, size_t boot, series_kind_t kind, series_t *s)
{
    const mm_boot_t *b = &log->boots[boot];
    const heap_info_t *tables = b->ntables ? &log->tables[b->first_table] : NULL; /* a log may have none */
    *s = (series_t){.kind = kind};
    if (kind == SERIES_POOL && !boot_prints_pool(tables, b->ntables))
        return 1;
    bool with_min_free = kind == SERIES_HEAP || boot_prints_pool_min_free(tables, b->ntables);
    size_t room = b->ntables ? b->ntables : 1;
    s->free = malloc(room * sizeof *s->free);
    s->min_free = with_min_free ? malloc(room * sizeof *s->min_free) : NULL;
    if (!s->free || (with_min_free && !s->min_free)) {
        series_free(s);
        return -1;
    }
    for (size_t i = 0; i < b->ntables; i++)
        take_figures(&tables[i], kind, &s->free[i], s->min_free ? &s->min_free[i] : NULL);
    s->n = b->ntables;
    return 0;
}

void series_free(series_t *s)
{
    free(s->free);
    free(s->min_free);
    *s = (series_t){.kind = s->kind};
}

/* Whether the pool of cycle c's table is full (tables: const heap_info_t[],
 * cycle c at tables[c - 1]). */
static bool pool_full_at(const void *tables, size_t c)
{
    const pool_info_t *p = &((const heap_info_t *)tables)[c - 1].pool;
    return pool_is_full(p->free, p->has_blk_size ? p->blk_size : 0);
}

size_t series_pool_full_cycle(const mm_log_t *log, size_t boot)
{
    const mm_boot_t *b = &log->boots[boot];
    const heap_info_t *tables = b->ntables ? &log->tables[b->first_table] : NULL;
    if (!boot_prints_pool(tables, b->ntables))
        return 0;
    return pool_filled_up(b->ntables, pool_full_at, tables);
}

const char *series_name(series_kind_t kind) { return kind == SERIES_HEAP ? "heap" : "pool"; }
