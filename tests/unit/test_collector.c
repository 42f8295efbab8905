/* tests/unit/test_collector.c: CUnit tests of libcollect and pscope-run, end to end.
 *
 * Each test runs one of the instrumented programs of tests/progs (built by `make test`)
 * under the collector — preloaded, linked, or through pscope-run — in a fresh temporary
 * directory, then checks the database with SQL against the exact figures documented in
 * each program's header comment. Programs are started with posix_spawn and an explicit
 * environment (no shell).
 */
#include "collector_fixture.h"

/* A timing margin: `plain` in ordinary builds, `sanitized` under AddressSanitizer (check-asan),
 * whose slower threads on a loaded 2-core machine miss wall-clock deadlines more often. */
#ifdef __SANITIZE_ADDRESS__
#define SAN_MARGIN(plain, sanitized) (sanitized)
#else
#define SAN_MARGIN(plain, sanitized) (plain)
#endif

/* ---- tests -------------------------------------------------------------------------- */

static void test_chain_tree(void)
{
    new_tmpdir();
    sqlite3 *db = profile("chain", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 4);
    CU_ASSERT_EQUAL(calls_of(db, 1, "main"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "a"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "b"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c"), 1);
    /* the tree main -> a -> b -> c */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath_summary WHERE path='main;a;b;c' AND depth=3 AND calls=1"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 1);
    /* inclusive = self + callees, exactly */
    CU_ASSERT_EQUAL(q(db, "SELECT (SELECT total_dur FROM callpath_summary WHERE path='main;a')"
                          " - (SELECT self_dur FROM callpath_summary WHERE path='main;a')"
                          " - (SELECT total_dur FROM callpath_summary WHERE path='main;a;b')"), 0);
    /* symbols: file and line from DWARF, module is the executable */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function WHERE name='c' AND file LIKE '%%chain.c'"
                          " AND line > 0 AND module LIKE '%%/chain'"), 1);
    /* histogram holds every call */
    CU_ASSERT_EQUAL(q(db, "SELECT sum(count) FROM function_hist"), 4);
    /* the self-time histogram too; the leaf c's self time is its duration, so its two
     * histograms are the same bucket, and main's self bucket lies below its inclusive one */
    CU_ASSERT_EQUAL(q(db, "SELECT sum(count) FROM function_self_hist"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function_hist h JOIN function_self_hist s USING(function_id, bucket)"
                          " JOIN function f ON f.id = h.function_id WHERE f.name='c'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT (SELECT s.bucket FROM function_self_hist s JOIN function f ON f.id=s.function_id WHERE f.name='main')"
                          " < (SELECT h.bucket FROM function_hist h JOIN function f ON f.id=h.function_id WHERE f.name='main')"), 1);
    sqlite3_close(db);
}

static void test_foo_loop(void)
{
    new_tmpdir();
    sqlite3 *db = profile("foo_loop", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "foo"), 2);
    CU_ASSERT_EQUAL(calls_of(db, 1, "loop"), 6);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='main;foo;loop'"), 6);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='main;foo'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call"), 9);
    sqlite3_close(db);
}

static void test_fib_recursion(void)
{
    new_tmpdir();
    sqlite3 *db = profile("fib", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "fib"), 41);
    CU_ASSERT_EQUAL(q(db, "SELECT primitive_calls FROM function_summary WHERE name='fib'"), 1);
    /* recursion counted once: inclusive time of fib equals the sum of its self time */
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur - self_dur FROM function_summary WHERE name='fib'"), 0);
    CU_ASSERT(q(db, "SELECT total_dur FROM function_summary WHERE name='fib'") > 0);
    /* ... and equals the outermost fib call path's inclusive time */
    CU_ASSERT_EQUAL(q(db, "SELECT s.total_dur - c.total_dur FROM function_summary s, callpath_summary c"
                          " WHERE s.name='fib' AND c.path='main;fib'"), 0);
    /* deepest path: main + 7 fib frames */
    CU_ASSERT_EQUAL(q(db, "SELECT max(depth) FROM callpath"), 7);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 8);
    /* sum of per-call durations covers the recursive calls too */
    CU_ASSERT(q(db, "SELECT sum_dur FROM function_stat s JOIN function f ON f.id=s.function_id WHERE f.name='fib'") >
              q(db, "SELECT total_dur FROM function_summary WHERE name='fib'"));
    sqlite3_close(db);
}

