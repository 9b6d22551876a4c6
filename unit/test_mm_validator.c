/* The validator names each corruption: one invariant broken at a time on a
 * fresh private heap, and k_mm_validate must fail with the text meant for
 * it (kernel/mm/k_mm_validate.c). The bitflip tests prove that damage is
 * caught at all; these prove that the report says what broke, including
 * for damage no single header bit flip produces (heap head, free lists,
 * bitmap, totals, pool record). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "unit_support.h"

TestSuite(validator, .init = unit_observe_kernel);

/* The layout every case starts from:
 *   region sentinel, pool slab, u[0] used, u[1] FREE, u[2] used, u[3] FREE,
 *   u[4] used, u[5] FREE, u[6] used, free remainder, end sentinel
 * u[*] hold 200 bytes (class 7); list 7 is u[5] -> u[3] -> u[1]; the
 * remainder is alone on its list. One pool block is in use. */
#define N_BLOCKS 7

typedef struct {
    k_mm_head *h;
    k_mm_blk_t *u[N_BLOCKS];
    k_mm_blk_t *rest;
    unsigned rest_class;
} layout_t;

static layout_t build(void)
{
    layout_t l = {.h = unit_private_heap()};
    cr_assert_not_null(l.h);
    for (int i = 0; i < N_BLOCKS; i++) {
        void *p = k_mm_alloc(l.h, 200, 0x1000, K_MM_KIND_DATA);
        cr_assert_not_null(p);
        l.u[i] = blk_from_payload(p);
    }
    for (int i = 1; i < N_BLOCKS; i += 2)
        k_mm_free(l.h, blk_payload(l.u[i]));
    cr_assert_not_null(k_mm_alloc(l.h, 16, 0x1000, K_MM_KIND_DATA), "a pool block");
    l.rest = blk_next_phys(l.u[N_BLOCKS - 1]);
    l.rest_class = size_class(blk_size(l.rest));
    cr_assert(blk_is_free(l.rest));
    cr_assert_eq(l.h->freelist[7], l.u[5]);
    cr_assert_eq(blk_links(l.u[5])->next, l.u[3]);
    cr_assert_eq(blk_links(l.u[3])->next, l.u[1]);
    cr_assert_eq(l.h->pool.used, 1);
    return l;
}

static k_mm_links_t *links(k_mm_blk_t *b) { return blk_links(b); }

/* A header forged inside u[0]'s payload, which lies in the region but is no
 * block of the tiling: looks free, of class 6, on no list. */
static k_mm_blk_t *forge_free_header(layout_t *l, bool dye_ok)
{
    k_mm_blk_t *f = (k_mm_blk_t *)(void *)blk_payload(l->u[0]);
    f->prev_phys = l->u[0];
    f->size = 72 | K_MM_FREE;
#if RHINO_CONFIG_MM_DEBUG
    f->dye = dye_ok ? K_MM_DYE_FREE : 0;
#else
    (void)dye_ok;
#endif
    links(f)->next = links(f)->prev = NULL;
    return f;
}

/* Each case damages the layout and returns the text the validator must
 * give (in buf when it has figures in it), setting *where when the case
 * knows the block it must name. */
typedef const char *corrupt_fn(layout_t *l, char *buf, size_t len, uintptr_t *where);

static uint64_t g_outside[8]; /* an aligned address in no region */

/* ---- the heap head ------------------------------------------------------- */
static const char *head_magic(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->magic ^= 0x100;
    *where = (uintptr_t)l->h;
    return "heap head magic overwritten";
}

static const char *bitmap_bit_without_a_list(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->bitmap |= (size_t)1 << 3;
    return "bitmap bit 3 disagrees with free list 3";
}

static const char *list_without_its_bitmap_bit(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->bitmap &= ~((size_t)1 << 7);
    return "bitmap bit 7 disagrees with free list 7";
}

