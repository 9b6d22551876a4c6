/* Misuse is detected and reported, never absorbed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm_internal.h"
#include "k_timer.h"
#include "k_mm_validate.h"
#include "unit_support.h"

TestSuite(misuse, .init = unit_fresh_kernel);

static void assert_reported(kstat_t err, const void *addr, const char *what)
{
    char line[160];
    snprintf(line, sizeof line, "WARNING, %s: 0x%08lx\n", what, (unsigned long)(uintptr_t)addr);
    cr_assert_eq(g_err_record.count, 1, "error hook called once");
    cr_assert_eq(g_err_record.last_err, err, "got %s", k_err_name(g_err_record.last_err));
    cr_assert_eq(g_err_record.last_addr, addr);
    cr_assert(strstr(capture_text(), line), "expected '%s' in:\n%s", line, capture_text());
}

static k_mm_stats_t stats(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st;
}

Test(misuse, double_free_of_a_heap_block)
{
    void *p = aos_malloc(100);
    void *guard = aos_malloc(100);
    aos_free(p);
    k_mm_stats_t before = stats();
    aos_free(p);
    assert_reported(RHINO_MM_DOUBLE_FREE, p, "double free");
    cr_assert_eq(stats().used, before.used, "the heap is left alone");
    k_mm_check_t c;
    cr_assert(k_mm_validate(g_kmm_head, &c), "%s", c.what);
    (void)guard;
}

Test(misuse, double_free_after_merging_with_a_neighbour)
{
    void *a = aos_malloc(100), *b = aos_malloc(100), *guard = aos_malloc(100);
    aos_free(a);
    aos_free(b); /* b's header is now inside a's free block */
    aos_free(b);
    assert_reported(RHINO_MM_DOUBLE_FREE, b, "double free");
    (void)guard;
}

Test(misuse, double_free_of_a_pool_block)
{
    void *p = aos_malloc(8);
    aos_free(p);
    aos_free(p);
    assert_reported(RHINO_MM_DOUBLE_FREE, p, "double free of a pool block");
    cr_assert_eq(stats().pool_used, 0);
}

Test(misuse, free_of_a_foreign_pointer)
{
    static char not_heap[64];
    aos_free(not_heap + 8);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, not_heap + 8, "free of a pointer not from the heap");
}

Test(misuse, free_of_a_misaligned_heap_pointer)
{
    char *p = aos_malloc(100);
    aos_free(p + 3);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, p + 3, "free of a pointer not from the heap");
}

Test(misuse, free_of_an_interior_pointer)
{
    char *p = aos_malloc(100);
    memset(p, 0, 100);
    aos_free(p + 48);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
}

Test(misuse, free_inside_a_pool_block)
{
    char *p = aos_malloc(8);
    aos_free(p + 8);
    assert_reported(RHINO_MM_FREE_ADDR_ERR, p + 8, "free of a pointer inside a pool block");
}

Test(misuse, overwritten_dye_is_caught_by_free_and_validate)
{
    unsigned char *p = aos_malloc(100);
    void *guard = aos_malloc(100);
    p[(ptrdiff_t)offsetof(k_mm_blk_t, dye) - (ptrdiff_t)k_mm_hdr_size()] ^= 0x40;
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_str_eq(c.what, "dye word overwritten");
    aos_free(p);
    cr_assert_eq(g_err_record.count, 1);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
    (void)guard;
}

Test(misuse, buffer_overrun_into_the_next_header_is_caught)
{
    unsigned char *a = aos_malloc(64);
    unsigned char *b = aos_malloc(64);
    memset(a, 0xEE, krhino_mm_blk_size(g_kmm_head, a) + 8); /* runs over b's prev_phys */
    k_mm_check_t c;
    cr_assert_not(k_mm_validate(g_kmm_head, &c));
    cr_assert_eq(c.where, (uintptr_t)(b - k_mm_hdr_size()), "names the damaged block: %s at %#lx vs b %p",
                 c.what, (unsigned long)c.where, (void *)b);
    aos_free(b);
    cr_assert_eq(g_err_record.last_err, RHINO_MM_CORRUPT_ERR);
}

