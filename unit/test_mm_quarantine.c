/* Corruption is named, never followed: the quarantine of freed blocks,
 * safe unlinking, overflow and use-after-free blame, trace records with
 * allocation and free sites, allocation wrappers, and the timer storage a
 * free must not release. */
#include <criterion/criterion.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "k_mm_validate.h"
#include "k_timer.h"
#include "unit_support.h"

static void fresh_quarantined_heap(void)
{
    unit_fresh_kernel();
    k_mm_set_quarantine(g_kmm_head, RHINO_CONFIG_MM_QUARANTINE);
}

TestSuite(quarantine, .init = fresh_quarantined_heap);

static k_mm_stats_t stats(void) { return unit_heap_stats(g_kmm_head); }

static const k_mm_blame_t *last_blame(void) { return &k_mm_last_misuse()->blame; }

/* Call sites the trace records must name (small, so that a recorded return
 * address lies in their first bytes whatever the instrumentation). */
static __attribute__((noinline)) void *alloc_here(size_t n) { return aos_malloc(n); }
static __attribute__((noinline)) void free_here(void *p) { aos_free(p); }
static __attribute__((noinline)) void free_again_here(void *p) { aos_free(p); }

/* Frees enough other blocks to push every earlier free out of quarantine. */
static void push_out_of_quarantine(void)
{
    for (int i = 0; i < RHINO_CONFIG_MM_QUARANTINE; i++)
        aos_free(aos_malloc(200));
}

Test(quarantine, a_freed_block_counts_free_but_is_not_reused_at_once)
{
    unsigned char *p = aos_malloc(100);
    k_mm_stats_t before = stats();
    aos_free(p);
    cr_assert_eq(before.used - stats().used, k_mm_hdr_size() + 104, "FreeSz takes the block back at once");
    unsigned char *q = aos_malloc(100);
    cr_assert_neq(q, p, "the freed block waits in quarantine");
    cr_assert_eq(p[0], K_MM_POISON, "and is poisoned");
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "%s", c.what);
}

Test(quarantine, an_allocation_never_fails_for_the_quarantine)
{
    k_mm_stats_t st = stats();
    size_t most = st.free - 2 * k_mm_hdr_size() - 64;
    void *big = aos_malloc(most);
    cr_assert_not_null(big);
    aos_free(big);
    cr_assert_not_null(aos_malloc(most), "the held block is released when nothing else fits");
    cr_assert_eq(g_err_record.count, 0);
}

Test(quarantine, a_write_after_free_is_named_by_the_validator)
{
    unsigned char *p = alloc_here(64);
    free_here(p);
    p[5] = 1;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.blame.label, "use-after-free");
    cr_assert_eq(c.blame.blk, (uintptr_t)p);
    cr_assert_eq(c.blame.offset, 5);
    const k_trace_t *t = k_trace_get(c.blame.trace);
    cr_assert_not_null(t, "the block's trace record is kept");
    cr_assert(unit_owner_is_in(t->alloc[0], (void *)alloc_here), "allocated here");
    cr_assert(unit_owner_is_in(t->freed[0], (void *)free_here), "and freed here");
}

Test(quarantine, a_write_after_free_is_reported_when_the_block_leaves)
{
    unsigned char *p = aos_malloc(64);
    aos_free(p);
    p[60] = 1;
    push_out_of_quarantine();
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    cr_assert_str_eq(last_blame()->label, "use-after-free");
    cr_assert_eq(last_blame()->offset, 60);
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "released all the same: %s", c.what);
}

Test(quarantine, a_damaged_free_list_link_is_never_followed)
{
    k_mm_set_quarantine(g_kmm_head, 0);
    void **a = aos_malloc(200);
    void *guard = aos_malloc(200);
    aos_free(a);
    a[0] = (void *)(uintptr_t)0x12345678; /* its free-list next link */
    a[1] = (void *)(uintptr_t)0x9abcdef0;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.blame.label, "use-after-free", "the validator names the block too");
    cr_assert_eq(c.blame.blk, (uintptr_t)a);
    void *p = aos_malloc(200);
    cr_assert_null(p, "the allocator refuses rather than follow the link");
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(last_blame()->label, "use-after-free");
    cr_assert_eq(last_blame()->blk, (uintptr_t)a);
    cr_assert_null(aos_malloc(300), "and keeps refusing");
    cr_assert_eq(g_err_record.count, 1, "without a report per call");
    aos_free(guard); /* its neighbour's links are checked before a merge */
    (void)guard;
}

