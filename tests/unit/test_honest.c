/* tests/unit/test_honest.c: honest times (issue 13) on constructed databases — the hook-cost
 * compensation (pure core, SQL views, pscope-stats table/hotspots/tree, --raw), the on-CPU
 * estimate and its blocked share (view, table, hotspot ranking, --basis,
 * --exclude-from-basis), the collector-wait header, and version-1 databases without the
 * new columns. Every expected figure is computed by hand from the rows below.
 *
 *   run 1 "comp": hook_ns 100, hook_inner_ns 30 (so 70 lands in the caller), no samples
 *     call paths (calls, total, self):
 *       n1 main               1  1,000,000  100,000   child calls 11, below 37
 *       n2 main>a            10    500,000  300,000   child 20, below 20
 *       n3 main>a>b          20    200,000  200,000
 *       n4 main>r             1    400,000  100,000   child 2, below 6
 *       n5 main>r>r           2    300,000  150,000   child 4, below 4 (not outermost)
 *       n6 main>r>r>b         4    150,000  150,000
 *     compensated self = self - calls*30 - child*70; total = total - calls*30 - below*100:
 *       main 99,200 / 996,270   a 298,300 / 497,700   b 349,280 / 349,280
 *       r 249,490 / 399,370 (outermost n4 only)        thread time 996,270
 *     mean per call: main 996,270; a 49,770; b 349,280/24; r (700,000-630-460)/3 = 232,970
 *     collector_wait_ns 20,000 (2% of the measured thread time 1,000,000: shown)
 *
 *   run 2 "cpu": uncalibrated (hook_ns NULL); sampler rows every 100,000 ns
 *     thread 10: main (self 200,000) -> work (self 800,000); thread 11: blocked (1,000,000)
 *     main:    3 windows, cpu 60,000 of 300,000, runq 30,000 -> on-CPU 0.2,  blocked 0.7
 *     work:    4 windows, cpu 380,000 of 400,000, runq 20,000 -> on-CPU 0.95, blocked 0
 *     blocked: 5 windows, cpu 5,000 of 500,000, runq 0     -> on-CPU 0.01, blocked 0.99
 *     (first rows of a thread have no window; a row without a call path only delimits)
 *     on-CPU times 40,000 / 760,000 / 10,000, basis 810,000
 */
#include <CUnit/Basic.h>
#include <cjson/cJSON.h>
#include <math.h>

#include "test_stats_fixture.h"
#include "rundata_honest.h"

static const char *DB, *DB_V1;

#define STATS(...) fx_tool("pscope-stats", __VA_ARGS__, (const char *)NULL)
#define NEAR(a, b, eps) CU_ASSERT(fabs((double)(a) - (double)(b)) <= (eps))