Test(misuse, the_default_hook_stops_the_program, .signal = SIGABRT)
{
    k_err_hook_set(NULL);
    void *p = aos_malloc(100);
    aos_free(p);
    aos_free(p);
}

/* ---- object API calls on freed objects (k_mm_report_dead_object) -------- */
static void no_op(void *timer, void *arg) {}

static ktimer_t *deleted_dynamic_timer(void)
{
    k_timer_init(0);
    ktimer_t *t = NULL;
    cr_assert_eq(krhino_timer_dyn_create(&t, "stale", no_op, 5, 5, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_dyn_del(t), RHINO_SUCCESS);
    krhino_tick_proc(); /* the timer task applies the delete: t is freed */
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, t), 0, "the timer's block is freed");
    return t;
}

Test(misuse, a_timer_call_on_a_deleted_dynamic_timer_is_a_use_after_free)
{
    ktimer_t *t = deleted_dynamic_timer();
    cr_assert_eq(krhino_timer_change(t, 7, 7), RHINO_KOBJ_TYPE_ERR, "rhino's return code stays");
    assert_reported(RHINO_KOBJ_TYPE_ERR, t, "object API call on a freed object");
    const k_mm_blame_t *b = &k_mm_last_misuse()->blame;
    cr_assert_str_eq(b->label, "use-after-free");
    cr_assert_str_eq(b->call, "krhino_timer_change");
    cr_assert_eq(b->kind, K_MM_KIND_TIMER);
    cr_assert_neq(b->site[0], 0, "the faulting call is named");
    const k_trace_t *rec = k_trace_get(b->trace);
    cr_assert(rec && rec->addr == (uintptr_t)t, "the blame names the timer's record");
    cr_assert_neq(rec->freed[0], 0, "and who deleted it");
    cr_assert_eq(b->reused_by, 0, "nothing was allocated at its address since");
}

