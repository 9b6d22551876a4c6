/* Feeds files, and the files in directories, to LLVMFuzzerTestOneInput
 * without libFuzzer: CTest replays the regression corpus this way in every
 * build, and a crashing input found by the fuzzer is rerun by hand. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    char err[512];
    char *buf;
    size_t len;
    if (read_whole_file(path, &buf, &len, err, sizeof err) != 0) {
        fprintf(stderr, "replay: %s\n", err);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    return 0;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int not_hidden(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Sorted, so that a run is the same run every time. */
static int replay_directory(const char *dir, int *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, not_hidden, alphasort);
    if (n < 0) {
        perror(dir);
        return -1;
    }
    int status = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (!is_directory(path)) {
            status |= replay_file(path);
            ++*count;
        }
        free(names[i]);
    }
    free(names);
    return status;
}

int main(int argc, char **argv)
{
    int status = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        if (is_directory(argv[i])) {
            status |= replay_directory(argv[i], &count);
        } else {
            status |= replay_file(argv[i]);
            count++;
        }
    }
    if (status) {
        fprintf(stderr, "replay: some inputs could not be read\n");
        return 1;
    }
    printf("replayed %d inputs\n", count);
    return 0;
}