/* ---- free-list entries ---------------------------------------------------- */
static const char *list_holds_a_used_block(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->freelist[5] = l->u[0];
    l->h->bitmap |= (size_t)1 << 5;
    *where = (uintptr_t)l->u[0];
    return "free list 5 holds something that is not a free block";
}

static const char *list_holds_an_address_outside_the_heap(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->freelist[5] = (k_mm_blk_t *)(void *)g_outside;
    l->h->bitmap |= (size_t)1 << 5;
    *where = (uintptr_t)g_outside;
    return "free list 5 holds something that is not a free block";
}

#if RHINO_CONFIG_MM_DEBUG
static const char *list_holds_a_free_looking_header_with_a_bad_dye(layout_t *l, char *buf, size_t len,
                                                                   uintptr_t *where)
{
    k_mm_blk_t *f = forge_free_header(l, false);
    l->h->freelist[6] = f;
    l->h->bitmap |= (size_t)1 << 6;
    *where = (uintptr_t)f;
    return "free list 6 holds something that is not a free block";
}
#endif

static const char *list_holds_a_block_of_another_class(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* u[5] heads list 7 as it should, and list 5 as well. */
    l->h->freelist[5] = l->u[5];
    l->h->bitmap |= (size_t)1 << 5;
    *where = (uintptr_t)l->u[5];
    return "free list 5 entry has the wrong class or back link";
}

static const char *list_head_with_a_back_link(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    k_mm_blk_t *f = forge_free_header(l, true);
    links(f)->prev = l->u[1];
    l->h->freelist[6] = f;
    l->h->bitmap |= (size_t)1 << 6;
    *where = (uintptr_t)f;
    return "free list 6 entry has the wrong class or back link";
}

static const char *lists_hold_a_block_the_walk_does_not_know(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    k_mm_blk_t *f = forge_free_header(l, true);
    l->h->freelist[6] = f;
    l->h->bitmap |= (size_t)1 << 6;
    /* list 6 (1) and list 7 (3) fill the count; the remainder is one too many */
    *where = (uintptr_t)l->rest;
    return "free lists hold more entries than the heap has free blocks";
}

static const char *free_blocks_on_no_list(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* u[1] and u[3] link only to each other, consistently both ways, and
     * list 7 ends at u[5]: the walk finds four free blocks, the lists two. */
    links(l->u[5])->next = NULL;
    links(l->u[3])->prev = l->u[1];
    links(l->u[1])->next = l->u[3];
    return "free lists hold 2 blocks, the walk found 4";
}

/* ---- a free block's own links --------------------------------------------- */
static const char *next_link_to_a_used_block(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[1])->next = l->u[0];
    *where = (uintptr_t)l->u[1];
    return "free block's next link is broken";
}

static const char *next_link_outside_the_heap(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[1])->next = (k_mm_blk_t *)(void *)g_outside;
    *where = (uintptr_t)l->u[1];
    return "free block's next link is broken";
}

static const char *next_link_to_a_free_block_not_linking_back(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[1])->next = l->rest;
    *where = (uintptr_t)l->u[1];
    return "free block's next link is broken";
}

static const char *next_link_misaligned(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[1])->next = (k_mm_blk_t *)(void *)((unsigned char *)l->rest + 4);
    *where = (uintptr_t)l->u[1];
    return "free block's next link is broken";
}

static const char *next_link_too_close_to_the_region_end(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* inside the region, aligned, but no room for a block before its end */
    links(l->u[1])->next = (k_mm_blk_t *)(l->h->regions->end - K_MM_ALIGN);
    *where = (uintptr_t)l->u[1];
    return "free block's next link is broken";
}

static const char *prev_link_to_a_used_block(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[5])->prev = l->u[4];
    *where = (uintptr_t)l->u[5];
    return "free block's prev link is broken";
}

static const char *prev_link_outside_the_heap(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    links(l->u[5])->prev = (k_mm_blk_t *)(void *)g_outside;
    *where = (uintptr_t)l->u[5];
    return "free block's prev link is broken";
}

