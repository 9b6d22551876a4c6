/* What a device log says about its heap: every dump's block table and every
 * Heap Info table printed outside a dump (one per soak cycle), found among
 * whatever else the console printed.
 *
 * Two dump formats are read:
 *  - ours (kernel/mm/k_mm_debug.c, README "Reading the dump"): a block table
 *    under "Blk_Addr  Stat  Len  Chk  Owner  Kind", the owner summary, the
 *    Heap Info table, "========== End Dump  ==========";
 *  - AliOS Things `dumpsys mm_info`: "ALL BLOCKS" under
 *    "Blk_Addr  Stat  Len  Chk  Caller  Point", rows such as
 *    "0x0x400b8b40  used       8   OK  0x2301a0e5", "......" where rows were
 *    elided, further tables, then the Heap Info table.
 * A dump runs from its column header to its Heap Info table. [HEAP] and
 * [POOL] tables are read in the layouts heap_info.h lists; tables in other
 * layouts are skipped and listed (mm_log_t.skipped), never an error. Boots
 * are told apart by the boot banner and by figures only a reset changes
 * (mm_boot_cause_t); a reboot found from the figures starts at its first
 * table. Console lines
 * between rows are skipped; a line that starts like a row but does not parse
 * is an error naming its line, unless it is the log's unterminated last line
 * (the capture was cut), which is dropped with a warning. */
#ifndef MM_LOG_H
#define MM_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "heap_info.h"

typedef enum { MM_FORMAT_RTOSFUZZ, MM_FORMAT_ALIOS } mm_format_t;

typedef enum {
    MM_BLK_FREE,
    MM_BLK_USED,
    MM_BLK_POOL,    /* ours: a used block of the fixed-block pool */
    MM_BLK_SENTINEL /* AliOS: a region's end marker, no allocation */
} mm_blk_stat_t;

#define MM_KIND_MAX 12

typedef struct {
    uint64_t addr;
    uint64_t len;   /* payload bytes */
    uint64_t owner; /* return address of the allocating call; 0 = kernel */
    mm_blk_stat_t stat;
    bool chk_ok;    /* dye word intact */
    char kind[MM_KIND_MAX]; /* ours: data, timer, pool, region, "-"; AliOS: "" */
    unsigned long line;
} mm_block_t;

/* A "WARNING, malloc failed!!!! need size:N, but free size:M" line. */
typedef struct {
    unsigned long line; /* 0: none */
    uint64_t need;
    uint64_t free;
} mm_failure_t;

typedef struct {
    mm_format_t format;
    unsigned long first_line; /* its column header */
    unsigned long last_line;  /* its Heap Info figures, or its last row */
    mm_block_t *blocks;
    size_t nblocks;
    size_t blocks_cap;
    heap_info_t info;
    bool has_info;
    unsigned long elided_line; /* first "......" row, 0 if none */
    mm_failure_t trigger;      /* the malloc failure printed just before it */
} mm_dump_t;

#define MM_LOG_NOTES_KEPT 8
#define MM_NOTE_MAX 240

typedef struct {
    unsigned long line;
    char text[MM_NOTE_MAX];
} mm_note_t;

/* A kind of table the tools do not read, skipped wherever it appears. */
typedef struct {
    unsigned long first_line;
    size_t count;
    char what[MM_NOTE_MAX]; /* its header, blanks squeezed: the same layout is one kind */
} mm_skipped_t;

#define MM_LOG_SKIPPED_KINDS_KEPT 8

/* Lines that say a device (re)booted, matched anywhere in a line: AliOS
 * Things' welcome (aos_show_welcome, core/aos_init.c) and the first line
 * the soak writes (driver/soak/soak.c). */
#define MM_BOOT_BANNERS {"Welcome to AliOS Things", "soak: boot,"}

/* Why a boot was told apart from the one before it. */
typedef enum {
    MM_BOOT_LOG_START,      /* the first boot of the log */
    MM_BOOT_BANNER_SEEN,    /* a boot banner after Heap Info tables */
    MM_BOOT_TOTAL_CHANGED,  /* TotalSz differs from the previous table's */
    MM_BOOT_MIN_FREE_ROSE,  /* [HEAP] MinFreeSz rose: only a reset raises a low-water mark */
    MM_BOOT_POOL_MIN_FREE_ROSE /* the same for the [POOL] row's MinFreeSz */
} mm_boot_cause_t;

/* One boot of the device: the Heap Info tables printed between two resets.
 * Figures of different boots never belong on one line (mmtrend). */
typedef struct {
    unsigned long first_line;   /* 1, its banner, or its first table's figures */
    mm_boot_cause_t cause;
    uint64_t before, after;     /* the figure that was reset: last of the previous boot, first of this one */
    size_t first_table;         /* index into mm_log_t.tables */
    size_t ntables;
    mm_failure_t first_failure; /* its first malloc failure; line 0: none */
    size_t tables_before_failure; /* tables of this boot printed before it */
} mm_boot_t;

typedef struct {
    heap_info_t *tables; /* Heap Info tables outside dumps, in log order */
    size_t ntables;
    size_t tables_cap;
    mm_dump_t *dumps;
    size_t ndumps;
    size_t dumps_cap;
    mm_boot_t *boots;    /* at least one after a parse; they cover tables in order */
    size_t nboots;
    size_t boots_cap;
    mm_skipped_t skipped[MM_LOG_SKIPPED_KINDS_KEPT]; /* the first kinds */
    size_t nskipped_kinds;                           /* all of them */
    mm_note_t warnings[MM_LOG_NOTES_KEPT]; /* the first ones */
    size_t nwarnings;                      /* all of them */
    mm_note_t error;                       /* set when parsing fails */
} mm_log_t;

/* Parses a whole log of len bytes (any bytes). Returns true, or false with
 * log->error set (the line and what is wrong with it); either way the log
 * must be released with mm_log_free. */
bool mm_log_parse(const char *buf, size_t len, mm_log_t *log);
void mm_log_free(mm_log_t *log);

/* True for blocks someone holds: used heap blocks and used pool blocks. */
bool mm_block_is_live(const mm_block_t *b);
const char *mm_format_name(mm_format_t f);
/* Why a boot began, in words: "the log's start", "boot banner", ... */
const char *mm_boot_cause_text(mm_boot_cause_t cause);
/* The boot a cycle table (index into log->tables) belongs to. */
size_t mm_log_boot_of_table(const mm_log_t *log, size_t table);

#endif
