/* Drivers that crash, one way per FAULT value, each inside a function of
 * its own that the finding must name: 1 dereferences NULL, 2 loops
 * forever, 3 calls an import the emulator does not serve, 4 runs an
 * undefined instruction (a trap left in release code). */
#include <stdint.h>

#include "aos/kernel.h"
#include "wifi_driver.h"

#ifndef FAULT
#error "build with -DFAULT=1 (NULL), 2 (loop), 3 (unsupported import) or 4 (undefined instruction)"
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

__attribute__((noinline)) static int check_firmware_version(void) { __builtin_trap(); }

int netmgr_reconnect_wifi(void)
{
    switch (FAULT) {
    case 1: return read_link_config();
    case 2: return wait_for_link();
    case 3: return power_on_radio();
    default: return check_firmware_version();
    }
}

int hal_wifi_suspend_station(void *m)
{
    aos_free(g_link);
    g_link = 0;
    return 0;
}