static void test_high_rate_exact(void)
{
    /* fib(27): 392,835 calls, about 785,670 events — many times the first ring (64 Ki
     * records), and the writer spends its first 2 ms calibrating: rings must grow or wait,
     * never lose an event. */
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("fib"), "27", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "fib"), 392835);
    CU_ASSERT_EQUAL(q(db, "SELECT events_lost + unmatched_exits + depth_overflow FROM run"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT total_dur - self_dur FROM function_summary WHERE name='fib'"), 0);
    sqlite3_close(db);
}

static void test_threads(void)
{
    new_tmpdir();
    sqlite3 *db = profile("threads4", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "foo"), 4);
    CU_ASSERT_EQUAL(calls_of(db, 1, "a"), 4);
    CU_ASSERT_EQUAL(calls_of(db, 1, "b"), 4);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 5);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread WHERE is_main=1"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread WHERE name LIKE 'worker-%%' AND calls=4"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='foo;a;b;c'"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM thread_stat t JOIN function f ON f.id=t.function_id WHERE f.name='c'"), 4);
    sqlite3_close(db);
}

static void test_fork_child_run(void)
{
    new_tmpdir();
    sqlite3 *db = profile("forker", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 2);
    long long parent = q(db, "SELECT id FROM run WHERE parent_run_id IS NULL");
    long long child = q(db, "SELECT id FROM run WHERE parent_run_id = %lld", parent);
    CU_ASSERT(parent > 0);
    CU_ASSERT(child > 0);
    CU_ASSERT_EQUAL(calls_of(db, parent, "work"), 1);
    CU_ASSERT_EQUAL(calls_of(db, parent, "parent_work"), 2);
    CU_ASSERT_EQUAL(calls_of(db, parent, "child_work"), -999);
    CU_ASSERT_EQUAL(calls_of(db, child, "child_work"), 3);
    CU_ASSERT_EQUAL(calls_of(db, child, "parent_work"), -999);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE complete=1"), 2);
    CU_ASSERT(q(db, "SELECT pid FROM run WHERE id=%lld", child) != q(db, "SELECT pid FROM run WHERE id=%lld", parent));
    sqlite3_close(db);
}

static void test_exclusion(void)
{
    new_tmpdir();
    sqlite3 *db = profile("excluded", 0, "PSCOPE_EXCLUDE=helper_excluded");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function WHERE name='helper_excluded'"), 0);
    CU_ASSERT_EQUAL(calls_of(db, 1, "inner"), 3);
    CU_ASSERT_EQUAL(calls_of(db, 1, "outer"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='main;outer;inner'"), 3);
    /* the helper spins 2 ms: that time is outer's self time now */
    CU_ASSERT(q(db, "SELECT self_dur FROM function_summary WHERE name='outer'") >= 2000000);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 5);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits FROM run"), 0);
    /* self times still add up to main's inclusive time exactly */
    CU_ASSERT_EQUAL(q(db, "SELECT (SELECT sum(self_dur) FROM callpath) - (SELECT total_dur FROM callpath_summary WHERE path='main')"), 0);
    sqlite3_close(db);

    /* without the exclusion the spin is the helper's own */
    new_tmpdir();
    db = profile("excluded", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "helper_excluded"), 1);
    CU_ASSERT(q(db, "SELECT self_dur FROM function_summary WHERE name='helper_excluded'") >= 2000000);
    CU_ASSERT(q(db, "SELECT self_dur FROM function_summary WHERE name='outer'") < 2000000);
    sqlite3_close(db);
}

static void test_include_pattern(void)
{
    new_tmpdir();
    sqlite3 *db = profile("chain", 0, "PSCOPE_INCLUDE=^(main|c)$");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='main;c'"), 1);
    sqlite3_close(db);
}