static void build(const char *path)
{
    sqlite3 *db = fx_create(path);
    fx_exec(db, "BEGIN");
    fx_run(db, 1, "comp", 1, 38, 0, 1100000);
    fx_sql(db, "UPDATE run SET hook_ns = 100, hook_inner_ns = 30, collector_wait_ns = 20000 "
               "WHERE id = 1", "");
    fx_function(db, 1, 1, "main", "m.c", 1);
    fx_function(db, 2, 1, "a", "a.c", 2);
    fx_function(db, 3, 1, "b", "b.c", 3);
    fx_function(db, 4, 1, "r", "r.c", 4);
    fx_stat(db, 1, 1, 1, 1, 1000000, 100000, 1000000, 1e12, 1000000, 1000000);
    fx_stat(db, 2, 1, 10, 10, 500000, 300000, 500000, 2.5e10, 50000, 50000);
    fx_stat(db, 3, 1, 24, 24, 350000, 350000, 350000, 0, 10000, 37500);
    fx_stat(db, 4, 1, 3, 1, 400000, 250000, 700000, 0, 150000, 400000);
    fx_callpath(db, 1, 1, 0, 1, 0, 1, 1000000, 100000);
    fx_callpath(db, 2, 1, 1, 2, 1, 10, 500000, 300000);
    fx_callpath(db, 3, 1, 2, 3, 2, 20, 200000, 200000);
    fx_callpath(db, 4, 1, 1, 4, 1, 1, 400000, 100000);
    fx_callpath(db, 5, 1, 4, 4, 2, 2, 300000, 150000);
    fx_callpath(db, 6, 1, 5, 3, 3, 4, 150000, 150000);
    fx_thread(db, 1, 1, 100, "main", 1, 38);

    fx_run(db, 2, "cpu", 1, 3, 0, 1000000);
    fx_function(db, 10, 2, "main", "m.c", 1);
    fx_function(db, 11, 2, "work", "w.c", 2);
    fx_function(db, 12, 2, "blocked", "b.c", 3);
    fx_stat(db, 10, 2, 1, 1, 1000000, 200000, 1000000, 1e12, 1000000, 1000000);
    fx_stat(db, 11, 2, 1, 1, 800000, 800000, 800000, 6.4e11, 800000, 800000);
    fx_stat(db, 12, 2, 1, 1, 1000000, 1000000, 1000000, 1e12, 1000000, 1000000);
    fx_callpath(db, 10, 2, 0, 10, 0, 1, 1000000, 200000);
    fx_callpath(db, 11, 2, 10, 11, 1, 1, 800000, 800000);
    fx_callpath(db, 12, 2, 0, 12, 0, 1, 1000000, 1000000);
    fx_thread(db, 10, 2, 200, "main", 1, 2);
    fx_thread(db, 11, 2, 201, "waiter", 0, 1);
    fx_sql(db, "INSERT INTO resource_sample(run_id, ts, thread_id, cpu_user_ns, cpu_sys_ns,"
               " function_id, callpath_id, runq_ns) VALUES"
               " (2, 0, 10, 0, 0, 10, 10, 0),"           /* first row: no window */
               " (2, 100000, 10, 15000, 5000, 10, 10, 10000),"
               " (2, 200000, 10, 90000, 0, 11, 11, 5000),"
               " (2, 300000, 10, 95000, 0, 11, 11, 5000),"
               " (2, 400000, 10, 100000, 0, 11, 11, 5000),"
               " (2, 500000, 10, 95000, 0, 11, 11, 5000),"
               " (2, 600000, 10, 30000, 0, 10, 10, 10000),"
               " (2, 700000, 10, 10000, 0, 10, 10, 10000),"
               " (2, 0, 11, 0, 0, 12, 12, 0),"
               " (2, 100000, 11, 1000, 0, 12, 12, 0),"
               " (2, 200000, 11, 1000, 0, 12, 12, 0),"
               " (2, 300000, 11, 1000, 0, 12, 12, 0),"
               " (2, 400000, 11, 0, 1000, 12, 12, 0),"
               " (2, 500000, 11, 1000, 0, 12, 12, 0),"
               " (2, 600000, 11, 50000, 0, NULL, NULL, 0),"  /* no frame: delimits only */
               " (2, 600000, NULL, 999999, 0, 11, 11, NULL)", /* process row: not used */
           "");
    fx_exec(db, "COMMIT");
    sqlite3_close(db);
}

/* The same database as a version-1 file: no hook/wait/runq columns, no new views. */
static void build_v1(const char *path)
{
    build(path);
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    fx_exec(db, "DROP VIEW function_compensated; DROP VIEW callpath_compensated;"
                "DROP VIEW function_oncpu; DROP VIEW callpath_oncpu;"
                "ALTER TABLE run DROP COLUMN hook_ns; ALTER TABLE run DROP COLUMN hook_inner_ns;"
                "ALTER TABLE run DROP COLUMN collector_wait_ns;"
                "ALTER TABLE thread DROP COLUMN collector_wait_ns;"
                "CREATE TABLE rs1 AS SELECT id, run_id, ts, thread_id, cpu_user_ns, cpu_sys_ns,"
                " rss, rss_delta, minflt, majflt, function_id, callpath_id, stage_id, gpu_index,"
                " gpu_util, gpu_mem FROM resource_sample;"
                "DROP TABLE resource_sample; PRAGMA legacy_alter_table = ON;"
                "ALTER TABLE rs1 RENAME TO resource_sample;"
                "PRAGMA user_version = 1;");
    sqlite3_close(db);
}

static cJSON *json_of(fx_result *r)
{
    CU_ASSERT_EQUAL(r->status, 0);
    cJSON *j = cJSON_Parse(r->out);
    if (!j)
        fprintf(stderr, "unparsable JSON:\n%s\nstderr: %s\n", r->out, r->err);
    fx_result_free(r);
    return j;
}

