/* export_c: a finding's program as a standalone C reproducer on the public
 * API, from the op table's C forms (fuzz_op_format_c) and a template.
 *
 * usage: export_c host|device SCENARIO.ops [TITLE]
 *   host    a Criterion test (fuzz/repro/repro_host.c.in)
 *   device  a function to call on the board (fuzz/repro/repro_device.c.in)
 * Both take the program's own blocks and the driver calls from
 * fuzz/repro/repro_common.c.in.
 * Writes the C file to stdout. Exit status 0; 1 when the scenario does not
 * compile or has an op without a C form (the message names it); 2 for a
 * usage error. Only system-harness programs (driver findings) export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#define MAX_INPUT 8192
#define MAX_TEXT (256 * 1024)

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = f ? calloc(1, MAX_TEXT) : NULL;
    if (text && fread(text, 1, MAX_TEXT - 1, f) == MAX_TEXT - 1) {
        free(text);
        text = NULL;
    }
    if (f)
        fclose(f);
    return text;
}

/* The program's statements, each after indent and on its own line. */
static int print_program(const uint8_t *data, size_t size, const char *indent, const char *scenario)
{
    fuzz_reader_t r;
    fuzz_header_t hdr;
    fuzz_reader_init(&r, data, size, HARNESS_SYSTEM);
    fuzz_read_header(&r, &hdr);
    printf("repro_boot(0x%llxull);\n", (unsigned long long)hdr.start_tick); /* after the template line's indent */
    for (int i = 0; i < FUZZ_FAULT_SLOTS; i++)
        if (hdr.fault[i].point >= 0)
            printf("%srepro_fault_at(\"%s\", %u);\n", indent, k_fault_point_name((k_fault_point_t)hdr.fault[i].point),
                   hdr.fault[i].nth);
    fuzz_op_t op;
    char line[160];
    for (unsigned step = 0; fuzz_next_op(&r, &op); step++) {
        if (!fuzz_op_format_c(&op, line, sizeof line)) {
            fprintf(stderr, "export_c: %s: step %u: op '%s' has no C form\n", scenario, step, fuzz_op_name(op.code));
            return 1;
        }
        printf("%s%s\n", indent, line);
    }
    printf("%srepro_suspend(); /* the harness ends every program with a suspend */\n", indent);
    return 0;
}

/* A title inside a C comment: no comment end. */
static void print_title(const char *title)
{
    for (const char *c = title; *c; c++)
        putchar(*c == '*' && c[1] == '/' ? '+' : *c == '\n' ? ' ' : *c);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4 || (strcmp(argv[1], "host") && strcmp(argv[1], "device"))) {
        fprintf(stderr, "usage: export_c host|device SCENARIO.ops [TITLE]\n");
        return 2;
    }
    char tmpl_path[4096], common_path[4096];
    snprintf(tmpl_path, sizeof tmpl_path, "%sfuzz/repro/repro_%s.c.in", RTOSFUZZ_SOURCE_DIR, argv[1]);
    snprintf(common_path, sizeof common_path, "%sfuzz/repro/repro_common.c.in", RTOSFUZZ_SOURCE_DIR);
    char *scenario = read_text(argv[2]), *tmpl = read_text(tmpl_path), *common = read_text(common_path);
    if (!scenario || !tmpl || !common) {
        fprintf(stderr, "export_c: cannot read %s\n", !scenario ? argv[2] : !tmpl ? tmpl_path : common_path);
        return 1;
    }
    static uint8_t data[MAX_INPUT];
    harness_kind_t h;
    char err[256];
    long size = fuzz_text_compile(scenario, data, sizeof data, &h, err, sizeof err);
    if (size < 0 || h != HARNESS_SYSTEM) {
        fprintf(stderr, "export_c: %s: %s\n", argv[2],
                size < 0 ? err : "only system-harness programs (the driver's) export as C");
        return 1;
    }
    for (char *line = tmpl, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!strcmp(line, "@COMMON@")) { /* the part both variants share */
            fputs(common, stdout);
            continue;
        }
        char *at = strstr(line, "@PROGRAM@");
        if (at) {
            *at = '\0';
            printf("%s", line);
            if (print_program(data, (size_t)size, line, argv[2]))
                return 1;
            continue;
        }
        for (char *p = line; *p; p++) {
            if (!strncmp(p, "@TITLE@", 7)) {
                print_title(argc == 4 ? argv[3] : "a finding's program");
                p += 6;
            } else if (!strncmp(p, "@SCENARIO@", 10)) {
                print_title(argv[2]);
                p += 9;
            } else
                putchar(*p);
        }
        putchar('\n');
    }
    free(scenario);
    free(tmpl);
    free(common);
    return 0;
}
