/* Timer service (kernel/timer): exact firing schedules, rhino's ignored
 * commands, the command queue and its fault point, callbacks that use the
 * API, tick wrap-around, dynamic timer memory, and seeded random programs
 * run through the harness VM against the reference model (timer_model). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "aos/kernel.h"
#include "k_mm.h"
#include "k_port.h"
#include "k_timer.h"
#include "seeded_programs.h"
#include "unit_support.h"

#define T0 1000u /* the tick most tests start at */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- what the callbacks saw ------------------------------------------------ */

typedef struct {
    void *timer;
    void *arg;
    tick_t tick;
} fired_t;

static fired_t fired[256];
static size_t nfired;

static void note_firing(void *timer, void *arg)
{
    cr_assert_lt(nfired, ARRAY_LEN(fired));
    fired[nfired++] = (fired_t){timer, arg, krhino_sys_tick_get()};
}

typedef struct {
    const void *timer;
    tick_t tick;
} want_t;

static void expect_log(const want_t *want, size_t n)
{
    cr_expect_eq(nfired, n, "fired %zu times, expected %zu", nfired, n);
    for (size_t i = 0; i < n && i < nfired; i++) {
        cr_expect_eq(fired[i].timer, want[i].timer, "firing %zu: wrong timer", i);
        cr_expect_eq(fired[i].tick, want[i].tick, "firing %zu at tick 0x%08llx, expected 0x%08llx", i,
                     (unsigned long long)fired[i].tick, (unsigned long long)want[i].tick);
    }
}
#define EXPECT_LOG(...) expect_log((want_t[]){__VA_ARGS__}, ARRAY_LEN(((want_t[]){__VA_ARGS__})))

static void run_ticks(unsigned n)
{
    while (n--)
        krhino_tick_proc();
}

static void setup(void)
{
    unit_observe_kernel();
    k_fault_reset();
    cr_assert_eq(k_mm_init(), RHINO_SUCCESS);
    k_timer_init(T0);
    nfired = 0;
}

TestSuite(timer, .init = setup);

static k_mm_stats_t heap_stats(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st;
}

/* maxused is a peak and may only grow, so it is left out. */
static void expect_same_heap(const k_mm_stats_t *a, const k_mm_stats_t *b)
{
    cr_expect_eq(a->total, b->total);
    cr_expect_eq(a->free, b->free, "FreeSz 0x%zx, expected 0x%zx", b->free, a->free);
    cr_expect_eq(a->used, b->used, "UsedSz 0x%zx, expected 0x%zx", b->used, a->used);
    cr_expect_eq(a->free_blocks, b->free_blocks);
    cr_expect_eq(a->used_blocks, b->used_blocks);
    cr_expect_eq(a->pool_used, b->pool_used);
}

/* ---- schedules ------------------------------------------------------------- */

Test(timer, one_shot_fires_once_at_first)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run(); /* START processed at T0 */
    run_ticks(50);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(t.timer_state, TIMER_DEACTIVE);
}

Test(timer, start_posted_between_ticks_takes_effect_at_next_tick)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_SUCCESS);
    cr_expect_eq(k_timer_queued(), 1);
    run_ticks(50); /* START processed by the tick_proc that reaches T0 + 1 */
    EXPECT_LOG({&t, T0 + 1 + 5});
}

Test(timer, periodic_fires_at_first_plus_k_rounds)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 3, 7, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(38);
    EXPECT_LOG({&t, T0 + 3}, {&t, T0 + 10}, {&t, T0 + 17}, {&t, T0 + 24}, {&t, T0 + 31}, {&t, T0 + 38});
    cr_expect_eq(t.timer_state, TIMER_ACTIVE);
    cr_expect_eq(t.match, T0 + 45);
}

Test(timer, stop_prevents_firing)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(7); /* fired once at T0 + 5 */
    cr_assert_eq(krhino_timer_stop(&t), RHINO_SUCCESS);
    run_ticks(50);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(t.timer_state, TIMER_DEACTIVE);
    cr_expect_eq(krhino_timer_stop(&t), RHINO_SUCCESS, "stop of a stopped timer is accepted");
    run_ticks(1);
    cr_expect_eq(t.timer_state, TIMER_DEACTIVE);
}

