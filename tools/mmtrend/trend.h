/* Free heap (or free pool) per cycle -> leak rate and the cycle it runs out.
 *
 * Cycle k is the k-th Heap Info table of a boot printed outside a dump (the
 * soak prints one per connect/suspend cycle). FreeSz is fitted by least squares
 * against k; R^2 says how much of FreeSz's variation the straight line
 * explains. A cycle needs, beyond its resting level, what its deepest dip
 * took: FreeSz - MinFreeSz at the last fitted cycle (MinFreeSz is the
 * all-time low, which a leak keeps pulling down with it). The heap runs out
 * when the fitted FreeSz no longer covers that reserve.
 *
 * A malloc failure printed after table N happened in cycle N + 1, the cycle
 * that never printed its table. */
#ifndef MMTREND_TREND_H
#define MMTREND_TREND_H

#include <stdbool.h>
#include <stddef.h>

#include "series.h"

/* Fewer cycles give no fit, so no verdict and no forecast. With R^2 >= 0.5
 * as the test, a series of pure noise passes for a falling line with a
 * probability of P(t > sqrt(n - 2)), t of Student with n - 2 degrees of
 * freedom (one-sided): 9% at n = 5, 6% at n = 6, 3.8% at n = 7. Seven is the
 * fewest cycles that call noise a leak less than one time in twenty. */
#define TREND_MIN_CYCLES 7
/* Leading cycles this many RMS residuals off the line through the rest of
 * the window are warm-up, and left out (trend.c, warmup_cycles). */
#define TREND_WARMUP_SIGMAS 4.0
/* A falling line must explain at least this share of the variation; free
 * heap that only fluctuates around a level explains next to nothing. */
#define TREND_MIN_R2 0.5

typedef struct {
    size_t first_cycle;  /* 1-based, first fitted */
    size_t last_cycle;   /* last fitted */
    size_t warmup;       /* leading cycles of the window left out as warm-up */
    double slope;        /* FreeSz change per cycle; negative while leaking */
    double intercept;    /* fitted FreeSz at cycle 0 */
    double r2;           /* 1 for a series the line fits exactly, flat ones included */
    double reserve;      /* FreeSz - MinFreeSz at the last fitted cycle; 0 without MinFreeSz */
    bool falling;        /* slope < 0 and r2 >= TREND_MIN_R2 */
    double exhaustion_cycle; /* where the line meets the reserve; only if falling */
} trend_t;

/* Fits cycles skip + 1 .. skip + limit of the series (limit 0: to the end).
 * Returns 0, or -1 when that window holds fewer than TREND_MIN_CYCLES. */
int trend_fit(const series_t *s, size_t skip, size_t limit, trend_t *t);
/* How many cycles that window holds. */
size_t trend_window(const series_t *s, size_t skip, size_t limit);

/* Cycles first .. last (1-based, inclusive) of a series: a regime, a stretch
 * that one line may follow (the heap before and after the pool filled up
 * are two: see series_pool_full_cycle). */
typedef struct {
    size_t first, last;
} trend_regime_t;

/* trend_fit and trend_window within the cycles of the window that lie in
 * the regime (clipped to the series). */
int trend_fit_regime(const series_t *s, size_t skip, size_t limit, trend_regime_t r, trend_t *t);
size_t trend_window_regime(const series_t *s, size_t skip, size_t limit, trend_regime_t r);
/* The regime to fit a series of a boot whose pool is full from cycle
 * pool_full (0: never; series_pool_full_cycle): all of it when the pool
 * never filled up; the pool up to pool_full; the heap from pool_full on,
 * or up to it when fewer than TREND_MIN_CYCLES of the window follow. Once
 * the pool is full, requests of its block size come from the heap: a leak
 * of pool blocks goes on in the heap, faster (each block then costs a heap
 * block and its header), and one line through both stretches fits
 * neither. */
trend_regime_t trend_regime_of(const series_t *s, size_t skip, size_t limit, size_t pool_full);
/* Leak rate in bytes per cycle (positive while free heap falls). */
double trend_leak_rate(const trend_t *t);
/* Falling faster than threshold bytes per cycle. */
bool trend_is_leak(const trend_t *t, double threshold);
/* Fitted FreeSz at a cycle. */
double trend_free_at(const trend_t *t, double cycle);

#endif