Test(quarantine, one_byte_past_the_end_names_the_overflowed_block)
{
    unsigned char *p = aos_malloc(512);
    void *next = aos_malloc(512);
    p[512] = 0xAA;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.blame.label, "overflow");
    cr_assert_eq(c.blame.blk, (uintptr_t)p, "the block written past, not the one damaged");
    aos_free(next);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(last_blame()->label, "overflow");
    cr_assert_eq(last_blame()->blk, (uintptr_t)p);
    aos_free(p);
    cr_assert_eq(g_err_record.count, 2);
    cr_assert_eq(last_blame()->blk, (uintptr_t)p);
}

Test(quarantine, a_double_free_names_both_frees_and_the_allocation)
{
    void *p = alloc_here(100);
    free_here(p);
    free_again_here(p);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_DOUBLE_FREE);
    const k_mm_blame_t *b = last_blame();
    cr_assert_str_eq(b->label, "double-free");
    cr_assert(unit_owner_is_in(b->site[0], (void *)free_again_here), "the faulting call");
    const k_trace_t *t = k_trace_get(b->trace);
    cr_assert(t && unit_owner_is_in(t->alloc[0], (void *)alloc_here), "the allocation");
    cr_assert(unit_owner_is_in(t->freed[0], (void *)free_here), "the first free");
}

Test(quarantine, a_stale_pointer_is_traced_to_what_lived_there)
{
    void *p = aos_malloc(100);
    const k_trace_t *first = k_trace_get(k_mm_blk_trace(g_kmm_head, p));
    uint32_t first_id = first->id;
    aos_free(p);
    push_out_of_quarantine();
    void *q = aos_malloc(100);
    cr_assert_eq(q, p, "the address is given out again");
    const k_trace_t *now = k_trace_last_at((uintptr_t)p, 0);
    cr_assert_neq(now->id, first_id);
    cr_assert_eq(k_trace_last_at((uintptr_t)p, now->id)->id, first_id);
}

K_ALLOC_WRAPPER static void *buffer_alloc_wrap(size_t n) { return aos_malloc(n + 8); }

static __attribute__((noinline)) void *take_buffer(void) { return buffer_alloc_wrap(100); }

Test(quarantine, an_allocation_wrapper_hands_ownership_to_its_caller)
{
    void *p = take_buffer();
    const k_trace_t *t = k_trace_get(k_mm_blk_trace(g_kmm_head, p));
    cr_assert(unit_owner_is_in(t->alloc[0], (void *)take_buffer), "the owner is the wrapper's caller");
    cr_assert(unit_owner_is_in(blk_owner(blk_from_payload(p)), (void *)take_buffer), "in the header too");
}

static void tick_cb(void *timer, void *arg) {}

static __attribute__((noinline)) kstat_t create_here(ktimer_t *t)
{
    return krhino_timer_create(t, "t", tick_cb, 5, 5, NULL, 0);
}

Test(quarantine, a_block_holding_a_created_timer_is_not_freed)
{
    ktimer_t *t = aos_malloc(sizeof *t + 16);
    k_timer_init(0);
    cr_assert_eq(create_here(t), RHINO_SUCCESS);
    krhino_timer_del(t); /* queued, not applied */
    aos_free(t);
    cr_assert_eq(g_err_record.last_err, RHINO_KOBJ_DEL_ERR);
    cr_assert_str_eq(last_blame()->label, "live-timer-freed");
    cr_assert(unit_owner_is_in(t->owner, (void *)create_here), "the timer's creator is recorded");
    cr_assert_neq(krhino_mm_blk_size(g_kmm_head, t), 0, "the block stays");
    krhino_timer_task_run();
    aos_free(t);
    cr_assert_eq(g_err_record.count, 1, "once deleted it may go");
}

static kstat_t g_callback_post;

static void delete_self(void *timer, void *arg) { g_callback_post = krhino_timer_del(timer); }

Test(quarantine, a_post_from_a_callback_is_no_fault_point)
{
    static ktimer_t t;
    g_callback_post = RHINO_NO_MEM; /* not called yet */
    k_timer_init(0);
    k_fault_fail_every(K_FAULT_TIMER_QUEUE, 2);
    cr_assert_eq(krhino_timer_create(&t, "t", delete_self, 1, 0, NULL, 1), RHINO_SUCCESS);
    krhino_tick_proc(); /* the START is applied: due one tick later */
    krhino_tick_proc();
    cr_assert_eq(g_callback_post, RHINO_SUCCESS, "the callback meets the queue the task drained");
    cr_assert_eq(k_fault_calls(K_FAULT_TIMER_QUEUE), 1, "and is not counted at the fault point");
    cr_assert_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR, "the delete took effect");
}

/* ---- damage the allocator must refuse to follow, case by case ---------- */
TestSuite(damage, .init = unit_fresh_kernel); /* no quarantine: frees go to the lists */

typedef struct {
    k_mm_links_t *a, *c, *d; /* free, one class: the list is d -> c -> a */
    void *guard;             /* a used block */
} listed_t;