Test(timer, start_of_active_timer_is_ignored)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 10, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(4);
    cr_assert_eq(krhino_timer_start(&t), RHINO_SUCCESS);
    run_ticks(20); /* a restart would have moved the expiry to T0 + 15 */
    EXPECT_LOG({&t, T0 + 10});
}

Test(timer, change_while_stopped_takes_effect)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_change(&t, 10, 4), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_start(&t), RHINO_SUCCESS);
    krhino_timer_task_run(); /* CHANGE then START, in posting order */
    run_ticks(18);
    EXPECT_LOG({&t, T0 + 10}, {&t, T0 + 14}, {&t, T0 + 18});
}

Test(timer, change_of_active_timer_is_ignored)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    cr_assert_eq(krhino_timer_change(&t, 50, 0), RHINO_SUCCESS, "accepted at post time");
    run_ticks(15);
    EXPECT_LOG({&t, T0 + 5}, {&t, T0 + 10}, {&t, T0 + 15});
    cr_expect_eq(t.init_count, 5);
    cr_expect_eq(t.round_ticks, 5);
}

Test(timer, arg_change_while_stopped_takes_effect)
{
    ktimer_t t = {0};
    int a, b;
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, &a, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_arg_change(&t, &b), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_start(&t), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(5);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(fired[0].arg, &b);
}

Test(timer, arg_change_of_active_timer_is_ignored)
{
    ktimer_t t = {0};
    int a, b;
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, &a, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    cr_assert_eq(krhino_timer_arg_change(&t, &b), RHINO_SUCCESS);
    run_ticks(5);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(fired[0].arg, &a);
}

Test(timer, del_of_active_timer_is_ignored)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    cr_assert_eq(krhino_timer_del(&t), RHINO_SUCCESS, "accepted at post time");
    run_ticks(10);
    EXPECT_LOG({&t, T0 + 5}, {&t, T0 + 10});
    cr_expect_eq(krhino_timer_stop(&t), RHINO_SUCCESS, "still a timer");
}

Test(timer, del_of_stopped_timer_deletes_it)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_del(&t), RHINO_SUCCESS);
    krhino_timer_task_run();
    cr_expect_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_del(&t), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 0), RHINO_SUCCESS,
                 "the storage can be reused");
}

Test(timer, commands_queued_behind_a_delete_are_dropped)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_del(&t), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_start(&t), RHINO_SUCCESS, "still a timer when posted");
    krhino_timer_task_run();
    cr_expect_eq(k_timer_queued(), 0);
    run_ticks(10);
    cr_expect_eq(nfired, 0, "a deleted timer was started");
    cr_expect_eq(t.timer_state, TIMER_DEACTIVE);
}

/* ---- the command queue ----------------------------------------------------- */

Test(timer, queue_full_on_post_21)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    for (int i = 0; i < RHINO_CONFIG_TIMER_MSG_NUM; i++)
        cr_assert_eq(krhino_timer_arg_change(&t, NULL), RHINO_SUCCESS, "post %d", i + 1);
    cr_expect_eq(k_timer_queued(), RHINO_CONFIG_TIMER_MSG_NUM);
    cr_expect_eq(krhino_timer_start(&t), RHINO_TIMER_MSG_FULL);
    cr_expect_eq(krhino_timer_del(&t), RHINO_TIMER_MSG_FULL);
    cr_expect_eq(k_fault_calls(K_FAULT_TIMER_QUEUE), RHINO_CONFIG_TIMER_MSG_NUM + 2,
                 "every post attempt counts at the fault point, full queue or not");
    krhino_timer_task_run();
    cr_expect_eq(k_timer_queued(), 0);
    cr_expect_eq(krhino_timer_start(&t), RHINO_SUCCESS, "room again after the task ran");
}

