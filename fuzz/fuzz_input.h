/* The fuzz input format. Every byte string is a valid program:
 *
 *   header (7 bytes; missing bytes read as 0)
 *     [0]    tick start (tick_t is 64-bit):
 *              0x00-0x7F  b * 10007
 *              0x80-0xBF  2^32 - 1 - (b - 0x80) * 4: just below 2^32 ticks, where
 *                         a driver keeping ticks in 32 bits wraps
 *              0xC0-0xDF  FUZZ_TICK_BEFORE_MS_WRAP - (b - 0xC0) * 4: aos_now_ms()
 *                         just below 2^32 ms, where a driver keeping
 *                         milliseconds in 32 bits wraps
 *              0xE0-0xFF  2^64 - 1 - (b - 0xE0) * 4: just below the tick wrap
 *     [1..6] three fault slots (point, nth): point % 4 = none, heap, pool,
 *            timerq; the (nth + 1)-th call of that point after boot fails
 *   ops, each an opcode byte (taken modulo the harness's op count) and a
 *   fixed number of argument bytes; an op whose arguments are cut short ends
 *   the program, and so does the MAX_OPS-th op.
 *
 * The same program prints as a listing and is written as text in that form
 * (README.md, "Fuzzing"); fuzz_text_compile turns text back into bytes. */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k_port.h"
#include "k_timer.h"

#define FUZZ_HEADER_LEN 7
#define FUZZ_FAULT_SLOTS 3
#define FUZZ_MAX_OPS 512
#define FUZZ_MAX_ARGS 4
/* The longest input that means anything: bytes past the MAX_OPS-th op are
 * never read. Fuzzing engines get it as max_len (compile_seeds --max-len). */
#define FUZZ_MAX_INPUT_LEN (FUZZ_HEADER_LEN + FUZZ_MAX_OPS * (1 + FUZZ_MAX_ARGS))
/* The last tick at which krhino_sys_time_get() (and aos_now_ms()) is still
 * below 2^32 ms. */
#define FUZZ_TICK_BEFORE_MS_WRAP ((tick_t)((((uint64_t)1 << 32) * RHINO_CONFIG_TICKS_PER_SECOND - 1u) / 1000u))

typedef enum { HARNESS_MM, HARNESS_TIMER, HARNESS_SYSTEM, HARNESS_COUNT } harness_kind_t;

typedef enum {
    OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE, OP_DOUBLE_FREE, OP_FOREIGN_FREE, OP_INTERIOR_FREE,
    OP_TCREATE, OP_TDYN_CREATE, OP_TSTART, OP_TSTOP, OP_TCHANGE, OP_TARG, OP_TDEL, OP_TDYN_DEL,
    OP_TICK, OP_TICKS, OP_TASK_RUN, OP_SLEEP,
    OP_CONNECT, OP_SUSPEND, OP_AP,
    OP_FAULT,
    OP_ATIMER_CREATE, OP_ATIMER_START, OP_ATIMER_STOP, OP_ATIMER_CHANGE, OP_ATIMER_FREE,
    OP_ACTION_POST, OP_ACTION_CANCEL,
    OP_COUNT
} op_code_t;

/* What an argument byte means. */
typedef enum {
    ARG_SLOT,   /* heap object slot, 0..15 */
    ARG_TSLOT,  /* timer slot 0..7 (create: 0..3, dyn_create: 4..7) */
    ARG_SIZE_HI, ARG_SIZE_LO, /* a size, two bytes */
    ARG_COUNT,  /* 1..16 */
    ARG_FIRST,  /* timer first/round: 0, 1..239, 1000..15000, K_TIMER_TICKS_MAX + 1 (invalid) */
    ARG_ROUND,
    ARG_AUTO,   /* auto_run: b & 1 */
    ARG_VALUE,  /* any byte */
    ARG_TICKS,  /* per op: tick 1..16, ticks 64..16384, sleep 100..25600 ms */
    ARG_POINT,  /* fault point: b % 3 */
    ARG_NTH,    /* 1..16 calls from now */
    ARG_ONOFF,  /* b & 1 */
    ARG_ASLOT,  /* aos timer slot 8..11 */
    ARG_MS,     /* b * 7 ms (b < 0xF0), (b - 0xEF) * 1000 ms, or -1 (0xFF): a cancel
                 * of any ms; for a timer, (uint32_t)-1 ms */
    ARG_OPTIONS, /* aos_timer_create options: b % 4 (AOS_TIMER_AUTORUN | AOS_TIMER_REPEAT) */
    ARG_ACTION, /* the arg of a delayed action: 0..3 */
} arg_kind_t;

