/* mmdump: grouping by owner, symbolization against the soak's ELF, and the
 * command line in all its output styles and failure modes. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owners.h"
#include "symbolize.h"
#include "tool_support.h"

#define VENDOR_LOG SOAK_DIR "/soak_vendor.log"
#define OUR_HEADER "Blk_Addr    Stat  Len         Chk  Owner       Kind\n"

TestSuite(mmdump, .fini = dump_state_release);

static void group_last_dump(const char *text)
{
    cr_assert(parse_text(text, &g_log), "%s", g_log.error.text);
    cr_assert_gt(g_log.ndumps, 0);
    cr_assert_eq(owner_table_build(&g_log.dumps[g_log.ndumps - 1], &g_table), 0);
}

static void group_soak_crash_dump(void)
{
    assert_log_loads(VENDOR_LOG, &g_log);
    cr_assert_eq(owner_table_build(&g_log.dumps[g_log.ndumps - 1], &g_table), 0);
}

static void open_soak_elf(void)
{
    char err[PATH_MAX + 256];
    g_sym = symbolizer_open(SOAK_ELF, err, sizeof err);
    cr_assert_not_null(g_sym, "%s", err);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

Test(mmdump, groups_live_blocks_by_owner_most_bytes_first)
{
    group_last_dump(OUR_HEADER "0x00001000  used  0x00000100  OK   0x00401000  data\n"
                               "0x00002000  used  0x00000040  OK   0x00402000  timer\n"
                               "0x00003000  used  0x00000040  OK   0x00402000  timer\n"
                               "0x00004000  used  0x00000040  OK   0x00402000  timer\n"
                               "0x00005000  free  0x00010000  OK   0x00000000  -\n"
                               "0x00006000  pool  0x00000020  BAD  0x00401000  data\n"
                               "0x00007000  used  0x00002000  OK   0x00000000  pool\n");
    cr_assert_eq(g_table.nrows, 3);
    cr_assert_eq(g_table.rows[0].owner, 0);
    cr_assert_eq(g_table.rows[0].bytes, 0x2000);
    cr_assert_eq(g_table.rows[1].owner, 0x401000);
    cr_assert_eq(g_table.rows[1].bytes, 0x120, "a used pool block counts");
    cr_assert_eq(g_table.rows[1].count, 2);
    cr_assert_eq(g_table.rows[2].owner, 0x402000);
    cr_assert_eq(g_table.rows[2].count, 3);
    cr_assert_str_eq(g_table.rows[2].kind, "timer");
    cr_assert_eq(g_table.live_blocks, 6, "the free block is nobody's");
    cr_assert_eq(g_table.live_bytes, 0x2000 + 0x120 + 0xC0);
    cr_assert_eq(g_table.damaged_blocks, 1);
    cr_assert_eq(owner_table_top_holder(&g_table), &g_table.rows[1], "the kernel is never the suspect");
}

/* The pool slab is a used heap block; the pool blocks inside it are their
 * owners' bytes, so the slab keeps only its free part (negative control:
 * a pool block outside the slab takes nothing from it, in the test above). */
Test(mmdump, pool_blocks_inside_the_slab_are_counted_once)
{
    group_last_dump(OUR_HEADER "0x00007000  used  0x00002000  OK   0x00000000  pool\n"
                               "0x00007000  pool  0x00000020  OK   0x00401000  data\n"
                               "0x00007020  pool  0x00000020  OK   0x00401000  data\n"
                               "0x00007fe0  pool  0x00000020  OK   0x00402000  data\n"
                               "0x00009020  used  0x00000100  OK   0x00401000  data\n");
    cr_assert_eq(g_table.live_bytes, 0x2000 + 0x100, "every byte of the slab once, plus the heap block");
    cr_assert_eq(g_table.rows[0].owner, 0);
    cr_assert_eq(g_table.rows[0].bytes, 0x2000 - 3 * 0x20, "the slab holds its free part");
    cr_assert_eq(g_table.rows[1].owner, 0x401000);
    cr_assert_eq(g_table.rows[1].bytes, 0x100 + 2 * 0x20);
    cr_assert_eq(g_table.rows[2].bytes, 0x20);
    cr_assert_eq(g_table.live_blocks, 5);
}

