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
