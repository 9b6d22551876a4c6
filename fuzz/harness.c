/* The harness virtual machine (see harness.h). Each op's handler reads
 * the same way: the model predicts, the system under test acts, the
 * checker compares, and the model takes the outcome. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "checker.h"
#include "driver_contract.h"
#include "harness.h"

typedef struct {
    uint32_t base_calls; /* timer-queue fault calls when the model began this step */
    uint32_t posts;      /* posts the model has made since */
} post_count_t;

static struct {
    harness_kind_t h;
    fuzz_header_t hdr;
    const uint8_t *data; /* the program, for listings */
    size_t size;
    /* heap objects: the model's, and where the kernel put them */
    model_heap_t heap;
    unsigned char *ptr[MODEL_OBJS];
    /* timers */
    model_timers_t tm;
    post_count_t posts;
    ktimer_t static_timer[MODEL_STATIC_TIMERS];
    ktimer_t *tptr[MODEL_TIMERS];
    aos_timer_t ah[MODEL_TIMERS]; /* the aos slots' handles */
    model_firing_t got[MODEL_MAX_FIRINGS + 1];
    size_t ngot;
    /* kernel error reports */
    int reports;
    kstat_t report_err;
    const void *report_addr;
    /* driver */
    checker_baseline_t *driver_base;
    unsigned step; /* the op running, for driver faults */
    /* kernel or driver code ran since the last step check (boot did) */
    bool unchecked_change;
} vm;

static char foreign_block[64] __attribute__((aligned(8))); /* never from the heap */

static void record_report(kstat_t err, const void *addr)
{
    vm.reports++;
    vm.report_err = err;
    vm.report_addr = addr;
}

static void report_driver_fault(const char *kind, uintptr_t site, const char *what)
{
    check_driver_fault(vm.step, kind, site, what);
}

static check_view_t view(unsigned step)
{
    return (check_view_t){
        .step = step,
        .heap = &vm.heap,
        .ptr = vm.ptr,
        .timers = vm.h == HARNESS_TIMER ? &vm.tm : NULL,
        .tptr = vm.tptr,
        .delayed_actions = vm.h == HARNESS_TIMER ? vm.tm.nactions : -1,
        .driver_may_hold_blocks = vm.h == HARNESS_SYSTEM,
        .peak_tracked = vm.h != HARNESS_SYSTEM,
    };
}

/* The system harness ends every program with a suspend of its own, so the
 * next input meets an idle driver (one without hal_wifi_init keeps its
 * state) and whatever the last connect left behind is checked too. */
#define END_OF_PROGRAM_SUSPEND "suspend (end of program)"

static unsigned g_nops; /* ops the current program ran */

/* The program as text (it compiles back to the same bytes), up to a step. */
static void print_listing(k_print_fn out, unsigned upto, void *ctx)
{
    fuzz_program_print(vm.h, vm.data, vm.size, out, "  ", (long)upto);
    if (vm.h == HARNESS_SYSTEM && upto == g_nops)
        out("  # %-38s # step %u  <-- here\n", END_OF_PROGRAM_SUSPEND, upto);
}

static k_mm_stats_t stats(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st;
}

/* ---- fault prediction ------------------------------------------------------ */
static bool next_call_fails(k_fault_point_t p) { return k_fault_call_fails(p, k_fault_calls(p) + 1); }

static bool model_post_faults(void *ctx)
{
    post_count_t *c = ctx;
    return k_fault_call_fails(K_FAULT_TIMER_QUEUE, c->base_calls + ++c->posts);
}

static void model_step_begins(void)
{
    vm.posts = (post_count_t){k_fault_calls(K_FAULT_TIMER_QUEUE), 0};
}

/* ---- heap objects: the heap model predicts, the kernel acts, the checker compares ---- */
static model_obj_t *obj(int slot) { return &vm.heap.obj[slot]; }

static void write_pattern(int slot) { checker_write_pattern(vm.ptr[slot], obj(slot)->id, obj(slot)->size); }

/* What the allocator chose for a heap block (header + capacity): the
 * observation the heap model takes within the range its rules give. */
static size_t block_cost_of(const void *p) { return k_mm_hdr_size() + krhino_mm_blk_size(g_kmm_head, p); }

static model_alloc_env_t alloc_env(const k_mm_stats_t *st)
{
    return (model_alloc_env_t){
        .pool_blk = st->pool_blk,
        .pool_has_room = st->pool_used < st->pool_size,
        .pool_fault_next = next_call_fails(K_FAULT_POOL_ALLOC),
        .heap_fault_next = next_call_fails(K_FAULT_HEAP_ALLOC),
    };
}

/* The heap and pool UsedSz moved as the heap model's figures did. */
static void check_moved_like_the_model(unsigned step, const k_mm_stats_t *before, size_t model_cost_before,
                                       size_t model_pool_before)
{
    k_mm_stats_t after = stats();
    check_accounting_delta(step, before, &after, (long)vm.heap.objects_cost - (long)model_cost_before,
                           (long)vm.heap.pool_used - (long)model_pool_before);
}

