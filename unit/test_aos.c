/* The AliOS aos layer (kernel/aos): each function's semantics as AliOS
 * Things 3.3 defines them and the host rules of aos/kernel.h. Timers and
 * delayed actions are also checked against the reference model by the
 * timer harness (corpus/seeds/timer/aos_*.ops). */
#include <criterion/criterion.h>
#include <string.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "k_loop.h"
#include "k_owned.h"
#include "k_timer.h"
#include "unit_support.h"

#define T0 1000u

static void setup(void)
{
    unit_fresh_kernel();
    k_timer_init(T0);
}

TestSuite(aos_timer, .init = setup);
TestSuite(aos_mutex, .init = setup);
TestSuite(aos_sem, .init = setup);
TestSuite(aos_queue, .init = setup);
TestSuite(aos_work, .init = setup);
TestSuite(aos_yloop, .init = setup);
TestSuite(aos_time, .init = setup);

/* ---- finding blocks and counting firings ---------------------------------------- */
typedef struct {
    bool found;
    k_mm_blk_info_t info;
    uintptr_t addr; /* the payload address, or the kind for find_kind */
} find_t;

static bool find_block(const k_mm_blk_info_t *b, void *ctx)
{
    find_t *f = ctx;
    /* the pool's slab is a heap block at the address of the first pool block */
    if (!b->used || b->addr != f->addr || b->kind == K_MM_KIND_POOL)
        return true;
    f->found = true;
    f->info = *b;
    return false;
}

/* The used block at p (heap or pool), or a failed assertion. */
static k_mm_blk_info_t block_at(const void *p)
{
    find_t f = {.addr = (uintptr_t)p};
    k_mm_walk(g_kmm_head, find_block, &f);
    cr_assert(f.found, "no used block at %p", p);
    return f.info;
}

static bool count_kind(const k_mm_blk_info_t *b, void *ctx)
{
    size_t *counts = ctx;
    counts[b->kind] += b->used;
    return true;
}

static size_t blocks_of_kind(k_mm_kind_t kind)
{
    size_t counts[K_MM_KIND_COUNT] = {0};
    k_mm_walk(g_kmm_head, count_kind, counts);
    return counts[kind];
}

static bool find_kind(const k_mm_blk_info_t *b, void *ctx)
{
    find_t *f = ctx;
    if (!b->used || b->kind != (k_mm_kind_t)f->addr)
        return true;
    f->found = true;
    f->info = *b;
    return false;
}

/* The first used block of this kind, or a failed assertion. */
static k_mm_blk_info_t first_block_of_kind(k_mm_kind_t kind)
{
    find_t f = {.addr = kind};
    k_mm_walk(g_kmm_head, find_kind, &f);
    cr_assert(f.found, "no %s block", k_mm_kind_name(kind));
    return f.info;
}

static size_t used_blocks(void) { return unit_heap_stats(g_kmm_head).used_blocks; }

typedef struct {
    void *first, *second;
    tick_t tick;
} fired_t;

static fired_t fired[64];
static size_t nfired;

static void note(void *first, void *second)
{
    cr_assert_lt(nfired, sizeof fired / sizeof fired[0]);
    fired[nfired++] = (fired_t){first, second, krhino_sys_tick_get()};
}

static void note_call(void *arg) { note(arg, NULL); }

/* ---- timers ------------------------------------------------------------------- */
__attribute__((noinline)) static aos_status_t make_timer(aos_timer_t *t, uint32_t ms, uint32_t options)
{
    return aos_timer_create(t, note, (void *)0xA5, ms, options);
}