/* Row of `table` whose "name" is `name` (NULL when absent). */
static cJSON *row_named(cJSON *doc, const char *table, const char *name)
{
    cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, table))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(row, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return row;
    }
    return NULL;
}

static double num(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* ---- the pure core ------------------------------------------------------------------- */

static void test_comp_tree(void)
{
    /* run 1's tree, given out of id order but parents first */
    pt_cp_in in[] = {
        {1, -1, 1, 1}, {4, 1, 4, 1}, {2, 1, 2, 10}, {5, 4, 4, 2}, {3, 2, 3, 20}, {6, 5, 3, 4},
    };
    pt_cp_comp out[6];
    CU_ASSERT_EQUAL(pt_comp_tree(in, 6, 100, 30, out), 0);
    double child[] = {11, 20, 0, 2, 4, 0}, below[] = {37, 20, 0, 6, 4, 0};
    double self_sub[] = {800, 1700, 600, 170, 340, 120};
    double total_sub[] = {3730, 2300, 600, 630, 460, 120};
    int outer[] = {1, 1, 1, 1, 0, 1};
    for (int i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL(out[i].id, i + 1);
        NEAR(out[i].child_calls, child[i], 0);
        NEAR(out[i].desc_calls, below[i], 0);
        NEAR(out[i].self_sub, self_sub[i], 1e-9);
        NEAR(out[i].total_sub, total_sub[i], 1e-9);
        CU_ASSERT_EQUAL(out[i].outermost, outer[i]);
    }
    pt_fn_comp *fn;
    size_t nfn;
    pt_comp_functions(out, 6, &fn, &nfn);
    CU_ASSERT_EQUAL_FATAL(nfn, 4);
    /* b: nodes 3 and 6, both outermost; r: node 4 outermost, node 5 nested */
    CU_ASSERT_EQUAL(fn[2].function_id, 3);
    NEAR(fn[2].outer_sub, 720, 1e-9);
    CU_ASSERT_EQUAL(fn[3].function_id, 4);
    NEAR(fn[3].child_calls, 6, 0);
    NEAR(fn[3].outer_sub, 630, 1e-9);
    NEAR(fn[3].all_sub, 1090, 1e-9);
    free(fn);

    /* damaged input: a parent cycle ends, a repeated id is reported */
    pt_cp_in cyc[] = {{1, 2, 7, 1}, {2, 1, 8, 1}};
    CU_ASSERT_EQUAL(pt_comp_tree(cyc, 2, 10, 0, out), 0);
    pt_cp_in dup[] = {{1, -1, 7, 1}, {1, -1, 8, 1}};
    CU_ASSERT_EQUAL(pt_comp_tree(dup, 2, 10, 0, out), -1);
    CU_ASSERT_EQUAL(pt_comp_tree(NULL, 0, 10, 0, out), 0);

    /* estimator: clamping, too few samples, blocked share with and without runq */
    NEAR(pt_oncpu_share(3, 60000, 300000), 0.2, 1e-12);
    CU_ASSERT(isnan(pt_oncpu_share(2, 60000, 200000)));
    NEAR(pt_oncpu_share(4, 500000, 400000), 1.0, 0);
    NEAR(pt_blocked_share(3, 60000, 300000, 3, 30000), 0.7, 1e-12);
    NEAR(pt_blocked_share(3, 60000, 300000, 2, 30000), 0.8, 1e-12);
    NEAR(pt_blocked_share(4, 380000, 400000, 4, 30000), 0.0, 0);
}

/* ---- SQL views ------------------------------------------------------------------------ */

static double sql_num(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double v = NAN;
    sqlite3_open_v2(DB, &db, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
    else if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_views(void)
{
    NEAR(sql_num("SELECT self_comp FROM callpath_compensated WHERE callpath_id = 1"), 99200, 1e-6);
    NEAR(sql_num("SELECT total_comp FROM callpath_compensated WHERE callpath_id = 1"), 996270,
         1e-6);
    NEAR(sql_num("SELECT total_comp FROM callpath_compensated WHERE callpath_id = 5"), 299540,
         1e-6);
    NEAR(sql_num("SELECT SUM(self_comp) FROM callpath_compensated WHERE run_id = 1"), 996270, 1e-6);
    NEAR(sql_num("SELECT self_comp FROM function_compensated WHERE name = 'r'"), 249490, 1e-6);
    NEAR(sql_num("SELECT total_comp FROM function_compensated WHERE name = 'r'"), 399370, 1e-6);
    NEAR(sql_num("SELECT mean_comp FROM function_compensated WHERE name = 'r'"), 232970, 1e-6);
    NEAR(sql_num("SELECT total_comp FROM function_compensated WHERE name = 'b'"), 349280, 1e-6);
    /* uncalibrated run: raw figures repeated */
    NEAR(sql_num("SELECT self_comp FROM function_compensated WHERE function_id = 11"), 800000, 0);
    NEAR(sql_num("SELECT oncpu_share FROM function_oncpu WHERE name = 'main' AND run_id = 2"),
         0.2, 1e-12);
    NEAR(sql_num("SELECT oncpu_dur FROM function_oncpu WHERE name = 'work'"), 760000, 1e-6);
    NEAR(sql_num("SELECT samples FROM function_oncpu WHERE name = 'blocked'"), 5, 0);
    NEAR(sql_num("SELECT blocked_share FROM function_oncpu WHERE name = 'blocked'"), 0.99, 1e-12);
    NEAR(sql_num("SELECT blocked_share FROM callpath_oncpu WHERE callpath_id = 10"), 0.7, 1e-12);
}

/* ---- pscope-stats --------------------------------------------------------------------- */

static void test_table_compensated(void)
{
    fx_result r = STATS(DB, "--run", "comp", "--format", "json");
    cJSON *doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(doc, "thread_time_ns"), 996270, 1e-6);
    NEAR(num(doc, "hook_ns"), 100, 0);
    NEAR(num(doc, "collector_wait_ns"), 20000, 0);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(doc, "compensated")));
    struct { const char *name; double self, total, mean; } want[] = {
        {"main", 99200, 996270, 996270},
        {"a", 298300, 497700, 49770},
        {"b", 349280, 349280, 349280.0 / 24},
        {"r", 249490, 399370, 232970},
    };
    for (int i = 0; i < 4; i++) {
        cJSON *row = row_named(doc, "functions", want[i].name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(row);
        NEAR(num(row, "self_dur"), want[i].self, 1e-6);
        NEAR(num(row, "total_dur"), want[i].total, 1e-6);
        NEAR(num(row, "mean_dur"), want[i].mean, 1e-6);
        NEAR(num(row, "self_share"), want[i].self / 996270, 1e-12);
    }
    cJSON *a = row_named(doc, "functions", "a");
    NEAR(num(a, "self_per_call"), 29830, 1e-6);
    NEAR(num(a, "self_raw_dur"), 300000, 0);
    NEAR(num(a, "total_raw_dur"), 500000, 0);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(a, "oncpu_share")); /* no samples: no column */
    cJSON_Delete(doc);

    r = STATS(DB, "--run", "comp", "--raw", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(doc, "thread_time_ns"), 1000000, 0);
    a = row_named(doc, "functions", "a");
    NEAR(num(a, "self_dur"), 300000, 0);
    NEAR(num(a, "self_share"), 0.3, 1e-12);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(a, "self_raw_dur"));
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(doc, "compensated")));
    cJSON_Delete(doc);

    r = STATS(DB, "--run", "comp");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "hook cost 100 ns per call (30 ns of it inside the "
                                         "callee) removed: thread time 1.00 ms measured, 996 µs "
                                         "compensated (--raw: measured figures)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "program threads waited 20.0 µs for the collector "
                                         "(2.0% of the measured thread time)"));
    fx_result_free(&r);

    /* tree: node figures compensated */
    r = STATS(DB, "--run", "comp", "--tree", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *row;
    double total5 = NAN, self1 = NAN;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(doc, "tree"))
    {
        if (num(row, "callpath_id") == 5)
            total5 = num(row, "total_dur");
        if (num(row, "callpath_id") == 1)
            self1 = num(row, "self_dur");
    }
    NEAR(total5, 299540, 1e-6);
    NEAR(self1, 99200, 1e-6);
    NEAR(num(doc, "thread_time_ns"), 996270, 1e-6);
    cJSON_Delete(doc);
}

