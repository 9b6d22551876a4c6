/* Findings as JSON records, built with libjansson. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_record.h"
#include "k_port.h"
#include "k_trace.h"
#include "symbolize.h"

/* symbolize_owner writes "fn (file:line)", "fn (0xaddress)" or "kernel"
 * (symbolize.h): a frame becomes {function, file, line} from those parts. */
static json_t *site_of(uintptr_t code)
{
    char where[512];
    symbolize_owner(code, where, sizeof where);
    char *open = strstr(where, " (");
    char *colon = open ? strrchr(open, ':') : NULL;
    json_t *site = json_object();
    json_object_set_new(site, "address", json_sprintf("0x%08lx", (unsigned long)code));
    if (!open) {
        json_object_set_new(site, "function", json_string(where));
        return site;
    }
    *open = '\0';
    json_object_set_new(site, "function", json_string(where));
    if (colon && strncmp(open + 2, "0x", 2) != 0) {
        *colon = '\0';
        json_object_set_new(site, "file", json_string(open + 2));
        json_object_set_new(site, "line", json_integer(strtol(colon + 1, NULL, 10)));
    }
    return site;
}

static json_t *stack_of(const uintptr_t *frames)
{
    json_t *stack = json_array();
    for (int i = 0; frames && i < K_TRACE_FRAMES && frames[i]; i++)
        json_array_append_new(stack, site_of(frames[i]));
    return stack;
}

static json_t *object_json(const record_obj_t *o)
{
    json_t *j = json_object();
    if (o->role)
        json_object_set_new(j, "role", json_string(o->role));
    json_object_set_new(j, "kind", json_string(o->kind));
    json_object_set_new(j, "home", json_string(o->home));
    json_object_set_new(j, "bytes", json_integer((json_int_t)o->bytes));
    json_object_set_new(j, "address", json_sprintf("0x%08lx", (unsigned long)o->addr));
    json_object_set_new(j, "owner", site_of(o->owner));
    json_object_set_new(j, "allocated_at", stack_of(o->allocated_at));
    json_object_set_new(j, "freed_at", stack_of(o->freed_at));
    return j;
}

size_t finding_record_faults_now(record_fault_t *out, size_t cap)
{
    size_t n = 0;
    for (int p = 0; p < K_FAULT_POINTS; p++)
        for (uint32_t i = 0; i < k_fault_injected((k_fault_point_t)p) && i < K_FAULT_SCHEDULE_MAX && n < cap; i++)
            out[n++] = (record_fault_t){(k_fault_point_t)p, k_fault_injected_call((k_fault_point_t)p, i)};
    return n;
}

static json_t *faults_json(const finding_record_t *r)
{
    record_fault_t now[RECORD_FAULTS_MAX];
    const record_fault_t *faults = r->faults ? r->faults : now;
    size_t n = r->faults ? r->nfaults : finding_record_faults_now(now, RECORD_FAULTS_MAX);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:I}", "point", k_fault_point_name(faults[i].point), "call",
                                              (json_int_t)faults[i].call));
    return list;
}

/* The listing is printed through a k_print_fn, which has no context
 * argument: it goes to this stream while a record is being built. */
static FILE *g_listing;

static int print_to_listing(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(g_listing, fmt, ap);
    va_end(ap);
    return n;
}

static json_t *program_json(const finding_record_t *r)
{
    json_t *lines = json_array();
    char *text = NULL;
    size_t len = 0;
    if (!r->listing || !(g_listing = open_memstream(&text, &len)))
        return lines;
    r->listing(print_to_listing, r->step, r->listing_ctx);
    fclose(g_listing);
    g_listing = NULL;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        json_array_append_new(lines, json_string(line));
    free(text);
    return lines;
}

char *finding_record_json(const finding_record_t *r)
{
    json_t *objs = json_array();
    for (size_t i = 0; i < r->nobjs; i++)
        json_array_append_new(objs, object_json(&r->objs[i]));
    json_t *step = r->step == FINDING_STEP_UNKNOWN ? json_null() : json_integer((json_int_t)r->step);
    json_t *rec = json_pack("{s:s, s:i, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "oracle", r->oracle,
                            "oracle_number", r->oracle_number, "summary", r->summary, "step", step,
                            "signature", r->signature, "expected", r->expected, "actual", r->actual, "call",
                            stack_of(r->call), "objects", objs, "faults", faults_json(r), "program", program_json(r));
    char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
    json_decref(rec);
    return text;
}

int finding_record_append(const char *path, const finding_record_t *r)
{
    char *text = finding_record_json(r);
    FILE *f = text ? fopen(path, "a") : NULL;
    if (!text)
        errno = ENOMEM;
    int rc = f && fprintf(f, "%s\n", text) > 0 ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(text);
    return rc;
}