Test(aos_timer, create_is_a_dynamic_rhino_timer_owned_by_the_caller)
{
    aos_timer_t t = NULL;
    cr_assert_eq(make_timer(&t, 105, AOS_TIMER_REPEAT), 0);
    ktimer_t *k = t;
    cr_expect_eq(k->init_count, 11, "105 ms round up to 11 ticks");
    cr_expect_eq(k->round_ticks, 11, "AOS_TIMER_REPEAT: periodic");
    cr_expect_eq(k->timer_state, TIMER_DEACTIVE);
    cr_expect_eq(k_timer_queued(), 0, "no AOS_TIMER_AUTORUN: nothing posted");
    k_mm_blk_info_t b = block_at(t);
    cr_expect_eq(b.kind, K_MM_KIND_TIMER);
    cr_expect(unit_owner_is_in(b.owner, (const void *)make_timer), "owner is the caller of aos_timer_create");
    cr_expect_str_eq(k->name, "AOS");
}

Test(aos_timer, callback_gets_the_ktimer_and_the_arg)
{
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_new(&t, note, (void *)7, 30, false), 0, "aos_timer_new starts at once");
    aos_msleep(1000);
    cr_assert_eq(nfired, 1, "one-shot");
    cr_expect_eq(fired[0].first, t, "first argument: the ktimer_t *, as AliOS passes it");
    cr_expect_eq(fired[0].second, (void *)7);
    cr_expect_eq(fired[0].tick, T0 + 1 + 3);
}

Test(aos_timer, new_ext_starts_only_with_auto_run)
{
    aos_timer_t a = NULL, b = NULL;
    cr_assert_eq(aos_timer_new_ext(&a, note, NULL, 20, true, false), 0);
    cr_assert_eq(aos_timer_new_ext(&b, note, NULL, 20, true, true), 0);
    aos_msleep(100);
    cr_expect_eq(((ktimer_t *)a)->timer_state, TIMER_DEACTIVE);
    cr_expect_eq(((ktimer_t *)b)->timer_state, TIMER_ACTIVE);
    cr_expect_eq(aos_timer_start(&a), 0);
    aos_msleep(10);
    cr_expect_eq(((ktimer_t *)a)->timer_state, TIMER_ACTIVE);
}

Test(aos_timer, bad_arguments_give_errno)
{
    aos_timer_t t = NULL;
    cr_expect_eq(aos_timer_create(NULL, note, NULL, 10, 0), -EINVAL);
    cr_expect_eq(aos_timer_create(&t, note, NULL, 0, 0), -EINVAL, "0 ms is 0 ticks: RHINO_INV_PARAM");
    cr_expect_eq(aos_timer_start(&t), -EINVAL, "a NULL handle");
    cr_expect_eq(aos_timer_stop(NULL), -EINVAL);
    cr_expect_eq(aos_timer_change(&t, 10), -EINVAL);
    aos_timer_free(&t); /* NULL handle: nothing */
    k_fault_fail_at(K_FAULT_HEAP_ALLOC, k_fault_calls(K_FAULT_HEAP_ALLOC) + 1);
    cr_expect_eq(aos_timer_create(&t, note, NULL, 10, 0), -ENOMEM);
    k_fault_fail_at(K_FAULT_TIMER_QUEUE, k_fault_calls(K_FAULT_TIMER_QUEUE) + 1);
    cr_expect_eq(aos_timer_create(&t, note, NULL, 10, AOS_TIMER_AUTORUN), -EPERM, "the timer queue is full");
    cr_expect_null(t);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_TIMER), 0, "failed creates leave nothing");
}

Test(aos_timer, change_makes_first_and_round_ms_and_needs_a_stop)
{
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_create(&t, note, NULL, 50, AOS_TIMER_AUTORUN), 0);
    aos_msleep(10);
    cr_expect_eq(aos_timer_change(&t, 200), 0);
    aos_msleep(10);
    cr_expect_eq(((ktimer_t *)t)->init_count, 5, "ignored while active");
    cr_expect_eq(aos_timer_stop(&t), 0);
    cr_expect_eq(aos_timer_change(&t, 200), 0);
    aos_msleep(10);
    cr_expect_eq(((ktimer_t *)t)->init_count, 20);
    cr_expect_eq(((ktimer_t *)t)->round_ticks, 20, "aos_timer_change makes a one-shot timer periodic");
}

