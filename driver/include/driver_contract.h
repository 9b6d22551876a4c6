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

/* What is alive: heap and pool accounting, heap blocks, timers. */
typedef struct {
    size_t heap_used;
    size_t pool_used;
    size_t used_blocks;
    size_t timers;
    size_t active_timers;
} drv_footprint_t;

/* Fresh kernel (heap, timers, no fault schedule), tick at start_tick, then
 * hal_wifi_init(). Returns what init returned. */
int drv_boot(tick_t start_tick);
void drv_footprint(drv_footprint_t *fp);
/* Ticks until the timer queue is empty and no timer is active, at most
 * max_ticks. Returns the ticks run. */
uint32_t drv_settle(uint32_t max_ticks);
/* Describes how now differs from base ("heap UsedSz +0x70 (+1 blocks),
 * timers +1 (1 active)") in buf; false when they are equal. */
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