/* A failed call: the status the model predicts, nothing changed, and a
 * failure it cannot explain only when no free block was large enough. */
static void check_failed_allocation(unsigned step, const char *call, size_t size, model_alloc_t want,
                                    const k_mm_stats_t *before)
{
    k_mm_stats_t after = stats();
    check_status(step, call, want == ALLOC_TO_POOL ? RHINO_SUCCESS : RHINO_NO_MEM, RHINO_NO_MEM);
    check_unchanged(step, call, before, &after);
    if (want == ALLOC_HEAP_OR_FAIL)
        check_alloc_failure_justified(step, size);
}

/* The block the kernel gave for size bytes costs what the model allows;
 * returns that cost (0 in the pool). */
static size_t checked_block_cost(unsigned step, const char *call, size_t size, model_where_t where, const void *p)
{
    if (where == WHERE_POOL)
        return 0;
    size_t cost = block_cost_of(p);
    check_block_cost(step, call, size, model_heap_block_cost(&vm.heap, size), cost);
    return cost;
}

/* A successful allocation: the status the model predicts, its cost, the
 * model takes the object, the UsedSz moved as the model's did. */
static void settle_allocation(unsigned step, const char *call, int slot, size_t size, model_alloc_t want,
                              unsigned char *p, const k_mm_stats_t *before)
{
    bool must_fail = want == ALLOC_FAILS_SIZE || want == ALLOC_FAILS_FAULT;
    check_status(step, call, must_fail ? RHINO_NO_MEM : RHINO_SUCCESS, RHINO_SUCCESS);
    model_where_t where = want == ALLOC_TO_POOL ? WHERE_POOL : WHERE_HEAP;
    size_t cost = checked_block_cost(step, call, size, where, p), was_cost = vm.heap.objects_cost,
           was_pool = vm.heap.pool_used;
    model_heap_alloc(&vm.heap, slot, size, where, cost);
    check_moved_like_the_model(step, before, was_cost, was_pool);
    vm.ptr[slot] = p;
    write_pattern(slot);
}

static void alloc_into(unsigned step, const char *call, int slot, size_t size, model_alloc_t want, unsigned char *p,
                       const k_mm_stats_t *before)
{
    if (p)
        settle_allocation(step, call, slot, size, want, p, before);
    else
        check_failed_allocation(step, call, size, want, before);
}

static void op_alloc(unsigned step, const fuzz_op_t *op)
{
    k_mm_stats_t before = stats();
    model_alloc_env_t env = alloc_env(&before);
    model_alloc_t want = model_predict_alloc(op->size, &env);
    unsigned char *p = op->code == OP_REALLOC ? aos_realloc(NULL, op->size) : aos_malloc(op->size);
    alloc_into(step, fuzz_op_name(op->code), op->slot, op->size, want, p, &before);
}

static void op_calloc(unsigned step, const fuzz_op_t *op)
{
    k_mm_stats_t before = stats();
    model_alloc_env_t env = alloc_env(&before);
    model_alloc_t want = model_predict_calloc(op->n, op->size, &env);
    unsigned char *p = aos_calloc(op->n, op->size);
    size_t size = want == ALLOC_FAILS_SIZE ? 0 : op->n * op->size;
    if (p)
        check_zeroed(step, p, size);
    alloc_into(step, "calloc", op->slot, size, want, p, &before);
}

static void release_slot(unsigned step, int slot, void (*release)(void *))
{
    k_mm_stats_t before = stats();
    size_t was_cost = vm.heap.objects_cost, was_pool = vm.heap.pool_used;
    model_heap_free(&vm.heap, slot);
    release(vm.ptr[slot]);
    check_moved_like_the_model(step, &before, was_cost, was_pool);
}

static void free_via_realloc(void *p) { aos_realloc(p, 0); }

static void op_free(unsigned step, const fuzz_op_t *op) { release_slot(step, op->slot, aos_free); }

/* A realloc that succeeded: it kept the block where the model says it
 * must, did not grow past a fault the model says it meets
 * (model_predict_growth), and its block costs what the model allows. */
static void check_realloc_path(unsigned step, size_t size, model_realloc_t want, bool moved,
                               const model_alloc_env_t *env)
{
    if (want == REALLOC_GROWS) {
        kstat_t st = model_predict_growth(size, !moved, env) == ALLOC_FAILS_FAULT ? RHINO_NO_MEM : RHINO_SUCCESS;
        check_status(step, moved ? "realloc moving to a new block" : "realloc growing in place", st, RHINO_SUCCESS);
    } else {
        check_status(step, want == REALLOC_KEEPS_POOL_BLOCK ? "realloc within BlkSz keeps the pool block"
                                                            : "realloc within the block's capacity keeps the block",
                     RHINO_SUCCESS, moved ? RHINO_INV_PARAM : RHINO_SUCCESS);
    }
}

/* A realloc within the block's capacity must not fail. */
static void check_failed_trim(unsigned step, const k_mm_stats_t *before)
{
    k_mm_stats_t after = stats();
    check_unchanged(step, "realloc", before, &after);
    check_status(step, "realloc within the block's capacity", RHINO_SUCCESS, RHINO_NO_MEM);
}