Test(aos_timer, free_of_a_stopped_timer_frees_it)
{
    aos_timer_t t = NULL;
    size_t before = used_blocks();
    cr_assert_eq(aos_timer_create(&t, note, NULL, 50, 0), 0);
    aos_timer_free(&t);
    cr_expect_null(t, "the handle is cleared");
    aos_msleep(10);
    cr_expect_eq(used_blocks(), before);
}

Test(aos_timer, free_of_an_active_timer_leaks_it_as_in_alios)
{
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_create(&t, note, NULL, 50, AOS_TIMER_AUTORUN | AOS_TIMER_REPEAT), 0);
    ktimer_t *k = t;
    aos_msleep(10);
    aos_timer_free(&t); /* no stop first: DYN_DEL is ignored */
    aos_msleep(1000);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_TIMER), 1, "the timer is still on the heap");
    cr_expect_eq(k->timer_state, TIMER_ACTIVE, "and still firing");
    cr_expect_geq(nfired, 19);
}

/* ---- mutexes ------------------------------------------------------------------- */
__attribute__((noinline)) static aos_status_t make_mutex(aos_mutex_t *m) { return aos_mutex_new(m); }

Test(aos_mutex, record_is_a_mutex_block_owned_by_the_caller)
{
    aos_mutex_t m = NULL;
    cr_assert_eq(make_mutex(&m), 0);
    k_mm_blk_info_t b = block_at(m);
    cr_expect_eq(b.kind, K_MM_KIND_MUTEX);
    cr_expect(unit_owner_is_in(b.owner, (const void *)make_mutex));
    cr_expect(aos_mutex_is_valid(&m));
    aos_mutex_free(&m);
    cr_expect_null(m);
    cr_expect_not(aos_mutex_is_valid(&m));
    cr_expect_eq(blocks_of_kind(K_MM_KIND_MUTEX), 0);
    cr_expect_eq(aos_mutex_new(NULL), -EINVAL);
}

Test(aos_mutex, lock_nests_for_its_owner)
{
    aos_mutex_t m = NULL;
    cr_assert_eq(aos_mutex_new(&m), 0);
    cr_expect_eq(aos_mutex_lock(&m, AOS_WAIT_FOREVER), 0);
    cr_expect_eq(aos_mutex_lock(&m, AOS_WAIT_FOREVER), 0, "rhino allows nesting");
    cr_expect_eq(aos_mutex_unlock(&m), 0);
    cr_expect_eq(aos_mutex_unlock(&m), 0);
    cr_expect_eq(aos_mutex_unlock(&m), -EPERM, "one unlock too many");
    cr_expect_eq(g_err_record.count, 1);
    cr_expect_eq(g_err_record.last_err, RHINO_MUTEX_NOT_RELEASED_BY_OWNER);
}

static aos_mutex_t g_mutex;
static aos_status_t g_result;

static void lock_in_callback(void *timer, void *arg) { g_result = aos_mutex_lock(&g_mutex, (uint32_t)(uintptr_t)arg); }
static void unlock_in_callback(void *timer, void *arg) { g_result = aos_mutex_unlock(&g_mutex); }

Test(aos_mutex, unlock_by_another_context_is_reported)
{
    cr_assert_eq(aos_mutex_new(&g_mutex), 0);
    cr_assert_eq(aos_mutex_lock(&g_mutex, AOS_NO_WAIT), 0);
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_new(&t, unlock_in_callback, NULL, 10, false), 0);
    aos_msleep(30);
    cr_expect_eq(g_result, -EPERM, "the timer task does not hold the mutex");
    cr_expect_eq(g_err_record.count, 1);
    cr_expect_eq(g_err_record.last_err, RHINO_MUTEX_NOT_RELEASED_BY_OWNER);
    cr_expect_eq(g_err_record.last_addr, g_mutex);
}