/* d is 136 bytes so that a 200-byte request passes it and looks at c. */
static listed_t three_listed_blocks(void)
{
    listed_t l;
    void *a = aos_malloc(200), *g1 = aos_malloc(40), *c = aos_malloc(200), *g2 = aos_malloc(40);
    void *d = aos_malloc(136), *g3 = aos_malloc(40);
    aos_free(a);
    aos_free(c);
    aos_free(d);
    l = (listed_t){a, c, d, g1};
    (void)g2;
    (void)g3;
    return l;
}

static void *hdr_of(void *p) { return (char *)p - k_mm_hdr_size(); }

static void assert_refused_naming(const void *blk)
{
    cr_assert_null(aos_malloc(200), "the allocation is refused");
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    cr_assert_str_eq(last_blame()->label, "use-after-free");
    cr_assert_eq(last_blame()->blk, (uintptr_t)blk);
}

Test(damage, a_next_link_out_of_the_heap)
{
    listed_t l = three_listed_blocks();
    l.d->next = (k_mm_blk_t *)(uintptr_t)0x10;
    assert_refused_naming(l.d);
}

Test(damage, a_next_link_to_a_used_block)
{
    listed_t l = three_listed_blocks();
    l.d->next = hdr_of(l.guard);
    assert_refused_naming(l.d);
}

Test(damage, a_next_link_to_a_free_block_that_does_not_point_back)
{
    listed_t l = three_listed_blocks();
    l.d->next = hdr_of(l.a);
    assert_refused_naming(l.d);
}

Test(damage, a_prev_link_to_a_used_block)
{
    listed_t l = three_listed_blocks();
    l.c->prev = hdr_of(l.guard);
    assert_refused_naming(l.d); /* d's next (c) no longer points back */
}

Test(damage, a_block_claiming_to_head_its_list)
{
    listed_t l = three_listed_blocks();
    l.c->next = NULL;
    l.a->prev = NULL; /* a is cut off the list, yet claims to head it */
    aos_free(l.guard); /* a lies just before the guard: a merge would unlink it */
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(last_blame()->blk, (uintptr_t)l.a);
}

Test(damage, a_list_head_with_its_dye_overwritten)
{
    listed_t l = three_listed_blocks();
    ((k_mm_blk_t *)hdr_of(l.d))->dye = 0;
    assert_refused_naming(l.d);
}

Test(damage, a_free_neighbour_with_broken_links_is_not_merged)
{
    listed_t l = three_listed_blocks();
    void *g1 = l.guard;
    l.a->next = (k_mm_blk_t *)(uintptr_t)0x10; /* a lies just before g1 */
    aos_free(g1);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(last_blame()->blk, (uintptr_t)l.a);
}

Test(damage, a_realloc_meeting_a_broken_free_successor)
{
    void *p = aos_malloc(200);
    k_mm_links_t *next = aos_malloc(300);
    void *guard = aos_malloc(40);
    aos_free(next);
    next->prev = (k_mm_blk_t *)(uintptr_t)0x10;
    cr_assert_null(aos_realloc(p, 400), "it cannot grow into the damaged block, nor move");
    cr_assert_eq(g_err_record.count, 1);
    aos_realloc(p, 64); /* a shrink leaves the damaged successor alone */
    cr_assert_eq(g_err_record.count, 1);
    (void)guard;
}

Test(damage, a_freed_header_with_its_dye_overwritten_is_an_invalid_free)
{
    unsigned char *p = aos_malloc(100);
    void *guard = aos_malloc(100);
    k_mm_blk_t *b = hdr_of(p);
    b->size |= K_MM_FREE;
    b->dye = 0x12345678u;
    aos_free(p);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    cr_assert_str_eq(last_blame()->label, "invalid-free");
    (void)guard;
}

Test(damage, a_neighbour_dye_overwritten_blames_the_block_before_it)
{
    unsigned char *p = aos_malloc(100), *q = aos_malloc(100);
    void *guard = aos_malloc(100);
    ((k_mm_blk_t *)hdr_of(q))->dye = 0;
    aos_free(p); /* its successor's dye is gone: p overflowed */
    cr_assert_str_eq(last_blame()->label, "overflow");
    cr_assert_eq(last_blame()->blk, (uintptr_t)p);
    ((k_mm_blk_t *)hdr_of(q))->dye = K_MM_DYE_USED;
    ((k_mm_blk_t *)hdr_of(p))->dye = 0;
    aos_free(q); /* its predecessor's dye is gone */
    cr_assert_eq(g_err_record.count, 2);
    cr_assert_str_eq(last_blame()->label, "corrupt-block");
    (void)guard;
}