static void test_linked_equals_preload(void)
{
    const char *progs[] = {"chain", "foo_loop", "fib", "threads4"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        long long seen[2], paths[2], threads[2];
        for (int linked = 0; linked < 2; linked++) {
            new_tmpdir();
            sqlite3 *db = profile(progs[i], linked, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(db);
            seen[linked] = q(db, "SELECT calls_seen FROM run");
            paths[linked] = q(db, "SELECT count(*) || sum(calls) FROM callpath");
            threads[linked] = q(db, "SELECT count(*) FROM thread");
            sqlite3_close(db);
        }
        CU_ASSERT(seen[0] > 0);
        CU_ASSERT_EQUAL(seen[0], seen[1]);
        CU_ASSERT_EQUAL(paths[0], paths[1]);
        CU_ASSERT_EQUAL(threads[0], threads[1]);
    }
}

static void test_budget(void)
{
    new_tmpdir();
    sqlite3 *db = profile("fib", 0, "PSCOPE_MAX_CALLS=10");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 42);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_stored FROM run"), 10);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call"), 10);
    /* aggregates stay exact */
    CU_ASSERT_EQUAL(calls_of(db, 1, "fib"), 41);
    sqlite3_close(db);

    new_tmpdir();
    db = profile("fib", 0, "PSCOPE_MAX_CALLS=0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_stored FROM run"), 42);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call"), 42);
    /* every stored parent id refers to a stored call; only main has none */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call c WHERE parent_id IS NOT NULL AND NOT EXISTS"
                          " (SELECT 1 FROM call p WHERE p.id=c.parent_id)"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call WHERE parent_id IS NULL"), 1);
    /* raw rows agree with the aggregates */
    CU_ASSERT_EQUAL(q(db, "SELECT sum(dur) FROM call WHERE function_id=(SELECT id FROM function WHERE name='fib')"),
                    q(db, "SELECT sum_dur FROM function_stat WHERE function_id=(SELECT id FROM function WHERE name='fib')"));
    CU_ASSERT_EQUAL(q(db, "SELECT sum(self_dur) FROM call"), q(db, "SELECT sum(self_dur) FROM function_stat"));
    sqlite3_close(db);

    /* min_duration keeps only long calls as rows */
    new_tmpdir();
    db = profile("excluded", 0, "PSCOPE_MIN_DURATION=1ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    /* main, outer and helper_excluded take over 1 ms; a short call preempted on a busy
     * machine may too, so: those three rows, and no row under 1 ms */
    CU_ASSERT_EQUAL(q(db, "SELECT count(DISTINCT f.name) FROM call c JOIN function f ON f.id = c.function_id"
                          " WHERE f.name IN ('main', 'outer', 'helper_excluded')"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM call WHERE dur < 1000000"), 0);
    CU_ASSERT(q(db, "SELECT count(*) FROM call") >= 3);
    CU_ASSERT(q(db, "SELECT count(*) FROM call") <= 6);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 6);
    sqlite3_close(db);
}

static void test_two_runs_append(void)
{
    new_tmpdir();
    sqlite3 *db = profile("chain", 0, "PSCOPE_LABEL=first");
    sqlite3_close(db);
    db = profile("foo_loop", 0, "PSCOPE_LABEL=second");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT id FROM run WHERE label='second'"), 2);
    CU_ASSERT_EQUAL(calls_of(db, 2, "loop"), 6);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c"), 1);
    /* ids stay unique across runs */
    CU_ASSERT_EQUAL(q(db, "SELECT count(DISTINCT run_id) FROM function WHERE name='main'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT min(id) >> 40 FROM call WHERE run_id=2"), 2);
    sqlite3_close(db);
}

/* A version-1 database (no function_self_hist, function_caller, call_block, none of the run,
 * thread and resource_sample columns and views version 2 added) is upgraded in place by the
 * next run: every one is restored, its old run stays, the new run gets self-time histograms, user_version becomes 2. */
static void test_schema_upgrade(void)
{
    new_tmpdir();
    sqlite3 *db = profile("chain", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    sqlite3_close(db);
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path_in_tmp("t.db"), &db), SQLITE_OK);
    /* what version 1 lacks: function_self_hist, function_caller, run.source, run.frames_unwound */
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP TABLE function_self_hist; DROP TABLE function_caller;"
                                     " ALTER TABLE run DROP COLUMN source; ALTER TABLE run DROP COLUMN frames_unwound;"
                                     " PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), SQLITE_OK);
    /* what else version 1 lacks: the full trace's table and run columns */
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP TABLE call_block; ALTER TABLE run DROP COLUMN trace;"
                                     " ALTER TABLE run DROP COLUMN trace_max_bytes; ALTER TABLE run DROP COLUMN trace_bytes;"
                                     " ALTER TABLE run DROP COLUMN trace_calls; ALTER TABLE run DROP COLUMN trace_truncated;"
                                     " ALTER TABLE run DROP COLUMN call_rule;", NULL, NULL, NULL), SQLITE_OK);
    /* and the honest-time columns with the views that read them */
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP VIEW function_compensated; DROP VIEW callpath_compensated;"
                                     "DROP VIEW function_oncpu; DROP VIEW callpath_oncpu;"
                                     "ALTER TABLE run DROP COLUMN hook_ns;"
                                     "ALTER TABLE run DROP COLUMN hook_inner_ns;"
                                     "ALTER TABLE run DROP COLUMN collector_wait_ns;"
                                     "ALTER TABLE thread DROP COLUMN collector_wait_ns;"
                                     "ALTER TABLE resource_sample DROP COLUMN runq_ns;",
                                 NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    db = profile("foo_loop", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "PRAGMA user_version"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE complete = 1"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM pragma_table_info('run') WHERE name IN"
                          " ('hook_ns', 'hook_inner_ns', 'collector_wait_ns')"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM pragma_table_info('resource_sample')"
                          " WHERE name = 'runq_ns'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM pragma_table_info('thread')"
                          " WHERE name = 'collector_wait_ns'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name IN"
                          " ('function_compensated', 'callpath_compensated', 'function_oncpu',"
                          " 'callpath_oncpu')"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                          " ('function_self_hist', 'function_caller', 'call_block')"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM pragma_table_info('run') WHERE name IN"
                          " ('frames_unwound', 'source', 'trace', 'trace_max_bytes', 'trace_bytes',"
                          " 'trace_calls', 'trace_truncated', 'call_rule')"), 8);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(count) FROM function_self_hist s JOIN function f ON f.id = s.function_id"
                          " WHERE f.run_id = 2 AND f.name = 'loop'"), 6);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function_self_hist s JOIN function f ON f.id = s.function_id"
                          " WHERE f.run_id = 1"), 0);
    /* run.source added by migrate_v2.sql: both runs are the collector's */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE source = 'pscope'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE trace = 'off' AND call_rule = 'first'"), 2);
    sqlite3_close(db);
}

