/* The shared log parser: both dump formats, Heap Info in both forms, and
 * the ways real captures go wrong. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tool_support.h"

#define OUR_DUMP                                                        \
    "========== Heap Dump  ==========\n"                                \
    "Blk_Addr    Stat  Len         Chk  Owner       Kind\n"             \
    "0x0047a1c8  used  0x00002000  OK   0x00000000  pool\n"             \
    "0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer\n"            \
    "0x0047c250  free  0x00044E10  OK   0x00000000  -\n"                \
    "0x0047a1c8  pool  0x00000020  BAD  0x00401c04  data\n"             \
    "========== Owner Summary  ==========\n"                            \
    "Owner       Count       Bytes       Kind\n"                        \
    "0x00000000  1           8192        pool\n"                        \
    "========== Heap Info  ==========\n"                                \
    "-----------------------------------------------------------\n"     \
    "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"     \
    "      | 0x0004A838 | 0x00047C40 | 0x00002BF8 | 0x00047A00 |\n"     \
    "-----------------------------------------------------------\n"     \
    "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"     \
    "      | 0x00002000 | 0x00001FE0 | 0x00000020 | 0x00000020 |\n"     \
    "-----------------------------------------------------------\n"     \
    "========== End Dump  ==========\n"

/* TotalSz is 0x1000: free_hex + used_hex must add up to it. */
#define OVERVIEW(free_hex, used_hex)                                    \
    "========== Heap Info  ==========\n"                                \
    "-----------------------------------------------------------\n"     \
    "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"     \
    "      | 0x00001000 | " free_hex " | " used_hex " | 0x00000100 |\n" \
    "-----------------------------------------------------------\n"

TestSuite(mmlog, .fini = dump_state_release);

Test(mmlog, reads_every_field_of_our_dump_rows)
{
    cr_assert(parse_text("boot\n" OUR_DUMP, &g_log), "%s", g_log.error.text);
    cr_assert_eq(g_log.ndumps, 1);
    const mm_dump_t *d = &g_log.dumps[0];
    cr_assert_eq(d->format, MM_FORMAT_RTOSFUZZ);
    cr_assert_eq(d->nblocks, 4);
    cr_assert_eq(d->first_line, 3);
    cr_assert_eq(d->blocks[1].addr, 0x0047c1e8);
    cr_assert_eq(d->blocks[1].len, 0x48);
    cr_assert_eq(d->blocks[1].owner, 0x00401b2e);
    cr_assert_str_eq(d->blocks[1].kind, "timer");
    cr_assert_eq(d->blocks[2].stat, MM_BLK_FREE);
    cr_assert_eq(d->blocks[3].stat, MM_BLK_POOL);
    cr_assert_not(d->blocks[3].chk_ok);
    cr_assert(d->has_info);
    cr_assert_eq(d->info.free, 0x47C40);
    cr_assert_eq(d->info.min_free, 0x47A00);
    cr_assert_eq(g_log.ntables, 0, "a dump's own Heap Info table is not a cycle");
    cr_assert_eq(g_log.nwarnings, 0);
}

Test(mmlog, reads_the_alios_dumpsys_fixture_with_its_quirks)
{
    assert_log_loads(FIXTURES "/alios_dumpsys.log", &g_log);
    cr_assert_eq(g_log.ndumps, 1);
    const mm_dump_t *d = &g_log.dumps[0];
    cr_assert_eq(d->format, MM_FORMAT_ALIOS);
    cr_assert_eq(d->nblocks, 11, "ALL BLOCKS rows only, not the free list after it");
    cr_assert_eq(d->blocks[1].addr, 0x400bab48, "doubled 0x0x prefix");
    cr_assert_eq(d->blocks[1].owner, 0x2301a0e5);
    cr_assert_eq(d->blocks[1].len, 8);
    cr_assert_not(d->blocks[7].chk_ok, "'!used' and a dye word in Chk");
    cr_assert_eq(d->blocks[10].stat, MM_BLK_SENTINEL);
    cr_assert_neq(d->elided_line, 0);
    cr_assert(d->has_info && d->info.has_max_free_blk, "the five-column Heap Info form");
    cr_assert_eq(d->info.max_free_blk, 391560);
    cr_assert_eq(g_log.ntables, 5, "the overviews before the dump are cycles");
}

Test(mmlog, crlf_line_ends_parse_like_lf)
{
    mm_log_t lf;
    char *crlf = with_crlf("noise\n" OUR_DUMP OVERVIEW("0x00000800", "0x00000800"));
    cr_assert(parse_text("noise\n" OUR_DUMP OVERVIEW("0x00000800", "0x00000800"), &lf));
    cr_assert(parse_text(crlf, &g_log), "%s", g_log.error.text);
    free(crlf);
    cr_assert_eq(g_log.dumps[0].nblocks, lf.dumps[0].nblocks);
    cr_assert_str_eq(g_log.dumps[0].blocks[1].kind, "timer");
    cr_assert_eq(g_log.ntables, 1);
    cr_assert_eq(g_log.tables[0].free, lf.tables[0].free);
    mm_log_free(&lf);
}

