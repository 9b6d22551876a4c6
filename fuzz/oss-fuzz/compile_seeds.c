/* compile_seeds HARNESS OUT_DIR FILE.ops...
 * compile_seeds --max-len   prints FUZZ_MAX_INPUT_LEN (the engines' max_len)
 *
 * Compiles text scenarios to the binary inputs a fuzzer's seed corpus holds,
 * one OUT_DIR/<name> per <name>.ops, with the same compiler as
 * `replay_<harness> --compile` (fuzz_text_compile). It links nothing but
 * fuzz/fuzz_input.c and the kernel's fault-point names (kernel/port/k_fault.c),
 * so the OSS-Fuzz build (fuzz/oss-fuzz/CMakeLists.txt) can build it with a
 * plain $CC and run it inside the build, whatever sanitizer and engine the
 * fuzz targets themselves are built for. A scenario written for another harness,
 * or one that does not compile, is an error: a seed corpus must not shrink
 * silently. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

#define MAX_TEXT (1u << 20)
#define MAX_INPUT (64u << 10)

static int compile_one(harness_kind_t want, const char *out_dir, const char *path)
{
    static char text[MAX_TEXT + 1];
    static uint8_t bin[MAX_INPUT];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "compile_seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fread(text, 1, MAX_TEXT, f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(stderr, "compile_seeds: %s: larger than %u bytes\n", path, MAX_TEXT);
        return -1;
    }
    text[n] = '\0';

    char err[256];
    harness_kind_t h;
    long len = fuzz_text_compile(text, bin, sizeof bin, &h, err, sizeof err);
    if (len < 0) {
        fprintf(stderr, "compile_seeds: %s: %s\n", path, err);
        return -1;
    }
    if (h != want) {
        fprintf(stderr, "compile_seeds: %s: a %s scenario, not %s\n", path, fuzz_harness_name(h),
                fuzz_harness_name(want));
        return -1;
    }

    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t stem = strlen(base);
    if (stem > 4 && !strcmp(base + stem - 4, ".ops"))
        stem -= 4;
    char out[4096];
    if (snprintf(out, sizeof out, "%s/%.*s", out_dir, (int)stem, base) >= (int)sizeof out) {
        fprintf(stderr, "compile_seeds: %s: output path too long\n", path);
        return -1;
    }
    FILE *o = fopen(out, "wb");
    if (!o || fwrite(bin, 1, (size_t)len, o) != (size_t)len || fclose(o) != 0) {
        fprintf(stderr, "compile_seeds: cannot write %s\n", out);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--max-len")) {
        printf("%d\n", (int)FUZZ_MAX_INPUT_LEN);
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: compile_seeds mm|timer|system OUT_DIR FILE.ops... | --max-len\n");
        return 2;
    }
    int h = fuzz_harness_by_name(argv[1]);
    if (h < 0) {
        fprintf(stderr, "compile_seeds: unknown harness '%s'\n", argv[1]);
        return 2;
    }
    int failed = 0;
    for (int i = 3; i < argc; i++)
        failed |= compile_one((harness_kind_t)h, argv[2], argv[i]) != 0;
    return failed;
}
