/* Bit flips in block headers: the validator must catch every flip that
 * changes the heap's structure, and never read outside the heap while
 * looking. The heap sits between two PROT_NONE pages, so a stray read
 * faults (and under ASan is reported) instead of passing silently.
 *
 * Structural bits: prev_phys, size (with its FREE/PREVFREE flags), the dye
 * magic, kind values that name no kind, and a free block's list links.
 * Not structural: the owner word, kind values that name another valid
 * kind, and padding; the summary test prints those counts. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "unit_support.h"

#define HEAP_LEN (64 * 1024)

static unsigned char *g_heap_mem;
static k_mm_head *g_heap;

static void guarded_heap_setup(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = HEAP_LEN + 2 * page;
    unsigned char *m = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(m, MAP_FAILED);
    cr_assert_eq(mprotect(m + page, HEAP_LEN, PROT_READ | PROT_WRITE), 0);
    g_heap_mem = m + page;
    unit_observe_kernel();
}

static void fresh_heap(void)
{
    cr_assert_eq(krhino_init_mm_head(&g_heap, g_heap_mem, HEAP_LEN), RHINO_SUCCESS);
}

TestSuite(bitflip, .init = guarded_heap_setup);

/* Which bits of a block's header (and, when free, its links) are structural. */
static bool bit_is_structural(const k_mm_blk_t *b, size_t byte, unsigned bit)
{
    size_t size_at = offsetof(k_mm_blk_t, size), prev_at = offsetof(k_mm_blk_t, prev_phys);
    if (byte >= prev_at && byte < prev_at + sizeof(void *))
        return true;
    if (byte >= size_at && byte < size_at + sizeof(size_t))
        return true;
    if (byte >= K_MM_HDR_SIZE)
        return true; /* free-list links */
#if RHINO_CONFIG_MM_DEBUG
    size_t dye_at = offsetof(k_mm_blk_t, dye);
    if (byte >= dye_at && byte < dye_at + sizeof(uint32_t)) {
        uint32_t flipped = b->dye ^ ((uint32_t)1 << ((byte - dye_at) * 8 + bit));
        if ((flipped & K_MM_DYE_MASK) != (b->dye & K_MM_DYE_MASK))
            return true;
        return blk_is_free(b) || (flipped & ~K_MM_DYE_MASK) >= K_MM_KIND_COUNT;
    }
#endif
    return false;
}

typedef struct {
    unsigned structural, structural_caught, other, other_caught;
} tally_t;

static bool heap_is_valid(k_mm_check_t *c) { return k_mm_validate(g_heap, c); }

/* Flips the given bits of b's header area, validates, flips them back. */
static bool flips_are_caught(k_mm_blk_t *b, const size_t *bytes, const unsigned *bits, int n)
{
    unsigned char *raw = (unsigned char *)b;
    k_mm_check_t c;
    for (int i = 0; i < n; i++)
        raw[bytes[i]] ^= (unsigned char)(1u << bits[i]);
    bool caught = !heap_is_valid(&c);
    for (int i = 0; i < n; i++)
        raw[bytes[i]] ^= (unsigned char)(1u << bits[i]);
    cr_assert(heap_is_valid(&c), "heap must be valid again once restored: %s", c.what);
    return caught;
}

static void sweep_block(k_mm_blk_t *b, size_t span, tally_t *t)
{
    for (size_t byte = 0; byte < span; byte++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            bool structural = bit_is_structural(b, byte, bit);
            bool caught = flips_are_caught(b, &byte, &bit, 1);
            if (structural) {
                t->structural++;
                t->structural_caught += caught;
                cr_assert(caught, "flip of byte %zu bit %u of a %s block went unnoticed", byte, bit,
                          blk_is_free(b) ? "free" : "used");
            } else {
                t->other++;
                t->other_caught += caught;
            }
        }
    }
}

/* used, FREE, used, FREE(target), used, FREE, used: the target free block
 * has list neighbours on both sides, the used target sits between frees. */