static void test_bad_outputs(void)
{
    /* unwritable path: warning, profiling off, exit status unchanged */
    new_tmpdir();
    const char *env1[] = {"PSCOPE_OUTPUT=/nonexistent-dir/x.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("chain"), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env1), 0);
    char *err = slurp(err_path);
    CU_ASSERT_EQUAL(count_lines_with(err, "pscope: "), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/x.db"));
    free(err);

    /* a file that is not a database stays byte-identical */
    new_tmpdir();
    FILE *f = fopen(path_in_tmp("t.db"), "w");
    fputs("not a database, keep me\n", f);
    fclose(f);
    const char *env2[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env2), 0);
    char *content = slurp(path_in_tmp("t.db"));
    CU_ASSERT_STRING_EQUAL(content, "not a database, keep me\n");
    free(content);
    err = slurp(err_path);
    CU_ASSERT_EQUAL(count_lines_with(err, "pscope: "), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a pscope database"));
    free(err);

    /* a newer schema is refused and left alone */
    new_tmpdir();
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path_in_tmp("t.db"), &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE run(id INTEGER PRIMARY KEY); PRAGMA user_version=99;", NULL, NULL, NULL);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(run_env(NULL, argv, env2), 0);
    err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "newer"));
    free(err);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_EQUAL(q(db, "PRAGMA user_version"), 99);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);

    /* bad regex: offset reported, profiling off, no database created */
    new_tmpdir();
    const char *env3[] = {"PSCOPE_OUTPUT=t.db", "PSCOPE_EXCLUDE=foo(bar", preload_env(), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env3), 0);
    err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset 7"));
    free(err);
    CU_ASSERT_NOT_EQUAL(access(path_in_tmp("t.db"), F_OK), 0);
}

static void test_config_file(void)
{
    new_tmpdir();
    FILE *f = fopen(path_in_tmp(".pscope.yaml"), "w");
    fputs("enabled: true\noutput: cfg.db\nlabel: from-config\nmax_calls: 3\ncolour: blue\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(mkdir(path_in_tmp("sub"), 0755), 0);
    char *argv[] = {(char *)prog("foo_loop"), NULL};
    const char *env[] = {preload_env(), NULL};
    CU_ASSERT_EQUAL(run_env(path_in_tmp("sub"), argv, env), 0);
    char *err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ".pscope.yaml:5: unknown key 'colour'"));
    free(err);
    /* a relative output is relative to the config file's directory, not sub/ */
    CU_ASSERT_NOT_EQUAL(access(path_in_tmp("sub/cfg.db"), F_OK), 0);
    sqlite3 *db = open_db(path_in_tmp("cfg.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE label='from-config' AND calls_stored=3 AND calls_seen=9"), 1);
    sqlite3_close(db);

    /* the environment overrides the file */
    const char *env2[] = {preload_env(), "PSCOPE_LABEL=from-env", NULL};
    CU_ASSERT_EQUAL(run_env(path_in_tmp("sub"), argv, env2), 0);
    db = open_db(path_in_tmp("cfg.db"));
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE label='from-env'"), 1);
    sqlite3_close(db);

    /* a bad value: warning naming file, line and key; the program runs on */
    f = fopen(path_in_tmp(".pscope.yaml"), "w");
    fputs("enabled: true\nmax_calls: lots\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(run_env(path_in_tmp("sub"), argv, env), 0);
    err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ".pscope.yaml:2: max_calls"));
    free(err);
}

