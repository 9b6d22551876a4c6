/* Owner addresses to "function (file:line)", with elfutils libdw. */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Room for what these write: "function (file:line)" with a file path of
 * any depth (PATH_MAX) and a function name of up to 500 characters. */
#define SYMBOLIZE_MAX (PATH_MAX + 512)

/* Writes the call site of a return address: "fn (file:line)", else
 * "fn+0xoff (address)" from the symbol table, else "? (address)"; "kernel"
 * for 0. A binary driver's owners are looked up in its linked image. */
void symbolize_owner(uintptr_t owner, char *buf, size_t len);
/* Just the function name ("?" when unknown), for finding signatures. */
void symbolize_function(uintptr_t owner, char *buf, size_t len);

#endif
