/* tests/unit/test_stats_fixture.h: fixture databases and a tool runner shared by
 * test_stats.c and test_toollib.c (header only: each test binary is one .c file).
 *
 * Fixtures never depend on the collector: the embedded schema (sql/schema.sql through
 * pscope_sql_text) is applied to a fresh file and known rows are inserted with bound
 * parameters, so every expected figure in the tests is computed by hand from the rows
 * below. The main fixture (fx_build_main) holds:
 *
 *   run 1 "base"    complete, 19 calls seen, 5 stored (the first calls only)
 *     functions (thread time = 1,000,000 ns = sum of self):
 *       main   main.c:10  calls 1  prim 1  total 1,000,000  self  50,000  (p = 0.05)
 *       work   work.c:20  calls 10 prim 10 total   700,000  self 700,000  (p = 0.70)
 *       helper util.c:5   calls 1  prim 1  total    50,000  self  50,000  (p = 0.05)
 *       rec    rec.c:7    calls 7  prim 1  total   200,000  self 200,000  (p = 0.20)
 *     call paths: main -> work (10), main -> helper (1), main -> rec (1) -> rec (2) -> rec (4)
 *     threads: main thread (tid 100) with all four functions; "idle" (tid 101), no calls
 *   run 2 "dist"    complete, 100 calls seen and stored: dist() took 1000*i ns, i = 1..100;
 *                   stages "parse" (2 spans) and "emit"; resource samples
 *   run 3 "crashed" incomplete
 *   run 4 "hostile" complete: functions with hostile names (see FX_HOSTILE_*)
 */
#ifndef TEST_STATS_FIXTURE_H
#define TEST_STATS_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hist.h"
#include "sql_embed.h"

extern char **environ;

/* Every helper is static and used by some but not all test files. */
#define FX_FN __attribute__((unused)) static

#define FX_HOSTILE_PIPE "a|b"
#define FX_HOSTILE_NL "new\nline"
#define FX_HOSTILE_CSV "say \"hi\", then"
#define FX_HOSTILE_HTML "<script>alert(1)</script>"

static char fx_dir[256];

/* A fresh temporary directory for this test binary (removed by fx_cleanup). */
FX_FN const char *fx_tmpdir(void)
{
    if (!fx_dir[0]) {
        snprintf(fx_dir, sizeof fx_dir, "/tmp/pscope-test-XXXXXX");
        if (!mkdtemp(fx_dir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    return fx_dir;
}

/* Path of a file in the temporary directory (static buffer rotation of 8). */
FX_FN const char *fx_path(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512, "%s/%s", fx_tmpdir(), name);
    return b;
}

FX_FN void fx_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fixture SQL failed: %s\n%s\n", err, sql);
        exit(1);
    }
}

/* Run one statement with bound parameters: fmt letters i (int64), d (double), t (text,
 * NULL binds NULL), n (NULL). */
FX_FN void fx_sql(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fixture prepare failed: %s\n%s\n", sqlite3_errmsg(db), sql);
        exit(1);
    }
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        int k = i + 1;
        switch (fmt[i]) {
        case 'i': sqlite3_bind_int64(st, k, va_arg(ap, long long)); break;
        case 'd': sqlite3_bind_double(st, k, va_arg(ap, double)); break;
        case 't': {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, k, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, k);
            break;
        }
        default: sqlite3_bind_null(st, k); break;
        }
    }
    va_end(ap);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "fixture step failed: %s\n%s\n", sqlite3_errmsg(db), sql);
        exit(1);
    }
    sqlite3_finalize(st);
}

/* A new database file with the embedded schema applied. */
FX_FN sqlite3 *fx_create(const char *path)
{
    unlink(path);
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(1);
    }
    const char *schema = pscope_sql_text("schema");
    if (!schema) {
        fprintf(stderr, "schema not embedded\n");
        exit(1);
    }
    fx_exec(db, schema);
    return db;
}

FX_FN void fx_run(sqlite3 *db, long long id, const char *label, int complete, long long seen,
                   long long stored, long long dur)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "./prog %lld", id);
    fx_sql(db,
           "INSERT INTO run(id, label, command, pid, started_wall, ended_wall, dur, scale, clock,"
           " pscope_version, calls_seen, calls_stored, complete) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
           "ittiiiidttiii", id, label, cmd, 1000 + id, 1700000000000000000LL + id,
           complete ? 1700000000000000000LL + id + dur : 0LL, dur, (double)(id * 10), "tsc",
           "0.1.0", seen, stored, (long long)complete);
    if (!complete)
        fx_sql(db, "UPDATE run SET ended_wall = NULL WHERE id = ?", "i", id);
}

