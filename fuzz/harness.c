/* The harness virtual machine (see harness.h). Each op is applied to the
 * system under test and to the model; the checker then compares them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aos/kernel.h"
#include "aos/yloop.h"
#include "checker.h"
#include "driver_contract.h"
#include "harness.h"

/* Present only with the simulated wifi driver; other drivers have no AP. */

typedef struct {
    uint32_t base_calls; /* timer-queue fault calls when the model began this step */
    uint32_t posts;      /* posts the model has made since */
} post_count_t;

static struct {
    harness_kind_t h;
    fuzz_header_t hdr;
    const uint8_t *data; /* the program, for listings */
    size_t size;
    /* heap objects */
    model_obj_t obj[MODEL_OBJS];
    unsigned char *ptr[MODEL_OBJS];
    uint32_t next_id;
    size_t kernel_used, peak;
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
        .obj = vm.obj,
        .ptr = vm.ptr,
        .timers = vm.h == HARNESS_TIMER ? &vm.tm : NULL,
        .tptr = vm.tptr,
        .delayed_actions = vm.h == HARNESS_TIMER ? vm.tm.nactions : -1,
        .driver_may_hold_blocks = vm.h == HARNESS_SYSTEM,
        .kernel_used = vm.kernel_used,
        .peak_used = vm.h == HARNESS_SYSTEM ? 0 : vm.peak,
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

static void note_used(size_t used)
{
    if (used > vm.peak)
        vm.peak = used;
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

/* ---- heap objects --------------------------------------------------------------- */
static void write_pattern(int slot) { checker_write_pattern(vm.ptr[slot], vm.obj[slot].id, vm.obj[slot].size); }

static size_t heap_cost_of(const void *p) { return k_mm_hdr_size() + krhino_mm_blk_size(g_kmm_head, p); }

/* What a heap block for `size` bytes costs when a free block is split for
 * it (README, "Accounting"): header + size rounded up to 8, at least the
 * free-list links. */
static size_t predicted_heap_cost(size_t size)
{
    size_t payload = (size + K_MM_ALIGN - 1) & ~(size_t)(K_MM_ALIGN - 1);
    return k_mm_hdr_size() + (payload < 2 * sizeof(void *) ? 2 * sizeof(void *) : payload);
}

/* A block for `size` bytes that a failed call took and gave back at once
 * raised the peak by its cost. A free block whose remainder would be too
 * small to stand alone (under a header and the links) is handed out
 * whole, so the cost is the predicted one plus less than that remainder:
 * the peak the kernel shows is taken if it lies in that range, else the
 * prediction stands and the accounting oracle reports the difference. */
static void note_transient_block(size_t used_before, size_t size, size_t kernel_peak)
{
    size_t least = used_before + predicted_heap_cost(size);
    size_t most = least + k_mm_hdr_size() + 2 * sizeof(void *) - K_MM_ALIGN;
    note_used(kernel_peak >= least && kernel_peak <= most ? kernel_peak : least);
}

static model_alloc_env_t alloc_env(const k_mm_stats_t *st)
{
    return (model_alloc_env_t){
        .pool_blk = st->pool_blk,
        .pool_has_room = st->pool_used < st->pool_size,
        .pool_fault_next = next_call_fails(K_FAULT_POOL_ALLOC),
        .heap_fault_next = next_call_fails(K_FAULT_HEAP_ALLOC),
    };
}

static kstat_t status_of(const void *p) { return p ? RHINO_SUCCESS : RHINO_NO_MEM; }

/* Checks one allocation's outcome against the prediction and, on success,
 * records the object and writes its pattern. */
static void settle_allocation(unsigned step, int slot, size_t size, model_alloc_t want, unsigned char *p,
                              const k_mm_stats_t *before, const char *call)
{
    k_mm_stats_t after = stats();
    bool must_fail = want == ALLOC_FAILS_SIZE || want == ALLOC_FAILS_FAULT;
    bool may_fail = want == ALLOC_HEAP_OR_FAIL;
    check_status(step, call, must_fail || (may_fail && !p) ? RHINO_NO_MEM : RHINO_SUCCESS, status_of(p));
    if (!p) {
        check_unchanged(step, call, before, &after);
        if (may_fail)
            check_alloc_failure_justified(step, size);
        return;
    }
    model_where_t where = want == ALLOC_TO_POOL ? WHERE_POOL : WHERE_HEAP;
    if (where == WHERE_POOL)
        check_accounting_delta(step, before, &after, 0, (long)before->pool_blk);
    else
        check_accounting_delta(step, before, &after, (long)heap_cost_of(p), 0);
    model_obj_alloc(&vm.obj[slot], ++vm.next_id, size, where);
    vm.ptr[slot] = p;
    write_pattern(slot);
    note_used(after.used);
}

static void op_alloc(unsigned step, const fuzz_op_t *op)
{
    int slot = (int)fuzz_arg_value(op->code, 0, op);
    k_mm_stats_t before = stats();
    model_alloc_env_t env = alloc_env(&before);
    size_t size = fuzz_op_size(op);
    unsigned char *p;
    model_alloc_t want;
    if (op->code == OP_CALLOC) {
        size_t n = fuzz_arg_value(op->code, 1, op);
        want = model_predict_calloc(n, size, &env);
        p = aos_calloc(n, size);
        size = want == ALLOC_FAILS_SIZE ? 0 : n * size;
        if (p)
            check_zeroed(step, p, size);
    } else {
        want = model_predict_alloc(size, &env);
        p = op->code == OP_REALLOC ? aos_realloc(NULL, size) : aos_malloc(size);
    }
    settle_allocation(step, slot, size, want, p, &before, fuzz_op_name(op->code));
}

static void release_slot(unsigned step, int slot, void (*release)(void *))
{
    k_mm_stats_t before = stats();
    bool in_pool = vm.obj[slot].where == WHERE_POOL;
    long cost = in_pool ? 0 : (long)heap_cost_of(vm.ptr[slot]);
    release(vm.ptr[slot]);
    k_mm_stats_t after = stats();
    check_accounting_delta(step, &before, &after, -cost, in_pool ? -(long)before.pool_blk : 0);
    model_obj_free(&vm.obj[slot]);
}

static void free_via_realloc(void *p) { aos_realloc(p, 0); }

static void op_free(unsigned step, const fuzz_op_t *op)
{
    release_slot(step, (int)fuzz_arg_value(op->code, 0, op), aos_free);
}

/* A realloc that succeeded must not have grown past a fault the model
 * says it meets (model_predict_growth). */
static void check_growth(unsigned step, size_t size, bool moved, const model_alloc_env_t *env)
{
    kstat_t want = model_predict_growth(size, !moved, env) == ALLOC_FAILS_FAULT ? RHINO_NO_MEM : RHINO_SUCCESS;
    check_status(step, moved ? "realloc moving to a new block" : "realloc growing in place", want, RHINO_SUCCESS);
}

/* Realloc keeps a pool block while the size fits it, shrinks a heap block
 * in place, grows it in place or moves it to a newly routed block; the
 * model accepts whichever the allocator chose, checks that growing met the
 * heap fault point as predicted, and checks the exact cost. */
static void op_realloc(unsigned step, const fuzz_op_t *op)
{
    int slot = (int)fuzz_arg_value(op->code, 0, op);
    model_obj_t *o = &vm.obj[slot];
    size_t size = fuzz_op_size(op);
    if (!o->live) {
        op_alloc(step, op);
        return;
    }
    if (size == 0) {
        release_slot(step, slot, free_via_realloc);
        return;
    }
    k_mm_stats_t before = stats();
    model_alloc_env_t env = alloc_env(&before);
    bool was_in_pool = o->where == WHERE_POOL;
    size_t old_cost = was_in_pool ? 0 : heap_cost_of(vm.ptr[slot]);
    bool grows = size > (was_in_pool ? before.pool_blk : krhino_mm_blk_size(g_kmm_head, vm.ptr[slot]));
    uint32_t faults = k_fault_injected(K_FAULT_HEAP_ALLOC);
    unsigned char *p = aos_realloc(vm.ptr[slot], size);
    k_mm_stats_t after = stats();
    if (!p) {
        check_unchanged(step, "realloc", &before, &after);
        if (!grows)
            check_status(step, "realloc within the block's capacity", RHINO_SUCCESS, RHINO_NO_MEM);
        else if (k_fault_injected(K_FAULT_HEAP_ALLOC) == faults)
            check_alloc_failure_justified(step, size);
        return;
    }
    bool moved = p != vm.ptr[slot];
    if (grows)
        check_growth(step, size, moved, &env);
    if (was_in_pool && size <= before.pool_blk)
        check_status(step, "realloc within BlkSz keeps the pool block", RHINO_SUCCESS,
                     moved ? RHINO_INV_PARAM : RHINO_SUCCESS);
    bool in_pool = moved ? model_predict_alloc(size, &env) == ALLOC_TO_POOL : was_in_pool;
    long new_cost = in_pool ? 0 : (long)heap_cost_of(p);
    check_accounting_delta(step, &before, &after, new_cost - (long)old_cost,
                           ((long)in_pool - (long)was_in_pool) * (long)before.pool_blk);
    size_t kept = size < o->size ? size : o->size;
    check_contents_of(step, slot, p, o->id, o->size, kept);
    if (moved) /* the new block was taken before the old one was freed */
        note_used(before.used + (size_t)new_cost);
    vm.ptr[slot] = p;
    o->where = in_pool ? WHERE_POOL : WHERE_HEAP;
    o->size = size;
    write_pattern(slot);
    note_used(after.used);
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
    int slot = (int)fuzz_arg_value(op->code, 0, op);
    release_slot(step, slot, aos_free);
    expect_report(step, RHINO_MM_DOUBLE_FREE, aos_free, vm.ptr[slot]);
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
    int slot = (int)fuzz_arg_value(op->code, 0, op);
    kstat_t want = vm.obj[slot].where == WHERE_POOL ? RHINO_MM_FREE_ADDR_ERR : RHINO_MM_CORRUPT_ERR;
    expect_report(step, want, aos_free, vm.ptr[slot] + 8);
}

static void op_fault(unsigned step, const fuzz_op_t *op)
{
    k_fault_point_t p = (k_fault_point_t)fuzz_arg_value(op->code, 0, op);
    k_fault_fail_at(p, k_fault_calls(p) + fuzz_arg_value(op->code, 1, op));
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

static void op_timer_create(unsigned step, const fuzz_op_t *op)
{
    int s = (int)fuzz_arg_value(op->code, 0, op);
    tick_t first = fuzz_arg_value(op->code, 1, op), round = fuzz_arg_value(op->code, 2, op);
    bool auto_run = fuzz_arg_value(op->code, 3, op);
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
    k_mm_stats_t after = stats();
    if (dyn && want != RHINO_NO_MEM && want != RHINO_INV_PARAM) /* the block existed, if only briefly */
        note_transient_block(before.used, sizeof(ktimer_t), after.maxused);
    if (!dyn || got != RHINO_SUCCESS)
        check_unchanged(step, fuzz_op_name(op->code), &before, &after);
    else
        check_accounting_delta(step, &before, &after, (long)heap_cost_of(vm.tptr[s]), 0);
    note_used(after.used);
}

/* The timer a call on slot s goes to; NULL for a dynamic slot without one. */
static ktimer_t *timer_in_slot(int s)
{
    return vm.tptr[s] ? vm.tptr[s] : s < MODEL_STATIC_TIMERS ? &vm.static_timer[s] : NULL;
}

static void op_timer_call(unsigned step, const fuzz_op_t *op)
{
    int s = (int)fuzz_arg_value(op->code, 0, op);
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
    case OP_TCHANGE: {
        tick_t first = fuzz_arg_value(op->code, 1, op), round = fuzz_arg_value(op->code, 2, op);
        want = model_timer_call(&vm.tm, TCMD_CHANGE, s, first, round, 0, false);
        got = krhino_timer_change(t, first, round);
        break;
    }
    case OP_TARG: {
        uint32_t arg = fuzz_arg_value(op->code, 1, op);
        want = model_timer_call(&vm.tm, TCMD_ARG, s, 0, 0, arg, false);
        got = krhino_timer_arg_change(t, (void *)(uintptr_t)arg);
        break;
    }
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
    int s = (int)fuzz_arg_value(op->code, 0, op);
    uint32_t ms = (uint32_t)fuzz_arg_value(op->code, 1, op), options = (uint32_t)fuzz_arg_value(op->code, 2, op);
    if (vm.tm.t[s].created)
        return; /* the slot keeps its timer, even one leaked by aos_timer_free */
    k_mm_stats_t before = stats();
    model_step_begins();
    int want = model_aos_timer_create(&vm.tm, s, ms, options, next_call_fails(K_FAULT_HEAP_ALLOC));
    int got = aos_timer_create(&vm.ah[s], harness_timer_fired, (void *)(uintptr_t)s, ms, options);
    check_errno(step, "aos_timer_create", want, got);
    if (got == 0)
        vm.tptr[s] = vm.ah[s];
    k_mm_stats_t after = stats();
    if (want == -EPERM) /* the START post failed: the block existed, if only briefly */
        note_transient_block(before.used, sizeof(ktimer_t), after.maxused);
    if (got != 0)
        check_unchanged(step, "aos_timer_create", &before, &after);
    else
        check_accounting_delta(step, &before, &after, (long)heap_cost_of(vm.tptr[s]), 0);
    note_used(after.used);
}

static void op_atimer_call(unsigned step, const fuzz_op_t *op)
{
    int s = (int)fuzz_arg_value(op->code, 0, op);
    uint32_t ms = op->code == OP_ATIMER_CHANGE ? (uint32_t)fuzz_arg_value(op->code, 1, op) : 0;
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
    uint32_t arg = (uint32_t)fuzz_arg_value(op->code, 0, op);
    int ms = (int)(int64_t)fuzz_arg_value(op->code, 1, op);
    if (vm.tm.nactions == MODEL_ACTIONS)
        return; /* the model keeps so many at most */
    k_mm_stats_t before = stats();
    int want = model_action_post(&vm.tm, ms, arg, next_call_fails(K_FAULT_HEAP_ALLOC));
    int got = aos_post_delayed_action(ms, harness_action_fired, (void *)(uintptr_t)arg);
    check_errno(step, "aos_post_delayed_action", want, got);
    k_mm_stats_t after = stats();
    if (got != 0)
        check_unchanged(step, "aos_post_delayed_action", &before, &after);
    note_used(after.used);
}

static void op_action_cancel(const fuzz_op_t *op)
{
    uint32_t arg = (uint32_t)fuzz_arg_value(op->code, 0, op);
    int ms = (int)(int64_t)fuzz_arg_value(op->code, 1, op);
    model_action_cancel(&vm.tm, ms, arg);
    aos_cancel_delayed_action(ms, harness_action_fired, (void *)(uintptr_t)arg);
}

/* Ticks in lockstep with the model. Ticks the model expects to be idle
 * pass in one step on both sides; a kernel firing among them is a
 * mismatch all the same. */
static void op_ticks(unsigned step, tick_t n)
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

static void op_connect(unsigned step)
{
    if (netmgr_reconnect_wifi() != 0) /* a failed connect must leave nothing behind */
        settle_and_check_quiescence(step, "a failed connect");
}

static void op_suspend(unsigned step)
{
    check_status(step, "hal_wifi_suspend_station", RHINO_SUCCESS,
                 hal_wifi_suspend_station(NULL) == 0 ? RHINO_SUCCESS : RHINO_INV_PARAM);
    settle_and_check_quiescence(step, "suspend");
}

/* ---- the machine ------------------------------------------------------------------ */
/* An op with nothing to act on calls no kernel or driver code: a malloc
 * into a taken slot, a free of an empty one, a second timer for a dynamic
 * slot, a call on a slot without a timer, the AP on a driver without the
 * access-point hook (a skipped driver extension, which show names). */
static bool op_is_noop(const fuzz_op_t *op)
{
    int slot = (int)fuzz_arg_value(op->code, 0, op);
    switch (op->code) {
    case OP_MALLOC:
    case OP_CALLOC: return vm.obj[slot].live;
    case OP_FREE:
    case OP_DOUBLE_FREE:
    case OP_INTERIOR_FREE: return !vm.obj[slot].live;
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

/* Runs an op that is not a no-op. */
static void run_op(unsigned step, const fuzz_op_t *op)
{
    switch (op->code) {
    case OP_MALLOC:
    case OP_CALLOC: op_alloc(step, op); break;
    case OP_REALLOC: op_realloc(step, op); break;
    case OP_FREE: op_free(step, op); break;
    case OP_DOUBLE_FREE: op_double_free(step, op); break;
    case OP_FOREIGN_FREE: op_foreign_free(step, op); break;
    case OP_INTERIOR_FREE: op_interior_free(step, op); break;
    case OP_TCREATE:
    case OP_TDYN_CREATE: op_timer_create(step, op); break;
    case OP_TSTART:
    case OP_TSTOP:
    case OP_TCHANGE:
    case OP_TARG:
    case OP_TDEL:
    case OP_TDYN_DEL: op_timer_call(step, op); break;
    case OP_TICK:
    case OP_TICKS: op_ticks(step, fuzz_arg_value(op->code, 0, op)); break;
    case OP_TASK_RUN: run_task_in_lockstep(step, false); break;
    case OP_SLEEP: op_ticks(step, krhino_ms_to_ticks(fuzz_arg_value(op->code, 0, op))); break;
    case OP_CONNECT: op_connect(step); break;
    case OP_SUSPEND: op_suspend(step); break;
    case OP_AP: drv_ap_power(fuzz_arg_value(op->code, 0, op)); break;
    case OP_FAULT: op_fault(step, op); break;
    case OP_ATIMER_CREATE: op_atimer_create(step, op); break;
    case OP_ATIMER_START:
    case OP_ATIMER_STOP:
    case OP_ATIMER_CHANGE:
    case OP_ATIMER_FREE: op_atimer_call(step, op); break;
    case OP_ACTION_POST: op_action_post(step, op); break;
    case OP_ACTION_CANCEL: op_action_cancel(op); break;
    default: break;
    }
}

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
    vm.kernel_used = stats().used;
    vm.peak = stats().maxused;
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
        if (vm.obj[i].live)
            out("    slot %-2d %6zu bytes %s at 0x%08lx\n", i, vm.obj[i].size,
                vm.obj[i].where == WHERE_POOL ? "pool" : "heap", (unsigned long)(uintptr_t)vm.ptr[i]);
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
            run_op(step, &op);
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
        op_suspend(step);
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
