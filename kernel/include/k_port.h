/* Host port: console output, the kernel error hook and named fault points.
 * On a device these are the BSP's printf, k_err_proc and nothing; on the host
 * they are the seams through which tests and fuzzers observe and steer. */
#ifndef K_PORT_H
#define K_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_err.h"

/* ---- console ---------------------------------------------------------- */
typedef int (*k_print_fn)(const char *fmt, ...);

/* All kernel text (overview, dump, WARNING lines) goes through k_printf. */
int k_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Redirects kernel text; NULL restores stdout. Returns the previous sink. */
k_print_fn k_print_set(k_print_fn fn);
/* A sink that drops everything; with it set, k_printf formats nothing. */
int k_print_discard(const char *fmt, ...);

/* ---- error hook ------------------------------------------------------- */
/* Called after the kernel has printed a WARNING line for a misuse it detected
 * (double free, foreign pointer, corruption). The default prints the status
 * name and aborts, as a device would halt; tests and harnesses install their
 * own hook, and the kernel then returns from the faulty call without touching
 * the heap further. */
typedef void (*k_err_hook_t)(kstat_t err, const void *addr);
k_err_hook_t k_err_hook_set(k_err_hook_t hook); /* NULL restores the default */
void k_err_proc(kstat_t err, const void *addr);

/* ---- fault points ----------------------------------------------------- */
typedef enum {
    K_FAULT_HEAP_ALLOC,  /* heap allocation fails as if memory ran out */
    K_FAULT_POOL_ALLOC,  /* pool behaves as empty: request falls back to heap */
    K_FAULT_TIMER_QUEUE, /* timer command post finds the queue full */
    K_FAULT_POINTS
} k_fault_point_t;

#define K_FAULT_SCHEDULE_MAX 16 /* explicit call numbers per point */

/* Forgets every schedule and zeroes every call counter. */
void k_fault_reset(void);
/* Makes the nth call (1-based, counted since reset) of point p fail.
 * Returns 0, or -1 when p's schedule is full or n is 0. */
int k_fault_fail_at(k_fault_point_t p, uint32_t nth);
/* Makes every period-th call of p fail (0 turns it off). */
void k_fault_fail_every(k_fault_point_t p, uint32_t period);
/* Counts one call of p and says whether it must fail. Kernel-internal. */
bool k_fault_should_fail(k_fault_point_t p);
/* Whether call number `call` (1-based, since reset) of p is scheduled to
 * fail; nothing is counted. Lets a model predict injected failures. */
bool k_fault_call_fails(k_fault_point_t p, uint32_t call);
uint32_t k_fault_calls(k_fault_point_t p);
uint32_t k_fault_injected(k_fault_point_t p);
/* The call number of p's i-th injected failure (0-based, the first
 * K_FAULT_SCHEDULE_MAX of them), 0 past those: which faults a run needed. */
uint32_t k_fault_injected_call(k_fault_point_t p, uint32_t i);
/* The points' names, indexed by k_fault_point_t ("heap", "pool", "timerq"):
 * the one spelling of them that schedules ($RTOSFUZZ_FAULTS), reports,
 * finding records and the fuzz inputs' text form all use. */
extern const char *const k_fault_point_names[K_FAULT_POINTS];
/* p's name from k_fault_point_names, "?" for a p out of range. */
const char *k_fault_point_name(k_fault_point_t p);
/* Parses a schedule such as "heap=5,7 pool=%3 timerq=12" (';' or blanks
 * between points; N = that call, %P = every P-th call) and adds it.
 * Returns 0, or -1 with a message naming the offending column in err. */
int k_fault_parse(const char *spec, char *err, size_t errlen);
/* Adds the schedule in $RTOSFUZZ_FAULTS, if set; same return as parse. */
int k_fault_load_env(char *err, size_t errlen);

#endif
