/* aos_* and krhino_mm_* wrappers over the default heap. Each records its
 * own caller as the owner (or free site), so the dump and the reports name
 * the code that allocated or freed. */
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "k_owned.h"

#define CALLER() ((uintptr_t)__builtin_return_address(0))

__attribute__((noinline)) void *krhino_mm_alloc(size_t size)
{
    return k_mm_alloc(g_kmm_head, size, CALLER(), K_MM_KIND_DATA);
}

__attribute__((noinline)) void krhino_mm_free(void *ptr) { k_mm_free_at(g_kmm_head, ptr, CALLER()); }

__attribute__((noinline)) void *krhino_mm_realloc(void *oldmem, size_t newsize)
{
    return k_mm_realloc(g_kmm_head, oldmem, newsize, CALLER());
}

void *k_owned_malloc(size_t size, uintptr_t owner) { return k_mm_alloc(g_kmm_head, size, owner, K_MM_KIND_DATA); }

__attribute__((noinline)) void *aos_malloc(size_t size) { return k_owned_malloc(size, CALLER()); }

static void *zeroed(void *p, size_t size)
{
    if (p)
        memset(p, 0, size);
    return p;
}

void *k_owned_zalloc(size_t size, uintptr_t owner) { return zeroed(k_owned_malloc(size, owner), size); }

__attribute__((noinline)) void *aos_zalloc(size_t size) { return k_owned_zalloc(size, CALLER()); }

__attribute__((noinline)) void *aos_calloc(size_t nitems, size_t size)
{
    if (size && nitems > (size_t)-1 / size) {
        k_printf("WARNING, calloc size overflow: %lu x %lu\n", (unsigned long)nitems, (unsigned long)size);
        return NULL;
    }
    return zeroed(k_mm_alloc(g_kmm_head, nitems * size, CALLER(), K_MM_KIND_DATA), nitems * size);
}

__attribute__((noinline)) void *aos_realloc(void *mem, size_t size)
{
    return k_mm_realloc(g_kmm_head, mem, size, CALLER());
}

__attribute__((noinline)) void aos_free(void *mem) { k_mm_free_at(g_kmm_head, mem, CALLER()); }