static void test_hotspots_compensated(void)
{
    fx_result r = STATS(DB, "--run", "comp", "--hotspots", "--format", "json");
    cJSON *doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "hotspots"), 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(first, "name")->valuestring, "b");
    NEAR(num(first, "self_dur"), 349280, 1e-6);
    NEAR(num(first, "share"), 349280.0 / 996270, 1e-12);
    NEAR(num(first, "saved_dur"), 174640, 1e-6);
    NEAR(num(first, "max_speedup"), 1.0 / (1.0 - 349280.0 / 996270), 1e-9);
    cJSON_Delete(doc);
}

static void test_oncpu(void)
{
    fx_result r = STATS(DB, "--run", "cpu", "--format", "json");
    cJSON *doc = json_of(&r), *rows;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(doc, "basis")->valuestring, "oncpu");
    NEAR(num(doc, "basis_ns"), 810000, 1e-6);
    NEAR(num(doc, "cpu_samples"), 12, 0);
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(doc, "compensated")));
    struct { const char *name; double share, oncpu, run_share; int samples; } want[] = {
        {"main", 0.2, 40000, 40000.0 / 810000, 3},
        {"work", 0.95, 760000, 760000.0 / 810000, 4},
        {"blocked", 0.01, 10000, 10000.0 / 810000, 5},
    };
    for (int i = 0; i < 3; i++) {
        cJSON *row = row_named(doc, "functions", want[i].name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(row);
        NEAR(num(row, "oncpu_share"), want[i].share, 1e-12);
        NEAR(num(row, "oncpu_dur"), want[i].oncpu, 1e-6);
        NEAR(num(row, "self_share"), want[i].run_share, 1e-12);
        NEAR(num(row, "cpu_samples"), want[i].samples, 0);
    }
    cJSON_Delete(doc);

    /* --sort oncpu: by on-CPU time */
    r = STATS(DB, "--run", "cpu", "--sort", "oncpu", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    rows = cJSON_GetObjectItem(doc, "functions");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "name")->valuestring,
                           "work");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 2), "name")->valuestring,
                           "blocked");
    cJSON_Delete(doc);

    /* hotspots: on-CPU ranking puts work first; the blocked function is marked */
    r = STATS(DB, "--run", "cpu", "--hotspots", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    rows = cJSON_GetObjectItem(doc, "hotspots");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "name")->valuestring,
                           "work");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 2), "name")->valuestring,
                           "blocked");
    NEAR(num(cJSON_GetArrayItem(rows, 0), "saved_dur"), 380000, 1e-6);
    NEAR(num(cJSON_GetArrayItem(rows, 2), "blocked_share"), 0.99, 1e-12);
    cJSON_Delete(doc);
    r = STATS(DB, "--run", "cpu", "--hotspots");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "blocked (b.c:3): blocked 99% of its time: the cost is "
                                         "in what it waits for"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "main (m.c:1): blocked 70% of its time"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "work (w.c:2): blocked"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Top candidate: work (w.c:2), 93.8% of on-CPU time."));
    fx_result_free(&r);

    /* --basis thread: the old figures, waiting counted: blocked ranks first */
    r = STATS(DB, "--run", "cpu", "--hotspots", "--basis", "thread", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    rows = cJSON_GetObjectItem(doc, "hotspots");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "name")->valuestring,
                           "blocked");
    NEAR(num(cJSON_GetArrayItem(rows, 0), "share"), 0.5, 1e-12);
    cJSON_Delete(doc);

    /* --exclude-from-basis: the excluded function leaves the denominator */
    r = STATS(DB, "--run", "cpu", "--basis", "thread", "--exclude", "^blocked$",
              "--exclude-from-basis", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(row_named(doc, "functions", "work"), "self_share"), 0.8, 1e-12);
    CU_ASSERT_PTR_NULL(row_named(doc, "functions", "blocked"));
    cJSON_Delete(doc);
    r = STATS(DB, "--run", "cpu", "--hotspots", "--exclude", "^blocked$", "--exclude-from-basis",
              "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "hotspots"), 0), "share"), 0.95, 1e-12);
    cJSON_Delete(doc);
    /* without it, the excluded function still counts in the basis */
    r = STATS(DB, "--run", "cpu", "--basis", "thread", "--exclude", "^blocked$", "--format",
              "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(row_named(doc, "functions", "work"), "self_share"), 0.4, 1e-12);
    cJSON_Delete(doc);

    /* tree: on-CPU per call path */
    r = STATS(DB, "--run", "cpu", "--tree", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *row;
    double work = NAN;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(doc, "tree"))
        if (num(row, "callpath_id") == 11)
            work = num(row, "oncpu_share");
    NEAR(work, 0.95, 1e-12);
    cJSON_Delete(doc);
}

static void test_options_and_errors(void)
{
    /* --basis oncpu on a run without samples: exit 3 with the reason */
    fx_result r = STATS(DB, "--run", "comp", "--basis", "oncpu");
    if (r.status != 3)
        fprintf(stderr, "--basis oncpu without samples: exit %d\n%s\n", r.status, r.err);
    CU_ASSERT_EQUAL(r.status, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "has no per-thread CPU samples"));
    fx_result_free(&r);
    r = STATS(DB, "--basis", "wall");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--basis: 'wall' is not oncpu or thread"));
    fx_result_free(&r);
    r = STATS(DB, "--raw", "--threads");
    CU_ASSERT_EQUAL(r.status, 2);
    fx_result_free(&r);
    r = STATS(DB, "--basis", "thread", "--tree");
    CU_ASSERT_EQUAL(r.status, 2);
    fx_result_free(&r);
    /* a wait below 0.1% of the thread time is not shown (but is in JSON) */
    sqlite3 *db = NULL;
    sqlite3_open(DB, &db);
    fx_exec(db, "UPDATE run SET collector_wait_ns = 999 WHERE id = 1");
    sqlite3_close(db);
    r = STATS(DB, "--run", "comp");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NULL(strstr(r.out, "for the collector"));
    fx_result_free(&r);
    /* a calibration out of range is not used: negative -> measured figures; an inner part
     * above the whole -> inner 0, so a's self = 300,000 - 20 calls made * 100 */
    db = NULL;
    sqlite3_open(DB, &db);
    fx_exec(db, "UPDATE run SET collector_wait_ns = 20000, hook_ns = -5 WHERE id = 1");
    sqlite3_close(db);
    r = STATS(DB, "--run", "comp", "--format", "json");
    cJSON *doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(doc, "compensated")));
    NEAR(num(row_named(doc, "functions", "a"), "self_dur"), 300000, 0);
    cJSON_Delete(doc);
    sqlite3_open(DB, &db);
    fx_exec(db, "UPDATE run SET hook_ns = 100, hook_inner_ns = 500 WHERE id = 1");
    sqlite3_close(db);
    r = STATS(DB, "--run", "comp", "--format", "json");
    doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(row_named(doc, "functions", "a"), "self_dur"), 298000, 1e-6);
    NEAR(num(doc, "hook_inner_ns"), 0, 0);
    cJSON_Delete(doc);
    sqlite3_open(DB, &db);
    fx_exec(db, "UPDATE run SET hook_inner_ns = 30 WHERE id = 1");
    sqlite3_close(db);
}

