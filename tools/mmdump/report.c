/* mmdump output: see report.h. Every style shows the same rows in the same
 * order (most bytes first), so a script and a person read the same answer. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "owners.h"

#define NAME_COL_MIN 8
#define NAME_COL_MAX 40

/* An owner row with everything every style prints about it. */
typedef struct {
    const owner_row_t *row;
    call_site_t site;
    char owner[24]; /* "0x%08x" as the dump prints owners */
} located_row_t;

static located_row_t locate(report_t *r, const owner_row_t *row)
{
    located_row_t lr = {.row = row};
    if (row->owner)
        lr.site = symbolizer_locate_call(r->sym, row->owner);
    snprintf(lr.owner, sizeof lr.owner, "0x%08" PRIx64, row->owner);
    return lr;
}

static const char *kind_or_dash(const owner_row_t *row) { return row->kind[0] ? row->kind : "-"; }

static unsigned percent_of(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned)((double)part * 100.0 / (double)whole + 0.5) : 0;
}

/* ---- text --------------------------------------------------------------- */
static const char *function_label(const owner_row_t *row, const call_site_t *site)
{
    if (!row->owner)
        return "(kernel)";
    return site->function ? site->function : "?? (not in the ELF)";
}

static void print_call_site(FILE *out, const call_site_t *site)
{
    if (site->file)
        fprintf(out, "%s:%d", site->file, site->line);
}

static void print_heap_info(FILE *out, const heap_info_t *h)
{
    fprintf(out, "heap: TotalSz %" PRIu64 ", FreeSz %" PRIu64 ", UsedSz %" PRIu64 ", MinFreeSz %" PRIu64, h->total,
            h->free, h->used, h->min_free);
    if (h->has_max_free_blk)
        fprintf(out, ", MaxFreeBlkSz %" PRIu64, h->max_free_blk);
    fputs(" bytes\n", out);
    if (h->has_pool)
        fprintf(out, "pool: PoolSz %" PRIu64 ", FreeSz %" PRIu64 ", UsedSz %" PRIu64 " bytes\n", h->pool.size,
                h->pool.free, h->pool.used);
}

static void print_dump_heading(report_t *r, const mm_dump_t *d, size_t index)
{
    fprintf(r->out, "%s: dump %zu of %zu, lines %lu-%lu (%s format)\n", r->log_path, index + 1,
            r->log->ndumps, d->first_line, d->last_line, mm_format_name(d->format));
    if (d->trigger.line)
        fprintf(r->out, "trigger: line %lu: malloc failed, need %" PRIu64 " bytes, %" PRIu64 " free\n",
                d->trigger.line, d->trigger.need, d->trigger.free);
    if (d->has_info)
        print_heap_info(r->out, &d->info);
    else
        fprintf(r->out, "note: this dump has no Heap Info table (cut short, or in a layout not read)\n");
    if (d->elided_line)
        fprintf(r->out, "note: rows were elided (\"......\", line %lu); totals cover the rows shown\n",
                d->elided_line);
}

/* Owners other than the kernel, and how many of them the ELF names. */
typedef struct {
    size_t owners, resolved;
} resolution_t;

static resolution_t resolution_of(const owner_table_t *t, const located_row_t *rows)
{
    resolution_t res = {0};
    for (size_t i = 0; i < t->nrows; i++) {
        res.owners += rows[i].row->owner != 0;
        res.resolved += rows[i].row->owner != 0 && rows[i].site.function;
    }
    return res;
}

static void print_totals(report_t *r, const owner_table_t *t, const located_row_t *rows)
{
    resolution_t res = resolution_of(t, rows);
    fprintf(r->out, "live: %lu blocks, %" PRIu64 " bytes, %zu owners\n", t->live_blocks, t->live_bytes, t->nrows);
    if (res.resolved == 0 && res.owners)
        fprintf(r->out, "warning: the ELF names none of the %zu owners: is it the firmware that printed this log?\n",
                res.owners);
    else if (res.resolved < res.owners)
        fprintf(r->out, "note: %zu of %zu owners are not in the ELF\n", res.owners - res.resolved, res.owners);
    if (t->damaged_blocks)
        fprintf(r->out, "note: %lu live blocks have a damaged dye word (Chk not OK), the first 0x%08" PRIx64
                        " on line %lu\n",
                t->damaged_blocks, t->first_damaged->addr, t->first_damaged->line);
}

