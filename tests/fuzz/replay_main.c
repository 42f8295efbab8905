/* tests/fuzz/replay_main.c: replays saved inputs through the fuzz targets of targets.c
 * without libFuzzer (built by `make test` as $(B)/tests/fuzz/replay, see mk/hardening.mk;
 * run by tests/e2e/fuzz_regress.sh on tests/fuzz/corpus/<target>/ and tests/fuzz/crashes/).
 *
 *   replay TARGET FILE...     run each FILE through TARGET (config, db, spec, regex)
 *   replay --list             print the target names, one a line
 *
 * Exit status: 0 when every file was run (a crash kills the process, and under ASan the
 * sanitizer's report and exit status say where); 2 on a usage error or an unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

/* Read a whole file into a new buffer (caller frees); NULL on error. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const struct pscope_fuzz_target *t = pscope_fuzz_targets; t->name; t++)
            printf("%s\n", t->name);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: replay TARGET FILE... | replay --list\n");
        return 2;
    }
    pscope_fuzz_fn fn = pscope_fuzz_find(argv[1]);
    if (!fn) {
        fprintf(stderr, "replay: unknown target '%s' (see --list)\n", argv[1]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        size_t len = 0;
        unsigned char *data = slurp(argv[i], &len);
        if (!data) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 2;
        }
        fn(data, len);
        free(data);
    }
    return 0;
}