static void test_pscope_run(void)
{
    new_tmpdir();
    char run_bin[512];
    snprintf(run_bin, sizeof run_bin, "%s/bin/pscope-run", PSCOPE_BUILD_DIR);
    char *argv[] = {run_bin, "-o", "r.db", "--label", "L", "--scale", "8", "--", (char *)prog("fib"), "8", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, NULL), 0);
    char *err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "pscope-run: run 1: 42 calls seen, 42 stored"));
    free(err);
    char *out = slurp(out_path);
    CU_ASSERT_STRING_EQUAL(out, "fib(8) = 21\n");
    free(out);
    sqlite3 *db = open_db(path_in_tmp("r.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE label='L' AND scale=8 AND complete=1"), 1);
    sqlite3_close(db);

    /* exit status passes through; a signal death becomes 128+N */
    char *argv2[] = {run_bin, "-o", "r.db", (char *)prog("rate"), "5", "exit", "3", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv2, NULL), 3);
    char *argv3[] = {run_bin, "-o", "r.db", (char *)prog("rate"), "5", "abort", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv3, NULL), 128 + 6);

    /* uninstrumented program: warning, still runs */
    char *argv4[] = {run_bin, "-o", "r.db", "/bin/true", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv4, NULL), 0);
    err = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not built with -finstrument-functions"));
    free(err);

    /* usage errors */
    char *argv5[] = {run_bin, NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv5, NULL), 2);
    char *argv6[] = {run_bin, "--scale", "x", "/bin/true", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv6, NULL), 2);
    char *argv7[] = {run_bin, "no-such-program-pscope", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv7, NULL), 127);
}

static void test_crash_safety(void)
{
    static const char *modes[] = {"segv", "abort", "_exit"};
    for (size_t i = 0; i < 3; i++) {
        new_tmpdir();
        const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
        char *argv[] = {(char *)prog("rate"), "600", (char *)modes[i], NULL};
        int rc = run_env(NULL, argv, env);
        CU_ASSERT(rc != 0 || strcmp(modes[i], "_exit") == 0);
        sqlite3 *db = open_db(path_in_tmp("t.db"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(db);
        CU_ASSERT_STRING_EQUAL(qtext(db, "PRAGMA integrity_check"), "ok");
        long long ticks = calls_of(db, 1, "tick");
        if (strcmp(modes[i], "_exit") == 0) {
            /* _exit is interposed: the run is finished first, every call counted */
            CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
            CU_ASSERT_EQUAL(ticks, 600);
            sqlite3_close(db);
            continue;
        }
        CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 0);
        /* the writer commits every 200 ms: at most ~250 ms of ticks are lost; a sanitized
         * build on a loaded machine can starve the writer much longer (seen: 380 ms), so
         * there only most of the run must survive */
        CU_ASSERT(ticks >= 600 - SAN_MARGIN(250, 450));
        CU_ASSERT(ticks <= 600);
        sqlite3_close(db);
    }
}

static void test_stages(void)
{
    new_tmpdir();
    sqlite3 *db = profile("stages", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM stage"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT records_in FROM stage WHERE name='parse'"), 100);
    CU_ASSERT_EQUAL(q(db, "SELECT records_out FROM stage WHERE name='parse'"), 60);
    CU_ASSERT_EQUAL(q(db, "SELECT record_marks FROM stage WHERE name='parse'"), 10);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(count) FROM stage_hist h JOIN stage s ON s.id=h.stage_id WHERE s.name='parse'"), 10);
    CU_ASSERT_EQUAL(q(db, "SELECT c.parent_id = p.id FROM stage c, stage p WHERE c.name='validate' AND p.name='parse'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT records_out FROM stage WHERE name='validate'"), 54);
    CU_ASSERT(q(db, "SELECT cpu_ns FROM stage WHERE name='validate'") >= 5000000);
    CU_ASSERT(q(db, "SELECT dur FROM stage WHERE name='parse'") >= 60000000);
    CU_ASSERT_EQUAL(q(db, "SELECT value FROM counter WHERE name='rows' ORDER BY id DESC LIMIT 1"), 5);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM counter WHERE name='queue_depth' AND kind='gauge'"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT value FROM counter WHERE name='queue_depth' ORDER BY id DESC LIMIT 1"), 30);
    CU_ASSERT_EQUAL(q(db, "SELECT round(pass_ratio * 100) FROM stage_summary WHERE name='parse'"), 60);
    sqlite3_close(db);
}

