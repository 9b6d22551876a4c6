/* mmtrend's chart of one series (the heap or the pool of one boot): FreeSz
 * and MinFreeSz per cycle, the fitted line, the fitted window, the forecast
 * exhaustion point and, when the log shows it, the cycle whose allocation
 * actually failed. Plain SVG 1.1, no scripts. */
#ifndef MMTREND_SVG_H
#define MMTREND_SVG_H

#include <stdio.h>

#include "trend.h"

typedef struct {
    const char *title;
    const series_t *series;
    const trend_t *trend; /* fitted to series */
    size_t failure_cycle; /* 0: no malloc failure in the log */
} chart_t;

void svg_write_chart(FILE *out, const chart_t *c);

#endif