static void settle_realloc(unsigned step, int slot, size_t size, model_realloc_t want, unsigned char *p,
                           const model_alloc_env_t *env, const k_mm_stats_t *before)
{
    model_obj_t old = *obj(slot);
    bool moved = p != vm.ptr[slot];
    check_realloc_path(step, size, want, moved, env);
    model_where_t where = model_realloc_where(&vm.heap, slot, size, env, moved);
    size_t cost = want == REALLOC_GROWS ? checked_block_cost(step, "realloc", size, where, p) : 0;
    size_t was_cost = vm.heap.objects_cost, was_pool = vm.heap.pool_used;
    model_heap_realloc(&vm.heap, slot, size, env, moved, cost);
    check_moved_like_the_model(step, before, was_cost, was_pool);
    check_contents_of(step, slot, p, old.id, old.size, size < old.size ? size : old.size);
    vm.ptr[slot] = p;
    write_pattern(slot);
}

/* Realloc keeps a pool block while the size fits it, trims a heap block in
 * place, grows it in place or moves it to a newly routed block: the model
 * says which of these it must be, takes the allocator's choice between
 * the last two, checks that growing met the heap fault point as
 * predicted, and checks the exact cost. */
static void op_realloc(unsigned step, const fuzz_op_t *op)
{
    if (!obj(op->slot)->live) {
        op_alloc(step, op);
        return;
    }
    if (op->size == 0) {
        release_slot(step, op->slot, free_via_realloc);
        return;
    }
    k_mm_stats_t before = stats();
    model_alloc_env_t env = alloc_env(&before);
    model_realloc_t want = model_predict_realloc(&vm.heap, op->slot, op->size);
    unsigned char *p = aos_realloc(vm.ptr[op->slot], op->size);
    if (p) {
        settle_realloc(step, op->slot, op->size, want, p, &env, &before);
        return;
    }
    if (want == REALLOC_GROWS) /* in place or moved to the heap, it may meet the heap fault point */
        check_failed_allocation(step, "realloc", op->size, model_predict_growth(op->size, true, &env), &before);
    else
        check_failed_trim(step, &before);
}

/* ---- misuse: the kernel must report exactly what the model expects -------- */
static void expect_report(unsigned step, kstat_t want, void (*misuse)(void *), void *arg)
{
    k_mm_stats_t before = stats();
    vm.reports = 0;
    misuse(arg);
    k_mm_stats_t after = stats();
    check_misuse(step, want, vm.reports, vm.report_err, vm.report_addr);
    check_unchanged(step, "a detected misuse", &before, &after);
}

static void op_double_free(unsigned step, const fuzz_op_t *op)
{
    release_slot(step, op->slot, aos_free);
    expect_report(step, RHINO_MM_DOUBLE_FREE, aos_free, vm.ptr[op->slot]);
}

static void op_foreign_free(unsigned step, const fuzz_op_t *op)
{
    expect_report(step, RHINO_MM_FREE_ADDR_ERR, aos_free, foreign_block + 8);
}

/* A pointer 8 bytes into a live block: inside a pool block it is a foreign
 * address; in the heap, the "header" it implies carries pattern bytes, not
 * a dye. */
static void op_interior_free(unsigned step, const fuzz_op_t *op)
{
    kstat_t want = obj(op->slot)->where == WHERE_POOL ? RHINO_MM_FREE_ADDR_ERR : RHINO_MM_CORRUPT_ERR;
    expect_report(step, want, aos_free, vm.ptr[op->slot] + 8);
}

static void op_fault(unsigned step, const fuzz_op_t *op)
{
    k_fault_point_t p = (k_fault_point_t)op->point;
    k_fault_fail_at(p, k_fault_calls(p) + op->nth);
}

/* ---- timers ----------------------------------------------------------------- */
static const char *const timer_names[MODEL_TIMERS] = {"t0", "t1", "t2", "t3", "t4", "t5",
                                                      "t6", "t7", "a8", "a9", "a10", "a11"};

static int slot_of_timer(const void *timer)
{
    for (int s = 0; s < MODEL_TIMERS; s++)
        if (vm.tptr[s] == timer)
            return s;
    return -1;
}

static kstat_t kernel_callback_action(int s, ktimer_t *self)
{
    switch (model_cb_action(s)) {
    case CB_STOP_SELF: return krhino_timer_stop(self);
    case CB_START_NEXT_STATIC: return krhino_timer_start(&vm.static_timer[model_next_static(s)]);
    case CB_DELETE_SELF:
        if (model_slot_is_aos(s)) {
            aos_timer_free(&vm.ah[s]);
            return RHINO_SUCCESS;
        }
        return model_slot_is_dyn(s) ? krhino_timer_dyn_del(self) : krhino_timer_del(self);
    default: return RHINO_SUCCESS;
    }
}

