/* Runs the device variant of an exported reproducer on the rtosfuzz host
 * kernel: boots the driver, then calls rtosfuzz_repro(). Exit status 1 when
 * a cycle did not come back to the baseline. */
#include "driver_contract.h"
#include "k_mm.h"

int rtosfuzz_repro(void);
size_t rtosfuzz_host_used_bytes(void);

/* The device variant's heap-in-use figure: heap and pool, as on the host. */
size_t rtosfuzz_host_used_bytes(void)
{
    k_mm_stats_t st;
    k_mm_stats(g_kmm_head, &st);
    return st.used + st.pool_used;
}

int main(void)
{
    if (drv_boot(0) != 0)
        return 2;
    return rtosfuzz_repro() ? 1 : 0;
}
