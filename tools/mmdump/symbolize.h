/* Owner addresses to function and file:line, with elfutils libdw, for an ELF
 * of any architecture (no cross toolchain needed).
 *
 * An owner is a return address: it points after the call, often at the
 * next source line. Like addr2line users do, we look up the call itself:
 * one byte before the return address, after clearing the Thumb bit that
 * ARM return addresses carry in Thumb state. */
#ifndef MMDUMP_SYMBOLIZE_H
#define MMDUMP_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct symbolizer symbolizer_t;

typedef struct {
    const char *function; /* NULL: no symbol there */
    const char *file;     /* NULL: no line information there */
    int line;
} call_site_t;

/* NULL with the reason in err when the ELF cannot be read. */
symbolizer_t *symbolizer_open(const char *elf_path, char *err, size_t errlen);
void symbolizer_close(symbolizer_t *s);
/* The address of the call instruction that returns to owner. */
uint64_t symbolizer_call_address(const symbolizer_t *s, uint64_t owner);
/* What is at an address; the strings live as long as s. */
call_site_t symbolizer_locate(symbolizer_t *s, uint64_t address);
/* Where the call returning to owner is. */
call_site_t symbolizer_locate_call(symbolizer_t *s, uint64_t owner);

#endif