Test(mmdump, an_owner_of_several_kinds_is_mixed)
{
    group_last_dump(OUR_HEADER "0x00001000  used  0x00000100  OK   0x00401000  data\n"
                               "0x00002000  used  0x00000040  OK   0x00401000  timer\n");
    cr_assert_str_eq(g_table.rows[0].kind, "mixed");
}

Test(mmdump, a_dump_held_only_by_the_kernel_has_no_top_holder)
{
    group_last_dump(OUR_HEADER "0x00007000  used  0x00002000  OK   0x00000000  pool\n");
    cr_assert_null(owner_table_top_holder(&g_table));
}

Test(mmdump, the_soak_crash_dump_names_the_leaking_call_sites)
{
    group_soak_crash_dump();
    open_soak_elf();
    const owner_row_t *top = owner_table_top_holder(&g_table);
    cr_assert_not_null(top);
    call_site_t site = symbolizer_locate_call(g_sym, top->owner);
    cr_assert_str_eq(site.function, "vendor_connect");
    cr_assert(site.file && ends_with(site.file, "tools/tests/gen_soak_log.c"), "%s", site.file);
    cr_assert_eq(site.line, source_line_of(SOAK_SOURCE, "call site: keepalive timer"));
    cr_assert_str_eq(top->kind, "timer");
    cr_assert_gt(top->count, 900, "one leaked timer per cycle; got %lu", top->count);

    bool cache_named = false;
    for (size_t i = 0; i < g_table.nrows; i++) {
        call_site_t s = symbolizer_locate_call(g_sym, g_table.rows[i].owner);
        if (s.function && strcmp(s.function, "scan_cache_add") == 0)
            cache_named = s.line == source_line_of(SOAK_SOURCE, "call site: scan cache");
    }
    cr_assert(cache_named, "the second leaking owner is named at its call site");
}

Test(mmdump, call_sites_are_found_without_debug_aranges)
{
    char err[PATH_MAX + 256];
    group_soak_crash_dump();
    g_sym = symbolizer_open(SOAK_ELF_NO_ARANGES, err, sizeof err);
    cr_assert_not_null(g_sym, "%s", err);
    call_site_t site = symbolizer_locate_call(g_sym, owner_table_top_holder(&g_table)->owner);
    cr_assert(site.file && ends_with(site.file, "tools/tests/gen_soak_log.c"), "%s", site.file);
    cr_assert_eq(site.line, source_line_of(SOAK_SOURCE, "call site: keepalive timer"));
}

Test(mmdump, an_address_outside_the_elf_has_no_symbol)
{
    open_soak_elf();
    call_site_t site = symbolizer_locate_call(g_sym, 0x7ff0001234ull);
    cr_assert_null(site.function);
    cr_assert_null(site.file);
}

Test(mmdump, an_unreadable_elf_is_reported)
{
    char err[PATH_MAX + 256] = "";
    g_sym = symbolizer_open(FIXTURES "/alios_dumpsys.log", err, sizeof err);
    cr_assert_null(g_sym);
    cr_assert(strstr(err, "alios_dumpsys.log"), "%s", err);
}

/* ---- the command line ---------------------------------------------------- */
static run_t g_run;

static void release_run(void)
{
    run_free(&g_run);
    dump_state_release();
}

TestSuite(mmdump_cli, .fini = release_run);

