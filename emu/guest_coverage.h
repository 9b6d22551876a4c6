/* Which of a binary driver's code ran (DESIGN.md, coverage/: the
 * uncovered-driver list for a binary). One bit per halfword of the
 * driver's code, set as its basic blocks run; the report lists the
 * driver's functions and, with DWARF, its source lines never reached. */
#ifndef EMU_GUEST_COVERAGE_H
#define EMU_GUEST_COVERAGE_H

#include <stdio.h>

#include "blob.h"

/* The driver's code spans [lo, hi) in the image at elf_path. */
void guest_coverage_init(const char *elf_path, guest_addr_t lo, guest_addr_t hi);
/* size bytes of code at addr ran. */
void guest_coverage_mark(guest_addr_t addr, uint32_t size);
/* Writes one record per line:
 *   function reached|unreached NAME
 *   line unreached FILE:LINE          (only with DWARF)
 *   summary functions R/N lines R/N   (lines 0/0 without DWARF)
 * Functions come from blob_function_at. */
void guest_coverage_report(FILE *out);

#endif