/* One too many is kept, so check_firings sees the difference. */
static void record_firing(int slot, uint32_t arg, kstat_t action)
{
    if (vm.ngot < MODEL_MAX_FIRINGS + 1)
        vm.got[vm.ngot++] = (model_firing_t){slot, arg, krhino_sys_tick_get(), action};
}

static void harness_timer_fired(void *timer, void *arg)
{
    int s = slot_of_timer(timer);
    if (s < 0)
        return; /* an unknown timer: check_firings reports the missing firing */
    record_firing(s, (uint32_t)(uintptr_t)arg, kernel_callback_action(s, timer));
}

static void harness_action_fired(void *arg)
{
    record_firing(MODEL_TIMERS + (int)(uintptr_t)arg, (uint32_t)(uintptr_t)arg, RHINO_SUCCESS);
}

/* Once the model has deleted a dynamic timer, the kernel has freed it. */
static void forget_deleted_timers(void)
{
    for (int s = MODEL_STATIC_TIMERS; s < MODEL_TIMERS; s++)
        if (!vm.tm.t[s].created)
            vm.tptr[s] = NULL;
}

static void run_task_in_lockstep(unsigned step, bool advance)
{
    model_step_begins();
    if (advance)
        model_timer_tick(&vm.tm);
    else
        model_timer_task_run(&vm.tm);
    vm.ngot = 0;
    if (advance)
        krhino_tick_proc();
    else
        krhino_timer_task_run();
    check_firings(step, &vm.tm, vm.got, vm.ngot);
    forget_deleted_timers();
}

/* The heap after a timer create: the new timer's block (NULL: none) costs
 * what the heap model allows and is all that moved; a transient block
 * (taken and given back by a failed call) raised the peak. Timer blocks
 * are the timer service's, not the heap model's objects: the model's peak
 * takes the UsedSz they leave. */
static void settle_timer_block(unsigned step, const char *call, const ktimer_t *block, bool transient,
                               const k_mm_stats_t *before)
{
    k_mm_stats_t after = stats();
    if (transient) /* its cost is seen only in the peak it left */
        model_heap_transient_block(&vm.heap, before->used, sizeof(ktimer_t),
                                   after.maxused > before->used ? after.maxused - before->used : 0);
    if (block)
        check_accounting_delta(step, before, &after, (long)checked_block_cost(step, call, sizeof(ktimer_t), WHERE_HEAP,
                                                                               block), 0);
    else
        check_unchanged(step, call, before, &after);
    model_heap_note_used(&vm.heap, after.used);
}

static void op_timer_create(unsigned step, const fuzz_op_t *op)
{
    int s = op->slot;
    tick_t first = op->first, round = op->round;
    bool auto_run = op->auto_run;
    bool dyn = op->code == OP_TDYN_CREATE;
    uint32_t arg = (uint32_t)s;
    k_mm_stats_t before = stats();
    model_step_begins();
    kstat_t want, got;
    if (dyn) {
        want = model_timer_dyn_create(&vm.tm, s, first, round, arg, auto_run, next_call_fails(K_FAULT_HEAP_ALLOC));
        ktimer_t *t = NULL;
        got = krhino_timer_dyn_create(&t, timer_names[s], harness_timer_fired, first, round, (void *)(uintptr_t)arg,
                                      auto_run);
        if (got == RHINO_SUCCESS)
            vm.tptr[s] = t;
    } else {
        vm.tptr[s] = &vm.static_timer[s];
        want = model_timer_create(&vm.tm, s, first, round, arg, auto_run);
        got = krhino_timer_create(vm.tptr[s], timer_names[s], harness_timer_fired, first, round,
                                  (void *)(uintptr_t)arg, auto_run);
    }
    check_status(step, fuzz_op_name(op->code), want, got);
    /* a dyn_create that got its block had it, if only briefly (its START post may fail) */
    bool transient = dyn && want != RHINO_NO_MEM && want != RHINO_INV_PARAM;
    settle_timer_block(step, fuzz_op_name(op->code), dyn && got == RHINO_SUCCESS ? vm.tptr[s] : NULL, transient,
                       &before);
}

/* The timer a call on slot s goes to; NULL for a dynamic slot without one. */
static ktimer_t *timer_in_slot(int s)
{
    return vm.tptr[s] ? vm.tptr[s] : s < MODEL_STATIC_TIMERS ? &vm.static_timer[s] : NULL;
}

static void op_timer_call(unsigned step, const fuzz_op_t *op)
{
    int s = op->slot;
    ktimer_t *t = timer_in_slot(s);
    model_step_begins();
    kstat_t want, got;
    switch (op->code) {
    case OP_TSTART:
        want = model_timer_call(&vm.tm, TCMD_START, s, 0, 0, 0, false);
        got = krhino_timer_start(t);
        break;
    case OP_TSTOP:
        want = model_timer_call(&vm.tm, TCMD_STOP, s, 0, 0, 0, false);
        got = krhino_timer_stop(t);
        break;
    case OP_TCHANGE:
        want = model_timer_call(&vm.tm, TCMD_CHANGE, s, op->first, op->round, 0, false);
        got = krhino_timer_change(t, op->first, op->round);
        break;
    case OP_TARG:
        want = model_timer_call(&vm.tm, TCMD_ARG, s, 0, 0, op->arg, false);
        got = krhino_timer_arg_change(t, (void *)(uintptr_t)op->arg);
        break;
    case OP_TDEL:
        want = model_timer_call(&vm.tm, TCMD_DEL, s, 0, 0, 0, false);
        got = krhino_timer_del(t);
        break;
    default: /* OP_TDYN_DEL */
        want = model_timer_call(&vm.tm, TCMD_DEL, s, 0, 0, 0, true);
        got = krhino_timer_dyn_del(t);
        break;
    }
    check_status(step, fuzz_op_name(op->code), want, got);
}