Test(mmdump_cli, names_the_top_holder_of_the_last_dump)
{
    char expect[64];
    snprintf(expect, sizeof expect, "gen_soak_log.c:%d", source_line_of(SOAK_SOURCE, "call site: keepalive timer"));
    g_run = run_tool("%s %s %s", MMDUMP_BIN, VENDOR_LOG, SOAK_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    assert_output_has(g_run, "dump 2 of 2");
    assert_output_has(g_run, "trigger: line ");
    assert_output_has(g_run, "(kernel)");
    const char *verdict = strstr(g_run.output, "verdict: vendor_connect at ");
    cr_assert(verdict && strstr(verdict, expect), "expected the verdict to name %s:\n%s", expect, g_run.output);
}

Test(mmdump_cli, all_reports_every_dump_oldest_first)
{
    g_run = run_tool("%s --all %s %s", MMDUMP_BIN, VENDOR_LOG, SOAK_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    char *first = strstr(g_run.output, "dump 1 of 2"), *second = strstr(g_run.output, "dump 2 of 2");
    cr_assert(first && second && first < second, "%s", g_run.output);
    cr_assert(strstr(first, "verdict: wifi_init at "), "the baseline holds only the driver context");
}

Test(mmdump_cli, csv_has_a_header_and_one_row_per_owner)
{
    g_run = run_tool("%s --csv %s %s", MMDUMP_BIN, VENDOR_LOG, SOAK_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    cr_assert(strncmp(g_run.output, "dump,owner,blocks,bytes,kind,function,file,line\n", 48) == 0, "%s",
              g_run.output);
    assert_output_has(g_run, ",timer,vendor_connect,");
    assert_output_has(g_run, "2,0x00000000,1,8192,pool,,,\n"); /* the kernel: no function, no file */
}

Test(mmdump_cli, json_is_one_balanced_document)
{
    g_run = run_tool("%s --json --all %s %s", MMDUMP_BIN, VENDOR_LOG, SOAK_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    int depth = 0, least = 0;
    for (const char *p = g_run.output; *p; p++) {
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        least = depth < least ? depth : least;
    }
    cr_assert_eq(depth, 0, "%s", g_run.output);
    cr_assert_eq(least, 0);
    assert_output_has(g_run, "\"function\": \"vendor_connect\"");
    assert_output_has(g_run, "\"dump\": 2");
}

/* An AliOS dump read against the soak's ELF, which is not that device's
 * firmware: the report is made, owners are marked, and the exit status
 * and a warning say that the ELF named none of them. */
Test(mmdump_cli, reads_an_alios_dump_and_warns_that_the_elf_names_no_owner)
{
    g_run = run_tool("%s %s/alios_dumpsys.log %s", MMDUMP_BIN, FIXTURES, SOAK_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "AliOS Things dumpsys mm_info format");
    assert_output_has(g_run, "rows were elided");
    assert_output_has(g_run, "live: 8 blocks, 11992 bytes, 4 owners");
    assert_output_has(g_run, "1 live blocks have a damaged dye word (Chk not OK), the first 0x400bc010 on line 75");
    assert_output_has(g_run, "MaxFreeBlkSz 391560 bytes");
    assert_output_has(g_run, "verdict: owner 0x23019f11 (not in the ELF) holds the most memory: "
                             "3072 bytes in 2 blocks");
    assert_output_has(g_run, "mmdump: warning: " SOAK_ELF " names none of the 3 owners");
}

Test(mmdump_cli, reads_alios_dumpsys_mm_info_with_its_pool_and_skipped_tables)
{
    g_run = run_tool("%s %s/alios_dumpsys_mm_info.log %s", MMDUMP_BIN, FIXTURES, SOAK_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "heap: TotalSz 123904, FreeSz 119232, UsedSz 4672, MinFreeSz 112640, MaxFreeBlkSz 118592");
    assert_output_has(g_run, "pool: PoolSz 1536, FreeSz 1376, UsedSz 160 bytes");
    assert_output_has(g_run, "live: 8 blocks, 4496 bytes, 5 owners");
    assert_output_has(g_run, "alios_dumpsys_mm_info.log:41: note: skipped table \"[POOL]| BlkSize");
}

Test(mmdump_cli, the_debug_readme_dump_is_read_without_its_unknown_overview)
{
    g_run = run_tool("%s %s/alios_debug_readme.log %s", MMDUMP_BIN, FIXTURES, SOAK_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "live: 5 blocks, 2840 bytes, 3 owners");
    assert_output_has(g_run, "no Heap Info table (cut short, or in a layout not read)");
    assert_output_has(g_run, "alios_debug_readme.log:75: note: skipped table");
}

/* The soak's own dump against another program's ELF: a distinct exit
 * status and a warning, not a table of "not in the ELF" rows that looks
 * like an answer. */
Test(mmdump_cli, an_elf_that_names_none_of_the_owners_is_a_warning_and_exit_3)
{
    g_run = run_tool("%s %s %s", MMDUMP_BIN, VENDOR_LOG, OTHER_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "warning: the ELF names none of the ");
    assert_output_has(g_run, "is it the firmware that printed the log?");
    run_free(&g_run);
    g_run = run_tool("%s --csv %s %s", MMDUMP_BIN, VENDOR_LOG, OTHER_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "mmdump: warning: ");
}

/* Negative control: owners some of which the ELF names are a note, and
 * the report stands (exit 0). */
Test(mmdump_cli, an_elf_that_names_some_owners_is_a_note)
{
    char log[512], text[512];
    assert_log_loads(VENDOR_LOG, &g_log);
    cr_assert_eq(owner_table_build(&g_log.dumps[g_log.ndumps - 1], &g_table), 0);
    snprintf(text, sizeof text,
             OUR_HEADER "0x00001000  used  0x00000100  OK   0x%08llx  data\n"
                        "0x00002000  used  0x00000040  OK   0x7ff00012  data\n",
             (unsigned long long)owner_table_top_holder(&g_table)->owner);
    snprintf(log, sizeof log, "%s/partly_in_the_elf.log", SOAK_DIR);
    cr_assert(write_text(log, text));
    g_run = run_tool("%s %s %s", MMDUMP_BIN, log, SOAK_ELF);
    cr_assert_eq(g_run.status, 0, "%s", g_run.output);
    assert_output_has(g_run, "note: 1 of 2 owners are not in the ELF");
    assert_output_has(g_run, "verdict: vendor_connect at ");
    dump_state_release();
}

Test(mmdump_cli, a_malformed_row_is_bad_input_naming_its_line)
{
    g_run = run_tool("%s %s/malformed_row.log %s", MMDUMP_BIN, FIXTURES, SOAK_ELF);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "malformed_row.log:4: error: block row");
}

/* The fixture's owner is a made-up address that the soak's ELF may or may
 * not cover, depending on the build: read against an ELF that covers it in
 * none, the exit status is the same everywhere. */
Test(mmdump_cli, a_truncated_dump_is_read_up_to_the_cut)
{
    g_run = run_tool("%s %s/truncated_dump.log %s", MMDUMP_BIN, FIXTURES, OTHER_ELF);
    cr_assert_eq(g_run.status, 3, "%s", g_run.output);
    assert_output_has(g_run, "truncated_dump.log:7: warning: truncated last line ignored");
    assert_output_has(g_run, "live: 3 blocks");
    assert_output_has(g_run, "no Heap Info table");
}

Test(mmdump_cli, a_log_without_a_dump_is_bad_input)
{
    g_run = run_tool("%s %s/garbage.log %s", MMDUMP_BIN, FIXTURES, SOAK_ELF);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "no heap dump found");
}

Test(mmdump_cli, a_missing_elf_is_bad_input)
{
    g_run = run_tool("%s %s %s/no_such.elf", MMDUMP_BIN, VENDOR_LOG, SOAK_DIR);
    cr_assert_eq(g_run.status, 2, "%s", g_run.output);
    assert_output_has(g_run, "no_such.elf");
}