Test(timer, failed_post_changes_nothing)
{
    ktimer_t t = {0}, other = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&other, "o", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    krhino_timer_task_run();
    for (int i = 0; i < RHINO_CONFIG_TIMER_MSG_NUM; i++)
        cr_assert_eq(krhino_timer_arg_change(&other, NULL), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_stop(&t), RHINO_TIMER_MSG_FULL);
    run_ticks(10);
    EXPECT_LOG({&t, T0 + 5}, {&t, T0 + 10});
}

Test(timer, fault_point_fails_post_like_full_queue)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(k_fault_fail_at(K_FAULT_TIMER_QUEUE, 2), 0);
    cr_expect_eq(krhino_timer_arg_change(&t, NULL), RHINO_SUCCESS);
    cr_expect_eq(krhino_timer_start(&t), RHINO_TIMER_MSG_FULL, "injected on post 2");
    cr_expect_eq(k_timer_queued(), 1, "the failed post queued nothing");
    cr_expect_eq(krhino_timer_stop(&t), RHINO_SUCCESS);
    cr_expect_eq(k_fault_calls(K_FAULT_TIMER_QUEUE), 3);
    cr_expect_eq(k_fault_injected(K_FAULT_TIMER_QUEUE), 1);
    krhino_timer_task_run();
    run_ticks(10);
    cr_expect_eq(nfired, 0, "the START that failed to post ran anyway");
}

Test(timer, create_auto_run_failed_start_undoes_create)
{
    ktimer_t t = {0};
    cr_assert_eq(k_fault_fail_at(K_FAULT_TIMER_QUEUE, 1), 0);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_TIMER_MSG_FULL);
    cr_expect_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR, "no half-created timer");
    cr_expect_eq(k_timer_queued(), 0);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_SUCCESS);
}

Test(timer, dyn_create_auto_run_failed_start_frees_timer)
{
    static ktimer_t untouched;
    ktimer_t *t = &untouched;
    k_mm_stats_t before = heap_stats();
    cr_assert_eq(k_fault_fail_at(K_FAULT_TIMER_QUEUE, 1), 0);
    cr_expect_eq(krhino_timer_dyn_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_TIMER_MSG_FULL);
    cr_expect_eq(t, &untouched, "*timer was written");
    k_mm_stats_t after = heap_stats();
    expect_same_heap(&before, &after);
}

Test(timer, dyn_create_out_of_memory)
{
    ktimer_t *t = NULL;
    k_mm_stats_t before = heap_stats();
    cr_assert_eq(k_fault_fail_at(K_FAULT_HEAP_ALLOC, 1), 0);
    cr_expect_eq(krhino_timer_dyn_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_NO_MEM);
    cr_expect_null(t);
    cr_expect_eq(k_timer_queued(), 0);
    k_mm_stats_t after = heap_stats();
    expect_same_heap(&before, &after);
}

/* ---- callbacks that use the API -------------------------------------------- */

static void delete_self(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_del(timer), RHINO_SUCCESS);
}

static void dyn_delete_self(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_dyn_del(timer), RHINO_SUCCESS);
}

static void stop_and_delete_self(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_stop(timer), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_del(timer), RHINO_SUCCESS);
}

static void restart_self(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_start(timer), RHINO_SUCCESS);
}

static void start_arg_timer(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_start(arg), RHINO_SUCCESS);
}

static ktimer_t *child;

static void create_child(void *timer, void *arg)
{
    note_firing(timer, arg);
    cr_assert_eq(krhino_timer_dyn_create(&child, "child", note_firing, 2, 0, NULL, 1), RHINO_SUCCESS);
}

Test(timer, callback_deletes_own_one_shot)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", delete_self, 5, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(10);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR, "deleted once its callback returned");
}

Test(timer, callback_dyn_deletes_own_one_shot_frees_it)
{
    k_mm_stats_t before = heap_stats();
    ktimer_t *t = NULL;
    cr_assert_eq(krhino_timer_dyn_create(&t, "t", dyn_delete_self, 5, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(10);
    EXPECT_LOG({t, T0 + 5});
    k_mm_stats_t after = heap_stats();
    expect_same_heap(&before, &after);
}

Test(timer, callback_stops_and_deletes_own_periodic)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", stop_and_delete_self, 5, 5, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(20);
    EXPECT_LOG({&t, T0 + 5});
    cr_expect_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR);
}