static void test_version1(void)
{
    /* no calibration, no waits, no runq: measured figures, off-CPU wording */
    fx_result r = STATS(DB_V1, "--run", "comp", "--format", "json");
    cJSON *doc = json_of(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    NEAR(num(doc, "thread_time_ns"), 1000000, 0);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(doc, "hook_ns"));
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(doc, "collector_wait_ns"));
    cJSON_Delete(doc);
    r = STATS(DB_V1, "--run", "cpu", "--hotspots");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "main (m.c:1): off CPU 80% of its time: blocked"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Top candidate: work (w.c:2), 93.8% of on-CPU time."));
    fx_result_free(&r);
}

int main(void)
{
    static char dbpath[512], v1path[512];
    snprintf(dbpath, sizeof dbpath, "%s", fx_path("honest.db"));
    snprintf(v1path, sizeof v1path, "%s", fx_path("honest-v1.db"));
    DB = dbpath;
    DB_V1 = v1path;
    build(DB);
    build_v1(DB_V1);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("honest times", NULL, NULL);
    CU_add_test(s, "compensation core and estimator on synthetic input", test_comp_tree);
    CU_add_test(s, "SQL views: compensated and on-CPU figures", test_views);
    CU_add_test(s, "table and tree compensated, --raw, header", test_table_compensated);
    CU_add_test(s, "hotspots compensated", test_hotspots_compensated);
    CU_add_test(s, "on-CPU estimate, basis, blocked marks, exclude-from-basis", test_oncpu);
    CU_add_test(s, "options and errors", test_options_and_errors);
    CU_add_test(s, "version-1 databases", test_version1);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    fx_cleanup();
    return failed ? 1 : 0;
}
