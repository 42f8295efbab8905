/* tests/unit/collector_fixture.h: running instrumented test programs under the collector
 * and querying the database they write; shared by test_collector.c and test_lifecycle.c
 * (header only: each test binary is one .c file).
 *
 * Programs (tests/progs, built by `make test`) are started with posix_spawn and an
 * explicit environment (no shell) in a fresh temporary directory per test, preloaded,
 * linked, or through pscope-run; stdout/stderr go to files in that directory.
 */
#ifndef PSCOPE_COLLECTOR_FIXTURE_H
#define PSCOPE_COLLECTOR_FIXTURE_H

/* not every test file uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PSCOPE_BUILD_DIR
#define PSCOPE_BUILD_DIR "build"
#endif

extern char **environ;

static char tmpdir[256];
static char out_path[512], err_path[512];

/* Fresh temporary directory for one test; the working directory of spawned programs. */
static void new_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pscope-test-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    snprintf(out_path, sizeof out_path, "%s/stdout.txt", tmpdir);
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", tmpdir);
}

static char *path_in_tmp(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static const char *prog(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/tests/progs/%s", PSCOPE_BUILD_DIR, name);
    return buf[k];
}

/* Run argv with the current environment minus PSCOPE_* / LD_PRELOAD plus `extra`
 * (NULL-terminated "K=V" list), cwd = cwd, stdout/stderr to files in tmpdir.
 * Returns the exit status, 128+signal when killed, -1 on spawn failure. */
static int run_env(const char *cwd, char *const argv[], const char *const extra[])
{
    char *envp[512];
    size_t n = 0;
    for (char **e = environ; *e && n < 400; e++)
        if (strncmp(*e, "PSCOPE_", 7) != 0 && strncmp(*e, "LD_PRELOAD=", 11) != 0)
            envp[n++] = *e;
    for (size_t i = 0; extra && extra[i] && n < 510; i++)
        envp[n++] = (char *)extra[i];
    envp[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&fa, cwd ? cwd : tmpdir);
    char abs_prog[1024];
    if (argv[0][0] != '/' && strchr(argv[0], '/')) {
        char here[512];
        CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(here, sizeof here));
        snprintf(abs_prog, sizeof abs_prog, "%s/%s", here, argv[0]);
    } else {
        snprintf(abs_prog, sizeof abs_prog, "%s", argv[0]);
    }
    pid_t pid;
    int rc = posix_spawn(&pid, abs_prog, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* First column of the first row of a printf-formatted query, as int64; -999 if none. */
static long long q(sqlite3 *db, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    long long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bad test query: %s: %s\n", sql, sqlite3_errmsg(db));
        return -999;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* First column of the first row as text (static buffer), "" if none. */
static const char *qtext(sqlite3 *db, const char *sql)
{
    static char buf[256];
    sqlite3_stmt *st;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return buf;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static long long calls_of(sqlite3 *db, long long run, const char *fn)
{
    return q(db, "SELECT s.calls FROM function f JOIN function_stat s ON s.function_id=f.id"
                 " WHERE f.run_id=%lld AND f.name='%s'", run, fn);
}

static const char *preload_env(void)
{
    static char buf[600];
    snprintf(buf, sizeof buf, "LD_PRELOAD=%s/lib/libpscope.so", PSCOPE_BUILD_DIR);
    return buf;
}

/* Run tests/progs/NAME (preloaded or -linked) writing t.db; returns the open db. */
static sqlite3 *profile(const char *name, int linked, const char *extra_env)
{
    char exe[64];
    snprintf(exe, sizeof exe, "%s%s", name, linked ? "-linked" : "");
    const char *env[] = {"PSCOPE_OUTPUT=t.db", linked ? "PSCOPE_DUMMY=1" : preload_env(), extra_env, NULL};
    char *argv[] = {(char *)prog(exe), NULL};
    int rc = run_env(NULL, argv, env);
    CU_ASSERT_EQUAL(rc, 0);
    return open_db(path_in_tmp("t.db"));
}

#endif