Test(timer, callback_deleting_own_periodic_is_ignored)
{
    ktimer_t *t = NULL;
    cr_assert_eq(krhino_timer_dyn_create(&t, "t", dyn_delete_self, 5, 5, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(15);
    /* re-armed before the DYN_DEL is applied, so the delete finds it ACTIVE */
    EXPECT_LOG({t, T0 + 5}, {t, T0 + 10}, {t, T0 + 15});
    cr_expect_gt(krhino_mm_blk_size(g_kmm_head, t), 0, "still allocated");
}

Test(timer, callback_restarts_own_one_shot)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", restart_self, 4, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(12);
    EXPECT_LOG({&t, T0 + 4}, {&t, T0 + 8}, {&t, T0 + 12});
}

Test(timer, callback_starts_another_timer)
{
    ktimer_t a = {0}, b = {0};
    cr_assert_eq(krhino_timer_create(&b, "b", note_firing, 3, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&a, "a", start_arg_timer, 5, 0, &b, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(20);
    EXPECT_LOG({&a, T0 + 5}, {&b, T0 + 8});
}

Test(timer, callback_creates_a_timer)
{
    ktimer_t a = {0};
    cr_assert_eq(krhino_timer_create(&a, "a", create_child, 5, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(20);
    cr_assert_not_null(child);
    EXPECT_LOG({&a, T0 + 5}, {child, T0 + 7});
    cr_expect_gt(krhino_mm_blk_size(g_kmm_head, child), 0);
}

static kstat_t post_results[RHINO_CONFIG_TIMER_MSG_NUM + 1];

static void post_many_arg_changes(void *timer, void *arg)
{
    note_firing(timer, arg);
    for (uintptr_t i = 0; i < ARRAY_LEN(post_results); i++)
        post_results[i] = krhino_timer_arg_change(arg, (void *)(i + 1));
}

Test(timer, callback_posts_share_the_queue)
{
    ktimer_t a = {0}, b = {0};
    cr_assert_eq(krhino_timer_create(&b, "b", note_firing, 3, 0, NULL, 0), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&a, "a", post_many_arg_changes, 5, 0, &b, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(5);
    EXPECT_LOG({&a, T0 + 5});
    for (int i = 0; i < RHINO_CONFIG_TIMER_MSG_NUM; i++)
        cr_expect_eq(post_results[i], RHINO_SUCCESS, "post %d", i + 1);
    cr_expect_eq(post_results[RHINO_CONFIG_TIMER_MSG_NUM], RHINO_TIMER_MSG_FULL);
    cr_expect_eq(k_timer_queued(), 0, "applied in the same task run");
    cr_expect_eq(b.timer_cb_arg, (void *)(uintptr_t)RHINO_CONFIG_TIMER_MSG_NUM);
}

static void sleep_on_first_firing(void *timer, void *arg)
{
    note_firing(timer, arg);
    if (nfired == 1)
        aos_msleep(50); /* 5 ticks, spent inside the timer task */
}

Test(timer, callback_sleeping_delays_other_timers)
{
    ktimer_t a = {0}, b = {0};
    cr_assert_eq(krhino_timer_create(&a, "a", sleep_on_first_firing, 5, 10, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&b, "b", note_firing, 7, 10, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(5);
    cr_assert_eq(krhino_sys_tick_get(), T0 + 10, "the sleep advanced the tick");
    run_ticks(11);
    /* b came due (T0 + 7) while the task slept: it fires, late, in the next
     * run, and its period counts from the tick it actually fired at. */
    EXPECT_LOG({&a, T0 + 5}, {&b, T0 + 11}, {&a, T0 + 15}, {&b, T0 + 21});
}

/* ---- ordering and wrap-around ---------------------------------------------- */

/* 16 ticks before the 64-bit tick wraps. */
#define NEAR_WRAP ((tick_t)-16)

Test(timer, wrap_around_timers_straddle_zero)
{
    k_timer_init(NEAR_WRAP);
    ktimer_t once = {0}, every = {0};
    cr_assert_eq(krhino_timer_create(&once, "once", note_firing, 0x20, 0, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&every, "every", note_firing, 5, 7, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(0x22);
    cr_expect_eq(krhino_sys_tick_get(), 0x12);
    EXPECT_LOG({&every, NEAR_WRAP + 5}, {&every, NEAR_WRAP + 0xC}, {&every, 0x3}, {&every, 0xA}, {&once, 0x10},
               {&every, 0x11});
}

Test(timer, wrap_around_orders_by_signed_distance)
{
    k_timer_init(NEAR_WRAP);
    ktimer_t after_wrap = {0}, before_wrap = {0}, far = {0};
    cr_assert_eq(krhino_timer_create(&after_wrap, "a", note_firing, 0x14, 0, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&before_wrap, "b", note_firing, 0xE, 0, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&far, "far", note_firing, K_TIMER_TICKS_MAX, 0, NULL, 1),
                 RHINO_SUCCESS);
    krhino_timer_task_run();
    cr_expect_eq(far.match, NEAR_WRAP + K_TIMER_TICKS_MAX);
    run_ticks(0x100);
    EXPECT_LOG({&before_wrap, NEAR_WRAP + 0xE}, {&after_wrap, 0x4});
    cr_expect_eq(far.timer_state, TIMER_ACTIVE, "the longest delay is not mistaken for a past one");
}

Test(timer, equal_expiry_fires_in_start_order)
{
    static const int order[] = {5, 2, 7, 0, 3, 6, 1, 4};
    ktimer_t t[8] = {0};
    for (int i = 0; i < 8; i++)
        cr_assert_eq(krhino_timer_create(&t[i], "t", note_firing, 10, 0, NULL, 0), RHINO_SUCCESS);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(krhino_timer_start(&t[order[i]]), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(10);
    cr_assert_eq(nfired, 8);
    for (int i = 0; i < 8; i++) {
        cr_expect_eq(fired[i].timer, &t[order[i]], "firing %d is not timer %d", i, order[i]);
        cr_expect_eq(fired[i].tick, T0 + 10);
    }
}

Test(timer, periodic_rearm_goes_behind_timers_armed_earlier)
{
    ktimer_t every = {0}, once = {0};
    cr_assert_eq(krhino_timer_create(&every, "every", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&once, "once", note_firing, 10, 0, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(10);
    /* every was started first but re-armed (at T0 + 5) after once was armed */
    EXPECT_LOG({&every, T0 + 5}, {&once, T0 + 10}, {&every, T0 + 10});
}

/* ---- dynamic timer memory -------------------------------------------------- */

Test(timer, dyn_create_del_restores_heap_stats)
{
    k_mm_stats_t before = heap_stats();
    ktimer_t *t = NULL;
    cr_assert_eq(krhino_timer_dyn_create(&t, "t", note_firing, 5, 5, NULL, 1), RHINO_SUCCESS);
    k_mm_stats_t live = heap_stats();
    cr_expect_eq(live.used, before.used + k_mm_hdr_size() + krhino_mm_blk_size(g_kmm_head, t));
    krhino_timer_task_run();
    run_ticks(5);
    cr_assert_eq(krhino_timer_stop(t), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_dyn_del(t), RHINO_SUCCESS);
    krhino_timer_task_run();
    EXPECT_LOG({t, T0 + 5});
    k_mm_stats_t after = heap_stats();
    expect_same_heap(&before, &after);
}

typedef struct {
    uintptr_t addr;
    const k_mm_blk_info_t *found;
    k_mm_blk_info_t copy;
} find_blk_t;

static bool find_blk(const k_mm_blk_info_t *blk, void *ctx)
{
    find_blk_t *f = ctx;
    if (blk->addr != f->addr)
        return true;
    f->copy = *blk;
    f->found = &f->copy;
    return false;
}

/* Copies the captured console line that starts with prefix into line. */
static bool dump_line(const char *prefix, char *line, size_t len)
{
    for (const char *p = capture_text(); *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        if (strncmp(p, prefix, strlen(prefix)) != 0)
            continue;
        size_t n = strcspn(p, "\n");
        snprintf(line, len, "%.*s", (int)n, p);
        return true;
    }
    return false;
}

/* Plays a vendor driver's connect: the timer it creates is its own. */
__attribute__((noinline)) static ktimer_t *vendor_connect(void)
{
    ktimer_t *t = NULL;
    kstat_t err = krhino_timer_dyn_create(&t, "retry", note_firing, 10, 10, NULL, 1);
    cr_assert_eq(err, RHINO_SUCCESS);
    return t;
}

#define VENDOR_CONNECT_MAX_BYTES 0x400u /* generous bound on its code size */

Test(timer, dyn_timer_deleted_while_active_stays_in_dump)
{
    ktimer_t *t = vendor_connect();
    krhino_timer_task_run();
    cr_assert_eq(krhino_timer_dyn_del(t), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(30);
    EXPECT_LOG({t, T0 + 10}, {t, T0 + 20}, {t, T0 + 30});

    find_blk_t f = {.addr = (uintptr_t)t};
    k_mm_walk(g_kmm_head, find_blk, &f);
    cr_assert_not_null(f.found, "the deleted timer's block is gone");
    cr_expect(f.found->used);
    cr_expect_eq(f.found->kind, K_MM_KIND_TIMER);
    uintptr_t fn = (uintptr_t)vendor_connect;
    cr_expect(f.found->owner > fn && f.found->owner < fn + VENDOR_CONNECT_MAX_BYTES,
              "owner 0x%lx is not inside vendor_connect at 0x%lx", (unsigned long)f.found->owner,
              (unsigned long)fn);

    capture_reset();
    k_mm_dump(g_kmm_head, capture_print);
    char addr[32], owner[32], line[160];
    snprintf(addr, sizeof addr, "0x%08lx ", (unsigned long)(uintptr_t)t);
    snprintf(owner, sizeof owner, "0x%08lx ", (unsigned long)f.found->owner);
    cr_assert(dump_line(addr, line, sizeof line), "no block row for %s in the dump:\n%s", addr, capture_text());
    cr_expect(strstr(line, " used ") && strstr(line, owner) && strstr(line, k_mm_kind_name(K_MM_KIND_TIMER)),
              "block row: %s", line);
    cr_assert(dump_line(owner, line, sizeof line), "no owner row for %s in the dump:\n%s", owner, capture_text());
    cr_expect(strstr(line, k_mm_kind_name(K_MM_KIND_TIMER)), "owner row: %s", line);
}

/* ---- arguments, reset, time, introspection --------------------------------- */

Test(timer, bad_args_return_documented_codes)
{
    ktimer_t t = {0}, never = {0}, *d = NULL;
    const tick_t too_long = K_TIMER_TICKS_MAX + 1;

    cr_expect_eq(krhino_timer_create(NULL, "t", note_firing, 5, 0, NULL, 1), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_create(&t, NULL, note_firing, 5, 0, NULL, 1), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_create(&t, "t", NULL, 5, 0, NULL, 1), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 0, 0, NULL, 1), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, too_long, 0, NULL, 1), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, too_long, NULL, 1), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_dyn_create(NULL, "t", note_firing, 5, 0, NULL, 1), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_dyn_create(&d, "t", note_firing, 0, 0, NULL, 1), RHINO_INV_PARAM);
    cr_expect_null(d);

    cr_expect_eq(krhino_timer_start(NULL), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_stop(NULL), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_del(NULL), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_dyn_del(NULL), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_change(NULL, 5, 0), RHINO_NULL_PTR);
    cr_expect_eq(krhino_timer_arg_change(NULL, NULL), RHINO_NULL_PTR);

    cr_expect_eq(krhino_timer_start(&never), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_stop(&never), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_del(&never), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_dyn_del(&never), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_change(&never, 5, 0), RHINO_KOBJ_TYPE_ERR);
    cr_expect_eq(krhino_timer_arg_change(&never, NULL), RHINO_KOBJ_TYPE_ERR);

    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, K_TIMER_TICKS_MAX, K_TIMER_TICKS_MAX, NULL, 0),
                 RHINO_SUCCESS, "the documented maximum is allowed");
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 0), RHINO_TIMER_STATE_INV);
    cr_expect_eq(krhino_timer_change(&t, 0, 0), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_change(&t, too_long, 0), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_change(&t, 5, too_long), RHINO_INV_PARAM);
    cr_expect_eq(krhino_timer_dyn_del(&t), RHINO_KOBJ_DEL_ERR);
    cr_assert_eq(krhino_timer_dyn_create(&d, "d", note_firing, 5, 0, NULL, 0), RHINO_SUCCESS);
    cr_expect_eq(krhino_timer_del(d), RHINO_KOBJ_DEL_ERR);

    cr_expect_eq(k_timer_queued(), 0, "a rejected call posted a command");
    cr_expect_eq(k_fault_calls(K_FAULT_TIMER_QUEUE), 0, "a rejected call tried to post");
}

Test(timer, init_forgets_timers_and_commands)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_SUCCESS);
    k_timer_init(7);
    cr_expect_eq(krhino_sys_tick_get(), 7);
    cr_expect_eq(k_timer_queued(), 0);
    cr_expect_eq(krhino_timer_start(&t), RHINO_KOBJ_TYPE_ERR, "a timer from before init");
    run_ticks(20);
    cr_expect_eq(nfired, 0, "a command from before init ran");
    cr_expect_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, NULL, 1), RHINO_SUCCESS);
}

Test(timer, msleep_advances_ms_times_tick_rate)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 50, 0, NULL, 1), RHINO_SUCCESS);
    aos_msleep(1000);
    cr_expect_eq(krhino_sys_tick_get(), T0 + RHINO_CONFIG_TICKS_PER_SECOND);
    EXPECT_LOG({&t, T0 + 1 + 50});
    aos_msleep(15);
    cr_expect_eq(krhino_sys_tick_get(), T0 + RHINO_CONFIG_TICKS_PER_SECOND + 2, "rounded up, as rhino");
    aos_msleep(0);
    cr_expect_eq(krhino_sys_tick_get(), T0 + RHINO_CONFIG_TICKS_PER_SECOND + 2);
    aos_msleep(1);
    cr_expect_eq(krhino_sys_tick_get(), T0 + RHINO_CONFIG_TICKS_PER_SECOND + 3, "1 ms is a whole tick");
}