static void test_sampler_attribution(void)
{
    /* excluded.c with a 300 ms spin in helper_excluded: most CPU samples land there */
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_SAMPLE_INTERVAL=10ms", NULL};
    char *argv[] = {(char *)prog("excluded"), "300000", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    long long thread_rows = q(db, "SELECT count(*) FROM resource_sample WHERE thread_id IS NOT NULL");
    long long in_helper = q(db, "SELECT count(*) FROM resource_sample r JOIN function f ON f.id=r.function_id"
                                " WHERE r.thread_id IS NOT NULL AND f.name='helper_excluded'");
    /* 300 ms at 10 ms: ~30 samples; a sanitized build on a loaded machine delays the
     * sampler thread, so there fewer samples and a looser share are required */
    CU_ASSERT(thread_rows >= SAN_MARGIN(20, 8));
    CU_ASSERT(in_helper * 10 >= thread_rows * SAN_MARGIN(7, 5)); /* most of the samples */
    CU_ASSERT_EQUAL(q(db, "SELECT samples FROM resource_by_function WHERE name='helper_excluded'"), in_helper);
    CU_ASSERT(q(db, "SELECT count(*) FROM resource_timeline") >= SAN_MARGIN(20, 8));
    /* CPU is in ns: the spinning thread's total is positive, at most the run's wall time,
     * and within the process-wide total (which adds the writer and sampler threads) */
    long long thread_cpu = q(db, "SELECT sum(cpu_user_ns + cpu_sys_ns) FROM resource_sample WHERE thread_id IS NOT NULL");
    CU_ASSERT(thread_cpu >= 10000000);
    CU_ASSERT(thread_cpu <= q(db, "SELECT dur FROM run"));
    CU_ASSERT(thread_cpu <= q(db, "SELECT sum(cpu_user_ns + cpu_sys_ns) FROM resource_sample WHERE thread_id IS NULL") * 11 / 10);
    CU_ASSERT(q(db, "SELECT count(*) FROM resource_sample WHERE thread_id IS NULL AND rss > 0") >= SAN_MARGIN(20, 8));
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index IS NOT NULL OR gpu_util IS NOT NULL"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(qtext(db, "SELECT config_json FROM run"), "\"gpu\":\"none:"));
    sqlite3_close(db);

    /* sampler off */
    new_tmpdir();
    const char *env_off[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_SAMPLE_INTERVAL=0", NULL};
    char *argv2[] = {(char *)prog("excluded"), "50000", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv2, env_off), 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample"), 0);
    sqlite3_close(db);
}

static void test_fake_nvml(void)
{
    new_tmpdir();
    char lib[600];
    snprintf(lib, sizeof lib, "PSCOPE_NVML_LIB=%s/tests/libfake_nvml.so", PSCOPE_BUILD_DIR);
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), lib, "PSCOPE_SAMPLE_INTERVAL=10ms", NULL};
    char *argv[] = {(char *)prog("excluded"), "100000", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_STRING_EQUAL(qtext(db, "SELECT json_extract(config_json, '$.gpu') FROM run"), "nvml: 2 devices");
    long long dev0 = q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index=0");
    CU_ASSERT(dev0 >= 5);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index=1"), dev0);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index=0 AND (gpu_util<>40 OR gpu_mem<>1073741824)"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index=1 AND (gpu_util<>50 OR gpu_mem<>2147483648)"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE thread_id IS NOT NULL AND gpu_index IS NOT NULL"), 0);
    sqlite3_close(db);

    /* a library without the NVML functions: GPU off, the program unaffected */
    new_tmpdir();
    const char *env2[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_NVML_LIB=libm.so.6", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env2), 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL(strstr(qtext(db, "SELECT config_json FROM run"), "lacks the NVML functions"));
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM resource_sample WHERE gpu_index IS NOT NULL"), 0);
    sqlite3_close(db);
}

