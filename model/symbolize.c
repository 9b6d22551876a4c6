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

/* A return address points after the call; the call itself is one byte back. */
static Dwarf_Addr call_site_of(uintptr_t owner) { return (Dwarf_Addr)owner - 1; }

void symbolize_function(uintptr_t owner, char *buf, size_t len)
{
    Dwfl *dwfl = owner ? self_dwfl() : NULL;
    Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, call_site_of(owner)) : NULL;
    const char *fn = mod ? dwfl_module_addrname(mod, call_site_of(owner)) : NULL;
    snprintf(buf, len, "%s", owner == 0 ? "kernel" : fn ? fn : "?");
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
    Dwfl *dwfl = owner ? self_dwfl() : NULL;
    Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, call_site_of(owner)) : NULL;
    Dwfl_Line *line = mod ? dwfl_module_getsrc(mod, call_site_of(owner)) : NULL;
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (owner == 0)
        snprintf(buf, len, "kernel");
    else if (file)
        snprintf(buf, len, "%s (%s:%d)", fn, relative_to_project(file), lineno);
    else
        snprintf(buf, len, "%s (0x%08lx)", fn, (unsigned long)owner);
}