Test(timer, ms_tick_conversions_follow_rhino)
{
    cr_expect_eq(krhino_ms_to_ticks(0), 0);
    cr_expect_eq(krhino_ms_to_ticks(10), 1);
    cr_expect_eq(krhino_ms_to_ticks(11), 2);
    cr_expect_eq(krhino_ms_to_ticks(UINT32_MAX), ((tick_t)UINT32_MAX + 9u) / 10u, "no 32-bit overflow");
    cr_expect_eq(krhino_ticks_to_ms(7), 70);
    cr_expect_eq(krhino_ticks_to_ms((tick_t)1 << 40), ((sys_time_t)1 << 40) * 10u);
    k_timer_init(429496729u);
    cr_expect_eq(krhino_sys_time_get(), 4294967290u, "just below 2^32 ms");
    run_ticks(1);
    cr_expect_eq(krhino_sys_time_get(), (sys_time_t)4294967300u, "past 2^32 ms without wrapping");
}

Test(timer, arg_change_auto_restarts_with_the_new_arg)
{
    ktimer_t t = {0};
    cr_assert_eq(krhino_timer_create(&t, "t", note_firing, 5, 0, (void *)1, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(2);
    cr_assert_eq(krhino_timer_arg_change_auto(&t, (void *)2), RHINO_SUCCESS);
    run_ticks(1); /* applied at T0 + 3: stop, new arg, start for T0 + 8 */
    cr_expect_eq(t.timer_state, TIMER_ACTIVE);
    cr_expect_eq(t.match, T0 + 3 + 5);
    run_ticks(5);
    cr_assert_eq(nfired, 1);
    cr_expect_eq(fired[0].arg, (void *)2);
    cr_expect_eq(krhino_timer_arg_change_auto(NULL, NULL), RHINO_NULL_PTR);
}

static size_t nobserved;
static tick_t observed_tick;

static void observe(ktimer_t *timer, tick_t now, void *ctx)
{
    cr_expect_eq(ctx, &nobserved);
    cr_expect_eq(nobserved, nfired, "observer not called once per firing");
    nobserved++;
    observed_tick = now;
}

static void check_observed_first(void *timer, void *arg)
{
    cr_expect_eq(nobserved, nfired + 1, "callback ran before the observer");
    cr_expect_eq(observed_tick, krhino_sys_tick_get());
    note_firing(timer, arg);
}

Test(timer, observer_runs_before_each_callback)
{
    ktimer_t t = {0};
    k_timer_observe(observe, &nobserved);
    cr_assert_eq(krhino_timer_create(&t, "t", check_observed_first, 3, 4, NULL, 1), RHINO_SUCCESS);
    krhino_timer_task_run();
    run_ticks(11);
    EXPECT_LOG({&t, T0 + 3}, {&t, T0 + 7}, {&t, T0 + 11});
    cr_expect_eq(nobserved, 3);
}

typedef struct {
    const ktimer_t *seen[4];
    size_t n;
    size_t stop_after;
} walk_t;

static bool note_walked(const ktimer_t *timer, void *ctx)
{
    walk_t *w = ctx;
    w->seen[w->n++] = timer;
    return w->n < w->stop_after;
}

Test(timer, walk_reports_state_and_match)
{
    ktimer_t a = {0}, b = {0};
    cr_assert_eq(krhino_timer_create(&a, "a", note_firing, 7, 0, NULL, 1), RHINO_SUCCESS);
    cr_assert_eq(krhino_timer_create(&b, "b", note_firing, 3, 0, NULL, 0), RHINO_SUCCESS);
    krhino_timer_task_run();
    walk_t w = {.stop_after = 4};
    cr_expect(k_timer_walk(note_walked, &w));
    cr_assert_eq(w.n, 2);
    cr_expect_eq(w.seen[0], &a, "oldest create first");
    cr_expect_eq(w.seen[1], &b);
    cr_expect_eq(a.timer_state, TIMER_ACTIVE);
    cr_expect_eq(a.match, T0 + 7);
    cr_expect_eq(b.timer_state, TIMER_DEACTIVE);
    walk_t first_only = {.stop_after = 1};
    cr_expect_not(k_timer_walk(note_walked, &first_only));
    cr_expect_eq(first_only.n, 1);
}

/* ---- timer_model: seeded random programs through the harness VM ----------
 *
 * Random programs of the timer harness (rhino and aos timers, delayed
 * actions, ticks, task runs, queue faults) run with the checker after every
 * op: every return code, every firing (timer, arg, tick, what the
 * callback's own call returned), every timer's state, match, first and
 * period, the queue length, the tick and the number of timers are compared
 * with the reference model (model/model.c). The negative controls in
 * unit/CMakeLists.txt run the same programs on kernels with a seeded bug. */

Test(timer_model, seeded_programs_agree_with_the_model)
{
    static const seeded_programs_t as_drawn = {HARNESS_TIMER, .first = 1, .count = 30, .time_percent = 100};
    /* time passes rarely: the queue fills, posts fail with TIMER_MSG_FULL */
    static const seeded_programs_t rare_time = {HARNESS_TIMER, .first = 1001, .count = 10, .time_percent = 10};
    seeded_programs_expect_clean(&as_drawn);
    seeded_programs_expect_clean(&rare_time);
}