Test(mmlog, console_lines_between_rows_are_skipped)
{
    cr_assert(parse_text("Blk_Addr    Stat  Len         Chk  Owner       Kind\n"
                         "0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer\n"
                         "[  12.345] wifi: connected\n"
                         "\n"
                         "0x0047c250  used  0x00000048  OK   0x00401b2e  timer\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.dumps[0].nblocks, 2);
    cr_assert_eq(g_log.dumps[0].blocks[1].line, 5);
}

Test(mmlog, a_truncated_last_line_is_dropped_with_a_warning)
{
    cr_assert(parse_text("Blk_Addr    Stat  Len         Chk  Owner       Kind\n"
                         "0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer\n"
                         "0x0047c250  used  0x000",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.dumps[0].nblocks, 1);
    cr_assert_geq(g_log.nwarnings, 1);
    cr_assert_eq(g_log.warnings[0].line, 3);
    cr_assert(strstr(g_log.warnings[0].text, "truncated last line"), "%s", g_log.warnings[0].text);
}

Test(mmlog, a_malformed_row_is_an_error_naming_its_line)
{
    cr_assert_not(parse_text("Blk_Addr    Stat  Len         Chk  Owner       Kind\n"
                             "0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer\n"
                             "0x0047c250  used  0x0000zz48  OK   0x00401b2e  timer\n"
                             "0x0047c298  used  0x00000048  OK   0x00401b2e  timer\n",
                             &g_log));
    cr_assert_eq(g_log.error.line, 3);
    cr_assert(strstr(g_log.error.text, "block row"), "%s", g_log.error.text);
}

Test(mmlog, garbled_heap_info_figures_are_an_error_naming_their_line)
{
    cr_assert_not(parse_text(OVERVIEW("0x00000800", "0x00000800") OVERVIEW("0x0000080", "0x00000800"), &g_log),
                  "FreeSz + UsedSz no longer adds up to TotalSz");
    cr_assert_eq(g_log.error.line, 9);
    cr_assert(strstr(g_log.error.text, "disagree"), "%s", g_log.error.text);
    mm_log_free(&g_log);
    cr_assert_not(parse_text(OVERVIEW("0x000008G0", "0x00000800") "\n", &g_log));
    cr_assert_eq(g_log.error.line, 4);
    cr_assert(strstr(g_log.error.text, "FreeSz is \"0x000008G0\""), "%s", g_log.error.text);
}

Test(mmlog, heap_info_columns_are_matched_by_name)
{
    cr_assert(parse_text("[HEAP]| FreeSz | MaxFreeBlkSz | TotalSz | MinFreeSz | UsedSz |\n"
                         "      | 0x00000300 | 0x00000200 | 0x00001000 | 0x00000100 | 0x00000D00 |\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.tables[0].free, 0x300);
    cr_assert_eq(g_log.tables[0].max_free_blk, 0x200);
    cr_assert_eq(g_log.tables[0].total, 0x1000);
    cr_assert_eq(g_log.tables[0].used, 0xD00);
    mm_log_free(&g_log);
    cr_assert_not(parse_text("[HEAP]| TotalSz | FreeSz | UsedSz | Fragments |\n", &g_log));
    cr_assert(strstr(g_log.error.text, "unknown column \"Fragments\""), "%s", g_log.error.text);
}

Test(mmlog, several_dumps_are_kept_in_log_order)
{
    cr_assert(parse_text(OUR_DUMP OVERVIEW("0x00000800", "0x00000800") OUR_DUMP, &g_log), "%s", g_log.error.text);
    cr_assert_eq(g_log.ndumps, 2);
    cr_assert_lt(g_log.dumps[0].last_line, g_log.dumps[1].first_line);
    cr_assert_eq(g_log.ntables, 1, "only the overview between the dumps is a cycle");
}

Test(mmlog, a_malloc_failure_marks_its_cycle_and_triggers_the_next_dump)
{
    cr_assert(parse_text(OVERVIEW("0x00000800", "0x00000800") OVERVIEW("0x00000700", "0x00000900")
                         "WARNING, malloc failed!!!! need size:1536, but free size:1400\n" OUR_DUMP
                         "WARNING, malloc failed!!!! need size:1536, but free size:1400\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.first_failure.line, 11);
    cr_assert_eq(g_log.tables_before_failure, 2);
    cr_assert_eq(g_log.dumps[0].trigger.line, 11);
    cr_assert_eq(g_log.dumps[0].trigger.need, 1536);
    cr_assert_eq(g_log.dumps[0].trigger.free, 1400);
}

Test(mmlog, a_dump_cut_off_by_the_end_of_the_log_is_kept_with_a_warning)
{
    cr_assert(parse_text("Blk_Addr    Stat  Len         Chk  Owner       Kind\n"
                         "0x0047c1e8  used  0x00000048  OK   0x00401b2e  timer\n",
                         &g_log));
    cr_assert_eq(g_log.ndumps, 1);
    cr_assert_not(g_log.dumps[0].has_info);
    cr_assert_eq(g_log.nwarnings, 1);
    cr_assert(strstr(g_log.warnings[0].text, "end of the log"), "%s", g_log.warnings[0].text);
}

Test(mmlog, binary_garbage_holds_no_dump)
{
    assert_log_loads(FIXTURES "/garbage.log", &g_log);
    cr_assert_eq(g_log.ndumps, 0);
    cr_assert_eq(g_log.ntables, 0);
}