static void build_sweep_layout(void **ptrs)
{
    fresh_heap();
    for (int i = 0; i < 7; i++)
        ptrs[i] = k_mm_alloc(g_heap, 200, 0x1234, K_MM_KIND_DATA);
    for (int i = 1; i < 7; i += 2)
        k_mm_free(g_heap, ptrs[i]);
}

Test(bitflip, every_structural_bit_of_a_used_header)
{
    void *p[7];
    build_sweep_layout(p);
    tally_t t = {0};
    sweep_block(blk_from_payload(p[2]), K_MM_HDR_SIZE, &t);
    cr_assert_eq(t.structural_caught, t.structural);
    cr_log_info("used header: %u/%u structural bits caught, %u/%u others", t.structural_caught, t.structural,
                t.other_caught, t.other);
    cr_assert_geq(t.structural, 8 * (2 * sizeof(void *)));
}

Test(bitflip, every_structural_bit_of_a_free_header_and_links)
{
    void *p[7];
    build_sweep_layout(p);
    tally_t t = {0};
    k_mm_blk_t *target = blk_from_payload(p[3]);
    cr_assert(blk_links(target)->next && blk_links(target)->prev, "target is mid-list");
    sweep_block(target, K_MM_HDR_SIZE + K_MM_MIN_PAYLOAD, &t);
    cr_assert_eq(t.structural_caught, t.structural);
    cr_log_info("free header and links: %u/%u structural bits caught, %u/%u others", t.structural_caught,
                t.structural, t.other_caught, t.other);
}

static bool flip_is_repeated(const size_t *bytes, const unsigned *bits, int i)
{
    for (int j = 0; j < i; j++)
        if (bytes[j] == bytes[i] && bits[j] == bits[i])
            return true;
    return false;
}

/* Random programs, then 1-3 random flips in one random block's header. */
Test(bitflip, random_flips_over_many_seeds)
{
    tally_t t = {0};
    for (uint32_t seed = 1; seed <= 1500; seed++) {
        unit_rng_t rng = {seed * 2654435761u};
        fresh_heap();
        void *live[24] = {0};
        for (int op = 0; op < 60; op++) {
            int slot = (int)unit_rand_below(&rng, 24);
            if (live[slot]) {
                k_mm_free(g_heap, live[slot]);
                live[slot] = NULL;
            } else {
                live[slot] = k_mm_alloc(g_heap, 1 + unit_rand_below(&rng, 900), seed, K_MM_KIND_DATA);
            }
        }
        /* Pick a heap block by walking. */
        k_mm_blk_t *pick = NULL;
        unsigned want = unit_rand_below(&rng, 8), seen = 0;
        for (const k_mm_region_t *r = g_heap->regions; r; r = r->next)
            for (k_mm_blk_t *b = region_next_blk(r, region_first_blk(r)); b && !blk_is_sentinel_end(b);
                 b = region_next_blk(r, b))
                if (seen++ <= want)
                    pick = b;
        cr_assert_not_null(pick);
        size_t span = K_MM_HDR_SIZE + (blk_is_free(pick) ? K_MM_MIN_PAYLOAD : 0);
        int n = 1 + (int)unit_rand_below(&rng, 3);
        size_t bytes[3];
        unsigned bits[3];
        bool structural = false;
        for (int i = 0; i < n; i++) {
            do {
                bytes[i] = unit_rand_below(&rng, (uint32_t)span);
                bits[i] = unit_rand_below(&rng, 8);
            } while (flip_is_repeated(bytes, bits, i));
            structural |= bit_is_structural(pick, bytes[i], bits[i]);
        }
        bool caught = flips_are_caught(pick, bytes, bits, n);
        if (structural) {
            t.structural++;
            t.structural_caught += caught;
            cr_assert(caught, "seed %u: %d structural flip(s) went unnoticed", seed, n);
        } else {
            t.other++;
            t.other_caught += caught;
        }
    }
    cr_log_info("random flips: %u/%u structural caught, %u/%u non-structural caught", t.structural_caught,
                t.structural, t.other_caught, t.other);
    cr_assert_gt(t.structural, 1000);
}
