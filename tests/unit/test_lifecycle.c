/* tests/unit/test_lifecycle.c: CUnit tests of the collector's call-stack fidelity and of
 * process and thread lifecycles (issue 12): threads that end inside calls, non-local
 * exits, processes that end with _exit, forked children, deep stacks.
 *
 * Like test_collector.c, each test runs an instrumented program of tests/progs under the
 * collector in a fresh temporary directory and checks the database with SQL against the
 * exact figures documented in the program's header comment.
 */
#include "collector_fixture.h"

/* Inclusive time of the call path ending in function fn (the only one of that name). */
static long long total_of(sqlite3 *db, const char *fn)
{
    return q(db, "SELECT c.total_dur FROM callpath c JOIN function f ON f.id=c.function_id WHERE f.name='%s'", fn);
}

/* Value of "key=N" in the program's stdout, or -1. */
static long long printed(const char *key)
{
    char *out = slurp(out_path);
    long long v = -1;
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    char *p = out ? strstr(out, pat) : NULL;
    if (p)
        v = atoll(p + strlen(pat));
    free(out);
    return v;
}

static void test_thread_end_inside_calls(void)
{
    new_tmpdir();
    sqlite3 *db = profile("cancel", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    const char *fns[] = {"outer", "middle", "blocker", "ex_outer", "ex_inner", "main"};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        CU_ASSERT_EQUAL(calls_of(db, 1, fns[i]), 1);
    long long blocked = printed("blocked_ns");
    CU_ASSERT(blocked >= 100000000);
    /* the cancelled frames were open until the thread ended: at least until the cancel */
    CU_ASSERT(total_of(db, "blocker") >= blocked);
    CU_ASSERT(total_of(db, "outer") >= total_of(db, "middle"));
    CU_ASSERT(total_of(db, "middle") >= total_of(db, "blocker"));
    /* pthread_exit from inside ex_inner after a 50 ms spin */
    CU_ASSERT(total_of(db, "ex_inner") >= 50000000);
    CU_ASSERT(total_of(db, "ex_outer") >= total_of(db, "ex_inner"));
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits FROM run"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    /* the thread rows end when the threads did */
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM thread"), 3);
    sqlite3_close(db);
}


/* Run jumps N M under the collector; returns the open database. */
static sqlite3 *profile_jumps(const char *n, const char *m)
{
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("jumps"), (char *)n, (char *)m, NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    return open_db(path_in_tmp("t.db"));
}

static void test_longjmp(void)
{
    sqlite3 *db = profile_jumps("1000", "1000");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    const char *fns[] = {"c1", "c2", "c3", "s1", "s2", "on_sig"};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        CU_ASSERT_EQUAL(calls_of(db, 1, fns[i]), 1000);
    CU_ASSERT_EQUAL(calls_of(db, 1, "main"), 1);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath"), 7);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath_summary WHERE path IN ('main;c1;c2;c3', 'main;s1;s2;on_sig')"
                          " AND calls=1000"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT frames_unwound FROM run"), 6000);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits + depth_overflow FROM run"), 0);
    /* inclusive = self + callees along the path, and main holds everything */
    CU_ASSERT_EQUAL(q(db, "SELECT (SELECT sum(self_dur) FROM callpath) - (SELECT total_dur FROM callpath_summary WHERE path='main')"), 0);
    sqlite3_close(db);

    /* 5000 jumps: beyond the old max_depth if the frames were kept */
    db = profile_jumps("5000", "0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c1"), 5000);
    CU_ASSERT_EQUAL(calls_of(db, 1, "c3"), 5000);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath"), 4);
    CU_ASSERT_EQUAL(q(db, "SELECT frames_unwound FROM run"), 15000);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 4);
    sqlite3_close(db);
}