Test(aos_mutex, lock_of_a_held_mutex_forever_in_a_callback_is_reported)
{
    cr_assert_eq(aos_mutex_new(&g_mutex), 0);
    cr_assert_eq(aos_mutex_lock(&g_mutex, AOS_NO_WAIT), 0);
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_new_ext(&t, lock_in_callback, (void *)(uintptr_t)AOS_WAIT_FOREVER, 10, false, true), 0);
    aos_msleep(30);
    cr_expect_eq(g_result, -EPERM);
    cr_expect_eq(g_err_record.count, 1, "a finding, not a hang");
    cr_expect_eq(g_err_record.last_err, RHINO_WAIT_NEVER_RETURNS);
}

Test(aos_mutex, timed_lock_of_a_held_mutex_lets_ticks_pass)
{
    cr_assert_eq(aos_mutex_new(&g_mutex), 0);
    aos_timer_t t = NULL;
    /* the timer task takes the mutex and keeps it */
    cr_assert_eq(aos_timer_new(&t, lock_in_callback, (void *)(uintptr_t)AOS_NO_WAIT, 10, false), 0);
    aos_msleep(20);
    cr_assert_eq(g_result, 0);
    tick_t start = krhino_sys_tick_get();
    cr_expect_eq(aos_mutex_lock(&g_mutex, AOS_NO_WAIT), -1, "RHINO_NO_PEND_WAIT");
    cr_expect_eq(aos_mutex_lock(&g_mutex, 250), -ETIMEDOUT);
    cr_expect_eq(krhino_sys_tick_get(), start + 25, "the timeout passed");
    cr_expect_eq(aos_mutex_lock(&g_mutex, AOS_WAIT_FOREVER), -EPERM, "nothing can release it");
    cr_expect_eq(g_err_record.last_err, RHINO_WAIT_NEVER_RETURNS);
}

/* ---- semaphores ----------------------------------------------------------------- */
static aos_sem_t g_sem;

static void signal_in_callback(void *timer, void *arg) { aos_sem_signal(&g_sem); }

Test(aos_sem, counts_and_record)
{
    cr_assert_eq(aos_sem_new(&g_sem, 2), 0);
    cr_expect_eq(block_at(g_sem).kind, K_MM_KIND_SEM);
    cr_expect_eq(aos_sem_wait(&g_sem, AOS_NO_WAIT), 0);
    cr_expect_eq(aos_sem_wait(&g_sem, AOS_NO_WAIT), 0);
    cr_expect_eq(aos_sem_wait(&g_sem, AOS_NO_WAIT), -1);
    aos_sem_signal(&g_sem);
    cr_expect_eq(aos_sem_wait(&g_sem, 10), 0);
    cr_expect(aos_sem_is_valid(&g_sem));
    aos_sem_free(&g_sem);
    cr_expect_null(g_sem);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_SEM), 0);
    cr_expect_eq(aos_sem_wait(&g_sem, 10), -EINVAL);
}

Test(aos_sem, a_wait_runs_the_timer_that_signals)
{
    cr_assert_eq(aos_sem_new(&g_sem, 0), 0);
    aos_timer_t t = NULL;
    cr_assert_eq(aos_timer_new(&t, signal_in_callback, NULL, 70, false), 0);
    tick_t start = krhino_sys_tick_get();
    cr_expect_eq(aos_sem_wait(&g_sem, AOS_WAIT_FOREVER), 0);
    cr_expect_eq(krhino_sys_tick_get(), start + 1 + 7, "woken at the firing");
    cr_expect_eq(g_err_record.count, 0);
}