static int widest(size_t w, size_t len) { return (int)(len > w ? len : w); }

static void print_owner_rows(report_t *r, const located_row_t *rows, size_t n)
{
    int owner_w = 10, name_w = NAME_COL_MIN;
    for (size_t i = 0; i < n; i++) {
        owner_w = widest((size_t)owner_w, strlen(rows[i].owner));
        name_w = widest((size_t)name_w, strlen(function_label(rows[i].row, &rows[i].site)));
    }
    name_w = name_w < NAME_COL_MAX ? name_w : NAME_COL_MAX;
    fprintf(r->out, "\n%12s %8s  %-6s %-*s  %-*s  %s\n", "Bytes", "Blocks", "Kind", owner_w, "Owner", name_w,
            "Function", "Call site");
    for (size_t i = 0; i < n; i++) {
        const owner_row_t *row = rows[i].row;
        /* no padding after the function when no call site follows it */
        fprintf(r->out, "%12" PRIu64 " %8lu  %-6s %-*s  %-*s", row->bytes, row->count, kind_or_dash(row), owner_w,
                rows[i].owner, rows[i].site.file ? name_w : 0, function_label(row, &rows[i].site));
        if (rows[i].site.file)
            fputs("  ", r->out);
        print_call_site(r->out, &rows[i].site);
        fputc('\n', r->out);
    }
}

static void print_verdict(report_t *r, const owner_table_t *t, const located_row_t *rows)
{
    const owner_row_t *top = owner_table_top_holder(t);
    if (!top) {
        fprintf(r->out, "verdict: only the kernel holds memory in this dump\n\n");
        return;
    }
    const located_row_t *lr = &rows[top - t->rows];
    if (lr->site.function)
        fprintf(r->out, "verdict: %s", lr->site.function);
    else
        fprintf(r->out, "verdict: owner %s (not in the ELF)", lr->owner);
    if (lr->site.file) {
        fprintf(r->out, " at ");
        print_call_site(r->out, &lr->site);
    }
    fprintf(r->out, " holds the most memory: %" PRIu64 " bytes in %lu %s%sblocks (%u%% of live bytes)\n\n",
            top->bytes, top->count, top->kind, top->kind[0] ? " " : "", percent_of(top->bytes, t->live_bytes));
}

static void write_text(report_t *r, const mm_dump_t *d, size_t index, const owner_table_t *t,
                       const located_row_t *rows)
{
    print_dump_heading(r, d, index);
    print_totals(r, t, rows);
    print_owner_rows(r, rows, t->nrows);
    print_verdict(r, t, rows);
}

/* ---- CSV ---------------------------------------------------------------- */
static void put_csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_csv(report_t *r, size_t index, const owner_table_t *t, const located_row_t *rows)
{
    for (size_t i = 0; i < t->nrows; i++) {
        const owner_row_t *row = rows[i].row;
        fprintf(r->out, "%zu,%s,%lu,%" PRIu64 ",%s,", index + 1, rows[i].owner, row->count, row->bytes,
                kind_or_dash(row));
        put_csv_field(r->out, rows[i].site.function);
        fputc(',', r->out);
        put_csv_field(r->out, rows[i].site.file);
        if (rows[i].site.file)
            fprintf(r->out, ",%d\n", rows[i].site.line);
        else
            fputs(",\n", r->out);
    }
}

/* ---- JSON --------------------------------------------------------------- */
static void put_json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void put_json_heap(FILE *out, const mm_dump_t *d)
{
    if (!d->has_info) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"total\": %" PRIu64 ", \"free\": %" PRIu64 ", \"used\": %" PRIu64 ", \"min_free\": %" PRIu64,
            d->info.total, d->info.free, d->info.used, d->info.min_free);
    if (d->info.has_max_free_blk)
        fprintf(out, ", \"max_free_blk\": %" PRIu64, d->info.max_free_blk);
    fputc('}', out);
}

