/* libdw symbolization: see symbolize.h. */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

struct symbolizer {
    Dwfl *dwfl;
    bool thumb_bit; /* ARM: bit 0 of a return address is the Thumb state */
};

static char *debuginfo_path; /* NULL: libdw's default search path */

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

static bool elf_is_arm(Dwfl_Module *mod)
{
    GElf_Addr bias;
    Elf *elf = dwfl_module_getelf(mod, &bias);
    GElf_Ehdr ehdr;
    return elf && gelf_getehdr(elf, &ehdr) && ehdr.e_machine == EM_ARM;
}

symbolizer_t *symbolizer_open(const char *elf_path, char *err, size_t errlen)
{
    symbolizer_t *s = calloc(1, sizeof *s);
    Dwfl *dwfl = s ? dwfl_begin(&offline_callbacks) : NULL;
    /* An executable is reported at its link addresses, which is what the
     * device (or a -no-pie host binary) put in the dump. */
    Dwfl_Module *mod = dwfl ? dwfl_report_offline(dwfl, elf_path, elf_path, -1) : NULL;
    if (!mod || dwfl_report_end(dwfl, NULL, NULL) != 0) {
        snprintf(err, errlen, "%s: %s", elf_path, s ? dwfl_errmsg(-1) : "out of memory");
        dwfl_end(dwfl);
        free(s);
        return NULL;
    }
    s->dwfl = dwfl;
    s->thumb_bit = elf_is_arm(mod);
    return s;
}

void symbolizer_close(symbolizer_t *s)
{
    if (s)
        dwfl_end(s->dwfl);
    free(s);
}

uint64_t symbolizer_call_address(const symbolizer_t *s, uint64_t owner)
{
    uint64_t ret = s->thumb_bit ? owner & ~(uint64_t)1 : owner;
    return ret - 1;
}

/* libdw (0.188) finds an address's compilation unit through
 * .debug_aranges, which clang does not emit by default: without it, the
 * units' own address ranges are searched instead. */
static Dwarf_Line *line_from_units(Dwfl_Module *mod, Dwarf_Addr address)
{
    Dwarf_Addr bias;
    for (Dwarf_Die *cu = NULL; (cu = dwfl_module_nextcu(mod, cu, &bias));)
        if (dwarf_haspc(cu, address - bias) > 0)
            return dwarf_getsrc_die(cu, address - bias);
    return NULL;
}

static Dwarf_Line *line_at(Dwfl_Module *mod, Dwarf_Addr address)
{
    Dwarf_Addr bias;
    Dwfl_Line *line = dwfl_module_getsrc(mod, address);
    return line ? dwfl_dwarf_line(line, &bias) : line_from_units(mod, address);
}

call_site_t symbolizer_locate(symbolizer_t *s, uint64_t address)
{
    call_site_t site = {0};
    Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, address);
    if (!mod)
        return site;
    site.function = dwfl_module_addrname(mod, address);
    Dwarf_Line *line = line_at(mod, address);
    if (line && dwarf_lineno(line, &site.line) == 0)
        site.file = dwarf_linesrc(line, NULL, NULL);
    return site;
}

call_site_t symbolizer_locate_call(symbolizer_t *s, uint64_t owner)
{
    return symbolizer_locate(s, symbolizer_call_address(s, owner));
}
