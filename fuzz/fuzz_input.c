/* Decoding, printing and compiling fuzz programs (format in fuzz_input.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "heap_model.h" /* MODEL_OBJS and the timer slots (model.h): what slot bytes select among */
#include "model.h"

typedef struct {
    const char *name;
    int nargs; /* argument bytes */
    arg_kind_t kind[FUZZ_MAX_ARGS];
    arg_field_t field[FUZZ_MAX_ARGS];
    const char *c_call; /* the exported C reproducer's call (fuzz_op_format_c); NULL: none */
} op_spec_t;

#define SIZE_ARG ARG_SIZE_HI, ARG_SIZE_LO
#define SIZE_FIELD F_SIZE, F_NONE

/* The one description of each op: its bytes, the field each decodes into
 * (and the label it prints and compiles as), its C form. */
static const op_spec_t specs[OP_COUNT] = {
    [OP_MALLOC] = {"malloc", 3, {ARG_SLOT, SIZE_ARG}, {F_SLOT, SIZE_FIELD}, "repro_malloc"},
    [OP_CALLOC] = {"calloc", 4, {ARG_SLOT, ARG_COUNT, SIZE_ARG}, {F_SLOT, F_N, SIZE_FIELD}},
    [OP_REALLOC] = {"realloc", 3, {ARG_SLOT, SIZE_ARG}, {F_SLOT, SIZE_FIELD}, "repro_realloc"},
    [OP_FREE] = {"free", 1, {ARG_SLOT}, {F_SLOT}, "repro_free"},
    [OP_DOUBLE_FREE] = {"double_free", 1, {ARG_SLOT}, {F_SLOT}},
    [OP_FOREIGN_FREE] = {"foreign_free", 0, {0}, {0}},
    [OP_INTERIOR_FREE] = {"interior_free", 1, {ARG_SLOT}, {F_SLOT}},
    [OP_TCREATE] = {"tcreate", 4, {ARG_TSLOT, ARG_FIRST, ARG_ROUND, ARG_AUTO}, {F_SLOT, F_FIRST, F_ROUND, F_AUTO}},
    [OP_TDYN_CREATE] = {"tdyn_create", 4, {ARG_TSLOT, ARG_FIRST, ARG_ROUND, ARG_AUTO},
                        {F_SLOT, F_FIRST, F_ROUND, F_AUTO}},
    [OP_TSTART] = {"tstart", 1, {ARG_TSLOT}, {F_SLOT}},
    [OP_TSTOP] = {"tstop", 1, {ARG_TSLOT}, {F_SLOT}},
    [OP_TCHANGE] = {"tchange", 3, {ARG_TSLOT, ARG_FIRST, ARG_ROUND}, {F_SLOT, F_FIRST, F_ROUND}},
    [OP_TARG] = {"targ", 2, {ARG_TSLOT, ARG_VALUE}, {F_SLOT, F_ARG}},
    [OP_TDEL] = {"tdel", 1, {ARG_TSLOT}, {F_SLOT}},
    [OP_TDYN_DEL] = {"tdyn_del", 1, {ARG_TSLOT}, {F_SLOT}},
    [OP_TICK] = {"tick", 1, {ARG_TICKS}, {F_TICKS}, "repro_ticks"},
    [OP_TICKS] = {"ticks", 1, {ARG_TICKS}, {F_TICKS}},
    [OP_TASK_RUN] = {"task_run", 0, {0}, {0}},
    [OP_SLEEP] = {"sleep", 1, {ARG_TICKS}, {F_MS}, "aos_msleep"},
    [OP_CONNECT] = {"connect", 0, {0}, {0}, "repro_connect"},
    [OP_SUSPEND] = {"suspend", 0, {0}, {0}, "repro_suspend"},
    [OP_AP] = {"ap", 1, {ARG_ONOFF}, {F_ON}, "repro_ap"},
    [OP_FAULT] = {"fault", 2, {ARG_POINT, ARG_NTH}, {F_POINT, F_NTH}, "repro_fault_in"},
    [OP_ATIMER_CREATE] = {"atimer_create", 3, {ARG_ASLOT, ARG_MS, ARG_OPTIONS}, {F_SLOT, F_MS, F_OPTIONS}},
    [OP_ATIMER_START] = {"atimer_start", 1, {ARG_ASLOT}, {F_SLOT}},
    [OP_ATIMER_STOP] = {"atimer_stop", 1, {ARG_ASLOT}, {F_SLOT}},
    [OP_ATIMER_CHANGE] = {"atimer_change", 2, {ARG_ASLOT, ARG_MS}, {F_SLOT, F_MS}},
    [OP_ATIMER_FREE] = {"atimer_free", 1, {ARG_ASLOT}, {F_SLOT}},
    [OP_ACTION_POST] = {"action_post", 2, {ARG_ACTION, ARG_MS}, {F_ARG, F_MS}},
    [OP_ACTION_CANCEL] = {"action_cancel", 2, {ARG_ACTION, ARG_MS}, {F_ARG, F_MS}},
};

