/* The driver contract (driver/include/wifi_driver.h) for a binary driver:
 * each entry point runs the guest function of the same name in the guest
 * machine. Built once per blob, with RTOSFUZZ_BLOB_ELF naming its linked
 * image (emu/CMakeLists.txt, rtosfuzz_driver(... BLOB ...)). */
#include <stdio.h>
#include <stdlib.h>

#include "blob.h"
#include "driver_contract.h"
#include "imports.h"
#include "wifi_driver.h"

#ifndef RTOSFUZZ_BLOB_ELF
#error "build with -DRTOSFUZZ_BLOB_ELF=\"path/to/linked.elf\""
#endif

/* Where reports symbolize this driver's owners (model/symbolize.c). */
const char rtosfuzz_driver_image[] = RTOSFUZZ_BLOB_ELF;

static void load_once(void)
{
    static bool loaded;
    char err[256];
    if (loaded)
        return;
    loaded = true;
    if (blob_load(RTOSFUZZ_BLOB_ELF, err, sizeof err) != 0) {
        fprintf(stderr, "rtosfuzz: %s\n", err);
        exit(2);
    }
}

/* Runs the guest's function `name`, which the driver need not have. */
static int run(const char *name, const uint32_t *args, int nargs, int absent)
{
    load_once();
    guest_addr_t fn = blob_symbol(name);
    if (!fn)
        return absent;
    int r = (int)blob_call(fn, args, nargs);
    return blob_faulted() ? BLOB_ERR_FAULT : r;
}

/* One served import as `show` lists it: the call, its result, its caller. */
static void print_call(const import_t *imp, const import_call_t *c, uint64_t result)
{
    char line[256];
    size_t n = (size_t)snprintf(line, sizeof line, "    driver: %s(", imp->name);
    for (int i = 0; imp->args[i] && n < sizeof line; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, imp->args[i] == 'p' ? "%s0x%08llx" : "%s%llu", i ? ", " : "",
                              (unsigned long long)c->arg[i]);
    const char *fn = blob_function_containing(c->site);
    if (n < sizeof line)
        snprintf(line + n, sizeof line - n, imp->result == 'v' ? ")" : imp->result == 'p' ? ") = 0x%08llx" : ") = %lld",
                 imp->result == 't' ? (long long)result : (long long)(int32_t)result);
    drv_call_trace()("%s  from %s\n", line, fn ? fn : "?");
}

/* A boot: the guest's RAM as loaded, then its own init if it has one. */
int hal_wifi_init(void)
{
    load_once();
    blob_reset();
    import_trace_set(drv_call_trace() ? print_call : NULL);
    return run("hal_wifi_init", NULL, 0, 0);
}

int netmgr_reconnect_wifi(void) { return run("netmgr_reconnect_wifi", NULL, 0, 0); }

/* m is the host's; the guest gets NULL, which is what every caller passes. */
int hal_wifi_suspend_station(void *m)
{
    static const uint32_t null_arg[1] = {0};
    return run("hal_wifi_suspend_station", null_arg, 1, 0);
}

/* The simulated access point, when the driver is the simulated one. */
void wifi_sim_ap_power(bool on)
{
    uint32_t arg[1] = {on};
    run("wifi_sim_ap_power", arg, 1, 0);
}
