/* Symbolizing a Cortex-M4 Thumb ELF on the host: the owner a device records
 * is the return address with the Thumb bit set; mmdump must name the call
 * (the line of the `bl`), not the statement the call returns to. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"
#include "tool_support.h"

static run_t g_run;

static void release(void)
{
    dump_state_release();
    run_free(&g_run);
}

TestSuite(mmdump_arm, .fini = release);

static bool find_symbol_in(Elf *elf, const char *name, GElf_Addr *value)
{
    for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        Elf_Data *data = gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB ? elf_getdata(scn, NULL) : NULL;
        for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            const char *sym_name = gelf_getsym(data, (int)i, &sym) ? elf_strptr(elf, sh.sh_link, sym.st_name) : NULL;
            if (sym_name && strcmp(sym_name, name) == 0) {
                *value = sym.st_value;
                return true;
            }
        }
    }
    return false;
}

/* The label right after a `bl`: the return address without the Thumb bit. */
static uint64_t return_label(const char *name)
{
    GElf_Addr value = 0;
    elf_version(EV_CURRENT);
    int fd = open(ARM_ELF, O_RDONLY);
    cr_assert_geq(fd, 0, "%s is built when arm-none-eabi-gcc is present", ARM_ELF);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    bool found = elf && find_symbol_in(elf, name, &value);
    elf_end(elf);
    close(fd);
    cr_assert(found, "symbol %s in %s", name, ARM_ELF);
    return value;
}

static void open_arm_elf(void)
{
    char err[PATH_MAX + 256];
    g_sym = symbolizer_open(ARM_ELF, err, sizeof err);
    cr_assert_not_null(g_sym, "%s", err);
}

Test(mmdump_arm, names_the_thumb_call_not_the_statement_after_it)
{
    open_arm_elf();
    uint64_t label = return_label("ret_vendor_connect"), owner = label | 1;
    int call_line = source_line_of(ARM_SOURCE, "call site: arm connect");
    cr_assert_eq(symbolizer_call_address(g_sym, owner), label - 1);
    call_site_t site = symbolizer_locate_call(g_sym, owner);
    cr_assert_str_eq(site.function, "vendor_connect");
    cr_assert(site.file && strstr(site.file, "arm_owners.c"), "%s", site.file);
    cr_assert_eq(site.line, call_line);
    call_site_t after = symbolizer_locate(g_sym, label);
    cr_assert_eq(after.line, call_line + 1, "the fixture puts the return address on the next line");
}

Test(mmdump_arm, the_cli_reads_an_alios_dump_of_a_thumb_device)
{
    char log[PATH_MAX + 32];
    snprintf(log, sizeof log, "%s/arm_dumpsys.log", SOAK_DIR);
    FILE *f = fopen(log, "w");
    cr_assert_not_null(f);
    uint64_t connect = return_label("ret_vendor_connect") | 1, scan = return_label("ret_wifi_scan") | 1;
    fprintf(f, "ALL BLOCKS\r\nBlk_Addr    Stat     Len  Chk      Caller    Point\r\n");
    for (int i = 0; i < 5; i++)
        fprintf(f, "0x0x2000%04x  used      72   OK  0x%-8llx \r\n", 0x100 + i * 0x60, (unsigned long long)connect);
    fprintf(f, "0x0x20002000  used     256   OK  0x%-8llx \r\n", (unsigned long long)scan);
    fclose(f);
    g_run = run_tool("%s %s %s", MMDUMP_BIN, log, ARM_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    char expect[PATH_MAX + 128];
    snprintf(expect, sizeof expect, "verdict: vendor_connect at %s:%d holds the most memory: 360 bytes in 5",
             ARM_SOURCE, source_line_of(ARM_SOURCE, "call site: arm connect"));
    assert_output_has(g_run, expect);
    assert_output_has(g_run, "wifi_scan");
}
