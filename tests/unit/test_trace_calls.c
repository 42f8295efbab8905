/* tests/unit/test_trace_calls.c: CUnit tests of reading the full trace: the pscope_calls
 * table-valued function (tools/sqlext/pscope_calls_vtab.h, registered on every pt_db) and
 * the tools' reader pt_trace_each (tools/lib/trace_calls.c).
 *
 * A database is built with the embedded schema and blocks encoded from calls generated
 * here, so every expected count and id sum is computed from the same arrays: range,
 * thread and function queries must return exactly the calls that match; a corrupt block
 * is an error naming it, while a time-range query that does not reach it still works
 * (proof that blocks outside the range are not decoded); a database without call_block
 * (schema version 1) has no trace and no error.
 */
#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptool.h"
#include "sql_embed.h"
#include "trace_calls.h"
#include "traceblk.h"

#define NBLOCK 5
/* blocks: {run, thread, function a, function b, first ts, calls} */
static const struct { int64_t run, thread, fa, fb; uint64_t ts0; uint32_t n; } spec[NBLOCK] = {
    {1, 1, 11, 11, 0, 1000},     /* block 1: ts 0..2997 step 3, function 11 only */
    {1, 1, 11, 12, 3000, 1000},  /* block 2: ts 3000..5997, functions 11 and 12 */
    {1, 1, 12, 12, 6000, 1000},  /* block 3: ts 6000..8997, function 12 only */
    {1, 2, 11, 13, 1500, 700},   /* block 4: thread 2, ts 1500..3597 */
    {2, 3, 21, 21, 0, 50},       /* block 5: another run */
};

static pscope_tcall *calls[NBLOCK];
static char db_path[256];

static void make_calls(void)
{
    uint64_t seq = 1;
    for (int b = 0; b < NBLOCK; b++) {
        calls[b] = calloc(spec[b].n, sizeof *calls[b]);
        for (uint32_t i = 0; i < spec[b].n; i++) {
            pscope_tcall *c = &calls[b][i];
            int alt = i % 2;
            c->seq = seq++;
            c->parent_seq = i % 10 ? c->seq - 1 : 0;
            c->function_id = alt ? spec[b].fb : spec[b].fa;
            c->callpath_id = 100 * spec[b].run + c->function_id; /* one path per function */
            c->depth = (uint32_t)(c->function_id % 5);
            c->ts = spec[b].ts0 + 3 * (uint64_t)i;
            c->dur = 1 + i % 7;
            c->self_dur = c->dur / 2;
        }
    }
}

/* Apply the schema and insert every block (data[b] replaced by bad when b == bad_block). */
static void build_db(int bad_block, int row_thread_swap)
{
    snprintf(db_path, sizeof db_path, "/tmp/pscope-test-trace-%d.db", (int)getpid());
    unlink(db_path);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, pscope_sql_text("schema"), NULL, NULL, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(
        sqlite3_exec(db,
                     "INSERT INTO run(id, pid, started_wall, clock, pscope_version, calls_seen,"
                     " trace, trace_calls, complete) VALUES (1, 10, 0, 'tsc', 't', 3700, 'full', 3700, 1),"
                     " (2, 11, 0, 'tsc', 't', 60, 'full', 50, 1);"
                     "INSERT INTO thread(id, run_id, tid, ts) VALUES (1, 1, 10, 0), (2, 1, 12, 0), (3, 2, 11, 0);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db,
                                             "INSERT INTO call_block(id, run_id, thread_id, ts_min, ts_max,"
                                             " calls, encoding, data) VALUES (?, ?, ?, ?, ?, ?, 'pstb1', ?)",
                                             -1, &st, NULL),
                          SQLITE_OK);
    pscope_tb_buf buf = {0};
    char err[256];
    for (int b = 0; b < NBLOCK; b++) {
        CU_ASSERT_EQUAL_FATAL(pscope_tb_encode(calls[b], spec[b].n, spec[b].run, spec[b].thread, 1,
                                               &buf, err, sizeof err),
                              0);
        if (b + 1 == bad_block)
            buf.data[buf.len / 2] ^= 0x10; /* one bit: checksum mismatch */
        int64_t row_thread = spec[b].thread;
        if (b + 1 == row_thread_swap)
            row_thread = spec[b].thread == 1 ? 2 : 1;
        sqlite3_bind_int64(st, 1, b + 1);
        sqlite3_bind_int64(st, 2, spec[b].run);
        sqlite3_bind_int64(st, 3, row_thread);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)calls[b][0].ts);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)calls[b][spec[b].n - 1].ts);
        sqlite3_bind_int64(st, 6, spec[b].n);
        sqlite3_bind_blob(st, 7, buf.data, (int)buf.len, SQLITE_TRANSIENT);
        CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    pscope_tb_buf_free(&buf);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Expected count and sum of call ids for a filter (0 = any; ts inclusive). */
