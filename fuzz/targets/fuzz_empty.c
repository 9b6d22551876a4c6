/* The empty harness: the engine's own cost per input, the baseline that
 * `./rtosfuzz bench fuzz` divides by. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return (int)(size & 0); }