static const char *list_head_not_in_the_head(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->freelist[7] = l->u[3];
    *where = (uintptr_t)l->u[5];
    return "free block of class 7 is not on its list";
}

/* ---- blocks and tiling ---------------------------------------------------- */
static const char *payload_below_the_minimum(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* 8 bytes, with u[2]'s successor header forged where 8 bytes end */
    k_mm_blk_t *b = l->u[2], *next = blk_next_phys(b);
    k_mm_blk_t *forged = (k_mm_blk_t *)(void *)(blk_payload(b) + 8);
    *forged = *next;
    forged->prev_phys = b;
    b->size = 8 | (b->size & K_MM_FLAGS);
    *where = (uintptr_t)b;
    return "size 8 is not a valid payload size";
}

static const char *two_adjacent_free_blocks(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* u[2] claims to be free between the free u[1] and u[3] */
    l->u[2]->size |= K_MM_FREE;
#if RHINO_CONFIG_MM_DEBUG
    l->u[2]->dye = K_MM_DYE_FREE;
#endif
    *where = (uintptr_t)l->u[2];
    return "two adjacent free blocks";
}

static const char *size_runs_past_the_region(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->u[6]->size = ((SIZE_MAX / 4) & ~(size_t)7) | (l->u[6]->size & K_MM_FLAGS);
    *where = (uintptr_t)l->u[6];
    return "block size runs past the end of its region";
}

static const char *a_zero_size_block_mid_region(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->u[6]->size &= K_MM_FLAGS; /* looks like an end sentinel, far from the end */
    *where = (uintptr_t)l->u[6];
    return "blocks do not tile the region up to its end sentinel";
}

static const char *end_sentinel_marked_free(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* After the free remainder, so its PREVFREE bit agrees; a free
     * sentinel carries the free dye. */
    k_mm_blk_t *end = blk_next_phys(l->rest);
    cr_assert(blk_is_sentinel_end(end));
    end->size |= K_MM_FREE;
#if RHINO_CONFIG_MM_DEBUG
    end->dye = K_MM_DYE_FREE;
#endif
    *where = (uintptr_t)end;
    return "blocks do not tile the region up to its end sentinel";
}

/* ---- the region start sentinel --------------------------------------------- */
static k_mm_blk_t *start_sentinel(layout_t *l) { return region_first_blk(l->h->regions); }

static const char *start_sentinel_with_a_predecessor(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    start_sentinel(l)->prev_phys = l->u[0];
    *where = (uintptr_t)start_sentinel(l);
    return "region start sentinel damaged";
}

static const char *start_sentinel_marked_free(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    start_sentinel(l)->size |= K_MM_FREE;
    *where = (uintptr_t)start_sentinel(l);
    return "region start sentinel damaged";
}

#if RHINO_CONFIG_MM_DEBUG
static const char *start_sentinel_dye_overwritten(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    start_sentinel(l)->dye = 0;
    *where = (uintptr_t)start_sentinel(l);
    return "region start sentinel damaged";
}

static const char *start_sentinel_of_another_kind(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    start_sentinel(l)->dye = K_MM_DYE_USED | K_MM_KIND_DATA;
    *where = (uintptr_t)start_sentinel(l);
    return "region start sentinel damaged";
}
#endif

