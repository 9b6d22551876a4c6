/* Log scanner: see mm_log.h for what it reads and how it treats noise. */
#include "mm_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

#define MALLOC_FAILED "WARNING, malloc failed!!!! need size:"
#define FREE_SIZE ", but free size:"

typedef enum {
    OUTSIDE_DUMP,
    IN_BLOCK_TABLE,     /* rows of the open dump are being read */
    AFTER_BLOCK_TABLE   /* the open dump waits for its Heap Info table */
} where_t;

/* Which [HEAP] table a [POOL] row right after it belongs to. */
typedef enum { POOL_FOR_NONE, POOL_FOR_CYCLE_TABLE, POOL_FOR_DUMP } pool_for_t;

typedef struct {
    mm_log_t *log;
    const line_t *line;
    where_t where; /* when not OUTSIDE_DUMP, the open dump is the last one */
    bool header_pending;
    heap_info_header_t header;
    pool_for_t pool_for; /* the last cycle table, or the last dump's */
    mm_failure_t unclaimed_failure; /* waits for the dump it triggered */
} scan_t;

typedef enum { ROW_TAKEN, ROW_SKIPPED, ROW_BAD } row_result_t;

/* ---- notes -------------------------------------------------------------- */
static void vnote(mm_note_t *n, unsigned long line, const char *fmt, va_list ap)
{
    n->line = line;
    vsnprintf(n->text, sizeof n->text, fmt, ap);
}

__attribute__((format(printf, 3, 4))) static void warn(mm_log_t *log, unsigned long line,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (log->nwarnings < MM_LOG_NOTES_KEPT)
        vnote(&log->warnings[log->nwarnings], line, fmt, ap);
    log->nwarnings++;
    va_end(ap);
}

__attribute__((format(printf, 3, 4))) static bool fail(mm_log_t *log, unsigned long line,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(&log->error, line, fmt, ap);
    va_end(ap);
    return false;
}

/* A capture cut mid-line leaves half a row at the end: that is the device
 * losing power, not a malformed log, so the half row is dropped. */
static bool reject_line(scan_t *s, const char *why)
{
    if (s->line->ends_input) {
        warn(s->log, s->line->no, "truncated last line ignored (%s)", why);
        return true;
    }
    return fail(s->log, s->line->no, "%s", why);
}

/* ---- growable arrays ---------------------------------------------------- */
/* Room for one more item: items itself or its reallocation, NULL (items
 * untouched) when out of memory. */
static void *with_room_for_one_more(void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return items;
    size_t bigger = *cap ? *cap * 2 : 16;
    void *p = realloc(items, bigger * size);
    if (p)
        *cap = bigger;
    return p;
}

static mm_dump_t *open_dump(scan_t *s) { return &s->log->dumps[s->log->ndumps - 1]; }

/* ---- dumps -------------------------------------------------------------- */
static void close_dump(scan_t *s, const char *how)
{
    mm_dump_t *d = open_dump(s);
    if (!d->has_info)
        warn(s->log, d->first_line, "the dump starting here %s before its Heap Info table", how);
    s->where = OUTSIDE_DUMP;
}

static void forget_pending_header(scan_t *s)
{
    if (s->header_pending)
        warn(s->log, s->header.line, "[HEAP] header without its figures row, ignored");
    s->header_pending = false;
}

static bool is_block_table_header(span_t t) { return span_starts_with(t, "Blk_Addr"); }

static bool header_names_column(span_t t, const char *name)
{
    for (span_t w = span_take_word(&t); w.n; w = span_take_word(&t))
        if (span_equals(w, name))
            return true;
    return false;
}

static bool start_dump(scan_t *s, span_t t)
{
    mm_format_t format;
    if (header_names_column(t, "Owner"))
        format = MM_FORMAT_RTOSFUZZ;
    else if (header_names_column(t, "Caller"))
        format = MM_FORMAT_ALIOS;
    else
        return reject_line(s, "block table header names neither an Owner nor a Caller column");
    if (s->where != OUTSIDE_DUMP)
        close_dump(s, "was cut off by another dump");
    forget_pending_header(s);
    mm_log_t *log = s->log;
    mm_dump_t *dumps = with_room_for_one_more(log->dumps, &log->dumps_cap, log->ndumps, sizeof *dumps);
    if (!dumps)
        return fail(log, s->line->no, "out of memory");
    log->dumps = dumps;
    log->dumps[log->ndumps++] = (mm_dump_t){
        .format = format,
        .first_line = s->line->no,
        .last_line = s->line->no,
        .trigger = s->unclaimed_failure,
    };
    s->unclaimed_failure = (mm_failure_t){0};
    s->where = IN_BLOCK_TABLE;
    return true;
}

