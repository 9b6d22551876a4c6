/* The heap model's transitions (model/heap_model.h), pure: no kernel runs.
 * Figures follow the documented rules: a block costs a header plus the
 * size rounded up to 8, at least the two free-list links; a block handed
 * out whole may cost up to a header and the links (less 8) more. */
#include <criterion/criterion.h>

#include "heap_model.h"

#define HDR 24u                 /* a header, as a kernel would report it */
#define LINKS (2 * sizeof(void *))
#define BLK 32u                 /* BlkSz */
#define BASE 0x1000u            /* the kernel's own UsedSz */

static model_heap_t fresh(void)
{
    model_heap_t h;
    model_heap_init(&h, &(model_heap_env_t){.used = BASE, .peak = BASE + 8, .hdr_bytes = HDR, .pool_blk = BLK});
    return h;
}

static const model_alloc_env_t pool_open = {.pool_blk = BLK, .pool_has_room = true};
static const model_alloc_env_t pool_full = {.pool_blk = BLK, .pool_has_room = false};

Test(heap_model, a_block_costs_header_and_rounded_size_or_up_to_a_minimal_block_more)
{
    model_heap_t h = fresh();
    model_cost_range_t one = model_heap_block_cost(&h, 1), big = model_heap_block_cost(&h, 100);
    cr_expect_eq(one.least, HDR + LINKS, "at least the links");
    cr_expect_eq(big.least, HDR + 104);
    cr_expect_eq(big.most, HDR + 104 + HDR + LINKS - 8, "a remainder under a minimal block stays with it");
}

Test(heap_model, routing_pool_first_then_heap_faults_and_sizes)
{
    model_alloc_env_t pool_fault = pool_open, heap_fault = pool_full;
    pool_fault.pool_fault_next = true;
    heap_fault.heap_fault_next = true;
    cr_expect_eq(model_predict_alloc(BLK, &pool_open), ALLOC_TO_POOL);
    cr_expect_eq(model_predict_alloc(BLK + 1, &pool_open), ALLOC_HEAP_OR_FAIL);
    cr_expect_eq(model_predict_alloc(8, &pool_fault), ALLOC_HEAP_OR_FAIL, "a pool fault falls back to the heap");
    cr_expect_eq(model_predict_alloc(8, &heap_fault), ALLOC_FAILS_FAULT);
    cr_expect_eq(model_predict_alloc(0, &pool_open), ALLOC_FAILS_SIZE);
    cr_expect_eq(model_predict_calloc(SIZE_MAX / 2, 4, &pool_open), ALLOC_FAILS_SIZE, "the product overflows");
    cr_expect_eq(model_predict_growth(8, true, &heap_fault), ALLOC_FAILS_FAULT);
}

Test(heap_model, allocations_take_ids_costs_and_raise_the_peak)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 100, WHERE_HEAP, HDR + 104);
    model_heap_alloc(&h, 1, 8, WHERE_POOL, 0);
    cr_expect_eq(h.obj[0].id, 1);
    cr_expect_eq(h.obj[1].id, 2);
    cr_expect_eq(h.obj[0].cost, HDR + 104);
    cr_expect_eq(h.obj[1].cost, 0, "a pool object costs the heap nothing");
    cr_expect_eq(h.pool_used, BLK);
    cr_expect_eq(model_heap_used(&h), BASE + HDR + 104);
    cr_expect_eq(h.peak, BASE + HDR + 104);
}

Test(heap_model, an_observed_cost_outside_the_range_is_taken_at_its_nearest_end)
{
    model_heap_t h = fresh();
    model_cost_range_t r = model_heap_block_cost(&h, 100);
    model_heap_alloc(&h, 0, 100, WHERE_HEAP, r.most + 64);
    model_heap_alloc(&h, 1, 100, WHERE_HEAP, 1);
    model_heap_alloc(&h, 2, 100, WHERE_HEAP, r.least + 8);
    cr_expect_eq(h.obj[0].cost, r.most);
    cr_expect_eq(h.obj[1].cost, r.least);
    cr_expect_eq(h.obj[2].cost, r.least + 8, "the allocator's choice within the range stands");
}

Test(heap_model, free_gives_the_figures_back_but_not_the_peak)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 3, 100, WHERE_HEAP, HDR + 104);
    model_heap_alloc(&h, 4, 8, WHERE_POOL, 0);
    model_heap_free(&h, 3);
    model_heap_free(&h, 4);
    cr_expect(!h.obj[3].live && !h.obj[4].live);
    cr_expect_eq(h.objects_cost, 0);
    cr_expect_eq(h.pool_used, 0);
    cr_expect_eq(h.peak, BASE + HDR + 104);
}