Test(misuse, each_timer_call_on_a_deleted_timer_is_reported)
{
    ktimer_t *t = deleted_dynamic_timer();
    cr_assert_eq(krhino_timer_start(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_stop(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_arg_change(t, NULL), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_arg_change_auto(t, NULL), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_del(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_dyn_del(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(g_err_record.count, 6);
    cr_assert_str_eq(k_mm_last_misuse()->blame.call, "krhino_timer_dyn_del");
}

/* A driver's context struct on the heap with a timer inside, cleaned up
 * before the timer's create ran, or after a create refused its arguments. */
typedef struct {
    uint32_t state;
    ktimer_t t;
} drv_ctx_t;

Test(misuse, stopping_a_never_created_timer_in_a_live_context_block_is_rhinos_plain_error_return)
{
    k_timer_init(0);
    drv_ctx_t *ctx = aos_zalloc(sizeof *ctx);
    cr_assert_eq(krhino_timer_stop(&ctx->t), RHINO_KOBJ_TYPE_ERR, "before the create ran");
    cr_assert_eq(krhino_timer_del(&ctx->t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(krhino_timer_create(&ctx->t, "ctx", no_op, 0, 0, NULL, 0), RHINO_INV_PARAM);
    cr_assert_eq(krhino_timer_stop(&ctx->t), RHINO_KOBJ_TYPE_ERR, "after a refused create");
    cr_assert_eq(krhino_timer_del(&ctx->t), RHINO_KOBJ_TYPE_ERR);
    ktimer_t *at_start = aos_zalloc(sizeof *at_start);
    cr_assert_eq(krhino_timer_start(at_start), RHINO_KOBJ_TYPE_ERR, "a block that starts with the timer");
    cr_assert_eq(g_err_record.count, 0, "the caller's storage: nothing freed is read");
}

Test(misuse, a_timer_call_into_heap_space_never_handed_out_is_an_invalid_object)
{
    k_timer_init(0);
    uint8_t *p = aos_malloc(64);
    ktimer_t *nowhere = (ktimer_t *)(p + 1024); /* inside the heap's free remainder */
    cr_assert_eq(krhino_mm_blk_size(g_kmm_head, nowhere), 0, "the test needs free space");
    cr_assert_eq(krhino_timer_start(nowhere), RHINO_KOBJ_TYPE_ERR);
    assert_reported(RHINO_KOBJ_TYPE_ERR, nowhere, "object API call on no object");
    cr_assert_str_eq(k_mm_last_misuse()->blame.label, "invalid-object");
}

Test(misuse, a_timer_call_on_a_static_timer_whose_block_was_freed_is_a_use_after_free)
{
    k_timer_init(0);
    drv_ctx_t *ctx = aos_zalloc(sizeof *ctx);
    cr_assert_eq(krhino_timer_create(&ctx->t, "ctx", no_op, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_del(&ctx->t), RHINO_SUCCESS);
    krhino_tick_proc();
    aos_free(ctx);
    cr_assert_eq(krhino_timer_stop(&ctx->t), RHINO_KOBJ_TYPE_ERR);
    assert_reported(RHINO_KOBJ_TYPE_ERR, &ctx->t, "object API call on a freed object");
    cr_assert_str_eq(k_mm_last_misuse()->blame.label, "use-after-free");
    cr_assert_eq(k_mm_last_misuse()->blame.kind, K_MM_KIND_TIMER);
}

Test(misuse, a_static_timer_never_created_is_rhinos_plain_error_return)
{
    k_timer_init(0);
    static ktimer_t never;
    cr_assert_eq(krhino_timer_start(&never), RHINO_KOBJ_TYPE_ERR);
    k_mm_head *heap = g_kmm_head;
    g_kmm_head = NULL; /* before the heap exists, too */
    cr_assert_eq(krhino_timer_stop(&never), RHINO_KOBJ_TYPE_ERR);
    g_kmm_head = heap;
    cr_assert_eq(g_err_record.count, 0, "driver storage: nothing freed is read");
}

Test(misuse, a_deleted_static_timer_in_a_live_block_is_rhinos_plain_error_return)
{
    k_timer_init(0);
    ktimer_t *t = aos_malloc(sizeof *t); /* the driver's storage, on the heap */
    cr_assert_eq(krhino_timer_create(t, "static", no_op, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_del(t), RHINO_SUCCESS);
    krhino_tick_proc();
    cr_assert_eq(krhino_timer_start(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(g_err_record.count, 0, "its block is live: the call reads nothing freed");
}

Test(misuse, a_timer_call_after_the_timers_memory_was_handed_out_and_freed_again_names_the_new_block)
{
    ktimer_t *t = deleted_dynamic_timer();
    void *p = aos_malloc(sizeof *t); /* no quarantine here: the same memory */
    cr_assert_eq(p, (void *)t, "the test needs the timer's memory handed out again");
    cr_assert_eq(krhino_timer_stop(t), RHINO_KOBJ_TYPE_ERR);
    cr_assert_eq(g_err_record.count, 0, "a live block is its owner's storage: not told from a stale call");
    aos_free(p);
    cr_assert_eq(krhino_timer_stop(t), RHINO_KOBJ_TYPE_ERR);
    assert_reported(RHINO_KOBJ_TYPE_ERR, t, "object API call on a freed object");
    const k_mm_blame_t *b = &k_mm_last_misuse()->blame;
    cr_assert_str_eq(b->label, "use-after-free");
    cr_assert_eq(b->kind, K_MM_KIND_TIMER, "the deleted timer is blamed, not the new block");
    const k_trace_t *now = k_trace_get(b->reused_by);
    cr_assert(now && now->addr == (uintptr_t)p && now->kind == K_MM_KIND_DATA, "the new block is named");
}

Test(misuse, a_second_free_after_the_memory_was_handed_out_again_is_a_double_free)
{
    char *a = aos_malloc(100), *b = aos_malloc(100), *guard = aos_malloc(100);
    aos_free(b);
    char *grown = aos_realloc(a, 200); /* grows in place over b's block: b's start is inside it now */
    cr_assert(grown == a && b < grown + 200, "the test needs b inside the grown block");
    memset(grown, 0x5A, 200); /* its owner's data overwrites what was b's header */
    aos_free(b);
    assert_reported(RHINO_MM_CORRUPT_ERR, b, "double free of a block whose memory was reused");
    cr_assert_str_eq(k_mm_last_misuse()->blame.label, "double-free");
    (void)guard;
}

Test(misuse, an_aos_call_through_a_stale_copy_of_a_freed_handle_is_a_use_after_free)
{
    aos_mutex_t m;
    aos_sem_t s;
    cr_assert_eq(aos_mutex_new(&m), 0);
    cr_assert_eq(aos_sem_new(&s, 0), 0);
    aos_mutex_t stale_m = m;
    aos_sem_t stale_s = s;
    aos_mutex_free(&m);
    aos_sem_free(&s);
    cr_assert_eq(aos_mutex_lock(&stale_m, AOS_NO_WAIT), -EINVAL, "the aos layer's return code stays");
    assert_reported(RHINO_KOBJ_TYPE_ERR, stale_m, "object API call on a freed object");
    cr_assert_str_eq(k_mm_last_misuse()->blame.label, "use-after-free");
    cr_assert_str_eq(k_mm_last_misuse()->blame.call, "aos_mutex_lock");
    cr_assert_eq(k_mm_last_misuse()->blame.kind, K_MM_KIND_MUTEX);
    static uint32_t not_a_record;
    aos_mutex_t foreign = &not_a_record;
    cr_assert_eq(aos_mutex_unlock(&foreign), -EINVAL, "a handle outside the heap is a plain bad handle");
    cr_assert_eq(g_err_record.count, 1);
    aos_sem_signal(&stale_s);
    cr_assert_eq(g_err_record.count, 2);
    cr_assert_str_eq(k_mm_last_misuse()->blame.call, "aos_sem_signal");
    cr_assert_eq(k_mm_last_misuse()->blame.kind, K_MM_KIND_SEM);
}

Test(misuse, an_aos_handle_into_a_live_block_that_is_no_such_record_is_a_plain_bad_handle)
{
    aos_sem_t s;
    cr_assert_eq(aos_sem_new(&s, 0), 0);
    aos_mutex_t confused = s; /* a live semaphore record */
    cr_assert_eq(aos_mutex_lock(&confused, AOS_NO_WAIT), -EINVAL);
    aos_mutex_t inside = (uint8_t *)aos_zalloc(64) + 16; /* the driver's storage */
    cr_assert_eq(aos_mutex_unlock(&inside), -EINVAL);
    cr_assert_eq(g_err_record.count, 0, "a live block is read, nothing freed");
}

Test(misuse, a_stale_copy_of_a_freed_handle_freed_again_is_a_double_free)
{
    aos_queue_t q;
    cr_assert_eq(aos_queue_new(&q, NULL, 64, 16), 0);
    void *record = q;
    aos_queue_t stale = q;
    aos_queue_free(&q);
    aos_queue_free(&stale);
    assert_reported(RHINO_MM_DOUBLE_FREE, record, "double free");
    cr_assert_neq(k_mm_last_misuse()->blame.site[0], 0, "the faulting call is the caller's");
}

static void aos_no_op(void *timer, void *arg) {}

Test(misuse, an_aos_timer_call_through_a_stale_copy_is_reported_as_the_aos_call)
{
    k_timer_init(0);
    aos_timer_t t;
    cr_assert_eq(aos_timer_new_ext(&t, aos_no_op, NULL, 100, false, false), 0);
    aos_timer_t stale = t;
    aos_timer_free(&t);
    krhino_tick_proc(); /* the timer task applies the delete */
    cr_assert_eq(aos_timer_change(&stale, 50), -EINVAL);
    assert_reported(RHINO_KOBJ_TYPE_ERR, stale, "object API call on a freed object");
    const k_mm_blame_t *b = &k_mm_last_misuse()->blame;
    cr_assert_str_eq(b->call, "aos_timer_change");
    cr_assert_neq(k_trace_get(b->trace)->freed[0], 0, "who deleted it");
}