Test(aos_sem, timeout_and_never)
{
    cr_assert_eq(aos_sem_new(&g_sem, 0), 0);
    tick_t start = krhino_sys_tick_get();
    cr_expect_eq(aos_sem_wait(&g_sem, 1000), -ETIMEDOUT);
    cr_expect_eq(krhino_sys_tick_get(), start + 100);
    cr_expect_eq(aos_sem_wait(&g_sem, AOS_WAIT_FOREVER), -EPERM);
    cr_expect_eq(g_err_record.count, 1);
    cr_expect_eq(g_err_record.last_err, RHINO_WAIT_NEVER_RETURNS);
    cr_expect(strstr(capture_text(), "WARNING, a wait forever that nothing can end"), "%s", capture_text());
}

/* ---- queues ------------------------------------------------------------------------ */
Test(aos_queue, messages_in_order_with_their_sizes)
{
    aos_queue_t q = NULL;
    cr_assert_eq(aos_queue_new(&q, NULL, 16, 6), 0);
    cr_expect_eq(block_at(q).kind, K_MM_KIND_QUEUE);
    cr_expect_eq(aos_queue_send(&q, "abc", 3), 0);
    cr_expect_eq(aos_queue_send(&q, "hello", 6), 0);
    cr_expect_eq(aos_queue_send(&q, "xyz", 3), -EPERM, "16 bytes hold 2+3 and 2+6, not another 2+3");
    cr_expect_eq(aos_queue_send(&q, "toolong", 7), -EINVAL, "over max_msg");
    char buf[8];
    size_t len = 0;
    cr_expect_eq(aos_queue_recv(&q, AOS_NO_WAIT, buf, &len), 0);
    cr_expect_eq(len, 3);
    cr_expect_eq(memcmp(buf, "abc", 3), 0);
    cr_expect_eq(aos_queue_recv(&q, AOS_NO_WAIT, buf, &len), 0);
    cr_expect_str_eq(buf, "hello");
    cr_expect_eq(aos_queue_recv(&q, 50, buf, &len), -ETIMEDOUT);
    aos_queue_free(&q);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_QUEUE), 0);
}

Test(aos_queue, buffer_from_the_caller_or_with_the_record)
{
    static uint8_t storage[256];
    aos_queue_t own = NULL, given = NULL;
    cr_assert_eq(aos_queue_new(&own, NULL, 256, 16), 0);
    cr_assert_eq(aos_queue_new(&given, storage, 256, 16), 0);
    cr_expect_geq(block_at(own).size, 256 + block_at(given).size, "buf NULL: the buffer comes with the record");
    cr_expect_eq(aos_queue_new(&own, NULL, 0, 1), -EINVAL);
}

/* ---- work ---------------------------------------------------------------------------- */
static int g_runs;
static aos_work_t g_work;

static void count_run(void *arg) { g_runs++; }

__attribute__((noinline)) static aos_status_t make_work(aos_work_t *w, int dly)
{
    return aos_work_init(w, count_run, NULL, dly);
}

Test(aos_work, runs_after_the_timer_task_once_per_sched)
{
    cr_assert_eq(make_work(&g_work, 0), 0);
    k_mm_blk_info_t b = block_at(g_work);
    cr_expect_eq(b.kind, K_MM_KIND_WORK);
    cr_expect(unit_owner_is_in(b.owner, (const void *)make_work));
    cr_expect_eq(aos_work_sched(&g_work), 0);
    cr_expect_eq(aos_work_sched(&g_work), RHINO_WORKQUEUE_WORK_EXIST, "already queued");
    cr_expect_eq(aos_work_cancel(&g_work), -EBUSY, "queued: rhino's cancel refuses");
    cr_expect_eq(g_runs, 0, "nothing runs before a tick");
    aos_msleep(10);
    cr_expect_eq(g_runs, 1);
    cr_expect_eq(aos_work_cancel(&g_work), 0);
    aos_work_destroy(&g_work);
    cr_expect_null(g_work);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_WORK), 0, "destroy frees the work record");
}