/* ---- the aos layer ------------------------------------------------------------ */
static void op_atimer_create(unsigned step, const fuzz_op_t *op)
{
    int s = op->slot;
    uint32_t ms = (uint32_t)op->ms, options = op->options;
    if (vm.tm.t[s].created)
        return; /* the slot keeps its timer, even one leaked by aos_timer_free */
    k_mm_stats_t before = stats();
    model_step_begins();
    int want = model_aos_timer_create(&vm.tm, s, ms, options, next_call_fails(K_FAULT_HEAP_ALLOC));
    int got = aos_timer_create(&vm.ah[s], harness_timer_fired, (void *)(uintptr_t)s, ms, options);
    check_errno(step, "aos_timer_create", want, got);
    if (got == 0)
        vm.tptr[s] = vm.ah[s];
    /* want -EPERM: the START post failed, the block existed if only briefly */
    settle_timer_block(step, "aos_timer_create", got == 0 ? vm.tptr[s] : NULL, want == -EPERM, &before);
}

static void op_atimer_call(unsigned step, const fuzz_op_t *op)
{
    int s = op->slot;
    uint32_t ms = (uint32_t)op->ms;
    model_step_begins();
    int want, got = 0;
    switch (op->code) {
    case OP_ATIMER_START:
        want = model_aos_timer_call(&vm.tm, ACMD_START, s, 0);
        got = aos_timer_start(&vm.ah[s]);
        break;
    case OP_ATIMER_STOP:
        want = model_aos_timer_call(&vm.tm, ACMD_STOP, s, 0);
        got = aos_timer_stop(&vm.ah[s]);
        break;
    case OP_ATIMER_CHANGE:
        want = model_aos_timer_call(&vm.tm, ACMD_CHANGE, s, ms);
        got = aos_timer_change(&vm.ah[s], ms);
        break;
    default: /* OP_ATIMER_FREE */
        want = model_aos_timer_call(&vm.tm, ACMD_FREE, s, 0);
        aos_timer_free(&vm.ah[s]);
        break;
    }
    check_errno(step, fuzz_op_name(op->code), want, got);
}

static void op_action_post(unsigned step, const fuzz_op_t *op)
{
    uint32_t arg = op->arg;
    int ms = (int)op->ms;
    if (vm.tm.nactions == MODEL_ACTIONS)
        return; /* the model keeps so many at most */
    k_mm_stats_t before = stats();
    int want = model_action_post(&vm.tm, ms, arg, next_call_fails(K_FAULT_HEAP_ALLOC));
    int got = aos_post_delayed_action(ms, harness_action_fired, (void *)(uintptr_t)arg);
    check_errno(step, "aos_post_delayed_action", want, got);
    k_mm_stats_t after = stats();
    if (got != 0)
        check_unchanged(step, "aos_post_delayed_action", &before, &after);
    model_heap_note_used(&vm.heap, after.used);
}

static void op_action_cancel(unsigned step, const fuzz_op_t *op)
{
    uint32_t arg = op->arg;
    int ms = (int)op->ms;
    model_action_cancel(&vm.tm, ms, arg);
    aos_cancel_delayed_action(ms, harness_action_fired, (void *)(uintptr_t)arg);
}

/* Ticks in lockstep with the model. Ticks the model expects to be idle
 * pass in one step on both sides; a kernel firing among them is a
 * mismatch all the same. */
static void run_ticks(unsigned step, tick_t n)
{
    if (vm.h != HARNESS_TIMER) {
        k_timer_advance(n);
        return;
    }
    while (n > 0) {
        tick_t idle = model_timer_idle_ticks(&vm.tm, n);
        if (idle == 0) {
            run_task_in_lockstep(step, true);
            n--;
            continue;
        }
        model_timer_skip(&vm.tm, idle);
        vm.ngot = 0;
        k_timer_advance(idle);
        check_firings(step, &vm.tm, vm.got, vm.ngot);
        n -= idle;
    }
}

static void op_tick(unsigned step, const fuzz_op_t *op) { run_ticks(step, op->ticks); }

static void op_sleep(unsigned step, const fuzz_op_t *op) { run_ticks(step, krhino_ms_to_ticks((uint64_t)op->ms)); }

static void op_task_run(unsigned step, const fuzz_op_t *op) { run_task_in_lockstep(step, false); }

