/* Allocation and free sites of kernel objects, host side (port layer).
 *
 * Every heap or pool block and every static timer gets a trace record: its
 * address, requested size, kind, and two short call stacks — where it was
 * created and where it was freed — as return addresses, innermost first.
 * Records live in a ring of K_TRACE_RECORDS outside the heap (a side table,
 * so block headers keep their documented size); a record is recycled after
 * that many newer ones, and an id then no longer resolves.
 *
 * Owners and allocation wrappers: the owner of an object is the first frame
 * of its creation stack that is not an allocation wrapper. A driver marks
 * its own wrappers (functions that only allocate or free on behalf of their
 * caller, such as pbuf_alloc_wrap) with K_ALLOC_WRAPPER:
 *
 *     K_ALLOC_WRAPPER void *pbuf_alloc_wrap(size_t n) { return aos_malloc(n); }
 *
 * which places the function in the linker section k_alloc_wrappers; any
 * return address inside that section is skipped, so the dump, the reports
 * and the signatures name the wrapper's caller. Wrappers may nest. */
#ifndef K_TRACE_H
#define K_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define K_TRACE_FRAMES 4     /* frames kept per stack */
#define K_TRACE_RECORDS 4096 /* records in the ring */

/* Marks a driver's own allocation or free wrapper (see above). noinline:
 * an inlined wrapper leaves no frame to skip, and needs none. */
#define K_ALLOC_WRAPPER __attribute__((noinline, used, section("k_alloc_wrappers")))

/* Calls served on behalf of code the host cannot unwind: an emulated
 * binary driver's kernel calls are made by host functions (emu/imports.c)
 * for the guest. Marked K_SERVED_CALL and bracketed by k_trace_serve_begin
 * and k_trace_serve_end with the guest's call site, such a function stands
 * for the guest: a stack that reaches its frame ends there with the guest's
 * site, as an allocation made with an explicit owner (k_owned.h) begins
 * with it. Frees, deletes, the faulting call of a misuse report and every
 * other site the kernel records thus name the guest's code. */
#define K_SERVED_CALL __attribute__((noinline, used, section("k_served_calls")))
#define K_TRACE_SERVED_MAX 16 /* served calls nested at once (guest callbacks calling the kernel) */

typedef struct {
    uint32_t id;   /* 0: unused */
    uintptr_t addr; /* payload or object address */
    size_t size;   /* bytes requested (a static timer: its size) */
    uint8_t kind;  /* k_mm_kind_t */
    uintptr_t alloc[K_TRACE_FRAMES]; /* creation stack; alloc[0] is the owner */
    uintptr_t freed[K_TRACE_FRAMES]; /* free stack; all 0 while the object lives */
} k_trace_t;

/* Forgets every record (k_mm_init calls it): ids start again at 1, so
 * the same program gets the same ids whatever ran before. */
void k_trace_reset(void);
/* Captures up to K_TRACE_FRAMES return addresses of the current stack,
 * starting at the frame whose return address is `site` (a caller's
 * __builtin_return_address(0)) and skipping allocation wrappers. frames[0]
 * is then the owner; unused entries are 0. A served call's frame (or a site
 * inside one) is recorded as its guest site and ends the stack. Without an
 * unwinder (bare-metal builds) frames[0] is site with wrappers left as they
 * are. */
void k_trace_stack(uintptr_t site, uintptr_t frames[K_TRACE_FRAMES]);
/* The walk k_trace_stack makes, from frame record fp (host builds with frame
 * pointers: a record holds the caller's frame pointer, then the return
 * address). Writes up to max return addresses to stack and returns how
 * many. The walk ends at a record outside this thread's stack, a misaligned
 * one, one not further out than the last, or a zero return address — never
 * reading memory the stack does not hold. */
int k_trace_walk_frames(const uintptr_t *fp, void **stack, int max);
/* A served call for guest code at `site` (a code address, as owners are)
 * begins: until the matching k_trace_serve_end, a K_SERVED_CALL frame in
 * a recorded stack is recorded as `site`. Calls nest (at most
 * K_TRACE_SERVED_MAX); the innermost is the one whose frame a walk meets
 * first. */
void k_trace_serve_begin(uintptr_t site);
/* The innermost served call has returned. */
void k_trace_serve_end(void);
/* Starts a record for an object created at `site`; returns its id (never
 * 0) and the owner (first non-wrapper frame) in *owner. */
uint32_t k_trace_new(uintptr_t addr, size_t size, uint8_t kind, uintptr_t site, uintptr_t *owner);
/* Notes the object's free at `site` (no-op for an id that no longer resolves). */
void k_trace_freed(uint32_t id, uintptr_t site);
/* Notes the object's free with a stack captured earlier (k_trace_stack):
 * a free carried out later on behalf of the call that asked for it, such
 * as a dynamic timer's delete applied by the timer task. */
void k_trace_freed_by(uint32_t id, const uintptr_t frames[K_TRACE_FRAMES]);
/* The record of id, or NULL once recycled (or for 0). */
const k_trace_t *k_trace_get(uint32_t id);
/* The newest record for an object at addr with an id below `below` (0 = any),
 * or NULL: what used to live at an address, for stale pointers. */
const k_trace_t *k_trace_last_at(uintptr_t addr, uint32_t below);

#endif
