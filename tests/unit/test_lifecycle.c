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

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("lifecycle", NULL, NULL);
    CU_add_test(s, "pthread_cancel and pthread_exit inside calls", test_thread_end_inside_calls);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