static void expect(int64_t run, int64_t thread, int64_t func, uint64_t lo, uint64_t hi,
                   long long *count, long long *idsum)
{
    *count = *idsum = 0;
    for (int b = 0; b < NBLOCK; b++) {
        if (spec[b].run != run || (thread && spec[b].thread != thread))
            continue;
        for (uint32_t i = 0; i < spec[b].n; i++) {
            const pscope_tcall *c = &calls[b][i];
            if (c->ts < lo || c->ts > hi || (func && c->function_id != func))
                continue;
            (*count)++;
            *idsum += (run << 40) + (long long)c->seq;
        }
    }
}

static void sql_count(pt_db *db, const char *where, long long *count, long long *idsum, int *rc)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*), total(id) FROM pscope_calls %s", where);
    sqlite3_stmt *st;
    *rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
    if (*rc != SQLITE_OK)
        return;
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *idsum = (long long)sqlite3_column_double(st, 1);
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
}

typedef struct { long long count, idsum; int64_t run; } acc;
static int add_call(void *arg, int64_t thread, const pscope_tcall *c)
{
    (void)thread;
    acc *a = arg;
    a->count++;
    a->idsum += (a->run << 40) + (long long)c->seq;
    return 0;
}

static void check_query(pt_db *db, const char *where, int64_t run, int64_t thread, int64_t func,
                        uint64_t lo, uint64_t hi)
{
    long long want_n, want_sum, n = -1, sum = -1;
    int rc;
    expect(run, thread, func, lo, hi, &want_n, &want_sum);
    sql_count(db, where, &n, &sum, &rc);
    CU_ASSERT_EQUAL(rc, SQLITE_OK);
    CU_ASSERT_EQUAL(n, want_n);
    /* ids are below 2^42 here: their sum is exact in a double */
    CU_ASSERT_EQUAL(sum, want_sum);
    pt_trace_filter f = {thread, func, lo, hi};
    acc a = {0, 0, run};
    CU_ASSERT_EQUAL(pt_trace_each(db, run, &f, add_call, &a), 0);
    CU_ASSERT_EQUAL(a.count, want_n);
    CU_ASSERT_EQUAL(a.idsum, want_sum);
}

static void test_queries_exact(void)
{
    build_db(0, 0);
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(db_path, &db), 0);
    check_query(db, "(1)", 1, 0, 0, 0, UINT64_MAX);
    check_query(db, "(2)", 2, 0, 0, 0, UINT64_MAX);
    check_query(db, "WHERE run_id = 1", 1, 0, 0, 0, UINT64_MAX);
    check_query(db, "(1) WHERE ts BETWEEN 2999 AND 6003", 1, 0, 0, 2999, 6003);
    check_query(db, "(1) WHERE ts > 2997 AND ts < 6000", 1, 0, 0, 2998, 5999);
    check_query(db, "(1) WHERE ts = 3000", 1, 0, 0, 3000, 3000);
    check_query(db, "(1) WHERE ts >= 8997", 1, 0, 0, 8997, UINT64_MAX);
    check_query(db, "(1) WHERE ts > 8997", 1, 0, 0, 8998, UINT64_MAX);
    check_query(db, "(1) WHERE ts < 0", 1, 0, 0, 1, 0);
    check_query(db, "(1) WHERE function_id = 12", 1, 0, 12, 0, UINT64_MAX);
    check_query(db, "(1) WHERE function_id = 13 AND ts <= 2000", 1, 0, 13, 0, 2000);
    check_query(db, "(1) WHERE thread_id = 2", 1, 2, 0, 0, UINT64_MAX);
    check_query(db, "(1) WHERE thread_id = 1 AND ts BETWEEN 100 AND 4000 AND function_id = 11",
                1, 1, 11, 100, 4000);
    /* every column equals what was encoded: parent ids, NULL at the block's roots */
    sqlite3_stmt *st;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db->sql,
                                             "SELECT id, run_id, thread_id, callpath_id, function_id, parent_id,"
                                             " depth, ts, dur, self_dur FROM pscope_calls(1) WHERE thread_id = 2",
                                             -1, &st, NULL),
                          SQLITE_OK);
    uint32_t i = 0, bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const pscope_tcall *c = &calls[3][i++];
        bad += sqlite3_column_int64(st, 0) != (1LL << 40) + (long long)c->seq;
        bad += sqlite3_column_int64(st, 1) != 1 || sqlite3_column_int64(st, 2) != 2;
        bad += sqlite3_column_int64(st, 3) != c->callpath_id;
        bad += sqlite3_column_int64(st, 4) != c->function_id;
        if (c->parent_seq)
            bad += sqlite3_column_int64(st, 5) != (1LL << 40) + (long long)c->parent_seq;
        else
            bad += sqlite3_column_type(st, 5) != SQLITE_NULL;
        bad += sqlite3_column_int64(st, 6) != c->depth;
        bad += sqlite3_column_int64(st, 7) != (long long)c->ts;
        bad += sqlite3_column_int64(st, 8) != (long long)c->dur;
        bad += sqlite3_column_int64(st, 9) != (long long)c->self_dur;
    }
    sqlite3_finalize(st);
    CU_ASSERT_EQUAL(i, spec[3].n);
    CU_ASSERT_EQUAL(bad, 0);
    /* a join: the run comes from another table */
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db->sql,
                                             "SELECT count(*) FROM run r JOIN pscope_calls(r.id) c"
                                             " WHERE r.id = 2",
                                             -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_int64(st, 0), 50);
    sqlite3_finalize(st);
    /* sql/trace_exact.sql: the tools' drop-in for the raw rows of a run */
    sqlite3_stmt *ex = pt_sql_prepare(db, "trace_exact");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    CU_ASSERT_EQUAL(pt_sql_bind_int(ex, ":run_id", 1), 0);
    long long rows = 0, durs = 0, want_durs = 0;
    while (pt_sql_step(db, ex) == 1) {
        rows++;
        durs += sqlite3_column_int64(ex, 1);
    }
    sqlite3_finalize(ex);
    for (int b = 0; b < NBLOCK; b++)
        for (uint32_t k = 0; spec[b].run == 1 && k < spec[b].n; k++)
            want_durs += (long long)calls[b][k].dur;
    CU_ASSERT_EQUAL(rows, 3700);
    CU_ASSERT_EQUAL(durs, want_durs);
    pt_trace_state ts;
    CU_ASSERT_EQUAL(pt_trace_state_get(db, 2, &ts), 0);
    CU_ASSERT_EQUAL(ts.available, 1);
    CU_ASSERT_EQUAL(ts.full, 1);
    CU_ASSERT_EQUAL(ts.trace_calls, 50);
    CU_ASSERT_EQUAL(ts.complete, 0); /* 50 of 60 calls */
    CU_ASSERT_STRING_EQUAL(ts.call_rule, "first");
    CU_ASSERT_EQUAL(pt_trace_state_get(db, 1, &ts), 0);
    CU_ASSERT_EQUAL(ts.complete, 1);
    pt_db_close(db);
    unlink(db_path);
}

