/* Least-squares leak fit and exhaustion forecast: see trend.h. */
#include "trend.h"

#include <math.h>

typedef struct {
    double sxx, sxy, syy; /* centred sums of squares and products */
    double mean_x, mean_y;
} sums_t;

static double cycle_of(size_t index) { return (double)index + 1.0; }

/* FreeSz is taken relative to the first cycle and the sums are centred, so
 * that a constant series gives exactly zero variation (long logs of large
 * figures would otherwise leave rounding noise that R^2 would magnify). */
static sums_t centred_sums(const double *free, size_t from, size_t to)
{
    sums_t s = {0};
    double n = (double)(to - from), y0 = free[from];
    for (size_t i = from; i < to; i++) {
        s.mean_x += cycle_of(i);
        s.mean_y += free[i] - y0;
    }
    s.mean_x /= n;
    s.mean_y /= n;
    for (size_t i = from; i < to; i++) {
        double dx = cycle_of(i) - s.mean_x, dy = free[i] - y0 - s.mean_y;
        s.sxx += dx * dx;
        s.sxy += dx * dy;
        s.syy += dy * dy;
    }
    s.mean_y += y0;
    return s;
}

static double share_explained(const sums_t *s, double slope)
{
    if (s->syy <= 0.0)
        return 1.0;
    double r2 = slope * s->sxy / s->syy;
    return r2 < 0.0 ? 0.0 : r2 > 1.0 ? 1.0 : r2;
}

typedef struct {
    double slope, intercept, r2;
    double rms_residual;
} line_fit_t;

/* Least squares over free[from .. to - 1], at least TREND_MIN_CYCLES. */
static line_fit_t fit_line(const double *free, size_t from, size_t to)
{
    sums_t s = centred_sums(free, from, to);
    line_fit_t f = {.slope = s.sxy / s.sxx};
    f.intercept = s.mean_y - f.slope * s.mean_x;
    f.r2 = share_explained(&s, f.slope);
    f.rms_residual = sqrt(fmax(s.syy - f.slope * s.sxy, 0.0) / (double)(to - from - 2));
    return f;
}

/* The first cycles of a log often sit off the line the rest follows: boot
 * allocations, objects made on first use, an overview printed before the
 * first cycle ran. Left in, one such point tilts a 50-cycle fit enough to
 * move the forecast by percents. So while the window's first cycle lies
 * further than TREND_WARMUP_SIGMAS residuals (and half a byte: figures are
 * whole bytes) off the line through the rest, it is left out, up to a tenth
 * of the window. Fluctuating free heap has residuals as large as its
 * swings, so nothing is left out of it. */
static size_t warmup_cycles(const double *free, size_t from, size_t to)
{
    size_t n = 0;
    while (n < (to - from) / 10 && to - (from + n + 1) >= TREND_MIN_CYCLES) {
        line_fit_t rest = fit_line(free, from + n + 1, to);
        double off = free[from + n] - (rest.intercept + rest.slope * cycle_of(from + n));
        if (fabs(off) <= TREND_WARMUP_SIGMAS * rest.rms_residual + 0.5)
            break;
        n++;
    }
    return n;
}

static double reserve_at(const series_t *s, size_t i) { return s->min_free ? s->free[i] - s->min_free[i] : 0.0; }

typedef struct {
    size_t from, to; /* indices: [from, to) */
} window_t;

static size_t smaller(size_t a, size_t b) { return a < b ? a : b; }
static size_t larger(size_t a, size_t b) { return a > b ? a : b; }

static window_t window_of(const series_t *s, size_t skip, size_t limit, trend_regime_t r)
{
    size_t from = smaller(skip, s->n);
    size_t to = limit && limit < s->n - from ? from + limit : s->n;
    from = larger(from, r.first ? r.first - 1 : 0);
    to = smaller(to, r.last);
    return (window_t){from, larger(from, to)};
}

static trend_regime_t whole(const series_t *s) { return (trend_regime_t){1, s->n}; }

size_t trend_window_regime(const series_t *s, size_t skip, size_t limit, trend_regime_t r)
{
    window_t w = window_of(s, skip, limit, r);
    return w.to - w.from;
}

size_t trend_window(const series_t *s, size_t skip, size_t limit)
{
    return trend_window_regime(s, skip, limit, whole(s));
}

trend_regime_t trend_regime_of(const series_t *s, size_t skip, size_t limit, size_t pool_full)
{
    if (!pool_full)
        return whole(s);
    trend_regime_t before = {1, pool_full}, after = {pool_full, s->n};
    if (s->kind == SERIES_POOL || trend_window_regime(s, skip, limit, after) < TREND_MIN_CYCLES)
        return before;
    return after;
}

int trend_fit_regime(const series_t *s, size_t skip, size_t limit, trend_regime_t r, trend_t *t)
{
    window_t w = window_of(s, skip, limit, r);
    size_t from = w.from, to = w.to;
    if (to - from < TREND_MIN_CYCLES)
        return -1;
    size_t warmup = warmup_cycles(s->free, from, to);
    line_fit_t f = fit_line(s->free, from + warmup, to);
    *t = (trend_t){.first_cycle = from + warmup + 1, .last_cycle = to, .warmup = warmup};
    t->slope = f.slope;
    t->intercept = f.intercept;
    t->r2 = f.r2;
    t->reserve = reserve_at(s, to - 1);
    t->falling = t->slope < 0.0 && t->r2 >= TREND_MIN_R2;
    if (t->falling)
        t->exhaustion_cycle = (t->reserve - t->intercept) / t->slope;
    return 0;
}

int trend_fit(const series_t *s, size_t skip, size_t limit, trend_t *t)
{
    return trend_fit_regime(s, skip, limit, whole(s), t);
}

double trend_leak_rate(const trend_t *t) { return -t->slope; }

bool trend_is_leak(const trend_t *t, double threshold) { return t->falling && trend_leak_rate(t) > threshold; }

double trend_free_at(const trend_t *t, double cycle) { return t->intercept + t->slope * cycle; }
