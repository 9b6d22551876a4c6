/* Drivers that crash, one way per FAULT value, each inside a function of
 * its own that the finding must name: 1 dereferences NULL, 2 loops
 * forever, 3 calls an import the emulator does not serve. */
#include <stdint.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#ifndef FAULT
#error "build with -DFAULT=1 (NULL), 2 (loop) or 3 (unsupported import)"
#endif

int hal_gpio_write(int pin, int level); /* a board HAL call, not kernel API */

static void *g_link;

__attribute__((noinline)) static int read_link_config(void)
{
    volatile uint32_t *cfg = g_link; /* NULL: nothing was allocated */
    return (int)cfg[1];
}

__attribute__((noinline)) static int wait_for_link(void)
{
    volatile int up = 0;
    while (!up)
        ;
    return 0;
}

__attribute__((noinline)) static int power_on_radio(void) { return hal_gpio_write(12, 1); }

int netmgr_reconnect_wifi(void)
{
    switch (FAULT) {
    case 1: return read_link_config();
    case 2: return wait_for_link();
    default: return power_on_radio();
    }
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_link);
    g_link = 0;
    return 0;
}