static void put_json_trigger(FILE *out, const mm_dump_t *d)
{
    if (!d->trigger.line) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"line\": %lu, \"need\": %" PRIu64 ", \"free\": %" PRIu64 "}", d->trigger.line,
            d->trigger.need, d->trigger.free);
}

static void put_json_owner(FILE *out, const located_row_t *lr)
{
    const owner_row_t *row = lr->row;
    fprintf(out, "\n      {\"owner\": \"%s\", \"blocks\": %lu, \"bytes\": %" PRIu64 ", \"kind\": ", lr->owner,
            row->count, row->bytes);
    put_json_string(out, kind_or_dash(row));
    fputs(", \"function\": ", out);
    put_json_string(out, lr->site.function);
    fputs(", \"file\": ", out);
    put_json_string(out, lr->site.file);
    if (lr->site.file)
        fprintf(out, ", \"line\": %d}", lr->site.line);
    else
        fputs(", \"line\": null}", out);
}

static void write_json(report_t *r, const mm_dump_t *d, size_t index, const owner_table_t *t,
                       const located_row_t *rows)
{
    FILE *out = r->out;
    fprintf(out, "%s\n    {\"dump\": %zu, \"format\": \"%s\", \"first_line\": %lu, \"last_line\": %lu, "
                 "\"elided_line\": %lu,\n     \"trigger\": ",
            r->dumps_written ? "," : "", index + 1, d->format == MM_FORMAT_ALIOS ? "alios" : "rtosfuzz",
            d->first_line, d->last_line, d->elided_line);
    put_json_trigger(out, d);
    fputs(", \"heap\": ", out);
    put_json_heap(out, d);
    resolution_t res = resolution_of(t, rows);
    fprintf(out, ",\n     \"live_blocks\": %lu, \"live_bytes\": %" PRIu64 ", \"damaged_blocks\": %lu, "
                 "\"owners_not_in_elf\": %zu, \"owners\": [",
            t->live_blocks, t->live_bytes, t->damaged_blocks, res.owners - res.resolved);
    for (size_t i = 0; i < t->nrows; i++) {
        if (i)
            fputc(',', out);
        put_json_owner(out, &rows[i]);
    }
    fputs("]}", out);
}

/* ---- driver ------------------------------------------------------------- */
bool report_elf_names_no_owner(const report_t *r) { return r->owners > 0 && r->owners_resolved == 0; }

void report_begin(report_t *r)
{
    if (r->style == REPORT_CSV)
        fputs("dump,owner,blocks,bytes,kind,function,file,line\n", r->out);
    if (r->style == REPORT_JSON) {
        fputs("{\"log\": ", r->out);
        put_json_string(r->out, r->log_path);
        fputs(", \"elf\": ", r->out);
        put_json_string(r->out, r->elf_path);
        fputs(", \"dumps\": [", r->out);
    }
}

int report_dump(report_t *r, size_t index)
{
    const mm_dump_t *d = &r->log->dumps[index];
    owner_table_t t;
    if (owner_table_build(d, &t) != 0)
        return -1;
    located_row_t *rows = calloc(t.nrows ? t.nrows : 1, sizeof *rows);
    if (!rows) {
        owner_table_free(&t);
        return -1;
    }
    for (size_t i = 0; i < t.nrows; i++)
        rows[i] = locate(r, &t.rows[i]);
    resolution_t res = resolution_of(&t, rows);
    r->owners += res.owners;
    r->owners_resolved += res.resolved;
    if (r->style == REPORT_TEXT)
        write_text(r, d, index, &t, rows);
    else if (r->style == REPORT_CSV)
        write_csv(r, index, &t, rows);
    else
        write_json(r, d, index, &t, rows);
    r->dumps_written++;
    free(rows);
    owner_table_free(&t);
    return 0;
}

void report_end(report_t *r)
{
    if (r->style == REPORT_JSON)
        fputs("\n]}\n", r->out);
}