static const char *const field_labels[F_COUNT] = {
    [F_SLOT] = "slot", [F_SIZE] = "size", [F_N] = "n",           [F_FIRST] = "first", [F_ROUND] = "round",
    [F_AUTO] = "auto", [F_ARG] = "arg",   [F_MS] = "ms",         [F_OPTIONS] = "options",
    [F_POINT] = "point", [F_NTH] = "in", [F_TICKS] = "n",       [F_ON] = "on",
};

/* The labels of an op's arguments in the listing's order; returns how many. */
static int labels_of(const op_spec_t *s, const char *label[FUZZ_MAX_ARGS])
{
    int n = 0;
    for (int i = 0; i < s->nargs; i++)
        if (s->field[i] != F_NONE)
            label[n++] = field_labels[s->field[i]];
    return n;
}

/* The ops each harness runs, in opcode order. */
static const op_code_t mm_ops[] = {OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE,
                                   OP_DOUBLE_FREE, OP_FOREIGN_FREE, OP_INTERIOR_FREE, OP_FAULT};
/* New ops go at the end: the opcodes of the older ones stay. */
static const op_code_t timer_ops[] = {OP_TCREATE,       OP_TDYN_CREATE,  OP_TSTART,      OP_TSTOP,
                                      OP_TCHANGE,       OP_TARG,         OP_TDEL,        OP_TDYN_DEL,
                                      OP_TICK,          OP_TICKS,        OP_TASK_RUN,    OP_FAULT,
                                      OP_ATIMER_CREATE, OP_ATIMER_START, OP_ATIMER_STOP, OP_ATIMER_CHANGE,
                                      OP_ATIMER_FREE,   OP_ACTION_POST,  OP_ACTION_CANCEL};
static const op_code_t system_ops[] = {OP_MALLOC, OP_REALLOC, OP_FREE, OP_CONNECT, OP_SUSPEND,
                                       OP_AP, OP_SLEEP, OP_TICK, OP_FAULT};

static const struct {
    const char *name;
    const op_code_t *ops;
    size_t nops;
} harnesses[HARNESS_COUNT] = {
    [HARNESS_MM] = {"mm", mm_ops, sizeof mm_ops / sizeof mm_ops[0]},
    [HARNESS_TIMER] = {"timer", timer_ops, sizeof timer_ops / sizeof timer_ops[0]},
    [HARNESS_SYSTEM] = {"system", system_ops, sizeof system_ops / sizeof system_ops[0]},
};

static const char *const *const point_names = k_fault_point_names;

/* The fault point named name, or -1. */
static int point_by_name(const char *name)
{
    for (int p = 0; p < K_FAULT_POINTS; p++)
        if (!strcmp(name, point_names[p]))
            return p;
    return -1;
}