Test(aos_work, delay_is_a_timer_of_the_same_owner)
{
    cr_assert_eq(make_work(&g_work, 50), 0);
    k_mm_blk_info_t timer = first_block_of_kind(K_MM_KIND_TIMER);
    cr_expect_str_eq(((ktimer_t *)timer.addr)->name, "WORK-TIMER");
    cr_expect(unit_owner_is_in(timer.owner, (const void *)make_work));
    cr_expect_eq(aos_work_sched(&g_work), 0);
    cr_expect_eq(aos_work_cancel(&g_work), 0, "never queued yet: the cancel stops the timer");
    aos_msleep(100);
    cr_expect_eq(g_runs, 0);
    cr_expect_eq(aos_work_sched(&g_work), 0);
    aos_msleep(40);
    cr_expect_eq(g_runs, 0);
    aos_msleep(30);
    cr_expect_eq(g_runs, 1, "after 5 ticks, in the pass after the timer fired");
    cr_expect_eq(aos_work_sched(&g_work), 0);
    cr_expect_eq(aos_work_cancel(&g_work), 0);
    aos_msleep(100);
    cr_expect_eq(g_runs, 2, "rhino: once the work has run, cancel only detaches it; the delay still fires");
    aos_work_destroy(&g_work);
    aos_msleep(10);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_WORK), 0);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_TIMER), 0, "destroy deletes the delay timer");
}

Test(aos_work, destroy_while_queued_is_reported)
{
    cr_assert_eq(aos_work_init(&g_work, count_run, NULL, 0), 0);
    cr_assert_eq(aos_work_sched(&g_work), 0);
    aos_work_destroy(&g_work);
    cr_expect_eq(g_err_record.count, 1);
    cr_expect_eq(g_err_record.last_err, RHINO_WORKQUEUE_WORK_EXIST);
    aos_msleep(10);
    cr_expect_eq(g_runs, 0, "the freed work never runs");
}

/* ---- yloop ------------------------------------------------------------------------------ */
__attribute__((noinline)) static int post_action(int ms, void *arg)
{
    return aos_post_delayed_action(ms, note_call, arg);
}

Test(aos_yloop, delayed_action_record_lives_until_it_has_run)
{
    cr_assert_eq(post_action(35, (void *)1), 0);
    cr_assert_eq(blocks_of_kind(K_MM_KIND_DELAYED_ACTION), 1);
    aos_msleep(30);
    cr_expect_eq(nfired, 0);
    aos_msleep(10);
    cr_assert_eq(nfired, 1, "due at +35 ms: the tick at +40 ms");
    cr_expect_eq(fired[0].tick, T0 + 4);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_DELAYED_ACTION), 0, "freed after it ran");
    cr_expect_eq(post_action(10, NULL), 0, "a NULL arg is fine");
    cr_expect_eq(aos_post_delayed_action(10, NULL, NULL), -EINVAL);
}

Test(aos_yloop, owner_and_order)
{
    cr_assert_eq(post_action(70, (void *)2), 0);
    cr_assert_eq(post_action(30, (void *)1), 0);
    cr_assert_eq(post_action(70, (void *)3), 0);
    cr_expect(unit_owner_is_in(first_block_of_kind(K_MM_KIND_DELAYED_ACTION).owner, (const void *)post_action),
              "the record is owned by the caller of aos_post_delayed_action");
    aos_msleep(100);
    cr_assert_eq(nfired, 3);
    cr_expect_eq(fired[0].first, (void *)1);
    cr_expect_eq(fired[1].first, (void *)2, "equal times: in posting order");
    cr_expect_eq(fired[2].first, (void *)3);
}

