/* mmdump LOG ELF: who holds the heap in a device's dump, by function and
 * file:line. See tools/README.md. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"

static const char usage_text[] =
    "usage: mmdump LOG ELF [--all] [--csv | --json]\n"
    "Groups the live blocks of the last heap dump in LOG by owner and names\n"
    "each owner's call site (function, file:line) from ELF, most bytes first.\n"
    "Reads our dump format and AliOS Things `dumpsys mm_info`.\n"
    "  --all    every dump in the log, oldest first\n"
    "  --csv    dump,owner,blocks,bytes,kind,function,file,line rows\n"
    "  --json   the same as one JSON document\n"
    "Exit status: 0 done; 2 bad usage, unreadable ELF, or a log that does not\n"
    "parse (the message names the line) or holds no dump; 3 the ELF names none\n"
    "of the owners (not the firmware that printed the log).\n";

typedef struct {
    const char *log_path;
    const char *elf_path;
    bool all;
    report_style_t style;
} options_t;

static int usage_error(const char *why) { return cli_usage(false, "mmdump", usage_text, why); }

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char **argv, options_t *o)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},  {"csv", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (options_t){.style = REPORT_TEXT};
    for (int c; (c = getopt_long(argc, argv, "", longopts, NULL)) != -1;) {
        if (c == 'h' || c == '?')
            return cli_usage(c == 'h', "mmdump", usage_text, NULL);
        if (c == 'a')
            o->all = true;
        else if (o->style != REPORT_TEXT)
            return usage_error("--csv and --json exclude each other");
        else
            o->style = c == 'c' ? REPORT_CSV : REPORT_JSON;
    }
    if (argc - optind != 2)
        return usage_error("expected a LOG and an ELF");
    o->log_path = argv[optind];
    o->elf_path = argv[optind + 1];
    return -1;
}

static int report_dumps(const options_t *o, const mm_log_t *log, symbolizer_t *sym)
{
    report_t r = {.out = stdout, .style = o->style, .log_path = o->log_path, .elf_path = o->elf_path,
                  .log = log, .sym = sym};
    report_begin(&r);
    for (size_t i = o->all ? 0 : log->ndumps - 1; i < log->ndumps; i++)
        if (report_dump(&r, i) != 0) {
            fprintf(stderr, "mmdump: out of memory\n");
            return CLI_EXIT_BAD_INPUT;
        }
    report_end(&r);
    if (report_elf_names_no_owner(&r)) {
        fprintf(stderr, "mmdump: warning: %s names none of the %zu owners in %s: is it the firmware that printed "
                        "the log?\n",
                o->elf_path, r.owners, o->log_path);
        return CLI_EXIT_INCONCLUSIVE;
    }
    return 0;
}

/* The dumps, with owners symbolized against the ELF. */
static int report_log(const options_t *o, const mm_log_t *log)
{
    char err[512];
    if (log->ndumps == 0) {
        fprintf(stderr, "mmdump: %s: no heap dump found (a \"Blk_Addr ...\" block table)\n", o->log_path);
        return CLI_EXIT_BAD_INPUT;
    }
    symbolizer_t *sym = symbolizer_open(o->elf_path, err, sizeof err);
    if (!sym) {
        fprintf(stderr, "mmdump: %s\n", err);
        return CLI_EXIT_BAD_INPUT;
    }
    int status = report_dumps(o, log, sym);
    symbolizer_close(sym);
    return status;
}

int main(int argc, char **argv)
{
    options_t o;
    mm_log_t log;
    int status = parse_options(argc, argv, &o);
    if (status >= 0 || (status = cli_load_log("mmdump", o.log_path, &log)) != 0)
        return status;
    status = report_log(&o, &log);
    mm_log_free(&log);
    return status;
}