static void test_corrupt_block(void)
{
    build_db(1, 0); /* block 1 (ts 0..2997, thread 1) damaged */
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(db_path, &db), 0);
    long long n = -1, sum;
    int rc;
    sql_count(db, "(1)", &n, &sum, &rc);
    CU_ASSERT_EQUAL(rc, SQLITE_ERROR);
    CU_ASSERT_STRING_EQUAL(sqlite3_errmsg(db->sql),
                           "pscope_calls: call_block 1: checksum mismatch (corrupt block)");
    /* ranges that miss block 1 never decode it */
    check_query(db, "(1) WHERE ts >= 6000", 1, 0, 0, 6000, UINT64_MAX);
    check_query(db, "(1) WHERE thread_id = 2", 1, 2, 0, 0, UINT64_MAX);
    acc a = {0, 0, 1};
    fprintf(stderr, "(expected error next) ");
    CU_ASSERT_EQUAL(pt_trace_each(db, 1, NULL, add_call, &a), PT_EXIT_DATA);
    pt_db_close(db);

    build_db(0, 4); /* block 4 (thread 2) stored in a row of thread 1 */
    CU_ASSERT_EQUAL_FATAL(pt_db_open(db_path, &db), 0);
    sql_count(db, "(1)", &n, &sum, &rc);
    CU_ASSERT_EQUAL(rc, SQLITE_ERROR);
    CU_ASSERT_STRING_EQUAL(sqlite3_errmsg(db->sql),
                           "pscope_calls: call_block 4: run/thread 1/2 inside the block, 1/1 in its row");
    pt_db_close(db);
    unlink(db_path);
}

/* A database of schema version 1 (no call_block, no trace columns): no trace, no error. */
static void test_version1_database(void)
{
    build_db(0, 0);
    sqlite3 *raw;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(db_path, &raw), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(raw, "DROP TABLE call_block; ALTER TABLE run DROP COLUMN call_rule;"
                                      " ALTER TABLE run DROP COLUMN trace_calls; PRAGMA user_version = 1;",
                                 NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(raw);
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(db_path, &db), 0);
    long long n = -1, sum;
    int rc;
    sql_count(db, "(1)", &n, &sum, &rc);
    CU_ASSERT_EQUAL(rc, SQLITE_OK);
    CU_ASSERT_EQUAL(n, 0);
    pt_trace_state ts;
    CU_ASSERT_EQUAL(pt_trace_state_get(db, 1, &ts), 0);
    CU_ASSERT_EQUAL(ts.available, 0);
    acc a = {0, 0, 1};
    CU_ASSERT_EQUAL(pt_trace_each(db, 1, NULL, add_call, &a), 0);
    CU_ASSERT_EQUAL(a.count, 0);
    pt_db_close(db);
    unlink(db_path);
}

int main(void)
{
    make_calls();
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("trace_calls", NULL, NULL);
    CU_add_test(s, "range/thread/function queries exact", test_queries_exact);
    CU_add_test(s, "corrupt block: error naming it, other ranges fine", test_corrupt_block);
    CU_add_test(s, "version-1 database: no trace", test_version1_database);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    for (int b = 0; b < NBLOCK; b++)
        free(calls[b]);
    return failed ? 1 : 0;
}