Test(aos_yloop, cancel_matches_ms_or_any)
{
    cr_assert_eq(post_action(50, (void *)1), 0);
    cr_assert_eq(post_action(60, (void *)1), 0);
    aos_cancel_delayed_action(60, note_call, (void *)2); /* wrong arg: nothing */
    aos_cancel_delayed_action(40, note_call, (void *)1); /* wrong ms: nothing */
    cr_expect_eq(blocks_of_kind(K_MM_KIND_DELAYED_ACTION), 2);
    aos_cancel_delayed_action(60, note_call, (void *)1);
    aos_cancel_delayed_action(-1, note_call, (void *)1);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_DELAYED_ACTION), 0, "each cancel freed its record");
    aos_msleep(100);
    cr_expect_eq(nfired, 0);
}

Test(aos_yloop, schedule_call_runs_at_the_next_pass_without_a_record)
{
    size_t before = used_blocks();
    cr_expect_eq(aos_schedule_call(note_call, (void *)9), 0);
    cr_expect_eq(used_blocks(), before);
    cr_expect_eq(k_loop_pending(), 1);
    aos_msleep(10);
    cr_assert_eq(nfired, 1);
    cr_expect_eq(fired[0].first, (void *)9);
    for (int i = 0; i < AOS_HOST_LOOP_EVENTS; i++)
        cr_assert_eq(aos_schedule_call(note_call, NULL), 0);
    cr_expect_eq(aos_schedule_call(note_call, NULL), -ENOSPC);
    cr_expect_eq(aos_schedule_call(NULL, NULL), -EINVAL);
}

/* ---- time and ownership ------------------------------------------------------------------ */
Test(aos_time, now_ms_is_64_bit)
{
    k_timer_init(429496729u); /* 4294967290 ms */
    cr_expect_eq(aos_now_ms(), 4294967290u);
    aos_msleep(10);
    cr_expect_eq(aos_now_ms(), 4294967300ull, "no wrap at 2^32 ms");
}

__attribute__((noinline)) static void *wrapper_alloc(size_t n)
{
    void *p = aos_malloc(n);
    aos_alloc_trace(p, (uintptr_t)__builtin_return_address(0));
    return p;
}

__attribute__((noinline)) static void *wrapper_caller(void) { return wrapper_alloc(100); }

Test(aos_time, alloc_trace_names_the_real_allocator)
{
    void *p = wrapper_caller();
    cr_expect(unit_owner_is_in(block_at(p).owner, (const void *)wrapper_caller));
    void *small = aos_malloc(8); /* a pool block */
    aos_alloc_trace(small, 0x08004321u);
    cr_expect_eq(block_at(small).owner, 0x08004321u);
    aos_alloc_trace(NULL, 0x08004321u);
    cr_expect_eq(g_err_record.count, 0, "NULL is ignored");
    static uint64_t not_heap[4];
    aos_alloc_trace(&not_heap[2], 0x08004321u);
    cr_expect_eq(g_err_record.last_err, RHINO_MM_FREE_ADDR_ERR, "a foreign pointer is reported as misuse");
    aos_free(p);
    aos_free(small);
}

Test(aos_time, explicit_owner_entry_points_record_the_given_owner)
{
    aos_hdl_t t = NULL, m = NULL, s = NULL, q = NULL, w = NULL;
    const uintptr_t site = 0x08001234u;
    cr_assert_eq(k_owned_timer_create(&t, note, NULL, 10, 0, site), 0);
    cr_assert_eq(k_owned_mutex_new(&m, site), 0);
    cr_assert_eq(k_owned_sem_new(&s, 1, site), 0);
    cr_assert_eq(k_owned_queue_new(&q, NULL, 32, 8, site), 0);
    cr_assert_eq(k_owned_work_init(&w, count_run, NULL, 0, site), 0);
    cr_assert_eq(k_owned_post_delayed_action(10, note_call, NULL, site), 0);
    void *d = k_owned_malloc(48, site);
    const void *all[] = {t, m, s, q, w, d};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cr_expect_eq(block_at(all[i]).owner, site, "object %zu", i);
    cr_expect_eq(blocks_of_kind(K_MM_KIND_DELAYED_ACTION), 1);
}
