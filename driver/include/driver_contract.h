/* Checking a driver against its contract: boot, settle, footprint. Used by
 * the soak, the driver tests and the harnesses alike. */
#ifndef DRIVER_CONTRACT_H
#define DRIVER_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "k_mm.h"
#include "k_timer.h"
#include "wifi_driver.h"

#ifndef RTOSFUZZ_SETTLE_TICKS
#define RTOSFUZZ_SETTLE_TICKS (10u * RHINO_CONFIG_TICKS_PER_SECOND) /* 10 s */
#endif

/* What is alive: heap and pool accounting, heap blocks, timers, kernel
 * objects by kind, and deferred work not yet run. */
typedef struct {
    size_t heap_used;
    size_t pool_used;
    size_t used_blocks;
    size_t timers;
    size_t active_timers;
    size_t objects[K_MM_KIND_COUNT]; /* used heap and pool blocks of each kind */
    size_t pending;                  /* k_loop_pending(): work, scheduled calls, delayed actions */
} drv_footprint_t;

/* Driver extensions: events beyond the contract of wifi_driver.h that a
 * driver may take. Each is asked for before it is delivered; an op whose
 * driver lacks the hook is skipped, and `show` says so.
 *
 * Access-point power: a driver that models its access point defines
 * void wifi_sim_ap_power(bool on) (driver/wifi_sim.h). */
bool drv_has_ap_power(void);
/* The access point's power goes off (false) or comes back (true). Returns
 * false, doing nothing, when the driver has no such hook. */
bool drv_ap_power(bool on);

/* Fresh kernel: default heap (with its quarantine of freed blocks), timers
 * at start_tick, no fault schedule. */
void drv_kernel_reset(tick_t start_tick);
/* hal_wifi_init(), then one timer task run so that what init queued is
 * applied (its periodic timers active): that settled state is the
 * driver's baseline. Returns what init returned. */
int drv_init(void);
/* drv_kernel_reset then drv_init. */
int drv_boot(tick_t start_tick);
void drv_footprint(drv_footprint_t *fp);
/* Ticks until the timer queue is empty, no more timers are active than in
 * the baseline and no work, scheduled call or delayed action is pending, at
 * most max_ticks. Returns the ticks run. */
uint32_t drv_settle(uint32_t max_ticks);
/* Counts blk (if used) in kinds[blk->kind]; a kind out of range (a
 * corrupted header) is not counted. */
void drv_count_kind(size_t kinds[K_MM_KIND_COUNT], const k_mm_blk_info_t *blk);
/* Room drv_describe_kinds needs: each kind's "+N kind, " in the worst case. */
#define DRV_KINDS_TEXT_MAX (K_MM_KIND_COUNT * 40)
/* Writes how the counts per kind moved from base to now ("+1 mutex, -1
 * timer", "" when none did) and returns how many kinds moved. */
size_t drv_describe_kinds(const size_t now[K_MM_KIND_COUNT], const size_t base[K_MM_KIND_COUNT],
                          char buf[DRV_KINDS_TEXT_MAX]);
/* Describes how now differs from base ("heap UsedSz +112 bytes (+1
 * blocks), pool UsedSz +0 bytes, timers +1 (1 active); objects: +1 timer")
 * in buf; false when they are equal. */
bool drv_footprint_differs(const drv_footprint_t *now, const drv_footprint_t *base, char *buf, size_t len);

/* The used heap and pool blocks at one moment (those keep accepts, or all
 * with NULL), to name what appeared since (owner, kind, size). */
typedef struct drv_blocks drv_blocks_t;
typedef bool (*drv_block_filter_fn)(const k_mm_blk_info_t *blk, void *ctx);
drv_blocks_t *drv_blocks_take(drv_block_filter_fn keep, void *ctx);
void drv_blocks_release(drv_blocks_t *b);
size_t drv_blocks_count(const drv_blocks_t *b);
const k_mm_blk_info_t *drv_blocks_at(const drv_blocks_t *b, size_t i);
/* Whether b holds the same block (address, owner, size) as blk. */
bool drv_blocks_holds(const drv_blocks_t *b, const k_mm_blk_info_t *blk);
/* Prints each block alive now that was not in base, one per line, through
 * print; returns how many. */
size_t drv_blocks_print_new(const drv_blocks_t *base, k_print_fn print);

/* A driver crash: a binary driver's guest faulted (DESIGN.md, "Binary
 * drivers"). kind is a short word for the signature ("null-read",
 * "runaway", "unsupported-import"...), site the driver code address just
 * past the faulting spot (a return address, as block owners are), what the
 * details. The hook turns it into a finding; the default prints it and
 * exits with status 3. */
/* Where a driver that can trace its kernel calls (a binary driver under
 * emulation) prints them, one line each; NULL (the default): nowhere.
 * ./rtosfuzz show turns it on. */
void drv_call_trace_set(k_print_fn print);
k_print_fn drv_call_trace(void);

typedef void (*drv_fault_fn)(const char *kind, uintptr_t site, const char *what);
drv_fault_fn drv_fault_hook_set(drv_fault_fn fn); /* NULL restores the default; returns the previous */
void drv_fault(const char *kind, uintptr_t site, const char *what);

#endif
