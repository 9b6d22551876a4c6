/* The AliOS 2.x signatures (built with AOS_API_2X): the same kernel
 * objects and owners as the 3.3 API, through struct { void *hdl; }
 * handles and int arguments. */
#include <criterion/criterion.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "unit_support.h"

static void setup(void)
{
    unit_fresh_kernel();
    k_timer_init(0);
}

TestSuite(aos_v2, .init = setup);

_Static_assert(sizeof(aos_timer_t) == sizeof(void *), "a 2.x handle is struct { void *hdl; }");

static int g_fires;
static void *g_first_arg;
static void count_fire(void *timer, void *arg)
{
    g_fires++;
    g_first_arg = timer;
}

static bool owner_of(const k_mm_blk_info_t *b, void *ctx)
{
    uintptr_t *want = ctx;
    if (b->used && b->kind != K_MM_KIND_POOL && b->addr == want[0]) {
        want[1] = b->owner;
        return false;
    }
    return true;
}

static uintptr_t owner_at(const void *p)
{
    uintptr_t q[2] = {(uintptr_t)p, 0};
    k_mm_walk(g_kmm_head, owner_of, q);
    return q[1];
}

__attribute__((noinline)) static int make_timer(aos_timer_t *t) { return aos_timer_new(t, count_fire, NULL, 100, 1); }

Test(aos_v2, timer_handles_are_structs_with_the_ktimer_in_hdl)
{
    aos_timer_t t = {0};
    cr_assert_eq(make_timer(&t), 0);
    cr_expect(unit_owner_is_in(owner_at(t.hdl), (const void *)make_timer), "owner: the 2.x caller");
    aos_msleep(250);
    cr_expect_eq(g_fires, 2, "periodic: repeat = 1");
    cr_expect_eq(g_first_arg, t.hdl);
    cr_expect_eq(aos_timer_stop(&t), 0);
    cr_expect_eq(aos_timer_change(&t, 50), 0);
    aos_msleep(10);
    cr_expect_eq(((ktimer_t *)t.hdl)->init_count, 5);
    aos_timer_free(&t);
    cr_expect_null(t.hdl);
    cr_expect_eq(aos_timer_new_ext(&t, count_fire, NULL, 30, 0, 0), 0);
    cr_expect_eq(((ktimer_t *)t.hdl)->timer_state, TIMER_DEACTIVE, "auto_run 0");
    cr_expect_eq(aos_timer_start(NULL), -EINVAL);
}

Test(aos_v2, sync_objects)
{
    aos_mutex_t m = {0};
    aos_sem_t s = {0};
    aos_queue_t q = {0};
    cr_assert_eq(aos_mutex_new(&m), 0);
    cr_expect(aos_mutex_is_valid(&m));
    cr_expect_eq(aos_mutex_lock(&m, AOS_WAIT_FOREVER), 0);
    cr_expect_eq(aos_mutex_unlock(&m), 0);
    aos_mutex_free(&m);
    cr_expect_not(aos_mutex_is_valid(&m));
    cr_assert_eq(aos_sem_new(&s, 1), 0);
    cr_expect_eq(aos_sem_wait(&s, 0), 0);
    cr_expect_eq(aos_sem_wait(&s, 20), -ETIMEDOUT);
    aos_sem_signal(&s);
    cr_expect_eq(aos_sem_wait(&s, 0), 0);
    aos_sem_free(&s);
    cr_assert_eq(aos_queue_new(&q, NULL, 64, 8), 0);
    cr_expect_eq(aos_queue_send(&q, "ping", 5), 0);
    char buf[8];
    unsigned int len = 0;
    cr_expect_eq(aos_queue_recv(&q, AOS_NO_WAIT, buf, &len), 0);
    cr_expect_eq(len, 5);
    cr_expect_str_eq(buf, "ping");
    aos_queue_free(&q);
    cr_expect_null(q.hdl);
}

static int g_runs;
static void run(void *arg) { g_runs++; }

Test(aos_v2, work)
{
    aos_work_t w = {0};
    cr_assert_eq(aos_work_init(&w, run, NULL, 0), 0);
    cr_expect_eq(aos_work_sched(&w), 0);
    aos_msleep(10);
    cr_expect_eq(g_runs, 1);
    cr_expect_eq(aos_work_cancel(&w), 0);
    aos_work_destroy(&w);
    cr_expect_null(w.hdl);
}
