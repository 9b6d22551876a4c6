/* A binary Cortex-M driver run under Unicorn 2 (DESIGN.md, "Binary
 * drivers"): one process-wide guest machine holding the driver's linked
 * image (emu/blob_link.c makes it), whose kernel imports the host kernel
 * serves (emu/imports.c).
 *
 * Guest memory map (32-bit addresses):
 *   the image's segments where it was linked (emu/guest.ld for blob_link's
 *                     images, the device's for a firmware ELF); the
 *                     writable ones restored from a snapshot per boot
 *   GUEST_STACK_BASE  the stack guest calls run on
 *   GUEST_RETURN_TRAP where a call from the host returns to
 *   GUEST_HEAP_BASE   the host's default heap (k_mm_default_region), mapped
 *                     as it is: guest pointer = GUEST_HEAP_BASE + offset
 * Page 0 stays unmapped, so a NULL dereference is a fault. */
#ifndef EMU_BLOB_H
#define EMU_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t guest_addr_t;

#define GUEST_STACK_BASE 0x2f000000u
#define GUEST_STACK_SIZE 0x00020000u
#define GUEST_RETURN_TRAP 0x2fff0000u
#define GUEST_HEAP_BASE 0x30000000u

/* Basic blocks one call from the host may run, callbacks included, before
 * it is a runaway loop (a finding, not a hang). */
#define GUEST_BLOCK_BUDGET 2000000u
/* Guest callbacks running inside guest calls at once (timer callbacks
 * fired by an import that advances time). */
#define GUEST_MAX_DEPTH 8

/* What a driver entry point returns when the guest faulted in it. */
#define BLOB_ERR_FAULT (-14)

/* Loads the linked image (an EM_ARM ELF made by blob_link, or a firmware
 * image) into a fresh machine, once per process. Returns 0, or -1 with the reason in err. With
 * $RTOSFUZZ_GUEST_COVERAGE set, that file (or, for a directory, its
 * guest-<pid>.txt) gets at exit which of the driver's functions and
 * source lines ran (emu/guest_coverage.h). */
int blob_load(const char *elf_path, char *err, size_t errlen);
/* A fresh boot: the guest's writable sections as loaded, no timers, no
 * fault. Call it after the kernel's k_mm_init / k_timer_init. */
void blob_reset(void);
/* The name of the image's function holding code address a, or NULL. */
const char *blob_function_containing(guest_addr_t a);
/* Address of a function the image defines (Thumb bit clear), or 0. */
guest_addr_t blob_symbol(const char *name);
/* The image's i-th function (0-based; Thumb bit clear, size in bytes);
 * false past the last. */
bool blob_function_at(size_t i, const char **name, guest_addr_t *addr, uint32_t *size);
/* Runs guest function fn with up to 4 word arguments (AAPCS r0-r3) until it
 * returns; a call from guest code (an import serving a callback) nests on
 * the caller's stack with its registers saved. Returns r0, or 0 once the
 * guest has faulted: the fault was reported through drv_fault and guest
 * code stays stopped until the next blob_reset. */
uint32_t blob_call(guest_addr_t fn, const uint32_t *args, int nargs);
bool blob_faulted(void);
/* Reports a guest fault (kind as drv_fault; site is a guest code address
 * just past the faulting spot, a return address) and stops guest code. */
void blob_fault(const char *kind, guest_addr_t site, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- guest memory ------------------------------------------------------ */
/* The host view of len guest bytes at a, or NULL when not all of them are
 * mapped guest memory. */
void *guest_mem(guest_addr_t a, size_t len);
/* The guest address of host heap memory (NULL -> 0). */
guest_addr_t guest_of_heap(const void *host);
/* Whether host points into the default heap. */
bool host_in_heap(const void *host);

#endif
