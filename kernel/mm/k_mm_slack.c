/* Slack canary: the bytes between what a block's owner asked for and the
 * block's capacity (alignment rounding, a rest too small to split off, a
 * pool block's unused tail) hold K_MM_SLACK. A write one byte past a
 * 13-byte buffer lands there, not on the next header: the canary is what
 * shows it. The requested size comes from the block's trace record
 * (k_trace.h), so the header keeps its size; a block whose record was
 * recycled is not checked. Needs RHINO_CONFIG_MM_TRACE; without it the
 * slack is neither filled nor checked. */
#include "k_mm_internal.h"

#if RHINO_CONFIG_MM_TRACE
/* Plain byte loops, no memset: ASan intercepts it even in these
 * uninstrumented files, and the slack is poisoned for it. */
void mm_slack_fill(const k_mm_head *h, void *p, size_t size, size_t cap)
{
    uint8_t *b = p;
    mm_asan_unpoison(b, cap);
    for (size_t i = size; i < cap; i++)
        b[i] = K_MM_SLACK;
    mm_asan_poison(h, b + size, cap - size);
}

/* The bytes requested, when p's record is still current and names p. */
static size_t requested_size(uint32_t id, const void *p, size_t cap)
{
    const k_trace_t *t = k_trace_get(id);
    return t && t->addr == (uintptr_t)p && t->size <= cap ? t->size : cap;
}

size_t mm_slack_damage(const void *p, uint32_t id, size_t cap)
{
    const uint8_t *b = p;
    for (size_t i = requested_size(id, p, cap); i < cap; i++)
        if (b[i] != K_MM_SLACK)
            return i;
    return 0;
}
#else
void mm_slack_fill(const k_mm_head *h, void *p, size_t size, size_t cap) { mm_asan_unpoison(p, cap); }
size_t mm_slack_damage(const void *p, uint32_t id, size_t cap) { return 0; }
#endif