static void test_signal_handlers(void)
{
    new_tmpdir();
    sqlite3 *db = NULL;
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("signals"), "3000000", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    char *out = slurp(out_path);
    long delivered = -1;
    char *p = strstr(out, "delivered=");
    if (p)
        delivered = atol(p + 10);
    free(out);
    CU_ASSERT(delivered > 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "work"), 3000000);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits FROM run"), 0);
    long long handled = calls_of(db, 1, "on_alarm");
    long long lost = q(db, "SELECT events_lost FROM run");
    if (handled == -999)
        handled = 0;
    /* each dropped handler invocation loses its 4 events (2 functions, enter + exit) */
    CU_ASSERT_EQUAL(handled + lost / 4, delivered);
    CU_ASSERT_EQUAL(lost % 4, 0);
    sqlite3_close(db);
}

static void test_many_threads(void)
{
    new_tmpdir();
    sqlite3 *db = profile("many_threads", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "short_job"), 16);
    CU_ASSERT_EQUAL(calls_of(db, 1, "pool_worker"), 4);
    CU_ASSERT_EQUAL(calls_of(db, 1, "task"), 1000);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 1 + 16 + 4);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread WHERE is_main=0"), 20);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM thread WHERE is_main=0"), 16 + 4 + 1000);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(t.calls) FROM thread_stat t JOIN function f ON f.id=t.function_id"
                          " WHERE f.name='short_job'"), 16);
    CU_ASSERT_EQUAL(q(db, "SELECT events_lost + unmatched_exits FROM run"), 0);
    sqlite3_close(db);
}

static void test_exec_new_run(void)
{
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("execer"), (char *)prog("foo_loop"), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 2);
    /* the new image is a complete run of its own, with the same pid */
    CU_ASSERT_EQUAL(calls_of(db, 2, "loop"), 6);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run WHERE id=2"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(DISTINCT pid) FROM run"), 1);
    sqlite3_close(db);
}

static void test_depth_overflow(void)
{
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_MAX_DEPTH=4096", NULL};
    char *argv[] = {(char *)prog("deep"), "20000", "2", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    /* max_depth 4096: per thread deep_worker + 4095 descend frames are tracked */
    CU_ASSERT_EQUAL(q(db, "SELECT depth_overflow FROM run"), 2 * (20001 - 4096));
    CU_ASSERT_EQUAL(calls_of(db, 1, "descend"), 2 * 4095);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 4096);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits FROM run"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    sqlite3_close(db);
}

static void test_closed_descriptors(void)
{
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("closefds"), (char *)path_in_tmp("program.txt"), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    char *data = slurp(path_in_tmp("program.txt"));
    CU_ASSERT_EQUAL(strlen(data), 13 * 1000);
    CU_ASSERT_EQUAL(count_lines_with(data, "program data\n"), 1000);
    free(data);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_STRING_EQUAL(qtext(db, "PRAGMA integrity_check"), "ok");
    CU_ASSERT_EQUAL(calls_of(db, 1, "work"), 10);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    sqlite3_close(db);
}

static void test_exit_from_thread(void)
{
    new_tmpdir();
    sqlite3 *db = profile("exit_thread", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "before"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "leaf"), 3);
    CU_ASSERT_EQUAL(calls_of(db, 1, "quitter"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 1, "main"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 2);
    sqlite3_close(db);
}

static void test_dlclose_symbols(void)
{
    new_tmpdir();
    char lib[512];
    snprintf(lib, sizeof lib, "%s/tests/progs/libplugin.so", PSCOPE_BUILD_DIR);
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("dlopener"), lib, NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "plugin_entry"), 3);
    CU_ASSERT_EQUAL(calls_of(db, 1, "plugin_helper"), 6);
    CU_ASSERT_EQUAL(calls_of(db, 1, "after_close"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function WHERE name='plugin_helper' AND module LIKE '%%/libplugin.so'"
                          " AND file LIKE '%%plugin.c'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function WHERE name LIKE '0x%%'"), 0);
    sqlite3_close(db);
}

