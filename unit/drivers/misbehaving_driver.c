/* A driver that takes the process down, as buggy driver code does: a
 * NULL dereference, abort(), exit(0) or an endless loop. The tick count
 * at connect chooses which (corpus/misbehaving/ sets it with "tick n=K"),
 * so one build gives every kind and a clean one:
 *   tick % 8 == 1   connect dereferences NULL
 *               2   connect calls abort()
 *               3   connect calls exit(0)
 *               4   connect spins forever (waits for a flag nothing sets)
 *   otherwise       a well-behaved driver that allocates nothing
 * The tests prove that replay, soak and campaigns report each as a finding
 * naming the function below and go on with the next input. */
#include <stdlib.h>

#include "aos/kernel.h"
#include "k_timer.h"
#include "wifi_driver.h"

static volatile int *g_link; /* never set: the NULL a careless driver reads */
static volatile int g_ready; /* never set either */

/* A plain NULL read, a SIGSEGV even in the UBSan build (which would
 * report the load itself first). */
__attribute__((no_sanitize("null"))) static int connect_dereferences_null(void) { return *g_link; }

static int connect_aborts(void)
{
    abort();
}

static int connect_exits(void)
{
    exit(0);
}

static int connect_spins(void)
{
    while (!g_ready)
        ;
    return 0;
}

int netmgr_reconnect_wifi(void)
{
    switch (krhino_sys_tick_get() % 8) {
    case 1: return connect_dereferences_null();
    case 2: return connect_aborts();
    case 3: return connect_exits();
    case 4: return connect_spins();
    default: return 0;
    }
}

int hal_wifi_suspend_station(void *m) { return 0; }
