/* The kernel API a binary driver may import, served by the host kernel.
 * One row per import: its name, its arguments and result in the device's
 * ABI, and the host function serving it. README ("Binary drivers") lists
 * them. */
#ifndef EMU_IMPORTS_H
#define EMU_IMPORTS_H

#include <stdint.h>

#include "blob.h"

/* Argument and result kinds, one character each, in the AAPCS of a
 * Cortex-M with rhino's types:
 *   'w' a 32-bit word (int, size_t, uint32_t, uint8_t zero-extended)
 *   'p' a guest pointer (32 bits)
 *   't' tick_t / sys_time_t: 64 bits, as rhino declares them (an even
 *       register pair, or an 8-byte aligned stack slot)
 *   'v' (result only) nothing
 * Arguments go in r0-r3, then on the stack; results in r0 (r0:r1 for 't'). */
#define IMPORT_MAX_ARGS 8

/* A call being served: its decoded arguments and the guest call site
 * (the return address, Thumb bit clear), which owns what it allocates and
 * stands for every other site the kernel records during the call. */
typedef struct {
    uint64_t arg[IMPORT_MAX_ARGS];
    guest_addr_t site;
} import_call_t;

typedef uint64_t (*import_serve_fn)(const import_call_t *c);

typedef struct {
    const char *name;
    const char *args; /* kinds, e.g. "pw" */
    char result;      /* a kind */
    import_serve_fn serve;
} import_t;

/* The row serving name, or NULL when the emulator does not serve it. */
const import_t *import_find(const char *name);
/* Serves one decoded call of imp and returns its result (a kind of
 * imp->result). For its whole length the kernel records c->site, the
 * guest's call site, wherever a native driver's frame would be recorded
 * (k_trace.h, K_SERVED_CALL): frees, deletes and misuse reports name the
 * guest's code. */
uint64_t import_serve(const import_t *imp, const import_call_t *c);
/* Forgets every timer shadow and callback (a fresh boot). */
void import_reset(void);

/* Called after each served import with what the host decoded and returned
 * (tests check the ABI with it); NULL turns it off. */
typedef void (*import_trace_fn)(const import_t *imp, const import_call_t *c, uint64_t result);
void import_trace_set(import_trace_fn fn);
/* Hands one served call to the trace, if any (the machine calls it). */
void import_traced(const import_t *imp, const import_call_t *c, uint64_t result);

#endif