/* Whether the oracles run. Without them (RTOSFUZZ_UNCHECKED set) the
 * same ops still reach the same kernel and driver, settle included: the
 * floor `./rtosfuzz bench fuzz` measures the checked harness against. */
static bool g_checking = true;

/* ---- the driver ---------------------------------------------------------------- */
static void settle_and_check_quiescence(unsigned step, const char *after)
{
    /* A misuse inside the call comes first, before what it leaves behind. */
    check_misuse(step, RHINO_SUCCESS, vm.reports, vm.report_err, vm.report_addr);
    vm.reports = 0;
    drv_settle(RTOSFUZZ_SETTLE_TICKS);
    if (!g_checking)
        return;
    check_view_t v = view(step);
    v.settled_after = after;
    check_quiescence(&v, vm.driver_base, RTOSFUZZ_SETTLE_TICKS);
}

static void op_connect(unsigned step, const fuzz_op_t *op)
{
    if (netmgr_reconnect_wifi() != 0) /* a failed connect must leave nothing behind */
        settle_and_check_quiescence(step, "a failed connect");
}

static void suspend_and_check(unsigned step)
{
    check_status(step, "hal_wifi_suspend_station", RHINO_SUCCESS,
                 hal_wifi_suspend_station(NULL) == 0 ? RHINO_SUCCESS : RHINO_INV_PARAM);
    settle_and_check_quiescence(step, "suspend");
}

static void op_suspend(unsigned step, const fuzz_op_t *op) { suspend_and_check(step); }

static void op_ap(unsigned step, const fuzz_op_t *op) { drv_ap_power(op->on); }

/* ---- the machine ------------------------------------------------------------------ */
/* An op with nothing to act on calls no kernel or driver code: a malloc
 * into a taken slot, a free of an empty one, a second timer for a dynamic
 * slot, a call on a slot without a timer, the AP on a driver without the
 * access-point hook (a skipped driver extension, which show names). */
static bool op_is_noop(const fuzz_op_t *op)
{
    int slot = op->slot;
    switch (op->code) {
    case OP_MALLOC:
    case OP_CALLOC: return obj(slot)->live;
    case OP_FREE:
    case OP_DOUBLE_FREE:
    case OP_INTERIOR_FREE: return !obj(slot)->live;
    case OP_TDYN_CREATE: return vm.tm.t[slot].created;
    case OP_TSTART:
    case OP_TSTOP:
    case OP_TCHANGE:
    case OP_TARG:
    case OP_TDEL:
    case OP_TDYN_DEL: return !timer_in_slot(slot);
    case OP_AP: return !drv_has_ap_power();
    default: return false;
    }
}

/* Each op's handler: the model predicts, the system under test acts, the
 * checker compares. */
typedef void (*op_handler_t)(unsigned step, const fuzz_op_t *op);

static const op_handler_t handlers[OP_COUNT] = {
    [OP_MALLOC] = op_alloc,
    [OP_CALLOC] = op_calloc,
    [OP_REALLOC] = op_realloc,
    [OP_FREE] = op_free,
    [OP_DOUBLE_FREE] = op_double_free,
    [OP_FOREIGN_FREE] = op_foreign_free,
    [OP_INTERIOR_FREE] = op_interior_free,
    [OP_TCREATE] = op_timer_create,
    [OP_TDYN_CREATE] = op_timer_create,
    [OP_TSTART] = op_timer_call,
    [OP_TSTOP] = op_timer_call,
    [OP_TCHANGE] = op_timer_call,
    [OP_TARG] = op_timer_call,
    [OP_TDEL] = op_timer_call,
    [OP_TDYN_DEL] = op_timer_call,
    [OP_TICK] = op_tick,
    [OP_TICKS] = op_tick,
    [OP_TASK_RUN] = op_task_run,
    [OP_SLEEP] = op_sleep,
    [OP_CONNECT] = op_connect,
    [OP_SUSPEND] = op_suspend,
    [OP_AP] = op_ap,
    [OP_FAULT] = op_fault,
    [OP_ATIMER_CREATE] = op_atimer_create,
    [OP_ATIMER_START] = op_atimer_call,
    [OP_ATIMER_STOP] = op_atimer_call,
    [OP_ATIMER_CHANGE] = op_atimer_call,
    [OP_ATIMER_FREE] = op_atimer_call,
    [OP_ACTION_POST] = op_action_post,
    [OP_ACTION_CANCEL] = op_action_cancel,
};