FX_FN void fx_function(sqlite3 *db, long long id, long long run, const char *name,
                        const char *file, long long line)
{
    fx_sql(db, "INSERT INTO function(id, run_id, name, module, file, line, address, offset)"
               " VALUES(?,?,?,?,?,?,?,?)",
           "iitttiii", id, run, name, "/bin/prog", file, line, 4096 + id, id);
    if (!file)
        fx_sql(db, "UPDATE function SET line = NULL WHERE id = ?", "i", id);
}

FX_FN void fx_stat(sqlite3 *db, long long fid, long long run, long long calls, long long prim,
                    long long total, long long self, long long sum, double sumsq, long long mn,
                    long long mx)
{
    fx_sql(db, "INSERT INTO function_stat(function_id, run_id, calls, primitive_calls, total_dur,"
               " self_dur, sum_dur, sum_sq_dur, min_dur, max_dur) VALUES(?,?,?,?,?,?,?,?,?,?)",
           "iiiiiiidii", fid, run, calls, prim, total, self, sum, sumsq, mn, mx);
}

/* Histogram rows of `durs` for function fid (table function_hist or stage_hist). */
FX_FN void fx_hist(sqlite3 *db, const char *table, long long owner, const long long *durs,
                    size_t n)
{
    long long *count = calloc(PSCOPE_HIST_BUCKETS, sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[pscope_hist_bucket((uint64_t)durs[i])]++;
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES(?,?,?,?,?)", table);
    for (uint32_t b = 0; b < PSCOPE_HIST_BUCKETS; b++)
        if (count[b])
            fx_sql(db, sql, "iiiii", owner, (long long)b, (long long)pscope_hist_bucket_lo(b),
                   (long long)pscope_hist_bucket_hi(b), count[b]);
    free(count);
}

FX_FN void fx_callpath(sqlite3 *db, long long id, long long run, long long parent, long long fid,
                        long long depth, long long calls, long long total, long long self)
{
    fx_sql(db, "INSERT INTO callpath(id, run_id, parent_id, function_id, depth, calls, total_dur,"
               " self_dur, min_dur, max_dur) VALUES(?,?,?,?,?,?,?,?,?,?)",
           "iiiiiiiiii", id, run, parent, fid, depth, calls, total, self, calls ? total / calls : 0,
           total);
    if (parent == 0)
        fx_sql(db, "UPDATE callpath SET parent_id = NULL WHERE id = ?", "i", id);
}

FX_FN void fx_thread(sqlite3 *db, long long id, long long run, long long tid, const char *name,
                      int is_main, long long calls)
{
    fx_sql(db, "INSERT INTO thread(id, run_id, tid, name, is_main, ts, end_ts, calls)"
               " VALUES(?,?,?,?,?,?,?,?)",
           "iiitiiii", id, run, tid, name, (long long)is_main, 0LL, 1000000LL, calls);
}

FX_FN void fx_thread_stat(sqlite3 *db, long long thread, long long fid, long long calls,
                           long long total, long long self)
{
    fx_sql(db, "INSERT INTO thread_stat VALUES(?,?,?,?,?)", "iiiii", thread, fid, calls, total,
           self);
}

FX_FN void fx_call(sqlite3 *db, long long seq, long long run, long long thread, long long cp,
                    long long fid, long long ts, long long dur)
{
    fx_sql(db, "INSERT INTO call(id, run_id, thread_id, callpath_id, function_id, parent_id,"
               " depth, ts, dur, self_dur) VALUES(?,?,?,?,?,?,?,?,?,?)",
           "iiiiiniiii", (run << 40) + seq, run, thread, cp, fid, 0LL, ts, dur, dur);
}

/* The main fixture described at the top of this file. */
FX_FN void fx_build_main(const char *path)
{
    sqlite3 *db = fx_create(path);
    fx_exec(db, "BEGIN");
    /* run 1 "base" */
    fx_run(db, 1, "base", 1, 19, 5, 1200000);
    fx_function(db, 1, 1, "main", "main.c", 10);
    fx_function(db, 2, 1, "work", "work.c", 20);
    fx_function(db, 3, 1, "helper", "util.c", 5);
    fx_function(db, 4, 1, "rec", "rec.c", 7);
    fx_stat(db, 1, 1, 1, 1, 1000000, 50000, 1000000, 1e12, 1000000, 1000000);
    fx_stat(db, 2, 1, 10, 10, 700000, 700000, 700000, 4.9e10, 70000, 70000);
    fx_stat(db, 3, 1, 1, 1, 50000, 50000, 50000, 2.5e9, 50000, 50000);
    /* rec: outermost 200,000; nested 2 x 75,000 and 4 x 20,000: sum of durations 430,000 */
    fx_stat(db, 4, 1, 7, 1, 200000, 200000, 430000, 0, 20000, 200000);
    long long d_main[] = {1000000}, d_helper[] = {50000};
    long long d_work[10], d_rec[] = {200000, 75000, 75000, 20000, 20000, 20000, 20000};
    for (int i = 0; i < 10; i++)
        d_work[i] = 70000;
    fx_hist(db, "function_hist", 1, d_main, 1);
    fx_hist(db, "function_hist", 2, d_work, 10);
    fx_hist(db, "function_hist", 3, d_helper, 1);
    fx_hist(db, "function_hist", 4, d_rec, 7);
    fx_callpath(db, 1, 1, 0, 1, 0, 1, 1000000, 50000);
    fx_callpath(db, 2, 1, 1, 2, 1, 10, 700000, 700000);
    fx_callpath(db, 3, 1, 1, 3, 1, 1, 50000, 50000);
    fx_callpath(db, 4, 1, 1, 4, 1, 1, 200000, 50000);
    fx_callpath(db, 5, 1, 4, 4, 2, 2, 150000, 70000);
    fx_callpath(db, 6, 1, 5, 4, 3, 4, 80000, 80000);
    fx_thread(db, 1, 1, 100, "base-main", 1, 19);
    fx_thread(db, 2, 1, 101, "idle", 0, 0);
    fx_thread_stat(db, 1, 1, 1, 1000000, 50000);
    fx_thread_stat(db, 1, 2, 10, 700000, 700000);
    fx_thread_stat(db, 1, 3, 1, 50000, 50000);
    fx_thread_stat(db, 1, 4, 7, 200000, 200000);
    for (int i = 0; i < 5; i++)
        fx_call(db, i, 1, 1, 2, 2, 1000 * i, 70000);

    /* run 2 "dist": 100 calls of dist(), 1000*i ns, every call stored */
    fx_run(db, 2, "dist", 1, 100, 100, 6000000);
    fx_function(db, 10, 2, "dist", "dist.c", 3);
    long long d_dist[100], sum = 0;
    double sumsq = 0;
    for (int i = 0; i < 100; i++) {
        d_dist[i] = 1000LL * (i + 1);
        sum += d_dist[i];
        sumsq += (double)d_dist[i] * (double)d_dist[i];
    }
    /* insert in a shuffled order: the exact percentiles must sort */
    for (int k = 0; k < 100; k++) {
        int i = (k * 37) % 100;
        fx_call(db, k, 2, 3, 10, 10, 10000LL * k, d_dist[i]);
    }
    fx_stat(db, 10, 2, 100, 100, sum, sum, sum, sumsq, 1000, 100000);
    fx_hist(db, "function_hist", 10, d_dist, 100);
    fx_callpath(db, 10, 2, 0, 10, 0, 100, sum, sum);
    fx_thread(db, 3, 2, 200, "dist-main", 1, 100);
    fx_thread_stat(db, 3, 10, 100, sum, sum);
    /* stages: parse x2 (in 100/50, out 80/40, 1 ms + 2 ms), emit x1 (no records) */
    fx_sql(db, "INSERT INTO stage(id, run_id, thread_id, name, ts, dur, records_in, records_out,"
               " record_marks, cpu_ns, rss_begin, rss_end, minflt, majflt)"
               " VALUES(1, 2, 3, 'parse', 0, 1000000, 100, 80, 100, 500000, 4096, 8192, 3, 0),"
               "       (2, 2, 3, 'parse', 2000000, 2000000, 50, 40, 50, 1500000, 8192, 8192, 1, 0),"
               "       (3, 2, 3, 'emit', 5000000, 500000, NULL, NULL, 0, 400000, 8192, 4096, 0, 0)",
           "");
    long long lat1[100], lat2[50];
    for (int i = 0; i < 100; i++)
        lat1[i] = 10000;
    for (int i = 0; i < 50; i++)
        lat2[i] = 40000;
    fx_hist(db, "stage_hist", 1, lat1, 100);
    fx_hist(db, "stage_hist", 2, lat2, 50);
    /* resources: 2 process rows, 3 thread rows (2 in dist within parse, 1 in dist) */
    fx_sql(db, "INSERT INTO resource_sample(run_id, ts, thread_id, cpu_user_ns, cpu_sys_ns, rss,"
               " rss_delta, minflt, majflt, function_id, callpath_id, stage_id)"
               " VALUES(2, 1000, NULL, 900000, 100000, 1048576, 1048576, 10, 0, NULL, NULL, NULL),"
               "       (2, 2000, NULL, 800000, 200000, 2097152, 1048576, 5, 1, NULL, NULL, NULL),"
               "       (2, 1000, 3, 600000, 0, 1048576, NULL, 2, 0, 10, 10, 1),"
               "       (2, 2000, 3, 300000, 100000, 2097152, NULL, 1, 0, 10, 10, 2),"
               "       (2, 3000, 3, 200000, 0, 2097152, NULL, 0, 0, 10, 10, NULL)",
           "");

    /* run 3 "crashed": incomplete */
    fx_run(db, 3, "crashed", 0, 3, 0, 500000);
    fx_function(db, 20, 3, "main", "main.c", 10);
    fx_stat(db, 20, 3, 3, 3, 500000, 500000, 500000, 0, 100000, 300000);
    fx_callpath(db, 20, 3, 0, 20, 0, 3, 500000, 500000);

    /* run 4 "hostile": names that must be escaped in every format */
    fx_run(db, 4, "hostile", 1, 4, 0, 400000);
    const char *names[] = {FX_HOSTILE_PIPE, FX_HOSTILE_NL, FX_HOSTILE_CSV, FX_HOSTILE_HTML};
    for (int i = 0; i < 4; i++) {
        fx_function(db, 30 + i, 4, names[i], i == 0 ? NULL : "h.c", 1 + i);
        fx_stat(db, 30 + i, 4, 1, 1, 100000 - i, 100000 - i, 100000 - i, 0, 100000 - i,
                100000 - i);
        fx_callpath(db, 30 + i, 4, 0, 30 + i, 0, 1, 100000 - i, 100000 - i);
    }
    fx_exec(db, "COMMIT");
    sqlite3_close(db);
}

/* ---- running the built tools ---------------------------------------------------------- */

typedef struct {
    int status; /* exit code, or 128 + signal */
    char *out;  /* stdout, NUL-terminated (free with fx_result_free) */
    char *err;  /* stderr */
} fx_result;

FX_FN void fx_result_free(fx_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

FX_FN char *fx_tool_path(const char *tool)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 512, "%s/bin/%s", PSCOPE_BUILD_DIR, tool);
    return b;
}