/* ---- block rows --------------------------------------------------------- */
static bool is_kind_word(span_t w)
{
    if (w.n == 0 || w.n >= MM_KIND_MAX)
        return false;
    for (size_t i = 0; i < w.n; i++)
        if (!((w.p[i] >= 'a' && w.p[i] <= 'z') || w.p[i] == '-' || w.p[i] == '?'))
            return false;
    return true;
}

static bool parse_stat(span_t w, mm_blk_stat_t *stat)
{
    static const char *const names[] = {"free", "used", "pool"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (span_equals(w, names[i])) {
            *stat = (mm_blk_stat_t)i;
            return true;
        }
    return false;
}

/* 0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer */
static row_result_t parse_our_row(span_t t, mm_block_t *b, char *why, size_t cap)
{
    span_t addr = span_take_word(&t), stat = span_take_word(&t), len = span_take_word(&t),
           chk = span_take_word(&t), owner = span_take_word(&t), kind = span_take_word(&t);
    bool ok = span_parse_hex(addr, &b->addr) && parse_stat(stat, &b->stat) &&
              span_parse_hex(len, &b->len) && (span_equals(chk, "OK") || span_equals(chk, "BAD")) &&
              span_parse_hex(owner, &b->owner) && is_kind_word(kind) && span_is_blank(t);
    if (!ok) {
        snprintf(why, cap, "block row: expected \"0xADDR used|free|pool 0xLEN OK|BAD 0xOWNER KIND\"");
        return ROW_BAD;
    }
    b->chk_ok = span_equals(chk, "OK");
    memcpy(b->kind, kind.p, kind.n);
    b->kind[kind.n] = '\0';
    return ROW_TAKEN;
}

/* Some AliOS Things ports print addresses with "0x%p" where %p already
 * adds the prefix: "0x0x400b8b40". */
static bool parse_alios_hex(span_t w, uint64_t *v)
{
    if (span_starts_with(w, "0x0x"))
        w = (span_t){w.p + 2, w.n - 2};
    return span_parse_hex(w, v);
}

/* "used" or "free", right after '!' when the block's dye word is wrong. */
static bool parse_alios_stat(span_t w, mm_block_t *b)
{
    b->chk_ok = !span_starts_with(w, "!");
    if (!b->chk_ok)
        w = (span_t){w.p + 1, w.n - 1};
    if (span_equals(w, "used"))
        b->stat = MM_BLK_USED;
    else if (span_equals(w, "free"))
        b->stat = MM_BLK_FREE;
    else
        return false;
    return true;
}

/* Len is decimal, or "sentinel" for a region's end block. */
static bool parse_alios_len(span_t w, mm_block_t *b)
{
    if (span_equals(w, "sentinel")) {
        b->stat = MM_BLK_SENTINEL;
        b->len = 0;
        return true;
    }
    return span_parse_dec(w, &b->len);
}

/* Chk is "OK", or the damaged dye word in bare hex. */
static bool parse_alios_chk(span_t w, mm_block_t *b)
{
    uint64_t dye;
    if (span_equals(w, "OK"))
        return true;
    b->chk_ok = false;
    return span_parse_bare_hex(w, &dye);
}

/* 0x0x400b8b40  used       8   OK  0x2301a0e5  (optional call trace) */
static row_result_t parse_alios_row(span_t t, mm_block_t *b, char *why, size_t cap)
{
    span_t addr = span_take_word(&t), stat = span_take_word(&t), len = span_take_word(&t),
           chk = span_take_word(&t), owner = span_take_word(&t);
    if (!(parse_alios_hex(addr, &b->addr) && parse_alios_stat(stat, b) && parse_alios_len(len, b) &&
          parse_alios_chk(chk, b) && parse_alios_hex(owner, &b->owner))) {
        snprintf(why, cap, "block row: expected \"0xADDR [!]used|free LEN|sentinel OK|DYE 0xCALLER\"");
        return ROW_BAD;
    }
    return ROW_TAKEN;
}

static bool is_elision(span_t t)
{
    size_t dots = 0;
    while (dots < t.n && t.p[dots] == '.')
        dots++;
    return dots >= 3 && span_is_blank((span_t){t.p + dots, t.n - dots});
}

static bool is_section_rule(span_t t)
{
    return span_starts_with(t, "===") || span_starts_with(t, "---");
}

static bool add_block(scan_t *s, const mm_block_t *b)
{
    mm_dump_t *d = open_dump(s);
    mm_block_t *blocks = with_room_for_one_more(d->blocks, &d->blocks_cap, d->nblocks, sizeof *blocks);
    if (!blocks)
        return fail(s->log, s->line->no, "out of memory");
    d->blocks = blocks;
    d->blocks[d->nblocks++] = *b;
    d->last_line = s->line->no;
    return true;
}

static bool scan_block_row(scan_t *s, span_t t)
{
    char why[MM_NOTE_MAX];
    mm_block_t b = {.line = s->line->no};
    row_result_t r = open_dump(s)->format == MM_FORMAT_RTOSFUZZ
                         ? parse_our_row(t, &b, why, sizeof why)
                         : parse_alios_row(t, &b, why, sizeof why);
    return r == ROW_BAD ? reject_line(s, why) : add_block(s, &b);
}

static bool scan_block_table_line(scan_t *s, span_t t)
{
    if (span_starts_with(t, "0x"))
        return scan_block_row(s, t);
    if (is_elision(t)) {
        mm_dump_t *d = open_dump(s);
        if (!d->elided_line)
            d->elided_line = s->line->no;
    } else if (is_section_rule(t)) {
        s->where = AFTER_BLOCK_TABLE;
    }
    return true; /* anything else is console output between rows */
}

/* ---- skipped tables ---------------------------------------------------- */
static mm_skipped_t *skipped_kind(mm_log_t *log, const char *what)
{
    size_t kept = log->nskipped_kinds < MM_LOG_SKIPPED_KINDS_KEPT ? log->nskipped_kinds : MM_LOG_SKIPPED_KINDS_KEPT;
    for (size_t i = 0; i < kept; i++)
        if (strcmp(log->skipped[i].what, what) == 0)
            return &log->skipped[i];
    return NULL;
}

/* Listed once per kind, with how often it appeared. */
static void note_skipped(scan_t *s, const char *what)
{
    mm_log_t *log = s->log;
    mm_skipped_t *k = skipped_kind(log, what);
    if (!k && log->nskipped_kinds++ < MM_LOG_SKIPPED_KINDS_KEPT) {
        k = &log->skipped[log->nskipped_kinds - 1];
        *k = (mm_skipped_t){.first_line = s->line->no};
        snprintf(k->what, sizeof k->what, "%s", what);
    }
    if (k)
        k->count++;
}

/* ---- boots -------------------------------------------------------------- */
static mm_boot_t *current_boot(scan_t *s) { return &s->log->boots[s->log->nboots - 1]; }

static bool start_boot(scan_t *s, mm_boot_t boot)
{
    mm_log_t *log = s->log;
    mm_boot_t *boots = with_room_for_one_more(log->boots, &log->boots_cap, log->nboots, sizeof *boots);
    if (!boots)
        return fail(log, s->line->no, "out of memory");
    log->boots = boots;
    boot.first_table = log->ntables;
    log->boots[log->nboots++] = boot;
    return true;
}

static bool is_boot_banner(span_t t)
{
    static const char *const banners[] = MM_BOOT_BANNERS;
    for (size_t i = 0; i < sizeof banners / sizeof banners[0]; i++)
        if (span_contains(t, banners[i]))
            return true;
    return false;
}

/* A banner before any table of the current boot is that boot's own. */
static bool note_boot_banner(scan_t *s)
{
    if (current_boot(s)->ntables == 0)
        return true;
    return start_boot(s, (mm_boot_t){.first_line = s->line->no, .cause = MM_BOOT_BANNER_SEEN});
}

/* Within a boot TotalSz stays and MinFreeSz, a low-water mark, only falls:
 * when next breaks either, the boot it opens is described in *boot. */
static bool heap_was_reset(const heap_info_t *prev, const heap_info_t *next, mm_boot_t *boot)
{
    if (next->total != prev->total)
        *boot = (mm_boot_t){.cause = MM_BOOT_TOTAL_CHANGED, .before = prev->total, .after = next->total};
    else if (next->min_free > prev->min_free)
        *boot = (mm_boot_t){.cause = MM_BOOT_MIN_FREE_ROSE, .before = prev->min_free, .after = next->min_free};
    else
        return false;
    boot->first_line = next->line;
    return true;
}

static bool pool_was_reset(const heap_info_t *prev, const heap_info_t *next)
{
    return prev->has_pool && next->has_pool && prev->pool.has_min_free && next->pool.has_min_free &&
           next->pool.min_free > prev->pool.min_free;
}

/* The last table turned out to open a new boot (its [POOL] row says so). */
static bool move_last_table_to_new_boot(scan_t *s, mm_boot_t boot)
{
    mm_log_t *log = s->log;
    current_boot(s)->ntables--;
    log->ntables--;
    if (!start_boot(s, boot))
        return false;
    log->ntables++;
    current_boot(s)->ntables = 1;
    return true;
}

/* ---- Heap Info tables --------------------------------------------------- */
/* A [HEAP] or [POOL] table in a layout not read: it and its rows are
 * skipped. A dump waiting for its Heap Info table ends without one. */
static bool skip_table(scan_t *s, span_t t, const char *why)
{
    char header[MM_NOTE_MAX / 2], what[MM_NOTE_MAX];
    span_quote_squeezed(t, header, sizeof header);
    snprintf(what, sizeof what, "table \"%s\", a layout not read (%s)", header, why);
    note_skipped(s, what);
    if (span_starts_with(t, "[HEAP]"))
        s->where = OUTSIDE_DUMP;
    s->pool_for = POOL_FOR_NONE;
    return true;
}

static bool start_heap_info(scan_t *s, span_t t)
{
    char why[MM_NOTE_MAX];
    forget_pending_header(s);
    if (!heap_info_parse_header(t, &s->header, why, sizeof why))
        return skip_table(s, t, why);
    s->header.line = s->line->no;
    s->header_pending = true;
    if (s->header.row == HEAP_INFO_HEAP)
        s->pool_for = POOL_FOR_NONE;
    return true;
}

static bool add_cycle_table(scan_t *s, const heap_info_t *info)
{
    mm_log_t *log = s->log;
    mm_boot_t next;
    if (current_boot(s)->ntables > 0 && heap_was_reset(&log->tables[log->ntables - 1], info, &next) &&
        !start_boot(s, next))
        return false;
    heap_info_t *tables = with_room_for_one_more(log->tables, &log->tables_cap, log->ntables, sizeof *tables);
    if (!tables)
        return fail(log, s->line->no, "out of memory");
    log->tables = tables;
    log->tables[log->ntables++] = *info;
    current_boot(s)->ntables++;
    /* a cycle has passed: an earlier failure no longer explains a dump */
    s->unclaimed_failure = (mm_failure_t){0};
    return true;
}

static heap_info_t *pool_target(scan_t *s)
{
    if (s->pool_for == POOL_FOR_CYCLE_TABLE)
        return &s->log->tables[s->log->ntables - 1];
    if (s->pool_for == POOL_FOR_DUMP)
        return &open_dump(s)->info;
    return NULL;
}

/* A [POOL] row completes the [HEAP] table just before it. */
static bool finish_pool_info(scan_t *s, span_t t)
{
    char why[MM_NOTE_MAX];
    heap_info_t orphan = {0}, *target = pool_target(s);
    pool_for_t was_for = s->pool_for;
    s->pool_for = POOL_FOR_NONE;
    if (!heap_info_parse_figures(&s->header, t, target ? target : &orphan, why, sizeof why))
        return reject_line(s, why);
    if (!target) {
        note_skipped(s, "a [POOL] table without the [HEAP] table it belongs to");
        return true;
    }
    mm_log_t *log = s->log;
    if (was_for == POOL_FOR_CYCLE_TABLE && current_boot(s)->ntables > 1 &&
        pool_was_reset(&log->tables[log->ntables - 2], target))
        return move_last_table_to_new_boot(s, (mm_boot_t){.first_line = target->line,
                                                          .cause = MM_BOOT_POOL_MIN_FREE_ROSE,
                                                          .before = log->tables[log->ntables - 2].pool.min_free,
                                                          .after = target->pool.min_free});
    return true;
}

static bool finish_heap_info(scan_t *s, span_t t)
{
    char why[MM_NOTE_MAX];
    heap_info_t info;
    s->header_pending = false;
    if (s->header.row == HEAP_INFO_POOL)
        return finish_pool_info(s, t);
    if (!heap_info_parse_figures(&s->header, t, &info, why, sizeof why))
        return reject_line(s, why);
    info.line = s->line->no;
    if (s->where == OUTSIDE_DUMP) {
        s->pool_for = POOL_FOR_CYCLE_TABLE;
        return add_cycle_table(s, &info);
    }
    mm_dump_t *d = open_dump(s);
    d->info = info;
    d->has_info = true;
    d->last_line = s->line->no;
    s->where = OUTSIDE_DUMP;
    s->pool_for = POOL_FOR_DUMP;
    return true;
}

/* ---- malloc failures ---------------------------------------------------- */
static bool take_number_after(span_t *t, const char *label, uint64_t *v)
{
    if (!span_starts_with(*t, label))
        return false;
    span_t rest = {t->p + strlen(label), t->n - strlen(label)};
    size_t digits = 0;
    while (digits < rest.n && rest.p[digits] >= '0' && rest.p[digits] <= '9')
        digits++;
    *t = (span_t){rest.p + digits, rest.n - digits};
    return span_parse_dec((span_t){rest.p, digits}, v);
}

static bool note_malloc_failure(scan_t *s, span_t t)
{
    mm_failure_t f = {.line = s->line->no};
    if (!(take_number_after(&t, MALLOC_FAILED, &f.need) && take_number_after(&t, FREE_SIZE, &f.free) &&
          span_is_blank(t)))
        return reject_line(s, "malloc failure: expected \"" MALLOC_FAILED "N" FREE_SIZE "M\"");
    mm_boot_t *b = current_boot(s);
    if (!b->first_failure.line) {
        b->first_failure = f;
        b->tables_before_failure = b->ntables;
    }
    s->unclaimed_failure = f;
    return true;
}

/* ---- driver ------------------------------------------------------------- */
static bool scan_line(scan_t *s, const line_t *line)
{
    span_t t = span_trim_left(line->text);
    s->line = line;
    if (is_boot_banner(t))
        return note_boot_banner(s);
    if (heap_info_is_header(t))
        return start_heap_info(s, t);
    if (s->header_pending && heap_info_is_figures_row(t))
        return finish_heap_info(s, t);
    if (!span_is_blank(t) && !is_section_rule(t))
        s->pool_for = POOL_FOR_NONE; /* a [POOL] row follows its [HEAP] table directly */
    if (is_block_table_header(t))
        return start_dump(s, t);
    if (span_starts_with(t, "WARNING, malloc failed"))
        return note_malloc_failure(s, t);
    if (s->where != OUTSIDE_DUMP && span_starts_with(t, "========== End Dump"))
        close_dump(s, "ended");
    else if (s->where == IN_BLOCK_TABLE)
        return scan_block_table_line(s, t);
    return true; /* console output, titles, and tables no tool reads */
}

static void finish_log(scan_t *s)
{
    if (s->header_pending) {
        warn(s->log, s->header.line, "the log ends inside this Heap Info table");
        s->header_pending = false;
    }
    if (s->where != OUTSIDE_DUMP)
        close_dump(s, "is cut off by the end of the log");
}

bool mm_log_parse(const char *buf, size_t len, mm_log_t *log)
{
    *log = (mm_log_t){0};
    scan_t s = {.log = log};
    line_reader_t r;
    line_t line = {.no = 1};
    s.line = &line;
    if (!start_boot(&s, (mm_boot_t){.first_line = 1, .cause = MM_BOOT_LOG_START}))
        return false;
    line_reader_init(&r, buf, len);
    while (line_reader_next(&r, &line))
        if (!scan_line(&s, &line))
            return false;
    finish_log(&s);
    return true;
}

void mm_log_free(mm_log_t *log)
{
    for (size_t i = 0; i < log->ndumps; i++)
        free(log->dumps[i].blocks);
    free(log->dumps);
    free(log->tables);
    free(log->boots);
    *log = (mm_log_t){0};
}

bool mm_block_is_live(const mm_block_t *b) { return b->stat == MM_BLK_USED || b->stat == MM_BLK_POOL; }

const char *mm_format_name(mm_format_t f) { return f == MM_FORMAT_ALIOS ? "AliOS Things dumpsys mm_info" : "rtosfuzz"; }

const char *mm_boot_cause_text(mm_boot_cause_t cause)
{
    static const char *const texts[] = {
        [MM_BOOT_LOG_START] = "the log's start",
        [MM_BOOT_BANNER_SEEN] = "a boot banner",
        [MM_BOOT_TOTAL_CHANGED] = "TotalSz changed",
        [MM_BOOT_MIN_FREE_ROSE] = "MinFreeSz, a low-water mark, rose",
        [MM_BOOT_POOL_MIN_FREE_ROSE] = "the pool's MinFreeSz, a low-water mark, rose",
    };
    return texts[cause];
}

size_t mm_log_boot_of_table(const mm_log_t *log, size_t table)
{
    size_t b = 0;
    while (b + 1 < log->nboots && log->boots[b + 1].first_table <= table)
        b++;
    return b;
}