static void test_fork_child_exit(void)
{
    /* the child works ~0.5 s of CPU and ends with _exit from inside save() */
    new_tmpdir();
    sqlite3 *db = profile("bgsave", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run"), 2);
    long long parent = q(db, "SELECT id FROM run WHERE parent_run_id IS NULL");
    long long child = q(db, "SELECT id FROM run WHERE parent_run_id = %lld", parent);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE complete = 1"), 2);
    CU_ASSERT_EQUAL(calls_of(db, child, "chunk"), 500);
    CU_ASSERT_EQUAL(calls_of(db, child, "save"), 1);
    CU_ASSERT_EQUAL(calls_of(db, child, "main"), 1); /* inherited open, closed at _exit */
    CU_ASSERT_EQUAL(calls_of(db, child, "prepare"), -999);
    CU_ASSERT_EQUAL(calls_of(db, parent, "main"), 1);
    CU_ASSERT_EQUAL(calls_of(db, parent, "prepare"), 1);
    CU_ASSERT_EQUAL(calls_of(db, parent, "after"), 1);
    CU_ASSERT_EQUAL(calls_of(db, parent, "chunk"), -999);
    /* the run's and the threads' counts agree */
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run WHERE id=%lld", child), 502);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM thread WHERE run_id=%lld", child), 502);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits FROM run WHERE id=%lld", child), 0);
    /* save's inclusive time covers its chunks */
    CU_ASSERT(q(db, "SELECT c.total_dur FROM callpath_summary c WHERE c.run_id=%lld AND c.path='main;save'", child) >=
              q(db, "SELECT c.total_dur FROM callpath_summary c WHERE c.run_id=%lld AND c.path='main;save;chunk'", child));
    sqlite3_close(db);
}


static void test_deep_recursion(void)
{
    /* 8 threads recursing 200,000 deep with the default settings: every call kept */
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("deep"), "200000", "8", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "descend"), 8 * 200000);
    CU_ASSERT_EQUAL(calls_of(db, 1, "deep_worker"), 8);
    CU_ASSERT_EQUAL(q(db, "SELECT depth_overflow + unmatched_exits + frames_unwound FROM run"), 0);
    CU_ASSERT_EQUAL(q(db, "SELECT max_depth_seen FROM run"), 200001);
    CU_ASSERT_EQUAL(q(db, "SELECT calls_seen FROM run"), 8 * 200001 + 3);
    CU_ASSERT_EQUAL(q(db, "SELECT complete FROM run"), 1);
    sqlite3_close(db);
}


static void test_coroutines(void)
{
    new_tmpdir();
    sqlite3 *db = profile("coro", 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(calls_of(db, 1, "leafA"), 1000);
    CU_ASSERT_EQUAL(calls_of(db, 1, "leafB"), 1000);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='coA;leafA'"), 1000);
    CU_ASSERT_EQUAL(q(db, "SELECT calls FROM callpath_summary WHERE path='coB;leafB'"), 1000);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath"), 7);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM callpath_summary WHERE path IN ('main', 'main;pingpong', 'main;finish', 'coA', 'coB')"
                          " AND calls = 1"), 5);
    CU_ASSERT_EQUAL(q(db, "SELECT unmatched_exits + frames_unwound FROM run"), 0);
    sqlite3_close(db);
}


static void test_follow_explicit_env(void)
{
    /* posix_spawn and execve with an environment lacking LD_PRELOAD and PSCOPE_* */
    new_tmpdir();
    const char *env[] = {"PSCOPE_OUTPUT=t.db", preload_env(), NULL};
    char *argv[] = {(char *)prog("spawner"), (char *)prog("foo_loop"), NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env), 0);
    sqlite3 *db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE executable LIKE '%%/foo_loop' AND complete = 1"), 2);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM function_summary WHERE name='loop'"), 12);
    CU_ASSERT_EQUAL(q(db, "SELECT sum(calls) FROM function_summary WHERE name='launch' AND run_id = 1"), 2);
    sqlite3_close(db);

    /* opted out: the children run unprofiled */
    new_tmpdir();
    const char *env2[] = {"PSCOPE_OUTPUT=t.db", preload_env(), "PSCOPE_FOLLOW=0", NULL};
    CU_ASSERT_EQUAL(run_env(NULL, argv, env2), 0);
    db = open_db(path_in_tmp("t.db"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(q(db, "SELECT count(*) FROM run WHERE executable LIKE '%%/foo_loop'"), 0);
    sqlite3_close(db);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("lifecycle", NULL, NULL);
    CU_add_test(s, "pthread_cancel and pthread_exit inside calls", test_thread_end_inside_calls);
    CU_add_test(s, "longjmp and siglongjmp out of calls", test_longjmp);
    CU_add_test(s, "forked child ending with _exit: complete run", test_fork_child_exit);
    CU_add_test(s, "recursion 200,000 deep on 8 threads", test_deep_recursion);
    CU_add_test(s, "swapcontext coroutines keep their own stacks", test_coroutines);
    CU_add_test(s, "programs started with an explicit environment are profiled", test_follow_explicit_env);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
