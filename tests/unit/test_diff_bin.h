/* tests/unit/test_diff_bin.h: runs the built pscope-diff binary for the CUnit tests
 * (posix_spawn, no shell) and reads its output files. Header-only (static functions)
 * because each tests/unit/test_*.c is its own program; PSCOPE_BUILD_DIR comes from the
 * Makefile. */
#ifndef PSCOPE_TEST_DIFF_BIN_H
#define PSCOPE_TEST_DIFF_BIN_H

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Run PSCOPE_BUILD_DIR/bin/pscope-diff with the arguments `pre` (NULL-terminated, or NULL
 * for none) followed by `args` (NULL-terminated; at most 30 in all); standard output goes
 * to the file `out`, standard error to `err`. Returns the exit code, or -1 if the program
 * could not be run or did not exit normally. */
static int tdiff_run(const char *const *pre, const char *const *args, const char *out,
                     const char *err)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/bin/pscope-diff", PSCOPE_BUILD_DIR);
    char *argv[32];
    int n = 0;
    argv[n++] = bin;
    for (int i = 0; pre && pre[i] && n < 31; i++)
        argv[n++] = (char *)pre[i];
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int st;
    if (rc != 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* The whole file at `path` as a NUL-terminated string (caller frees), or NULL. */
static char *tdiff_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc(len > 0 ? (size_t)len + 1 : 1);
    size_t got = s && len > 0 ? fread(s, 1, (size_t)len, f) : 0;
    if (s)
        s[got] = '\0';
    fclose(f);
    return s;
}

#endif