/* Append to a growing buffer. */
FX_FN void fx_append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Run argv (argv[0] is the program path) with environment envp (NULL: inherit) without
 * a shell, capturing stdout and stderr. If stdout_fd >= 0, the child's stdout is that
 * descriptor instead of a pipe (r->out is then empty). */
FX_FN fx_result fx_run_argv_fd(char *const argv[], char *const envp[], int stdout_fd)
{
    fx_result r = {0, calloc(1, 1), calloc(1, 1)};
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        perror("pipe");
        exit(1);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, stdout_fd >= 0 ? stdout_fd : po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        fprintf(stderr, "posix_spawn %s: %s\n", argv[0], strerror(rc));
        r.status = -1;
        close(po[0]);
        close(pe[0]);
        return r;
    }
    size_t lo = 0, le = 0;
    struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        if (poll(pf, 2, 30000) <= 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(pf[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
            } else if (i == 0) {
                fx_append(&r.out, &lo, buf, (size_t)n);
            } else {
                fx_append(&r.err, &le, buf, (size_t)n);
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

FX_FN fx_result fx_run_argv(char *const argv[], char *const envp[])
{
    return fx_run_argv_fd(argv, envp, -1);
}

/* Run `tool` with a NULL-terminated list of arguments. */
FX_FN fx_result fx_tool(const char *tool, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = fx_tool_path(tool);
    va_list ap;
    va_start(ap, tool);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 63)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return fx_run_argv(argv, NULL);
}

/* Read a whole file (NULL if it cannot be read); caller frees. */
FX_FN char *fx_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    char tmp[4096];
    size_t n;
    buf = calloc(1, 1);
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        fx_append(&buf, &len, tmp, n);
    fclose(f);
    return buf;
}

FX_FN void fx_write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(data, 1, n, f);
    fclose(f);
}

/* Remove the temporary directory and everything in it (no shell). */
FX_FN void fx_cleanup(void)
{
    if (!fx_dir[0])
        return;
    char *argv[] = {"/bin/rm", "-rf", fx_dir, NULL};
    fx_result r = fx_run_argv(argv, NULL);
    fx_result_free(&r);
    fx_dir[0] = '\0';
}

#endif /* TEST_STATS_FIXTURE_H */
