/* Named fault points. A schedule says which calls of a point fail: explicit
 * call numbers, and/or every P-th call. Call numbers count from the last
 * k_fault_reset(), so a schedule replays identically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k_port.h"

typedef struct {
    uint32_t calls;
    uint32_t injected;
    uint32_t period;
    uint32_t nth[K_FAULT_SCHEDULE_MAX];
    unsigned nnth;
    uint32_t injected_at[K_FAULT_SCHEDULE_MAX]; /* call numbers of the first injections */
} fault_point_t;

static fault_point_t g_points[K_FAULT_POINTS];
const char *const k_fault_point_names[K_FAULT_POINTS] = {"heap", "pool", "timerq"};

void k_fault_reset(void) { memset(g_points, 0, sizeof g_points); }

const char *k_fault_point_name(k_fault_point_t p) { return (unsigned)p < K_FAULT_POINTS ? k_fault_point_names[p] : "?"; }

int k_fault_fail_at(k_fault_point_t p, uint32_t nth)
{
    fault_point_t *fp = &g_points[p];
    if (nth == 0 || fp->nnth == K_FAULT_SCHEDULE_MAX)
        return -1;
    fp->nth[fp->nnth++] = nth;
    return 0;
}

void k_fault_fail_every(k_fault_point_t p, uint32_t period) { g_points[p].period = period; }

static bool call_is_scheduled(const fault_point_t *fp, uint32_t call)
{
    if (fp->period && call % fp->period == 0)
        return true;
    for (unsigned i = 0; i < fp->nnth; i++)
        if (fp->nth[i] == call)
            return true;
    return false;
}

bool k_fault_call_fails(k_fault_point_t p, uint32_t call) { return call_is_scheduled(&g_points[p], call); }

bool k_fault_should_fail(k_fault_point_t p)
{
    fault_point_t *fp = &g_points[p];
    fp->calls++;
    if (!call_is_scheduled(fp, fp->calls))
        return false;
    if (fp->injected < K_FAULT_SCHEDULE_MAX)
        fp->injected_at[fp->injected] = fp->calls;
    fp->injected++;
    return true;
}

uint32_t k_fault_calls(k_fault_point_t p) { return g_points[p].calls; }
uint32_t k_fault_injected(k_fault_point_t p) { return g_points[p].injected; }

uint32_t k_fault_injected_call(k_fault_point_t p, uint32_t i)
{
    return i < g_points[p].injected && i < K_FAULT_SCHEDULE_MAX ? g_points[p].injected_at[i] : 0;
}

/* ---- schedule text ---------------------------------------------------- */
static int parse_error(const char *spec, const char *at, const char *why, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "fault schedule, column %d: %s", (int)(at - spec) + 1, why);
    return -1;
}

static const char *parse_point(const char *s, k_fault_point_t *p)
{
    for (unsigned i = 0; i < K_FAULT_POINTS; i++) {
        size_t n = strlen(k_fault_point_names[i]);
        if (strncmp(s, k_fault_point_names[i], n) == 0 && s[n] == '=') {
            *p = (k_fault_point_t)i;
            return s + n + 1;
        }
    }
    return NULL;
}

static const char *parse_count(const char *s, uint32_t *v)
{
    char *end;
    if (*s < '0' || *s > '9')
        return NULL;
    unsigned long n = strtoul(s, &end, 10);
    if (n == 0 || n > UINT32_MAX)
        return NULL;
    *v = (uint32_t)n;
    return end;
}

int k_fault_parse(const char *spec, char *err, size_t errlen)
{
    const char *s = spec;
    for (;;) {
        while (*s == ' ' || *s == ';' || *s == '\t')
            s++;
        if (!*s)
            return 0;
        k_fault_point_t p;
        const char *v = parse_point(s, &p);
        if (!v)
            return parse_error(spec, s, "expected heap=, pool= or timerq=", err, errlen);
        for (s = v;; s++) {
            uint32_t n;
            bool every = *s == '%';
            const char *end = parse_count(s + every, &n);
            if (!end)
                return parse_error(spec, s, "expected a call number N or %P, counted from 1", err, errlen);
            if (every)
                k_fault_fail_every(p, n);
            else if (k_fault_fail_at(p, n) != 0)
                return parse_error(spec, s, "too many call numbers for one point", err, errlen);
            s = end;
            if (*s != ',')
                break;
        }
        if (*s && *s != ' ' && *s != ';' && *s != '\t')
            return parse_error(spec, s, "unexpected character", err, errlen);
    }
}

int k_fault_load_env(char *err, size_t errlen)
{
    const char *spec = getenv("RTOSFUZZ_FAULTS");
    return spec ? k_fault_parse(spec, err, errlen) : 0;
}