Test(heap_model, realloc_keeps_a_pool_block_while_the_size_fits_blksz)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 8, WHERE_POOL, 0);
    cr_expect_eq(model_predict_realloc(&h, 0, BLK), REALLOC_KEEPS_POOL_BLOCK);
    model_heap_realloc(&h, 0, BLK, &pool_open, false, 0);
    cr_expect_eq(h.obj[0].where, WHERE_POOL);
    cr_expect_eq(h.obj[0].size, BLK);
    cr_expect_eq(h.pool_used, BLK);
    cr_expect_eq(model_predict_realloc(&h, 0, BLK + 1), REALLOC_GROWS, "past BlkSz it must move");
    cr_expect_eq(model_realloc_where(&h, 0, BLK + 1, &pool_open, true), WHERE_HEAP);
    model_heap_realloc(&h, 0, BLK + 1, &pool_open, true, HDR + 40);
    cr_expect_eq(h.obj[0].where, WHERE_HEAP);
    cr_expect_eq(h.obj[0].cost, HDR + 40);
    cr_expect_eq(h.pool_used, 0);
    cr_expect_eq(h.obj[0].id, 1, "the object keeps its id");
}

Test(heap_model, realloc_trims_in_place_splitting_only_a_rest_that_can_stand_alone)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 200, WHERE_HEAP, HDR + 200);
    cr_expect_eq(model_predict_realloc(&h, 0, 200 - 8), REALLOC_TRIMS_IN_PLACE);
    cr_expect_eq(model_predict_realloc(&h, 0, SIZE_MAX - 3), REALLOC_GROWS, "a huge size does not wrap");
    cr_expect_eq(model_heap_trimmed_cost(&h, 0, 200 - 8), HDR + 200, "8 bytes cannot stand alone");
    cr_expect_eq(model_heap_trimmed_cost(&h, 0, 200 - HDR - LINKS), HDR + 200 - HDR - LINKS,
                 "a header and the links can");
    model_heap_realloc(&h, 0, 100, &pool_full, false, 0);
    cr_expect_eq(h.obj[0].cost, HDR + 104);
    cr_expect_eq(h.objects_cost, HDR + 104);
    cr_expect_eq(h.peak, BASE + HDR + 200, "trimming leaves the peak");
}

Test(heap_model, realloc_grown_in_place_raises_the_peak_to_the_new_figure_only)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 64, WHERE_HEAP, HDR + 64);
    model_heap_realloc(&h, 0, 128, &pool_full, false, HDR + 128);
    cr_expect_eq(h.obj[0].cost, HDR + 128);
    cr_expect_eq(h.peak, BASE + HDR + 128);
}

Test(heap_model, realloc_moved_holds_both_blocks_at_the_peak)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 64, WHERE_HEAP, HDR + 64);
    model_heap_realloc(&h, 0, 128, &pool_full, true, HDR + 128);
    cr_expect_eq(h.objects_cost, HDR + 128);
    cr_expect_eq(h.peak, BASE + HDR + 64 + HDR + 128, "the new block is taken before the old one is freed");
}

Test(heap_model, a_moved_block_is_routed_like_a_new_allocation)
{
    model_heap_t h = fresh();
    model_heap_alloc(&h, 0, 8, WHERE_HEAP, HDR + LINKS); /* the pool was full then */
    cr_expect_eq(model_predict_realloc(&h, 0, 24), REALLOC_GROWS);
    cr_expect_eq(model_realloc_where(&h, 0, 24, &pool_open, true), WHERE_POOL);
    cr_expect_eq(model_realloc_where(&h, 0, 24, &pool_open, false), WHERE_HEAP, "grown in place it stays");
    model_heap_realloc(&h, 0, 24, &pool_open, true, 0);
    cr_expect_eq(h.obj[0].where, WHERE_POOL);
    cr_expect_eq(h.objects_cost, 0);
    cr_expect_eq(h.pool_used, BLK);
}

Test(heap_model, a_transient_block_raises_the_peak_within_its_cost_range)
{
    model_heap_t h = fresh();
    model_cost_range_t r = model_heap_block_cost(&h, 80);
    model_heap_transient_block(&h, BASE, 80, 0);
    cr_expect_eq(h.peak, BASE + r.least, "no figure seen: the least it costs");
    model_heap_transient_block(&h, BASE, 80, r.most + 100);
    cr_expect_eq(h.peak, BASE + r.most);
    model_heap_note_used(&h, BASE);
    cr_expect_eq(h.peak, BASE + r.most, "the peak never drops");
    cr_expect_eq(h.objects_cost, 0, "a transient block leaves no object");
}