/* A fresh system for every input: nothing survives from the last one. */
static void boot(harness_kind_t h, const fuzz_header_t *hdr, const harness_opts_t *opts)
{
    memset(&vm, 0, sizeof vm);
    vm.h = h;
    vm.hdr = *hdr;
    vm.unchecked_change = true;
    k_print_set(opts && opts->show ? opts->show : k_print_discard);
    k_err_hook_set(record_report);
    drv_fault_hook_set(report_driver_fault);
    drv_call_trace_set(opts && opts->show ? opts->show : NULL);
    drv_kernel_reset(vm.hdr.start_tick);
    k_mm_set_asan_poison(g_kmm_head, true); /* sanitizer builds: ASan stops at a driver's bad write */
    k_mm_stats_t st = stats();
    model_heap_init(&vm.heap, &(model_heap_env_t){.used = st.used, .peak = st.maxused, .hdr_bytes = k_mm_hdr_size(),
                                                  .pool_blk = st.pool_blk});
    model_timers_init(&vm.tm, vm.hdr.start_tick, model_post_faults, &vm.posts);
    if (h == HARNESS_SYSTEM) {
        drv_init();
        drv_ap_power(true);
    }
    k_fault_reset(); /* fault call numbers count from here */
    for (int i = 0; i < FUZZ_FAULT_SLOTS; i++)
        if (vm.hdr.fault[i].point >= 0)
            k_fault_fail_at((k_fault_point_t)vm.hdr.fault[i].point, vm.hdr.fault[i].nth);
    checker_set_listing(print_listing, NULL);
    check_view_t v = view(0);
    if (g_checking)
        vm.driver_base = checker_baseline_take(&v);
}

static void show_op(k_print_fn out, unsigned step, const fuzz_op_t *op)
{
    char line[160];
    fuzz_op_format(op, line, sizeof line);
    out("#%u %s\n", step, line);
}

static void show_model_view(k_print_fn out)
{
    k_mm_stats_t st = stats();
    out("    heap UsedSz 0x%05zx (peak 0x%05zx), pool UsedSz 0x%04zx, tick %llu\n", st.used, st.maxused, st.pool_used,
        (unsigned long long)krhino_sys_tick_get());
    for (int i = 0; i < MODEL_OBJS; i++)
        if (obj(i)->live)
            out("    slot %-2d %6zu bytes %s at 0x%08lx\n", i, obj(i)->size, obj(i)->where == WHERE_POOL ? "pool" : "heap",
                (unsigned long)(uintptr_t)vm.ptr[i]);
    for (int s = 0; vm.h == HARNESS_TIMER && s < MODEL_TIMERS; s++) {
        const model_timer_t *t = &vm.tm.t[s];
        if (t->created)
            out("    timer %d %s first %llu round %llu match %llu, fired %u\n", s,
                t->active ? "ACTIVE  " : "DEACTIVE", (unsigned long long)t->first, (unsigned long long)t->round,
                (unsigned long long)t->match, (unsigned)t->fires);
    }
    for (int i = 0; vm.h == HARNESS_TIMER && i < vm.tm.nactions; i++)
        out("    delayed action arg %u ms %d due at %lld ms\n", (unsigned)vm.tm.action[i].arg, vm.tm.action[i].ms,
            vm.tm.action[i].timeout_ms);
}

/* $RTOSFUZZ_SUPPRESS names a file of known signatures (a campaign's);
 * $RTOSFUZZ_UNCHECKED turns the oracles off (a benchmark's floor only). */
static void read_environment_once(void)
{
    static bool read;
    if (read)
        return;
    read = true;
    const char *path = getenv("RTOSFUZZ_SUPPRESS");
    if (path)
        checker_suppress_file(path);
    if (getenv("RTOSFUZZ_UNCHECKED")) {
        g_checking = false;
        fprintf(stderr, "rtosfuzz: RTOSFUZZ_UNCHECKED is set: no oracle runs, no bug can be found\n");
    }
}

static unsigned g_step; /* the op running now */

unsigned harness_step(void) { return g_step; }

static bool g_engine_input_running;

/* A driver that calls exit() would end a fuzzing engine's process as if
 * the input were fine (AFL++ sees a clean exit): under an engine it is a
 * crash, which the engine saves and triage names. */
static void exit_during_an_input_is_a_crash(void)
{
    if (g_engine_input_running)
        abort();
}

static void watch_for_exit_under_engine(void)
{
    static bool registered;
    if (!registered)
        atexit(exit_during_an_input_is_a_crash);
    registered = true;
}