Test(damage, a_live_block_trace_and_none_once_freed)
{
    void *heap = aos_malloc(100), *pool = aos_malloc(8);
    cr_assert_neq(k_mm_blk_trace(g_kmm_head, heap), 0);
    cr_assert_neq(k_mm_blk_trace(g_kmm_head, pool), 0);
    aos_free(heap);
    aos_free(pool);
    cr_assert_eq(k_mm_blk_trace(g_kmm_head, heap), 0);
    cr_assert_eq(k_mm_blk_trace(g_kmm_head, pool), 0);
}

/* A quarantined block whose header is overwritten (dye, size, or a size
 * that leads to a block not pointing back) stays out of the lists. */
static void damage_quarantined_header(void (*damage)(k_mm_blk_t *))
{
    k_mm_set_quarantine(g_kmm_head, 1);
    unsigned char *p = aos_malloc(100);
    void *guard = aos_malloc(100), *other = aos_malloc(100);
    aos_free(p);
    damage(hdr_of(p));
    aos_free(other); /* pushes p out */
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_str_eq(k_mm_last_misuse()->what, "quarantined block's header overwritten");
    (void)guard;
}

static void overwrite_dye(k_mm_blk_t *b) { b->dye = 0; }
static void overwrite_size_huge(k_mm_blk_t *b) { b->size = (size_t)-1 & ~(size_t)K_MM_PREVFREE; }
static void overwrite_size_by_8(k_mm_blk_t *b) { b->size += 8; }

Test(damage, a_quarantined_header_overwritten)
{
    damage_quarantined_header(overwrite_dye);
}

Test(damage, a_quarantined_size_out_of_the_region)
{
    damage_quarantined_header(overwrite_size_huge);
}

Test(damage, a_quarantined_size_off_by_eight)
{
    damage_quarantined_header(overwrite_size_by_8);
}

Test(damage, quarantine_depth_is_capped_and_the_count_checked)
{
    k_mm_set_quarantine(g_kmm_head, 1000);
    for (int i = 0; i < 2 * RHINO_CONFIG_MM_QUARANTINE; i++)
        aos_free(aos_malloc(64));
    cr_assert_eq(g_kmm_head->q_count, RHINO_CONFIG_MM_QUARANTINE);
    g_kmm_head->q_count--;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert(strstr(c.what, "wait in quarantine"), "%s", c.what);
    g_kmm_head->q_count++;
}

Test(damage, a_free_successor_with_broken_links_is_not_merged)
{
    listed_t l = three_listed_blocks();
    void *g2 = (char *)l.c + 200 + k_mm_hdr_size(); /* between c and d */
    l.d->next = (k_mm_blk_t *)(uintptr_t)0x10;
    aos_free(g2);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(last_blame()->blk, (uintptr_t)l.d);
}

/* A header forged inside a live block's payload, with a plausible
 * successor: what a wild pointer into the middle of a block looks like. */
typedef struct {
    k_mm_blk_t fake;
    uint8_t payload[32];
    k_mm_blk_t next;
} forged_t;

static void free_forged(void (*forge)(forged_t *))
{
    forged_t *f = aos_malloc(sizeof(forged_t) + 64);
    void *guard = aos_malloc(40);
    memset(f, 0, sizeof *f);
    f->fake = (k_mm_blk_t){.prev_phys = (k_mm_blk_t *)(uintptr_t)0x10, .size = sizeof f->payload,
                           .dye = K_MM_DYE_USED};
    f->next = (k_mm_blk_t){.prev_phys = &f->fake, .size = 8, .dye = K_MM_DYE_USED};
    forge(f);
    aos_free(f->payload);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    (void)guard;
}

static void keep_forged(forged_t *f) {}
static void mark_forged_prevfree(forged_t *f) { f->next.size |= K_MM_PREVFREE; }

Test(damage, a_forged_header_no_walk_reaches_is_corrupt_not_an_overflow)
{
    free_forged(keep_forged);
    cr_assert_str_eq(k_mm_last_misuse()->what, "block header predecessor link corrupt");
    cr_assert_str_eq(last_blame()->label, "corrupt-block");
}

Test(damage, a_forged_successor_marking_it_free)
{
    free_forged(mark_forged_prevfree);
    cr_assert_str_eq(k_mm_last_misuse()->what, "block header size or successor link corrupt");
}

/* A late write over a free block's links is blamed on that block, not on
 * the neighbour that found it. */
Test(damage, the_allocator_blames_the_neighbour_written_over)
{
    listed_t l = three_listed_blocks();
    memset(&l.c->prev, 0x5A, sizeof l.c->prev); /* d, the head, finds it */
    assert_refused_naming(l.c);
}

Test(damage, the_validator_blames_the_neighbour_written_over)
{
    listed_t l = three_listed_blocks();
    memset(&l.c->next, 0x5A, sizeof l.c->next); /* a, first in address order, finds it */
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.blame.label, "use-after-free");
    cr_assert_eq(c.blame.blk, (uintptr_t)l.c);
}
