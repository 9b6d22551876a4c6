/* Symbolizes this process's own code addresses with libdwfl. */
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"

static Dwfl *self_dwfl(void)
{
    static Dwfl *dwfl;
    static bool tried;
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    if (tried)
        return dwfl;
    tried = true;
    dwfl = dwfl_begin(&callbacks);
    if (dwfl && (dwfl_linux_proc_report(dwfl, getpid()) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0)) {
        dwfl_end(dwfl);
        dwfl = NULL;
    }
    return dwfl;
}

/* The linked image of a binary driver, when the program runs one
 * (emu/blob_driver.c defines it): owners at its link addresses symbolize
 * against it. */
extern const char rtosfuzz_driver_image[] __attribute__((weak));

static Dwfl *image_dwfl(void)
{
    static Dwfl *dwfl;
    static bool tried;
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
    };
    if (tried || !rtosfuzz_driver_image)
        return dwfl;
    tried = true;
    dwfl = dwfl_begin(&callbacks);
    if (dwfl && (!dwfl_report_offline(dwfl, "driver", rtosfuzz_driver_image, -1) ||
                 dwfl_report_end(dwfl, NULL, NULL) != 0)) {
        dwfl_end(dwfl);
        dwfl = NULL;
    }
    return dwfl;
}

/* A return address points after the call; the call itself is one byte back. */
static Dwarf_Addr call_site_of(uintptr_t owner) { return (Dwarf_Addr)owner - 1; }

/* The module holding an owner's call site: the driver image's when one of
 * its functions holds it, else ours. (The image spans from its code to its
 * RAM, and this program's own code, such as the harness's blocks' owners,
 * may lie in between.) */
static Dwfl_Module *module_of(uintptr_t owner)
{
    Dwfl *image = owner ? image_dwfl() : NULL;
    Dwfl_Module *mod = image ? dwfl_addrmodule(image, call_site_of(owner)) : NULL;
    if (mod && !dwfl_module_addrname(mod, call_site_of(owner)))
        mod = NULL;
    Dwfl *self = owner && !mod ? self_dwfl() : NULL;
    return mod ? mod : self ? dwfl_addrmodule(self, call_site_of(owner)) : NULL;
}

void symbolize_function(uintptr_t owner, char *buf, size_t len)
{
    Dwfl_Module *mod = module_of(owner);
    const char *fn = mod ? dwfl_module_addrname(mod, call_site_of(owner)) : NULL;
    snprintf(buf, len, "%s", owner == 0 ? "kernel" : fn ? fn : "?");
    buf[strcspn(buf, ".")] = '\0'; /* the source's name of a compiler clone (station_create.constprop.0) */
}

static const char *relative_to_project(const char *file)
{
    size_t n = strlen(RTOSFUZZ_SOURCE_DIR);
    return strncmp(file, RTOSFUZZ_SOURCE_DIR, n) == 0 ? file + n : file;
}

void symbolize_owner(uintptr_t owner, char *buf, size_t len)
{
    char fn[SYMBOLIZE_MAX];
    symbolize_function(owner, fn, sizeof fn);
    Dwfl_Module *mod = module_of(owner);
    Dwfl_Line *line = mod ? dwfl_module_getsrc(mod, call_site_of(owner)) : NULL;
    int lineno = 0;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (owner == 0)
        snprintf(buf, len, "kernel");
    else if (file)
        snprintf(buf, len, "%s (%s:%d)", fn, relative_to_project(file), lineno);
    else if (mod && dwfl_module_addrinfo(mod, call_site_of(owner), &off, &sym, NULL, NULL, NULL))
        snprintf(buf, len, "%s+0x%lx (0x%08lx)", fn, (unsigned long)off + 1, (unsigned long)owner);
    else
        snprintf(buf, len, "%s (0x%08lx)", fn, (unsigned long)owner);
}