unsigned harness_run(harness_kind_t h, const uint8_t *data, size_t size, const harness_opts_t *opts)
{
    if (!opts)
        watch_for_exit_under_engine();
    g_engine_input_running = !opts;
    fuzz_reader_t r;
    fuzz_reader_init(&r, data, size, h);
    fuzz_header_t hdr;
    fuzz_read_header(&r, &hdr);
    bool keep_going = opts && (opts->show || opts->report_only);
    checker_set_output(opts && opts->show ? opts->show : opts && opts->quiet ? k_print_discard : NULL, !keep_going);
    read_environment_once();
    boot(h, &hdr, opts);
    vm.data = data;
    vm.size = size;
    if (opts && opts->show)
        fuzz_program_print(h, data, size, opts->show, "  ", -1);
    unsigned step = 0;
    g_nops = FUZZ_MAX_OPS + 1;
    for (fuzz_op_t op; fuzz_next_op(&r, &op); step++) {
        g_step = step;
        vm.reports = 0;
        vm.step = step;
        if (opts && opts->show)
            show_op(opts->show, step, &op);
        bool noop = op_is_noop(&op);
        if (!noop)
            handlers[op.code](step, &op);
        else if (op.code == OP_AP && opts && opts->show)
            opts->show("    skipped: the driver has no access-point power hook (driver_contract.h, \"Driver extensions\")\n");
        /* a fault op only schedules a failure for a later call: it changes
         * nothing the step checks read (heap, pool, timers, contents) */
        vm.unchecked_change |= !noop && op.code != OP_FAULT;
        if (g_checking && vm.unchecked_change) {
            if (op.code != OP_DOUBLE_FREE && op.code != OP_FOREIGN_FREE && op.code != OP_INTERIOR_FREE)
                check_misuse(step, RHINO_SUCCESS, vm.reports, vm.report_err, vm.report_addr);
            check_view_t v = view(step);
            check_step(&v);
            vm.unchecked_change = false;
        }
        if (opts && opts->show)
            show_model_view(opts->show);
        if (checker_findings())
            break;
    }
    g_nops = step;
    g_step = step;
    if (vm.h == HARNESS_SYSTEM && !checker_findings()) {
        vm.step = step;
        if (opts && opts->show)
            opts->show("#%u %s\n", step, END_OF_PROGRAM_SUSPEND);
        suspend_and_check(step);
    } else if (vm.h == HARNESS_SYSTEM) {
        /* The input ended on a finding: still leave the driver idle, or a
         * driver without hal_wifi_init would carry this heap's pointers
         * into the next input. What it does now is not checked. */
        hal_wifi_suspend_station(NULL);
    }
    checker_baseline_release(vm.driver_base);
    vm.driver_base = NULL;
    g_engine_input_running = false;
    return checker_findings();
}

/* ---- minimizing ----------------------------------------------------------------- */

/* The signature of the first finding a program gives ("" for none). */
static const char *signature_in_process(harness_kind_t h, const uint8_t *data, size_t size)
{
    static const harness_opts_t quiet = {.report_only = true, .quiet = true};
    return harness_run(h, data, size, &quiet) ? checker_first_signature() : "";
}

/* Byte offsets of each op of a program, and where the last one ends. */
static size_t op_offsets(harness_kind_t h, const uint8_t *data, size_t size, size_t *at)
{
    fuzz_reader_t r;
    fuzz_header_t hdr;
    fuzz_op_t op;
    size_t n = 0;
    fuzz_reader_init(&r, data, size, h);
    fuzz_read_header(&r, &hdr);
    at[n] = r.pos;
    while (fuzz_next_op(&r, &op))
        at[++n] = r.pos;
    return n;
}

static harness_signature_fn signature_of = signature_in_process;

static bool drop_range(harness_kind_t h, uint8_t *data, size_t *size, size_t from, size_t to, const char *sig)
{
    static uint8_t trial[FUZZ_MAX_INPUT_LEN];
    size_t n = *size - (to - from);
    memcpy(trial, data, from);
    memcpy(trial + from, data + to, *size - to);
    if (strcmp(signature_of(h, trial, n), sig))
        return false;
    memcpy(data, trial, n);
    *size = n;
    return true;
}

static bool clear_fault_slot(harness_kind_t h, uint8_t *data, size_t size, int slot, const char *sig)
{
    size_t at = 1 + 2 * (size_t)slot;
    if (size <= at || data[at] % 4 == 0)
        return false;
    uint8_t was = data[at];
    data[at] = 0;
    if (!strcmp(signature_of(h, data, size), sig))
        return true;
    data[at] = was;
    return false;
}

/* Byte 0 of the header picks the start tick; 0 is tick 0, the plainest
 * start for a reader of the reproducer (fuzz_read_header). */
static bool zero_start_tick(harness_kind_t h, uint8_t *data, size_t size, const char *sig)
{
    if (size == 0 || data[0] == 0)
        return false;
    uint8_t was = data[0];
    data[0] = 0;
    if (!strcmp(signature_of(h, data, size), sig))
        return true;
    data[0] = was;
    return false;
}

size_t harness_minimize(harness_kind_t h, uint8_t *data, size_t size, harness_signature_fn sig_fn)
{
    signature_of = sig_fn ? sig_fn : signature_in_process;
    char sig[320];
    snprintf(sig, sizeof sig, "%s", signature_of(h, data, size));
    if (!sig[0] || size > FUZZ_MAX_INPUT_LEN)
        return size; /* no finding to keep */
    size_t at[FUZZ_MAX_OPS + 1];
    for (bool shrunk = true; shrunk;) {
        shrunk = false;
        size_t n = op_offsets(h, data, size, at);
        size = at[n]; /* bytes past the last whole op never run */
        for (size_t i = n; i-- > 0;) /* last op first: earlier offsets stay valid */
            shrunk |= drop_range(h, data, &size, at[i], at[i + 1], sig);
        for (int slot = 0; slot < FUZZ_FAULT_SLOTS; slot++)
            shrunk |= clear_fault_slot(h, data, size, slot, sig);
        shrunk |= zero_start_tick(h, data, size, sig);
    }
    return size;
}
