/* What both command-line tools do the same way: load a log and say what
 * was wrong with it, as "tool: LOG:LINE: warning|error: ...". */
#ifndef MM_CLI_H
#define MM_CLI_H

#include "mm_log.h"

/* Exit status for bad usage or input that cannot be read or parsed. */
#define CLI_EXIT_BAD_INPUT 2
/* Exit status when the input was read but cannot support an answer:
 * mmtrend found no boot with the cycles a verdict needs; mmdump's ELF names
 * none of the dump's owners (the wrong ELF). */
#define CLI_EXIT_INCONCLUSIVE 3

/* --help (asked): the usage on stdout, exit status 0. Otherwise why (if
 * any) and the usage on stderr, exit status CLI_EXIT_BAD_INPUT. */
int cli_usage(bool asked, const char *tool, const char *usage, const char *why);

/* Reads and parses the log at path, printing its warnings, the tables it
 * skipped and any error to stderr. Returns 0, or CLI_EXIT_BAD_INPUT (log is then already freed). */
int cli_load_log(const char *tool, const char *path, mm_log_t *log);

#endif
