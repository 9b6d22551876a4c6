/* The `timer` harness target: libFuzzer, AFL++ (-fsanitize=fuzzer) and the
 * standalone replay all enter here. */
#include "harness.h"

const harness_kind_t fuzz_target_harness = HARNESS_TIMER;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(HARNESS_TIMER, data, size, NULL);
    return 0;
}
