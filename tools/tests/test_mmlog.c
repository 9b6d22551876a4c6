/* The shared log parser: both dump formats, the overview tables in every
 * layout read (and the ones skipped), boots, and the ways real captures go
 * wrong. */
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
}

/* A table in a layout not read is skipped and listed, once per layout with
 * how often it appeared; its rows are not taken for figures. */
Test(mmlog, tables_in_other_layouts_are_skipped_and_listed_once_per_layout)
{
    cr_assert(parse_text("[HEAP]| TotalSz | FreeSz | UsedSz | Fragments |\n"
                         "      | 0x00001000 | 0x00000300 | 0x00000D00 | 0x00000004 |\n"
                         "[POOL]| BlkSize    | UsedSize   | FreeSize   | MaxUsedSz  | AllocFail  |\n"
                         "      | 32         | 128        | 96         | 224        | 0          |\n"
                         "[POOL]|  BlkSize |  UsedSize | FreeSize | MaxUsedSz | AllocFail |\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.ntables, 0);
    cr_assert_eq(g_log.nwarnings, 0);
    cr_assert_eq(g_log.nskipped_kinds, 2);
    cr_assert_eq(g_log.skipped[0].first_line, 1);
    cr_assert(strstr(g_log.skipped[0].what, "an unknown column \"Fragments\""), "%s", g_log.skipped[0].what);
    cr_assert_eq(g_log.skipped[1].first_line, 3);
    cr_assert_eq(g_log.skipped[1].count, 2, "the same layout, blanks aside");
}

/* Negative control for the skipping: under a header that is read, a row
 * that does not parse is still an error naming its line. */
Test(mmlog, pool_figures_that_disagree_are_an_error_naming_their_line)
{
    cr_assert_not(parse_text(OVERVIEW("0x00000800", "0x00000800")
                             "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"
                             "      | 0x00000400 | 0x00000300 | 0x00000200 | 0x00000020 |\n",
                             &g_log));
    cr_assert_eq(g_log.error.line, 7);
    cr_assert(strstr(g_log.error.text, "[POOL] figures disagree: PoolSz"), "%s", g_log.error.text);
}

Test(mmlog, the_pool_row_joins_the_heap_table_before_it_in_both_layouts)
{
    cr_assert(parse_text(OVERVIEW("0x00000800", "0x00000800")
                         "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"
                         "      | 0x00000400 | 0x000003C0 | 0x00000040 | 0x00000020 |\n"
                         "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  | MaxFreeBlkSz  |\n"
                         "      | 0x00001000 | 0x00000700 | 0x00000900 | 0x00000100 | 0x00000600    |\n"
                         "---------------------------------------------------------------------------\n"
                         "[POOL]| PoolSz     | FreeSz     | UsedSz     | MinFreeSz  | MaxFreeBlkSz  |\n"
                         "      | 0x00000800 | 0x00000120 | 0x000006E0 | 0x000000A0 | 0x00000020    |\n"
                         "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00001000 | 0x00000700 | 0x00000900 | 0x00000100 |\n"
                         "soak: cycle 4\n"
                         "[POOL]| PoolSz     | FreeSz     | UsedSz     | BlkSz      |\n"
                         "      | 0x00000400 | 0x000003C0 | 0x00000040 | 0x00000020 |\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.ntables, 3);
    const pool_info_t *ours = &g_log.tables[0].pool, *alios = &g_log.tables[1].pool;
    cr_assert(g_log.tables[0].has_pool && ours->has_blk_size && !ours->has_min_free);
    cr_assert_eq(ours->used, 0x40);
    cr_assert(g_log.tables[1].has_pool && alios->has_min_free && alios->has_max_free_blk);
    cr_assert_eq(alios->used, 0x6E0);
    cr_assert_eq(alios->min_free, 0xA0);
    cr_assert_not(g_log.tables[2].has_pool, "a [POOL] row after other output belongs to no [HEAP] table");
    cr_assert_eq(g_log.nskipped_kinds, 1);
}

Test(mmlog, reads_alios_dumpsys_mm_info_in_its_own_order)
{
    assert_log_loads(FIXTURES "/alios_dumpsys_mm_info.log", &g_log);
    cr_assert_eq(g_log.ndumps, 1);
    const mm_dump_t *d = &g_log.dumps[0];
    cr_assert_eq(d->nblocks, 11, "ALL BLOCKS rows only, not the free list after them");
    cr_assert_eq(d->blocks[0].addr, 0x20010040, "one 0x, as print_block prints it");
    cr_assert_eq(d->blocks[4].owner, 0x08006e09, "the caller, not the call trace after it");
    cr_assert_not(d->blocks[7].chk_ok);
    cr_assert_eq(d->blocks[10].stat, MM_BLK_SENTINEL);
    cr_assert(d->has_info && d->info.has_max_free_blk && d->info.has_pool);
    cr_assert_eq(d->info.pool.size, 1536);
    cr_assert_eq(g_log.ntables, 0, "the dump's own overview is not a cycle");
    cr_assert_eq(g_log.nskipped_kinds, 1, "the mmblk statistic");
    cr_assert(strstr(g_log.skipped[0].what, "[POOL]| BlkSize | UsedSize"), "%s", g_log.skipped[0].what);
    cr_assert_eq(g_log.nwarnings, 0);
}

/* The debug README's layouts: Heap Info without a [POOL] row, and a dump
 * whose overview is a table in other columns (skipped: the dump ends
 * there, without figures). */
Test(mmlog, reads_the_debug_readme_layouts)
{
    assert_log_loads(FIXTURES "/alios_debug_readme.log", &g_log);
    cr_assert_eq(g_log.ntables, 8);
    cr_assert(g_log.tables[0].has_max_free_blk && !g_log.tables[0].has_pool);
    cr_assert_eq(g_log.ndumps, 1);
    cr_assert_eq(g_log.dumps[0].nblocks, 5);
    cr_assert_not(g_log.dumps[0].has_info);
    cr_assert_eq(g_log.nskipped_kinds, 1);
    cr_assert_eq(g_log.skipped[0].first_line, 75);
    cr_assert_eq(g_log.nwarnings, 0);
}

/* ---- boots ---------------------------------------------------------------- */
Test(mmlog, boots_are_told_apart_by_banner_and_by_a_risen_low_water_mark)
{
    static const mm_boot_cause_t causes[] = {MM_BOOT_LOG_START, MM_BOOT_BANNER_SEEN, MM_BOOT_MIN_FREE_ROSE,
                                             MM_BOOT_BANNER_SEEN};
    static const size_t tables[] = {9, 9, 9, 3};
    assert_log_loads(FIXTURES "/alios_reboots.log", &g_log);
    cr_assert_eq(g_log.nboots, 4);
    for (size_t b = 0; b < 4; b++) {
        cr_assert_eq(g_log.boots[b].cause, causes[b], "boot %zu", b + 1);
        cr_assert_eq(g_log.boots[b].ntables, tables[b], "boot %zu", b + 1);
        cr_assert_eq(mm_log_boot_of_table(&g_log, g_log.boots[b].first_table), b);
    }
    cr_assert_eq(g_log.boots[1].first_line, 84, "the banner's line");
    cr_assert_eq(g_log.boots[2].before, 0x3D000);
    cr_assert_eq(g_log.boots[2].after, 0x46E10);
}

Test(mmlog, a_changed_total_or_a_risen_pool_low_water_mark_is_a_new_boot)
{
    cr_assert(parse_text(OVERVIEW("0x00000800", "0x00000800")
                         "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00002000 | 0x00001800 | 0x00000800 | 0x00000100 |\n"
                         "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00002000 | 0x00001800 | 0x00000800 | 0x00000100 |\n"
                         "[POOL]| PoolSz     | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00000800 | 0x00000100 | 0x00000700 | 0x00000080 |\n"
                         "[HEAP]| TotalSz    | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00002000 | 0x00001800 | 0x00000800 | 0x00000100 |\n"
                         "[POOL]| PoolSz     | FreeSz     | UsedSz     | MinFreeSz  |\n"
                         "      | 0x00000800 | 0x00000700 | 0x00000100 | 0x00000600 |\n",
                         &g_log),
              "%s", g_log.error.text);
    cr_assert_eq(g_log.nboots, 3);
    cr_assert_eq(g_log.boots[1].cause, MM_BOOT_TOTAL_CHANGED);
    cr_assert_eq(g_log.boots[1].ntables, 2);
    cr_assert_eq(g_log.boots[2].cause, MM_BOOT_POOL_MIN_FREE_ROSE);
    cr_assert_eq(g_log.boots[2].first_table, 3);
    cr_assert_eq(g_log.boots[2].first_line, 13);
}

/* Negative control: a heap that leaks, whose MinFreeSz only falls, is one
 * boot however long it runs. */
Test(mmlog, a_falling_low_water_mark_is_one_boot)
{
    assert_log_loads(SOAK_DIR "/soak_vendor.log", &g_log);
    cr_assert_gt(g_log.ntables, 1000);
    cr_assert_eq(g_log.nboots, 1);
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
    cr_assert_eq(g_log.boots[0].first_failure.line, 11);
    cr_assert_eq(g_log.boots[0].tables_before_failure, 2);
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