/* "heap, pool, timerq": the names a fault point can take, for messages. */
static const char *point_choices(void)
{
    static char list[64];
    size_t at = 0;
    for (int p = 0; p < K_FAULT_POINTS && at < sizeof list; p++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", p ? ", " : "", point_names[p]);
    return list;
}

/* "mm, timer, system": the harness names, for messages. */
static const char *harness_choices(void)
{
    static char list[64];
    size_t at = 0;
    for (int h = 0; h < HARNESS_COUNT && at < sizeof list; h++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", h ? ", " : "", harnesses[h].name);
    return list;
}

const char *fuzz_harness_name(harness_kind_t h) { return harnesses[h].name; }

int fuzz_harness_by_name(const char *name)
{
    for (int h = 0; h < HARNESS_COUNT; h++)
        if (!strcmp(name, harnesses[h].name))
            return h;
    return -1;
}

const char *fuzz_op_name(op_code_t code) { return specs[code].name; }

/* ---- reading ------------------------------------------------------------ */
void fuzz_reader_init(fuzz_reader_t *r, const uint8_t *data, size_t size, harness_kind_t h)
{
    *r = (fuzz_reader_t){.data = data, .size = size, .harness = h};
}

static uint8_t read_byte_or_zero(fuzz_reader_t *r) { return r->pos < r->size ? r->data[r->pos++] : 0; }

static tick_t start_tick_of(uint8_t b)
{
    if (b < 0x80)
        return (tick_t)b * 10007u;
    if (b < 0xC0)
        return 0xFFFFFFFFu - (tick_t)(b - 0x80) * 4u;
    if (b < 0xE0)
        return FUZZ_TICK_BEFORE_MS_WRAP - (tick_t)(b - 0xC0) * 4u;
    return (tick_t)-1 - (tick_t)(b - 0xE0) * 4u;
}

void fuzz_read_header(fuzz_reader_t *r, fuzz_header_t *hdr)
{
    hdr->start_tick = start_tick_of(read_byte_or_zero(r));
    for (int i = 0; i < FUZZ_FAULT_SLOTS; i++) {
        uint8_t point = read_byte_or_zero(r), nth = read_byte_or_zero(r);
        hdr->fault[i].point = point % (K_FAULT_POINTS + 1) ? point % (K_FAULT_POINTS + 1) - 1 : -1;
        hdr->fault[i].nth = (uint32_t)nth + 1;
    }
}

static void decode_args(fuzz_op_t *op);

bool fuzz_next_op(fuzz_reader_t *r, fuzz_op_t *op)
{
    if (r->pos >= r->size || r->ops_read == FUZZ_MAX_OPS)
        return false;
    const typeof(harnesses[0]) *h = &harnesses[r->harness];
    op->code = h->ops[r->data[r->pos++] % h->nops];
    int n = specs[op->code].nargs;
    if (r->size - r->pos < (size_t)n)
        return false;
    op_code_t code = op->code;
    *op = (fuzz_op_t){.code = code};
    memcpy(op->byte, r->data + r->pos, (size_t)n);
    r->pos += (size_t)n;
    r->ops_read++;
    decode_args(op);
    return true;
}

/* ---- argument values ----------------------------------------------------- */
/* Sizes: the top two bits pick a range so that pool-boundary, ordinary,
 * large and absurd sizes are all one mutation away. */
static const size_t special_sizes[8] = {0, SIZE_MAX, SIZE_MAX - 7, SIZE_MAX / 2 + 1, 0x4A838, 32, 33, 8192};

static size_t size_of_code(uint16_t v)
{
    switch (v >> 14) {
    case 0: return 1 + (v & 63u);
    case 1: return 1 + (v & 4095u);
    case 2: return 4 * (size_t)(1 + (v & 0x3FFFu));
    default: return special_sizes[v & 7u];
    }
}

#define MS_ANY 0xFFu /* the ARG_MS code of -1 */

static int64_t ms_of_code(uint8_t b)
{
    if (b == MS_ANY)
        return -1;
    return b < 0xF0 ? (int64_t)b * 7 : (int64_t)(b - 0xEF) * 1000;
}

static tick_t ticks_of_code(uint8_t b)
{
    if (b == 0)
        return 0;
    if (b < 0xF0)
        return b;
    return b == 0xFF ? K_TIMER_TICKS_MAX + 1 : (tick_t)(b - 0xEF) * 1000u;
}

/* The value of argument byte i of an op (a size: of bytes i and i + 1). */
static uint64_t value_of(op_code_t code, int i, const uint8_t *byte)
{
    uint8_t b = byte[i];
    switch (specs[code].kind[i]) {
    case ARG_SIZE_HI: return size_of_code((uint16_t)(b << 8 | byte[i + 1]));
    case ARG_SLOT: return b % MODEL_OBJS;
    case ARG_TSLOT:
        if (code == OP_TCREATE)
            return b % MODEL_STATIC_TIMERS;
        return code == OP_TDYN_CREATE ? MODEL_STATIC_TIMERS + b % (MODEL_AOS_TIMERS - MODEL_STATIC_TIMERS) : b % MODEL_AOS_TIMERS;
    case ARG_COUNT: return 1 + b % 16u;
    case ARG_FIRST:
    case ARG_ROUND: return ticks_of_code(b);
    case ARG_AUTO:
    case ARG_ONOFF: return b & 1u;
    case ARG_TICKS:
        if (code == OP_TICK)
            return 1 + b % 16u;
        return code == OP_TICKS ? (1u + b) * 64u : (1u + b) * 100u;
    case ARG_POINT: return b % K_FAULT_POINTS;
    case ARG_NTH: return 1 + b % 16u;
    case ARG_ASLOT: return MODEL_AOS_TIMERS + b % (MODEL_TIMERS - MODEL_AOS_TIMERS);
    case ARG_MS: return (uint64_t)ms_of_code(b);
    case ARG_OPTIONS:
    case ARG_ACTION: return b % 4u;
    default: return b;
    }
}

static void store(fuzz_op_t *op, arg_field_t f, uint64_t v)
{
    switch (f) {
    case F_SLOT: op->slot = (int)v; break;
    case F_SIZE: op->size = (size_t)v; break;
    case F_N: op->n = (size_t)v; break;
    case F_FIRST: op->first = (tick_t)v; break;
    case F_ROUND: op->round = (tick_t)v; break;
    case F_AUTO: op->auto_run = v; break;
    case F_ARG: op->arg = (uint32_t)v; break;
    case F_MS: op->ms = (int64_t)v; break;
    case F_OPTIONS: op->options = (uint32_t)v; break;
    case F_POINT: op->point = (int)v; break;
    case F_NTH: op->nth = (uint32_t)v; break;
    case F_TICKS: op->ticks = (tick_t)v; break;
    case F_ON: op->on = v; break;
    default: break;
    }
}

static void decode_args(fuzz_op_t *op)
{
    const op_spec_t *s = &specs[op->code];
    for (int i = 0; i < s->nargs; i++)
        if (s->field[i] != F_NONE)
            store(op, s->field[i], value_of(op->code, i, op->byte));
}

/* The decoded value of field f, as printed (ms: see field_is_signed). */
static uint64_t field_value(const fuzz_op_t *op, arg_field_t f)
{
    switch (f) {
    case F_SLOT: return (uint64_t)op->slot;
    case F_SIZE: return op->size;
    case F_N: return op->n;
    case F_FIRST: return op->first;
    case F_ROUND: return op->round;
    case F_AUTO: return op->auto_run;
    case F_ARG: return op->arg;
    case F_MS: return (uint64_t)op->ms;
    case F_OPTIONS: return op->options;
    case F_POINT: return (uint64_t)op->point;
    case F_NTH: return op->nth;
    case F_TICKS: return op->ticks;
    case F_ON: return op->on;
    default: return 0;
    }
}

/* ---- printing ------------------------------------------------------------ */
static size_t append(char *buf, size_t len, size_t at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t len, size_t at, const char *fmt, ...)
{
    if (at >= len)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + at, len - at, fmt, ap);
    va_end(ap);
    return n < 0 ? at : at + (size_t)n;
}

/* Field f of op as the listing shows it: a fault point by name, ms signed. */
static size_t append_field(char *buf, size_t len, size_t at, const fuzz_op_t *op, arg_field_t f, bool quoted)
{
    if (f == F_POINT)
        return append(buf, len, at, quoted ? "\"%s\"" : "%s", point_names[op->point]);
    if (f == F_MS)
        return append(buf, len, at, "%lld", (long long)op->ms);
    return append(buf, len, at, "%llu", (unsigned long long)field_value(op, f));
}

void fuzz_op_format(const fuzz_op_t *op, char *buf, size_t len)
{
    const op_spec_t *s = &specs[op->code];
    size_t at = append(buf, len, 0, "%s", s->name);
    for (int i = 0; i < s->nargs; i++) {
        if (s->field[i] == F_NONE)
            continue;
        at = append(buf, len, at, " %s=", field_labels[s->field[i]]);
        at = append_field(buf, len, at, op, s->field[i], false);
    }
}

/* The op as a call of the reproducer's helper named in its spec, with the
 * listing's values in the listing's order: "repro_malloc(3, 40);". */
bool fuzz_op_format_c(const fuzz_op_t *op, char *buf, size_t len)
{
    const op_spec_t *s = &specs[op->code];
    if (!s->c_call)
        return false;
    size_t at = append(buf, len, 0, "%s(", s->c_call);
    for (int i = 0, n = 0; i < s->nargs; i++) {
        if (s->field[i] == F_NONE)
            continue;
        at = append(buf, len, at, "%s", n++ ? ", " : "");
        at = append_field(buf, len, at, op, s->field[i], true);
    }
    append(buf, len, at, ");");
    return true;
}

void fuzz_header_format(const fuzz_header_t *hdr, char *buf, size_t len)
{
    size_t at = append(buf, len, 0, "start_tick 0x%08llX", (unsigned long long)hdr->start_tick);
    for (int i = 0; i < FUZZ_FAULT_SLOTS; i++)
        if (hdr->fault[i].point >= 0)
            at = append(buf, len, at, "\nfault %s %u", point_names[hdr->fault[i].point], hdr->fault[i].nth);
}

void fuzz_program_print(harness_kind_t h, const uint8_t *data, size_t size, k_print_fn out, const char *indent,
                        long mark)
{
    fuzz_reader_t r;
    fuzz_header_t hdr;
    char line[160];
    fuzz_reader_init(&r, data, size, h);
    fuzz_read_header(&r, &hdr);
    out("%sharness %s\n", indent, harnesses[h].name);
    fuzz_header_format(&hdr, line, sizeof line);
    for (char *l = strtok(line, "\n"); l; l = strtok(NULL, "\n"))
        out("%s%s\n", indent, l);
    fuzz_op_t op;
    for (long i = 0; (mark < 0 || i <= mark) && fuzz_next_op(&r, &op); i++) {
        fuzz_op_format(&op, line, sizeof line);
        if (mark < 0)
            out("%s%s\n", indent, line);
        else
            out("%s%-40s # step %ld%s\n", indent, line, i, i == mark ? "  <-- here" : "");
    }
}

/* ---- compiling text ------------------------------------------------------ */
typedef struct {
    char *err;
    size_t errlen;
    int line;
} text_ctx_t;

static bool text_error(text_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool text_error(text_ctx_t *c, const char *fmt, ...)
{
    int n = snprintf(c->err, c->errlen, "line %d: ", c->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static bool parse_number(const char *s, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return *s && !*end && !errno && *s != '-';
}

static bool encode_size(size_t size, uint8_t *hi, uint8_t *lo)
{
    uint16_t v;
    if (size >= 1 && size <= 64)
        v = (uint16_t)(size - 1);
    else if (size >= 1 && size <= 4096)
        v = (uint16_t)(0x4000 | (size - 1));
    else if (size % 4 == 0 && size >= 4 && size <= 4 * 0x4000)
        v = (uint16_t)(0x8000 | (size / 4 - 1));
    else {
        unsigned i = 0;
        while (i < 8 && special_sizes[i] != size)
            i++;
        if (i == 8)
            return false;
        v = (uint16_t)(0xC000 | i);
    }
    *hi = (uint8_t)(v >> 8);
    *lo = (uint8_t)v;
    return true;
}

static bool encode_ticks_code(unsigned long long v, uint8_t *b)
{
    if (v < 0xF0)
        *b = (uint8_t)v;
    else if (v % 1000 == 0 && v >= 1000 && v <= 15000)
        *b = (uint8_t)(v / 1000 + 0xEF);
    else if (v == K_TIMER_TICKS_MAX + 1)
        *b = 0xFF;
    else
        return false;
    return true;
}

/* The values an argument accepts (what value_of can give), for
 * error messages. */
static const char *accepted_values(op_code_t code, int i)
{
    static char range[48];
    switch (specs[code].kind[i]) {
    case ARG_SLOT: snprintf(range, sizeof range, "0..%d", MODEL_OBJS - 1); return range;
    case ARG_TSLOT:
        if (code == OP_TCREATE)
            snprintf(range, sizeof range, "0..%d (the static timers)", MODEL_STATIC_TIMERS - 1);
        else if (code == OP_TDYN_CREATE)
            snprintf(range, sizeof range, "%d..%d (the dynamic timers)", MODEL_STATIC_TIMERS, MODEL_AOS_TIMERS - 1);
        else
            snprintf(range, sizeof range, "0..%d", MODEL_AOS_TIMERS - 1);
        return range;
    case ARG_ASLOT:
        snprintf(range, sizeof range, "%d..%d (the aos timers)", MODEL_AOS_TIMERS, MODEL_TIMERS - 1);
        return range;
    case ARG_OPTIONS:
    case ARG_ACTION: return "0..3";
    case ARG_MS: return "0..1673 in steps of 7, 1000..15000 in steps of 1000, or -1";
    case ARG_COUNT:
    case ARG_NTH: return "1..16";
    case ARG_FIRST:
    case ARG_ROUND: return "0..239 ticks, 1000..15000 in steps of 1000, or 0x80000000";
    case ARG_AUTO:
    case ARG_ONOFF: return "0 or 1";
    case ARG_TICKS:
        if (code == OP_TICK)
            return "1..16";
        return code == OP_TICKS ? "64..16384 in steps of 64" : "100..25600 in steps of 100";
    default: return "0..255";
    }
}

/* Inverse of value_of for one argument. */
static bool encode_arg(op_code_t code, int i, const char *text, uint8_t *b, text_ctx_t *c)
{
    arg_kind_t k = specs[code].kind[i];
    unsigned long long v = 0;
    if (k == ARG_POINT) {
        int p = point_by_name(text);
        if (p < 0)
            return text_error(c, "fault point '%s': expected one of %s", text, point_choices());
        *b = (uint8_t)p;
        return true;
    }
    if (k == ARG_MS && !strcmp(text, "-1")) {
        *b = MS_ANY;
        return true;
    }
    if (!parse_number(text, &v))
        return text_error(c, "'%s' is not a number", text);
    bool ok;
    switch (k) {
    case ARG_SLOT: ok = v < MODEL_OBJS; *b = (uint8_t)v; break;
    case ARG_TSLOT:
        if (code == OP_TCREATE) {
            ok = v < MODEL_STATIC_TIMERS;
            *b = (uint8_t)v;
        } else if (code == OP_TDYN_CREATE) {
            ok = v >= MODEL_STATIC_TIMERS && v < MODEL_AOS_TIMERS;
            *b = (uint8_t)(v - MODEL_STATIC_TIMERS);
        } else {
            ok = v < MODEL_AOS_TIMERS;
            *b = (uint8_t)v;
        }
        break;
    case ARG_COUNT:
    case ARG_NTH: ok = v >= 1 && v <= 16; *b = (uint8_t)(v - 1); break;
    case ARG_FIRST:
    case ARG_ROUND: ok = encode_ticks_code(v, b); break;
    case ARG_AUTO:
    case ARG_ONOFF: ok = v <= 1; *b = (uint8_t)v; break;
    case ARG_TICKS: {
        unsigned long long unit = code == OP_TICK ? 1 : code == OP_TICKS ? 64 : 100;
        ok = v >= unit && v % unit == 0 && v / unit <= (code == OP_TICK ? 16 : 256);
        *b = (uint8_t)(v / unit - 1);
        break;
    }
    case ARG_ASLOT: ok = v >= MODEL_AOS_TIMERS && v < MODEL_TIMERS; *b = (uint8_t)(v - MODEL_AOS_TIMERS); break;
    case ARG_MS:
        ok = (v % 7 == 0 && v / 7 < 0xF0) || (v % 1000 == 0 && v >= 1000 && v <= 15000);
        *b = (uint8_t)(v % 7 == 0 && v / 7 < 0xF0 ? v / 7 : v / 1000 + 0xEF);
        break;
    case ARG_OPTIONS:
    case ARG_ACTION: ok = v < 4; *b = (uint8_t)v; break;
    default: ok = v <= 255; *b = (uint8_t)v; break;
    }
    if (ok)
        return true;
    char shown[48] = "";
    if (strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0)
        snprintf(shown, sizeof shown, " (%llu)", v);
    return text_error(c, "%s: %s=%s%s is not accepted: %s", specs[code].name, field_labels[specs[code].field[i]], text, shown,
                      accepted_values(code, i));
}

static int op_index_in(harness_kind_t h, const char *name)
{
    for (size_t i = 0; i < harnesses[h].nops; i++)
        if (!strcmp(specs[harnesses[h].ops[i]].name, name))
            return (int)i;
    return -1;
}

static bool op_has_label(const op_spec_t *s, const char *word)
{
    const char *label[FUZZ_MAX_ARGS];
    size_t n = strcspn(word, "=");
    for (int i = 0, nl = labels_of(s, label); i < nl; i++)
        if (strlen(label[i]) == n && !strncmp(word, label[i], n))
            return true;
    return false;
}

/* Says what is wrong where argument `want` (the n-th label) was expected:
 * it is missing, given twice, or out of the listing's order. */
static bool misplaced_argument(const op_spec_t *s, const char *want, int n, const char *got, text_ctx_t *c)
{
    const char *label[FUZZ_MAX_ARGS];
    int nl = labels_of(s, label);
    char order[96] = "";
    for (int i = 0; i < nl; i++)
        snprintf(order + strlen(order), sizeof order - strlen(order), " %s=", label[i]);
    const char *eq = got ? strchr(got, '=') : NULL;
    for (int i = 0; eq && i < nl; i++) {
        if (strlen(label[i]) != (size_t)(eq - got) || strncmp(got, label[i], (size_t)(eq - got)))
            continue;
        if (i < n)
            return text_error(c, "%s: %s= is given twice", s->name, label[i]);
        return text_error(c, "%s: %s= where %s= belongs: the arguments go in the order%s", s->name, label[i],
                          want, order);
    }
    if (got)
        return text_error(c, "%s: expected %s=..., got '%s' (arguments:%s)", s->name, want, got, order);
    return text_error(c, "%s: %s=... is missing (arguments:%s)", s->name, want, order);
}

/* "key=value" pairs after the op name, in the listing's order. */
static bool compile_op(harness_kind_t h, char *words[], int nwords, uint8_t *out, size_t *at, size_t cap,
                       text_ctx_t *c)
{
    int idx = op_index_in(h, words[0]);
    if (idx < 0)
        return text_error(c, "'%s' is not an op of the %s harness", words[0], harnesses[h].name);
    op_code_t code = harnesses[h].ops[idx];
    const op_spec_t *s = &specs[code];
    if (*at + 1 + (size_t)s->nargs > cap)
        return text_error(c, "program too long");
    uint8_t *o = out + *at;
    o[0] = (uint8_t)idx;
    int w = 1;
    for (int i = 0, l = 0; i < s->nargs; i++) {
        if (s->field[i] == F_NONE)
            continue;
        const char *label = field_labels[s->field[i]];
        l++;
        size_t ll = strlen(label);
        if (w >= nwords || strncmp(words[w], label, ll) || words[w][ll] != '=')
            return misplaced_argument(s, label, l - 1, w < nwords ? words[w] : NULL, c);
        const char *val = words[w++] + ll + 1;
        if (s->kind[i] == ARG_SIZE_HI) {
            unsigned long long v;
            if (!parse_number(val, &v) || !encode_size((size_t)v, &o[1 + i], &o[2 + i]))
                return text_error(c, "size %s cannot be encoded (1..4096, multiples of 4 up to 65536, or "
                                     "0, 8192, 0x4A838 and the huge sizes)", val);
        } else if (!encode_arg(code, i, val, &o[1 + i], c)) {
            return false;
        }
    }
    if (w != nwords && strchr(words[w], '=') && op_has_label(s, words[w]))
        return text_error(c, "%s: %.*s= is given twice", s->name, (int)(strchr(words[w], '=') - words[w]), words[w]);
    if (w != nwords)
        return text_error(c, "%s: unexpected '%s'", s->name, words[w]);
    *at += 1 + (size_t)s->nargs;
    return true;
}

static bool compile_header_line(char *words[], int nwords, uint8_t *hdr, int *faults, text_ctx_t *c)
{
    unsigned long long v;
    if (!strcmp(words[0], "start_tick")) {
        if (nwords != 2 || !parse_number(words[1], &v))
            return text_error(c, "start_tick wants one number");
        for (unsigned b = 0; b < 256; b++)
            if (start_tick_of((uint8_t)b) == v) {
                hdr[0] = (uint8_t)b;
                return true;
            }
        return text_error(c, "start_tick %s is not reachable: use k*10007 (k < 128), 0xFFFFFFFF-4*j (j < 64), "
                             "%llu-4*j (j < 32, just before 2^32 ms) or 0xFFFFFFFFFFFFFFFF-4*j (j < 32)",
                          words[1], (unsigned long long)FUZZ_TICK_BEFORE_MS_WRAP);
    }
    /* fault <point> <nth> */
    if (nwords != 3 || *faults == FUZZ_FAULT_SLOTS)
        return text_error(c, "fault wants a point and a call number, at most %d of them", FUZZ_FAULT_SLOTS);
    int p = point_by_name(words[1]);
    if (p < 0)
        return text_error(c, "fault point '%s': expected one of %s", words[1], point_choices());
    if (!parse_number(words[2], &v) || v < 1 || v > 256)
        return text_error(c, "fault call number %s: expected 1..256", words[2]);
    hdr[1 + 2 * *faults] = (uint8_t)(p + 1);
    hdr[2 + 2 * *faults] = (uint8_t)(v - 1);
    (*faults)++;
    return true;
}

long fuzz_text_compile(const char *text, uint8_t *out, size_t cap, harness_kind_t *harness, char *err,
                       size_t errlen)
{
    text_ctx_t c = {err, errlen, 0};
    if (cap < FUZZ_HEADER_LEN) {
        text_error(&c, "no room");
        return -1;
    }
    memset(out, 0, FUZZ_HEADER_LEN);
    size_t at = FUZZ_HEADER_LEN;
    int h = -1, faults = 0;
    char line[512];
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        c.line++;
        if (n >= sizeof line) {
            text_error(&c, "line too long");
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl != NULL);
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *words[12];
        int nwords = 0;
        for (char *tok = strtok(line, " \t\r"); tok && nwords < 12; tok = strtok(NULL, " \t\r"))
            words[nwords++] = tok;
        if (nwords == 0)
            continue;
        bool ok;
        if (!strcmp(words[0], "harness")) {
            ok = h < 0 && nwords == 2 && (h = fuzz_harness_by_name(words[1])) >= 0;
            if (!ok)
                text_error(&c, "the harness is named once, on the first line: one of %s", harness_choices());
        } else if (h < 0) {
            ok = text_error(&c, "the first line must name the harness: \"harness NAME\", NAME one of %s", harness_choices());
        } else if (!strcmp(words[0], "start_tick") || (!strcmp(words[0], "fault") && nwords > 1 &&
                                                         !strchr(words[1], '='))) {
            ok = at == FUZZ_HEADER_LEN ? compile_header_line(words, nwords, out, &faults, &c)
                                       : text_error(&c, "%s must come before the first op", words[0]);
        } else {
            ok = compile_op((harness_kind_t)h, words, nwords, out, &at, cap, &c);
        }
        if (!ok)
            return -1;
    }
    if (h < 0) {
        c.line = 1;
        text_error(&c, "empty scenario: name the harness first");
        return -1;
    }
    *harness = (harness_kind_t)h;
    return (long)at;
}