static const char *region_record_pointing_elsewhere(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* The record's start moved back by one header: a well-formed sentinel
     * forged there (in the heap head's last bytes, inside the buffer) whose
     * payload is not the record. */
    k_mm_region_t *r = l->h->regions;
    k_mm_blk_t *real = region_first_blk(r);
    k_mm_blk_t *forged = (k_mm_blk_t *)(void *)((unsigned char *)real - K_MM_HDR_SIZE);
    cr_assert_geq((uintptr_t)forged, (uintptr_t)l->h);
    *forged = *real;
    r->start = (uintptr_t)forged;
    *where = (uintptr_t)forged;
    return "region start sentinel damaged";
}

/* ---- totals ----------------------------------------------------------------- */
static const char *walk_totals(layout_t *l, char *buf, size_t len, uintptr_t *where, size_t *field, size_t delta)
{
    size_t fb = l->h->free_blocks, fr = l->h->free, ub = l->h->used_blocks;
    *field += delta;
    snprintf(buf, len, "walk totals (free %lu blocks/%lu bytes, used %lu) differ from the stats (%lu/%lu, %lu)",
             (unsigned long)fb, (unsigned long)fr, (unsigned long)ub, (unsigned long)l->h->free_blocks,
             (unsigned long)l->h->free, (unsigned long)l->h->used_blocks);
    return buf;
}

static const char *free_block_count(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    return walk_totals(l, buf, len, where, &l->h->free_blocks, 1);
}

static const char *free_bytes(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    return walk_totals(l, buf, len, where, &l->h->free, K_MM_ALIGN);
}

static const char *used_block_count(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    return walk_totals(l, buf, len, where, &l->h->used_blocks, (size_t)-1);
}

static const char *total_size(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->total += K_MM_ALIGN;
    l->h->maxused += K_MM_ALIGN; /* so only TotalSz is off */
    return "TotalSz or peak UsedSz disagrees with the regions";
}

static const char *peak_below_the_current_use(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->maxused = l->h->total - l->h->free - K_MM_ALIGN;
    return "TotalSz or peak UsedSz disagrees with the regions";
}

static const char *peak_above_the_total(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->maxused = l->h->total + K_MM_ALIGN;
    return "TotalSz or peak UsedSz disagrees with the regions";
}

/* ---- the pool record -------------------------------------------------------- */
static const char *pool_used_count(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->pool.used = 3;
    *where = (uintptr_t)l->h->pool.base;
    return "pool counts 3 used blocks, its bitmap 1";
}

static const char *pool_bit_past_the_slab(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    /* The record claims 200 blocks (the bitmap has room for 256); block 230
     * is marked used: it is past the slab. Word 6 holds the edge. */
    l->h->pool.nblocks = 200;
    l->h->pool.used_map[230 / 32] |= 1u << (230 % 32);
    l->h->pool.used++;
    *where = (uintptr_t)l->h->pool.base;
    return "pool bitmap marks a block past the slab";
}

static const char *pool_bit_just_past_a_partial_word(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->pool.nblocks = 200;
    l->h->pool.used_map[200 / 32] |= 1u << (200 % 32);
    l->h->pool.used++;
    *where = (uintptr_t)l->h->pool.base;
    return "pool bitmap marks a block past the slab";
}

static const char *pool_slab_outside_the_heap(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->pool.base = (uint8_t *)g_outside;
    *where = (uintptr_t)blk_from_payload(g_outside);
    return "pool slab is not a used heap block of kind pool";
}

static const char *pool_slab_pointer_at_a_free_block(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->pool.base = blk_payload(l->u[3]);
    *where = (uintptr_t)l->u[3];
    return "pool slab is not a used heap block of kind pool";
}

#if RHINO_CONFIG_MM_DEBUG
static const char *pool_slab_of_another_kind(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    k_mm_blk_t *slab = blk_from_payload(l->h->pool.base);
    slab->dye = K_MM_DYE_USED | K_MM_KIND_DATA; /* a valid dye: only the pool check can tell */
    *where = (uintptr_t)slab;
    return "pool slab is not a used heap block of kind pool";
}
#endif

static const char *pool_larger_than_its_slab(layout_t *l, char *buf, size_t len, uintptr_t *where)
{
    l->h->pool.nblocks = 300;
    *where = (uintptr_t)blk_from_payload(l->h->pool.base);
    return "pool slab is not a used heap block of kind pool";
}

static const struct {
    const char *name;
    corrupt_fn *corrupt;
} cases[] = {
    {"head magic", head_magic},
    {"bitmap bit without a list", bitmap_bit_without_a_list},
    {"list without its bitmap bit", list_without_its_bitmap_bit},
    {"list holds a used block", list_holds_a_used_block},
    {"list holds an address outside the heap", list_holds_an_address_outside_the_heap},
#if RHINO_CONFIG_MM_DEBUG
    {"list holds a free-looking header with a bad dye", list_holds_a_free_looking_header_with_a_bad_dye},
#endif
    {"list holds a block of another class", list_holds_a_block_of_another_class},
    {"list head with a back link", list_head_with_a_back_link},
    {"lists hold a block the walk does not know", lists_hold_a_block_the_walk_does_not_know},
    {"free blocks on no list", free_blocks_on_no_list},
    {"next link to a used block", next_link_to_a_used_block},
    {"next link outside the heap", next_link_outside_the_heap},
    {"next link to a free block not linking back", next_link_to_a_free_block_not_linking_back},
    {"next link misaligned", next_link_misaligned},
    {"next link too close to the region end", next_link_too_close_to_the_region_end},
    {"prev link to a used block", prev_link_to_a_used_block},
    {"prev link outside the heap", prev_link_outside_the_heap},
    {"list head not in the heap head", list_head_not_in_the_head},
    {"payload below the minimum", payload_below_the_minimum},
    {"two adjacent free blocks", two_adjacent_free_blocks},
    {"size runs past the region", size_runs_past_the_region},
    {"a zero-size block mid-region", a_zero_size_block_mid_region},
    {"end sentinel marked free", end_sentinel_marked_free},
    {"start sentinel with a predecessor", start_sentinel_with_a_predecessor},
    {"start sentinel marked free", start_sentinel_marked_free},
#if RHINO_CONFIG_MM_DEBUG
    {"start sentinel dye overwritten", start_sentinel_dye_overwritten},
    {"start sentinel of another kind", start_sentinel_of_another_kind},
#endif
    {"region record pointing elsewhere", region_record_pointing_elsewhere},
    {"free block count", free_block_count},
    {"free bytes", free_bytes},
    {"used block count", used_block_count},
    {"TotalSz", total_size},
    {"peak below the current use", peak_below_the_current_use},
    {"peak above the total", peak_above_the_total},
    {"pool used count", pool_used_count},
    {"pool bit past the slab", pool_bit_past_the_slab},
    {"pool bit just past a partial word", pool_bit_just_past_a_partial_word},
    {"pool slab outside the heap", pool_slab_outside_the_heap},
    {"pool slab pointer at a free block", pool_slab_pointer_at_a_free_block},
#if RHINO_CONFIG_MM_DEBUG
    {"pool slab of another kind", pool_slab_of_another_kind},
#endif
    {"pool larger than its slab", pool_larger_than_its_slab},
};

Test(validator, names_each_corruption)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        layout_t l = build(); /* a fresh heap per case: nothing to restore */
        k_mm_check_t c;
        cr_assert(k_mm_validate(l.h, &c), "%s: the layout itself is invalid: %s", cases[i].name, c.what);
        cr_assert(c.ok && c.what[0] == '\0' && c.where == 0);
        char buf[160];
        uintptr_t where = 0;
        const char *want = cases[i].corrupt(&l, buf, sizeof buf, &where);
        cr_assert_not(k_mm_validate(l.h, &c), "%s: not caught", cases[i].name);
        cr_assert_not(c.ok);
        cr_assert_str_eq(c.what, want, "%s", cases[i].name);
        if (where)
            cr_assert_eq(c.where, where, "%s: names %#lx, want %#lx", cases[i].name, (unsigned long)c.where,
                         (unsigned long)where);
    }
    cr_assert_eq(g_err_record.count, 0, "validating reports nothing through the error hook");
    cr_assert_str_empty(capture_text(), "and prints nothing");
}
