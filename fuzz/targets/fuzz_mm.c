/* The `mm` harness target: libFuzzer, AFL++ (-fsanitize=fuzzer) and the
 * standalone replay all enter here. */
#include "harness.h"

const harness_kind_t fuzz_target_harness = HARNESS_MM;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(HARNESS_MM, data, size, NULL);
    return 0;
}
