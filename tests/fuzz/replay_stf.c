/* SPDX-License-Identifier: MIT */
/* Replays the STF fuzz corpus through the fuzz target (make check). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *bigger = realloc(buf, cap);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = bigger;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* an exact-size copy, so ASan builds catch any over-read */
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    const char *src = getenv("SNOW_TOP_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/stf", argc > 1 ? argv[1] : src ? src : ".");
    if (argc > 1)
        snprintf(dir, sizeof dir, "%s", argv[1]);
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay_stf: cannot open %s\n", dir);
        return 1;
    }
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (replay_file(path) != 0) {
            fprintf(stderr, "replay_stf: cannot read %s\n", path);
            closedir(d);
            return 1;
        }
        count++;
    }
    closedir(d);
    printf("replay_stf: %zu inputs from %s, no failure\n", count, dir);
    return count > 0 ? 0 : 1;
}