static void test_spawned_children(void)
{
    /* fork + exec and posix_spawn of instrumented programs: one run per process image */
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("execer"), (char *)prog("forker"), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    /* execer image, forker parent, forker child */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 3);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE parent_run_id IS NOT NULL"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM function_summary WHERE name='child_work'"), 3);
    sqlite3_close(db);

    /* many short threads: every one is in the thread table */
    new_tmpdir();
    const char *env2[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv2[] = {(char *)prog("many_threads"), "10000", "0", "0", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv2, env2), 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "short_job"), 10000);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 10001);
    sqlite3_close(db);

    /* 16 threads recursing to depth 20000, max_depth 4096 */
    new_tmpdir();
    char *argv3[] = {(char *)prog("deep"), "20000", "16", NULL};
    const char *env3[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_MAX_DEPTH=4096", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv3, env3), 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT depth_overflow FROM run"), 16 * (20001 - 4096));
    CU_ASSERT_EQUAL(calls_of(db, 1, "descend"), 16 * 4095);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    sqlite3_close(db);
}

static void test_stop_start(void)
{
    new_tmpdir();
    sqlite3 *db = profile("restart", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    char *out = slurp(out_path);
    CU_ASSERT_STRING_EQUAL(out, "restart: start=0\n");
    free(out);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE complete=1"), 2);
    CU_ASSERT_EQUAL(calls_of(db, 1, "work"), 1);
    CU_ASSERT_EQUAL(calls_of(db, 2, "work"), 2);
    CU_ASSERT_STRING_EQUAL(qtext(db, "SELECT label FROM run WHERE id=2"), "second");
    CU_ASSERT_EQUAL(q(db, "SELECT scale FROM run WHERE id=2"), 42);
    CU_ASSERT(q(db, "SELECT ended_wall FROM run WHERE id=1") <= q(db, "SELECT started_wall FROM run WHERE id=2"));
    sqlite3_close(db);
}

static void test_cxx_demangled(void)
{
    new_tmpdir();
    sqlite3 *db = profile("cxx_names", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM function_summary WHERE name='shapes::Square::area(int) const'"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM function_summary WHERE name='double shapes::scale<double>(double)'"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM function WHERE name LIKE '_Z%%'"), 0);
    sqlite3_close(db);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("collector", NULL, NULL);
    CU_add_test(s, "main->a->b->c tree and symbols", test_chain_tree);
    CU_add_test(s, "foo x2, loop x6", test_foo_loop);
    CU_add_test(s, "fib(8) recursion counted once", test_fib_recursion);
    CU_add_test(s, "4 threads", test_threads);
    CU_add_test(s, "high event rate: every event kept", test_high_rate_exact);
    CU_add_test(s, "fork gives the child its own run", test_fork_child_run);
    CU_add_test(s, "excluded function folds into its caller", test_exclusion);
    CU_add_test(s, "include pattern", test_include_pattern);
    CU_add_test(s, "linked and preloaded give identical counts", test_linked_equals_preload);
    CU_add_test(s, "raw-row budget and min_duration", test_budget);
    CU_add_test(s, "runs append to one database", test_two_runs_append);
    CU_add_test(s, "a version-1 database is upgraded in place", test_schema_upgrade);
    CU_add_test(s, "bad outputs never damage files or the program", test_bad_outputs);
    CU_add_test(s, "config file, environment precedence, bad values", test_config_file);
    CU_add_test(s, "pscope-run", test_pscope_run);
    CU_add_test(s, "crash safety", test_crash_safety);
    CU_add_test(s, "stages, counters, gauges", test_stages);
    CU_add_test(s, "resource samples attributed to the running function", test_sampler_attribution);
    CU_add_test(s, "GPU through a fake NVML", test_fake_nvml);
    CU_add_test(s, "instrumented signal handlers during hooks", test_signal_handlers);
    CU_add_test(s, "16 short-lived threads and a pool", test_many_threads);
    CU_add_test(s, "exec starts a new run", test_exec_new_run);
    CU_add_test(s, "recursion beyond max_depth", test_depth_overflow);
    CU_add_test(s, "a program closing every descriptor", test_closed_descriptors);
    CU_add_test(s, "exit() from a non-main thread", test_exit_from_thread);
    CU_add_test(s, "dlclose'd library keeps its symbols", test_dlclose_symbols);
    CU_add_test(s, "exec, fork, thread churn, deep recursion on 16 threads", test_spawned_children);
    CU_add_test(s, "C++ names demangled", test_cxx_demangled);
    CU_add_test(s, "pscope_stop then pscope_start: two runs", test_stop_start);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