/* What an argument is, in the decoded op: each names one field of
 * fuzz_op_t and is printed and written as "<label>=<value>" (the label of
 * F_NTH is "in", of F_TICKS "n"). A size's second byte has F_NONE. */
typedef enum {
    F_NONE, F_SLOT, F_SIZE, F_N, F_FIRST, F_ROUND, F_AUTO, F_ARG, F_MS, F_OPTIONS, F_POINT, F_NTH, F_TICKS, F_ON,
    F_COUNT
} arg_field_t;

/* One op, decoded once (fuzz_next_op) from its argument bytes; an op sets
 * only the fields its arguments name, the others are 0. */
typedef struct {
    op_code_t code;
    uint8_t byte[FUZZ_MAX_ARGS]; /* the argument bytes as read */
    int slot;                    /* heap slot 0..15, timer slot 0..7, aos slot 8..11 */
    size_t size;                 /* bytes */
    size_t n;                    /* calloc's element count */
    tick_t first, round;         /* ticks */
    bool auto_run, on;
    uint32_t arg;                /* a timer's or delayed action's callback arg */
    int64_t ms;                  /* milliseconds; -1: a cancel of any ms, or (uint32_t)-1 for a timer */
    uint32_t options;            /* aos_timer_create options */
    int point;                   /* k_fault_point_t */
    uint32_t nth;                /* calls from now */
    tick_t ticks;                /* tick, ticks: how many */
} fuzz_op_t;

typedef struct {
    tick_t start_tick;
    struct {
        int point; /* -1 none, else k_fault_point_t */
        uint32_t nth;
    } fault[FUZZ_FAULT_SLOTS];
} fuzz_header_t;

typedef struct {
    const uint8_t *data;
    size_t size, pos;
    harness_kind_t harness;
    unsigned ops_read;
} fuzz_reader_t;

const char *fuzz_harness_name(harness_kind_t h);
int fuzz_harness_by_name(const char *name); /* -1 if unknown */

void fuzz_reader_init(fuzz_reader_t *r, const uint8_t *data, size_t size, harness_kind_t h);
void fuzz_read_header(fuzz_reader_t *r, fuzz_header_t *hdr);
/* The next op, decoded, or false when the program ends. */
bool fuzz_next_op(fuzz_reader_t *r, fuzz_op_t *op);

const char *fuzz_op_name(op_code_t code);

/* "malloc slot=3 size=40" */
void fuzz_op_format(const fuzz_op_t *op, char *buf, size_t len);
void fuzz_header_format(const fuzz_header_t *hdr, char *buf, size_t len);
/* The op as one C statement on the public API, a call of a helper of the
 * exported reproducer (fuzz/repro/): "repro_malloc(3, 40);". Returns false
 * (buf untouched) for an op that has no such form. */
bool fuzz_op_format_c(const fuzz_op_t *op, char *buf, size_t len);

/* Prints a program as text that compiles back to the same bytes, one line
 * per header entry and op, each after indent; with mark >= 0 it stops after
 * op number mark and points at it. */
void fuzz_program_print(harness_kind_t h, const uint8_t *data, size_t size, k_print_fn out, const char *indent,
                        long mark);

/* Compiles the text form into bytes. Returns the byte count, or -1 with a
 * message naming the line in err. */
long fuzz_text_compile(const char *text, uint8_t *out, size_t cap, harness_kind_t *harness, char *err,
                       size_t errlen);

#endif
