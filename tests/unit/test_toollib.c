/* tests/unit/test_toollib.c: unit tests of libpscope_tools (tools/lib/ptool.h) in
 * process, with exact expected values: duration/byte formatting, type-7 percentiles and
 * Amdahl, key-list parsing, DB:RUN splitting, PCRE2 filters, database validation and run
 * resolution, embedded SQL with named parameters, the SQL functions both as registered by
 * the tools and as loaded from the built extension (build/lib/pscope_sqlite.so), and the
 * output writers (CSV quoting, JSON nulls, Markdown escaping, JUnit failures, atomic -o).
 * Functions that exit the process (pt_die) are exercised through the tools in
 * test_stats.c instead. */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <dirent.h>
#include <math.h>

#include "ptool.h"
#include "test_stats_fixture.h"

static const char *DB;

#define ASSERT_NEAR(a, b, tol) CU_ASSERT(fabs((double)(a) - (double)(b)) <= (tol))

static void test_fmt_dur(void)
{
    struct { double ns; const char *text; } cases[] = {
        {0, "0 ns"},          {3, "3 ns"},          {417, "417 ns"},      {999, "999 ns"},
        {12.5, "12.5 ns"},    {999.6, "1.00 µs"},   {1234, "1.23 µs"},    {12345, "12.3 µs"},
        {123456, "123 µs"},   {999999, "1.00 ms"},  {45.6e6, "45.6 ms"},  {2e9, "2.00 s"},
        {1234e9, "1234 s"},   {NAN, "-"},           {-1500, "-1.50 µs"},
    };
    char buf[PT_DUR_BUFSZ];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pt_fmt_dur(cases[i].ns, buf, sizeof buf);
        CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
        if (strcmp(buf, cases[i].text) != 0)
            fprintf(stderr, "\n%g -> '%s', want '%s'\n", cases[i].ns, buf, cases[i].text);
    }
    char b[PT_BYTES_BUFSZ];
    CU_ASSERT_STRING_EQUAL(pt_fmt_bytes(512, b, sizeof b), "512 B");
    CU_ASSERT_STRING_EQUAL(pt_fmt_bytes(1536, b, sizeof b), "1.50 KiB");
    CU_ASSERT_STRING_EQUAL(pt_fmt_bytes(1048576, b, sizeof b), "1.00 MiB");
    CU_ASSERT_STRING_EQUAL(pt_fmt_bytes(-4096, b, sizeof b), "-4.00 KiB");
}

static void test_math(void)
{
    double s[] = {1, 2, 3, 4};
    ASSERT_NEAR(pt_percentile7(s, 4, 0.5), 2.5, 1e-12);
    ASSERT_NEAR(pt_percentile7(s, 4, 0.95), 3.85, 1e-12);
    ASSERT_NEAR(pt_percentile7(s, 4, 0), 1, 0);
    ASSERT_NEAR(pt_percentile7(s, 4, 1), 4, 0);
    ASSERT_NEAR(pt_percentile7(s, 1, 0.3), 1, 0);
    CU_ASSERT(isnan(pt_percentile7(s, 0, 0.5)));
    double d[100];
    for (int i = 0; i < 100; i++)
        d[i] = 1000.0 * (i + 1);
    ASSERT_NEAR(pt_percentile7(d, 100, 0.50), 50500, 1e-9);
    ASSERT_NEAR(pt_percentile7(d, 100, 0.95), 95050, 1e-9);
    ASSERT_NEAR(pt_percentile7(d, 100, 0.99), 99010, 1e-9);
    ASSERT_NEAR(pt_amdahl_max(0.05), 1.0526, 5e-5);
    ASSERT_NEAR(pt_amdahl(0.7, 2), 1.5385, 5e-5);
    ASSERT_NEAR(pt_amdahl(0.7, 2), 1.0 / 0.65, 1e-12);
    CU_ASSERT(isinf(pt_amdahl_max(1.0)));
    ASSERT_NEAR(pt_amdahl(0.5, 1), 1.0, 1e-12);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* quickselect equals sorting, on random data with many ties and on sorted/reversed input */
static void test_select(void)
{
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 7 % 301);
        double *v = malloc(n * sizeof *v), *s = malloc(n * sizeof *s);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 8) % (round % 3 == 0 ? 5u : 100000u);
            v[i] = round % 5 == 1 ? (double)i : round % 5 == 2 ? (double)(n - i) : (double)r;
        }
        memcpy(s, v, n * sizeof *v);
        qsort(s, n, sizeof *s, cmp_dbl);
        double qs[] = {0, 0.01, 0.25, 0.5, 0.95, 0.99, 1};
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            double want = pt_percentile7(s, n, qs[k]);
            double got = pt_percentile7_select(v, n, qs[k]);
            CU_ASSERT_EQUAL(got, want);
        }
        free(v);
        free(s);
    }
    CU_ASSERT(isnan(pt_percentile7_select(NULL, 0, 0.5)));
}

static void test_keys(void)
{
    const char *keys[] = {"calls", "self", "total", "mean", "p50", "p95", "p99", "max", "name", "file"};
    int out[4];
    size_t n = 0;
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "c", keys, 10, out, 4, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(out[0], 0);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "p95,na,se", keys, 10, out, 4, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(out[0], 5);
    CU_ASSERT_EQUAL(out[1], 8);
    CU_ASSERT_EQUAL(out[2], 1);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "m", keys, 10, out, 4, &n), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "p", keys, 10, out, 4, &n), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "x", keys, 10, out, 4, &n), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "calls,", keys, 10, out, 4, &n), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_keys_parse("--sort", "c,s,t,n,f", keys, 10, out, 4, &n), PT_EXIT_USAGE);
    /* an exact key wins over a longer key it prefixes */
    const char *k2[] = {"p9", "p95"};
    CU_ASSERT_EQUAL(pt_keys_parse("--x", "p9", k2, 2, out, 4, &n), 0);
    CU_ASSERT_EQUAL(out[0], 0);

    int64_t v;
    CU_ASSERT_EQUAL(pt_parse_int("--top", "12", 0, 100, &v), 0);
    CU_ASSERT_EQUAL(v, 12);
    CU_ASSERT_EQUAL(pt_parse_int("--top", "12x", 0, 100, &v), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_parse_int("--top", "101", 0, 100, &v), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_parse_int("--top", "", 0, 100, &v), PT_EXIT_USAGE);
    double d;
    CU_ASSERT_EQUAL(pt_parse_real("--f", "2.5", 0, 10, &d), 0);
    ASSERT_NEAR(d, 2.5, 0);
    CU_ASSERT_EQUAL(pt_parse_real("--f", "nan", 0, 10, &d), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_parse_real("--f", "inf", 0, 1e300, &d), PT_EXIT_USAGE);
    pt_format f;
    CU_ASSERT_EQUAL(pt_format_parse("md", 0, &f), 0);
    CU_ASSERT_EQUAL(f, PT_FMT_MD);
    CU_ASSERT_EQUAL(pt_format_parse("junit", 0, &f), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_format_parse("junit", 1, &f), 0);
    CU_ASSERT_EQUAL(f, PT_FMT_JUNIT);
}

static void test_spec(void)
{
    char *db, *run;
    pt_spec_split("runs.db:3", &db, &run);
    CU_ASSERT_STRING_EQUAL(db, "runs.db");
    CU_ASSERT_STRING_EQUAL(run, "3");
    free(db);
    free(run);
    pt_spec_split("/a/b:c/runs.db:base-line", &db, &run);
    CU_ASSERT_STRING_EQUAL(db, "/a/b:c/runs.db");
    CU_ASSERT_STRING_EQUAL(run, "base-line");
    free(db);
    free(run);
    pt_spec_split("runs.db", &db, &run);
    CU_ASSERT_STRING_EQUAL(db, "runs.db");
    CU_ASSERT_PTR_NULL(run);
    free(db);
    pt_spec_split("runs.db:", &db, &run);
    CU_ASSERT_STRING_EQUAL(db, "runs.db:");
    CU_ASSERT_PTR_NULL(run);
    free(db);
    /* an existing file whose name contains a colon is all path */
    const char *colon = fx_path("x:y.db");
    fx_write_file(colon, "x", 1);
    pt_spec_split(colon, &db, &run);
    CU_ASSERT_STRING_EQUAL(db, colon);
    CU_ASSERT_PTR_NULL(run);
    free(db);
}

static void test_filter(void)
{
    pt_filter *f = NULL;
    CU_ASSERT_EQUAL(pt_filter_match(NULL, "x", NULL, 0), 1);
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--filter", "fo(o", 0), PT_EXIT_USAGE);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--filter", "^fib", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--filter", "^main$", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--exclude", "slow\\.c:", 1), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, "fib", "fib.c", 3), 1);
    CU_ASSERT_EQUAL(pt_filter_match(f, "fib_iter", "slow.c", 9), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, "main", NULL, 0), 1);
    CU_ASSERT_EQUAL(pt_filter_match(f, "work", "w.c", 3), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, "work", "fib.c", 3), 1); /* "fib.c:3(work)" */
    pt_filter_free(f);
    f = NULL;
    /* location form and invalid UTF-8 */
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--filter", "^~:0\\(", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, "anon", NULL, 0), 1);
    CU_ASSERT_EQUAL(pt_filter_match(f, "anon", "a.c", 1), 0);
    pt_filter_free(f);
    f = NULL;
    CU_ASSERT_EQUAL(pt_filter_add(&f, "--filter", "bad", 0), 0);
    CU_ASSERT_EQUAL(pt_filter_match(f, "\xff\xfe bad", NULL, 0), 1);
    pt_filter_free(f);
    char *loc = pt_func_location("f", "a.c", 7);
    CU_ASSERT_STRING_EQUAL(loc, "a.c:7(f)");
    free(loc);
    char *lab = pt_func_label("f", "a.c", 7);
    CU_ASSERT_STRING_EQUAL(lab, "f (a.c:7)");
    free(lab);
    lab = pt_func_label("f", NULL, 0);
    CU_ASSERT_STRING_EQUAL(lab, "f");
    free(lab);
}

static void test_db_and_runs(void)
{
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(DB, &db), 0);
    CU_ASSERT_EQUAL(db->schema_version, PT_SCHEMA_VERSION);
    pt_run r;
    CU_ASSERT_EQUAL(pt_run_resolve(db, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.id, 4); /* latest complete */
    pt_run_clear(&r);
    CU_ASSERT_EQUAL(pt_run_resolve(db, "dist", &r), 0);
    CU_ASSERT_EQUAL(r.id, 2);
    CU_ASSERT_EQUAL(r.calls_seen, 100);
    ASSERT_NEAR(r.scale, 20, 0);
    CU_ASSERT_EQUAL(r.complete, 1);
    char line[512];
    pt_run_describe(&r, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "run 2 \"dist\" · ./prog 2 · scale 20 · wall 6.00 ms · "
                                 "100 calls seen, 100 stored · complete");
    cJSON *j = pt_run_json(&r);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "calls_stored")->valuedouble, 100);
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(j, "sampled")));
    cJSON_Delete(j);
    pt_run_clear(&r);
    CU_ASSERT_EQUAL(pt_run_resolve(db, "3", &r), 0);
    CU_ASSERT_EQUAL(r.complete, 0);
    CU_ASSERT_EQUAL(r.ended_wall, 0);
    pt_run_clear(&r);
    CU_ASSERT_EQUAL(pt_run_resolve(db, "nope", &r), PT_EXIT_DATA);
    pt_run *runs;
    size_t n;
    CU_ASSERT_EQUAL(pt_runs_list(db, &runs, &n), 0);
    CU_ASSERT_EQUAL(n, 4);
    pt_runs_free(runs, n);

    /* embedded SQL with named parameters */
    sqlite3_stmt *st = pt_sql_prepare(db, "stats_functions");
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(pt_sql_bind_int(st, ":run_id", 2), 0);
    CU_ASSERT_EQUAL(pt_sql_bind_int(st, ":not_there", 2), 1);
    CU_ASSERT_EQUAL(pt_sql_step(db, st), 1);
    CU_ASSERT_STRING_EQUAL(pt_sql_col_text(st, 1), "dist");
    CU_ASSERT_EQUAL(pt_sql_step(db, st), 0);
    sqlite3_finalize(st);
    CU_ASSERT_PTR_NULL(pt_sql_prepare(db, "no_such_query"));
    pt_db_close(db);

    /* several runs sharing a label */
    const char *same = fx_path("same.db");
    sqlite3 *s = fx_create(same);
    fx_run(s, 1, "same", 1, 0, 0, 10);
    fx_run(s, 2, "other", 1, 0, 0, 10);
    fx_run(s, 3, "same", 1, 0, 0, 10);
    sqlite3_close(s);
    CU_ASSERT_EQUAL_FATAL(pt_db_open(same, &db), 0);
    CU_ASSERT_EQUAL(pt_run_resolve_all(db, "same", &runs, &n), 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(runs[0].id, 1);
    CU_ASSERT_EQUAL(runs[1].id, 3);
    pt_runs_free(runs, n);
    CU_ASSERT_EQUAL(pt_run_resolve(db, "same", &r), 0);
    CU_ASSERT_EQUAL(r.id, 3);
    pt_run_clear(&r);
    pt_db_close(db);

    /* validation failures */
    const char *txt = fx_path("t.txt");
    fx_write_file(txt, "SQLite format 2 but not really, and more than sixteen bytes", 59);
    CU_ASSERT_EQUAL(pt_db_open(txt, &db), PT_EXIT_DATA);
    CU_ASSERT_PTR_NULL(db);
    CU_ASSERT_EQUAL(pt_db_open(fx_path("absent.db"), &db), PT_EXIT_DATA);
    CU_ASSERT_EQUAL(pt_db_open(fx_tmpdir(), &db), PT_EXIT_DATA);
}

/* The run line says what the stored rows are: the first calls, not a sample. */
static void test_run_describe_rows(void)
{
    pt_run r;
    memset(&r, 0, sizeof r);
    r.id = 7;
    r.scale = NAN;
    r.dur = 2000000;
    r.complete = 1;
    r.calls_seen = 300000;
    r.calls_stored = 100000;
    char line[512];
    CU_ASSERT_STRING_EQUAL(pt_run_describe(&r, line, sizeof line),
                           "run 7 · wall 2.00 ms · 300000 calls seen, 100000 stored (first calls only) · complete");
    r.rows_dropped = 12;
    CU_ASSERT_STRING_EQUAL(pt_run_describe(&r, line, sizeof line),
                           "run 7 · wall 2.00 ms · 300000 calls seen, 100000 stored (partial: rows dropped) · complete");
    r.rows_dropped = 0;
    r.calls_stored = 300000;
    CU_ASSERT_STRING_EQUAL(pt_run_describe(&r, line, sizeof line),
                           "run 7 · wall 2.00 ms · 300000 calls seen, 300000 stored · complete");
}

/* stderr of the calls between stderr_begin and stderr_end, into a static buffer. */
static int saved_stderr = -1;
static void stderr_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(fx_path("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
}
static const char *stderr_end(void)
{
    static char text[4096];
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(fx_path("stderr.txt"), "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    return text;
}

/* Default run resolution on runs given as (complete, calls_seen) pairs: the id chosen by
 * pt_run_resolve(NULL) and its stderr; pt_run_resolve_all(NULL) must choose the same. */
static long long resolve_default(const char *name, const int (*runs)[2], int n, const char **err)
{
    const char *path = fx_path(name);
    sqlite3 *s = fx_create(path);
    for (int i = 0; i < n; i++)
        fx_run(s, i + 1, NULL, runs[i][0], runs[i][1], 0, 10);
    sqlite3_close(s);
    pt_db *db = NULL;
    if (pt_db_open(path, &db) != 0)
        return -1;
    pt_run r;
    stderr_begin();
    int rc = pt_run_resolve(db, NULL, &r);
    *err = stderr_end();
    long long id = rc ? -rc : r.id;
    if (!rc)
        pt_run_clear(&r);
    pt_run *all = NULL;
    size_t m = 0;
    stderr_begin();
    if (pt_run_resolve_all(db, NULL, &all, &m) == 0) {
        CU_ASSERT_EQUAL(m, 1);
        CU_ASSERT_EQUAL(all[0].id, id);
        pt_runs_free(all, m);
    }
    stderr_end();
    pt_db_close(db);
    return id;
}

static void test_default_run(void)
{
    const char *err;
    char want[1024];
    /* a program whose exec'd children (no instrumentation) left empty runs 2..4, and a
     * run 5 still going: run 1 is the default, and the skipped ones are named */
    const int exec_children[][2] = {{1, 19}, {1, 0}, {1, 0}, {1, 0}, {0, 3}};
    CU_ASSERT_EQUAL(resolve_default("exec.db", exec_children, 5, &err), 1);
    snprintf(want, sizeof want, "test_toollib: warning: %s: using run 1, the latest complete run"
             " with calls; skipped newer runs: 2, 3, 4 (3 without calls); 5 (1 incomplete)\n",
             fx_path("exec.db"));
    CU_ASSERT_STRING_EQUAL(err, want);

    /* 50 empty children: ten ids, then "...", and the count */
    int fifty[51][2];
    fifty[0][0] = 1, fifty[0][1] = 7;
    for (int i = 1; i <= 50; i++)
        fifty[i][0] = 1, fifty[i][1] = 0;
    CU_ASSERT_EQUAL(resolve_default("fifty.db", (const int (*)[2])fifty, 51, &err), 1);
    snprintf(want, sizeof want, "test_toollib: warning: %s: using run 1, the latest complete run"
             " with calls; skipped newer runs: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ... (50 without"
             " calls)\n", fx_path("fifty.db"));
    CU_ASSERT_STRING_EQUAL(err, want);

    /* the latest complete run has calls and is the newest: silent */
    const int plain[][2] = {{1, 0}, {0, 5}, {1, 4}};
    CU_ASSERT_EQUAL(resolve_default("plain.db", plain, 3, &err), 3);
    CU_ASSERT_STRING_EQUAL(err, "");

    /* a newer incomplete run only */
    const int live[][2] = {{1, 4}, {0, 9}};
    CU_ASSERT_EQUAL(resolve_default("live.db", live, 2, &err), 1);
    snprintf(want, sizeof want, "test_toollib: warning: %s: using run 1, the latest complete run"
             " with calls; skipped newer runs: 2 (1 incomplete)\n", fx_path("live.db"));
    CU_ASSERT_STRING_EQUAL(err, want);

    /* no run has calls (a stage-only program): the latest complete run, as before */
    const int stages_only[][2] = {{1, 0}, {1, 0}, {0, 0}};
    CU_ASSERT_EQUAL(resolve_default("stages.db", stages_only, 3, &err), 2);
    snprintf(want, sizeof want, "test_toollib: warning: %s: using run 2, the latest complete run;"
             " skipped newer runs: 3 (1 incomplete)\n", fx_path("stages.db"));
    CU_ASSERT_STRING_EQUAL(err, want);

    /* an explicit --run is taken as given, even without calls */
    const char *path = fx_path("exec.db");
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(path, &db), 0);
    pt_run r;
    stderr_begin();
    CU_ASSERT_EQUAL(pt_run_resolve(db, "3", &r), 0);
    CU_ASSERT_STRING_EQUAL(stderr_end(), "");
    CU_ASSERT_EQUAL(r.id, 3);
    CU_ASSERT_EQUAL(r.calls_seen, 0);
    pt_run_clear(&r);
    pt_db_close(db);
}

/* Histogram percentiles use the exact ones' definition (type 7), read from the buckets:
 * a function called 4 times {2, 2, 200, 200 µs}. Bucket of 2000 ns: [2000, 2008), midpoint
 * 2004; bucket of 200000 ns: [199680, 200704), midpoint 200192. Order statistics with the
 * exact extremes: x0 = min 2000, x1 = 2004, x2 = 200192 clamped to max = 200000, x3 = max.
 * The old definition (midpoint of rank ceil(q n)) said p50 = 2.00 µs; exact is 101 µs. */
static void test_hist_percentile_type7(void)
{
    uint32_t b[] = {pscope_hist_bucket(2000), pscope_hist_bucket(200000)};
    uint64_t c[] = {2, 2};
    CU_ASSERT_EQUAL(pscope_hist_bucket_mid(b[0]), 2004);
    CU_ASSERT_EQUAL(pscope_hist_bucket_mid(b[1]), 200192);
    ASSERT_NEAR(pscope_hist_percentile_range(b, c, 2, 0.50, 2000, 200000), 101002, 1e-9);
    ASSERT_NEAR(pscope_hist_percentile_range(b, c, 2, 0.25, 2000, 200000), 2003, 1e-9);
    ASSERT_NEAR(pscope_hist_percentile_range(b, c, 2, 0.95, 2000, 200000), 200000, 0);
    ASSERT_NEAR(pscope_hist_percentile_range(b, c, 2, 0.00, 2000, 200000), 2000, 0);
    ASSERT_NEAR(pscope_hist_percentile_range(b, c, 2, 1.00, 2000, 200000), 200000, 0);
    /* without the extremes: midpoints only, (2004 + 200192) / 2 */
    ASSERT_NEAR(pscope_hist_percentile(b, c, 2, 0.50), 101098, 1e-9);
    ASSERT_NEAR(pscope_hist_percentile(b, c, 2, 0.99), 200192, 1e-9);
    /* the exact type-7 values of the same calls, for comparison: within 0.4% */
    double exact[] = {2000, 2000, 200000, 200000};
    ASSERT_NEAR(pt_percentile7(exact, 4, 0.50), 101000, 1e-9);
    CU_ASSERT(fabs(pscope_hist_percentile_range(b, c, 2, 0.50, 2000, 200000) / 101000 - 1) < 0.004);
    /* one call: its exact duration, whatever the bucket's midpoint */
    uint32_t one_b[] = {pscope_hist_bucket(1501)}; /* [1496, 1504), midpoint 1500 */
    uint64_t one_c[] = {1};
    ASSERT_NEAR(pscope_hist_percentile_range(one_b, one_c, 1, 0.5, 1501, 1501), 1501, 0);
    ASSERT_NEAR(pscope_hist_percentile(one_b, one_c, 1, 0.5), 1500, 0);
    uint64_t none[] = {0};
    CU_ASSERT(isnan(pscope_hist_percentile(one_b, none, 1, 0.5)));

    /* the tool's query (stats_functions) against percentile() over the raw rows of the
     * same run, and the hotspot view against the tool's ∞ */
    const char *path = fx_path("four.db");
    sqlite3 *s = fx_create(path);
    fx_run(s, 1, "four", 1, 5, 5, 404000);
    fx_function(s, 1, 1, "four", "f.c", 1);
    fx_function(s, 2, 1, "idle", "f.c", 9);
    fx_stat(s, 1, 1, 4, 4, 404000, 404000, 404000, 2 * 2000.0 * 2000 + 2 * 2e5 * 2e5, 2000, 200000);
    fx_stat(s, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0);
    const long long durs[] = {2000, 200000, 2000, 200000};
    fx_hist(s, "function_hist", 1, durs, 4);
    for (int i = 0; i < 4; i++)
        fx_call(s, i + 1, 1, 0, 0, 1, i * 300000, durs[i]);
    sqlite3_close(s);
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(path, &db), 0);
    sqlite3_stmt *st = pt_sql_prepare(db, "stats_functions");
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    pt_sql_bind_int(st, ":run_id", 1);
    int found = 0;
    while (pt_sql_step(db, st) == 1) {
        if (strcmp(pt_sql_col_text(st, 1), "four") != 0)
            continue;
        found = 1;
        int c50 = -1, c95 = -1;
        for (int col = 0; col < sqlite3_column_count(st); col++) {
            if (strcmp(sqlite3_column_name(st, col), "p50") == 0)
                c50 = col;
            if (strcmp(sqlite3_column_name(st, col), "p95") == 0)
                c95 = col;
        }
        ASSERT_NEAR(sqlite3_column_double(st, c50), 101002, 1e-9);
        ASSERT_NEAR(sqlite3_column_double(st, c95), 200000, 0);
    }
    CU_ASSERT_EQUAL(found, 1);
    sqlite3_finalize(st);
    struct { const char *sql; double want; } q[] = {
        {"SELECT percentile(dur, 50) FROM call WHERE function_id = 1", 101000},
        {"SELECT hist_percentile(h.bucket, h.count, 50, s.min_dur, s.max_dur) FROM function_hist h"
         " JOIN function_stat s USING (function_id) WHERE function_id = 1", 101002},
        {"SELECT hist_percentile(bucket, count, 50) FROM function_hist WHERE function_id = 1", 101098},
        {"SELECT hist_percentile(bucket, count, 99, 2000, 200000) FROM function_hist", 200000},
        /* several rows' extremes: the smallest min and the largest max count */
        {"SELECT hist_percentile(bucket, count, 0, 2500 - bucket, 1e9) FROM function_hist", 2500 - b[1]},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        st = NULL;
        CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db->sql, q[i].sql, -1, &st, NULL), SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
        ASSERT_NEAR(sqlite3_column_double(st, 0), q[i].want, 1e-9);
        if (fabs(sqlite3_column_double(st, 0) - q[i].want) > 1e-9)
            fprintf(stderr, "\n%s -> %.17g, want %.17g\n", q[i].sql, sqlite3_column_double(st, 0), q[i].want);
        sqlite3_finalize(st);
    }
    /* hotspot view: "four" is all of the run's self time, so its speedup is unbounded:
     * NULL, as the tool's amdahl() (shown as ∞), never ~1e9 */
    st = NULL;
    CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db->sql, "SELECT name, max_speedup, amdahl(self_share),"
                                             " speedup_2x FROM hotspot ORDER BY name", -1, &st, NULL),
                          SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL(sqlite3_column_text(st, 0), "four");
    CU_ASSERT_EQUAL(sqlite3_column_type(st, 1), SQLITE_NULL);
    CU_ASSERT_EQUAL(sqlite3_column_type(st, 2), SQLITE_NULL);
    ASSERT_NEAR(sqlite3_column_double(st, 3), 2.0, 1e-12);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL(sqlite3_column_text(st, 0), "idle");
    ASSERT_NEAR(sqlite3_column_double(st, 1), 1.0, 0);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    pt_db_close(db);
}

/* The SQL functions, on a connection where `register_fn` installed them. */
static void check_sql_functions(sqlite3 *db)
{
    fx_exec(db, "CREATE TEMP TABLE v(x); INSERT INTO v VALUES (4),(1),(3),(2),(NULL)");
    struct { const char *sql; double want; } q[] = {
        {"SELECT percentile(x, 50) FROM v", 2.5},
        {"SELECT percentile(x, 95) FROM v", 3.85},
        {"SELECT percentile(x, 0) FROM v", 1},
        {"SELECT percentile(x, 100) FROM v", 4},
        {"SELECT median(x) FROM v", 2.5},
        {"SELECT amdahl(0.05)", 1.0 / 0.95},
        {"SELECT amdahl(0.7, 2)", 1.0 / 0.65},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        sqlite3_stmt *st = NULL;
        CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, q[i].sql, -1, &st, NULL), SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
        ASSERT_NEAR(sqlite3_column_double(st, 0), q[i].want, 1e-12);
        sqlite3_finalize(st);
    }
    /* empty input gives NULL; bad p and non-numeric x are errors */
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT percentile(x, 50) FROM v WHERE x > 10", -1, &st, NULL);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_type(st, 0), SQLITE_NULL);
    sqlite3_finalize(st);
    const char *bad[] = {
        "SELECT percentile(x, 101) FROM v", "SELECT percentile(x, -1) FROM v",
        "SELECT percentile(x, x) FROM v WHERE x IS NOT NULL", "SELECT percentile('a', 50)",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sqlite3_prepare_v2(db, bad[i], -1, &st, NULL);
        CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ERROR);
        sqlite3_finalize(st);
    }
    /* hist_percentile equals common/hist.c on the same buckets, whatever the row order */
    fx_exec(db, "CREATE TEMP TABLE h(b, c); INSERT INTO h VALUES (300, 5), (5, 2), (200, 3), "
                "(5, 1)");
    uint32_t b[] = {5, 200, 300};
    uint64_t c[] = {3, 3, 5};
    double q50 = pscope_hist_percentile(b, c, 3, 0.5), q99 = pscope_hist_percentile(b, c, 3, 0.99);
    sqlite3_prepare_v2(db, "SELECT hist_percentile(b, c, 50), hist_percentile(b, c, 99) FROM h",
                       -1, &st, NULL);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_double(st, 0), q50);
    CU_ASSERT_EQUAL(sqlite3_column_double(st, 1), q99);
    CU_ASSERT_EQUAL(q50, pscope_hist_bucket_mid(200));
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "SELECT pscope_dur(1500), pscope_dur(NULL)", -1, &st, NULL);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0), "1.50 µs");
    CU_ASSERT_EQUAL(sqlite3_column_type(st, 1), SQLITE_NULL);
    sqlite3_finalize(st);
}

static void test_sql_functions_registered(void)
{
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    CU_ASSERT_EQUAL_FATAL(pt_sql_register(db), SQLITE_OK);
    check_sql_functions(db);
    sqlite3_close(db);
}

static void test_sql_extension(void)
{
    char so[512];
    snprintf(so, sizeof so, "%s/lib/pscope_sqlite.so", PSCOPE_BUILD_DIR);
    CU_ASSERT_EQUAL_FATAL(access(so, R_OK), 0);
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, NULL);
    char *err = NULL;
    int rc = sqlite3_load_extension(db, so, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "\nload_extension: %s\n", err ? err : "?");
    sqlite3_free(err);
    CU_ASSERT_EQUAL_FATAL(rc, SQLITE_OK);
    check_sql_functions(db);
    sqlite3_close(db);
}

/* ---- output ----------------------------------------------------------------------------- */

static pt_table *sample_table(void)
{
    pt_table *t = pt_table_new("items");
    int k = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int d = pt_table_add_col(t, "dur", "time", PT_COL_DUR, PT_COL_BOTH);
    int s = pt_table_add_col(t, "share", "%", PT_COL_SHARE, PT_COL_BOTH);
    int r = pt_table_add_col(t, "speedup", "x", PT_COL_RATIO, PT_COL_BOTH);
    int h = pt_table_add_col(t, "hidden", "h", PT_COL_INT, PT_COL_HUMAN);
    pt_table_add_row(t);
    pt_table_set_text(t, k, "a,\"b\"");
    pt_table_set_real(t, d, 1500);
    pt_table_set_real(t, s, 0.5);
    pt_table_set_real(t, r, 1.0 / 0.65);
    pt_table_set_int(t, h, 1);
    pt_table_add_row(t);
    pt_table_set_text(t, k, "x|y\n<z>");
    pt_table_set_real(t, d, NAN);
    pt_table_set_mark(t, PT_MARK_BAD, "slower & worse");
    return t;
}

static int tmp_left(const char *base)
{
    DIR *dir = opendir(fx_tmpdir());
    int found = 0;
    struct dirent *e;
    char prefix[128];
    snprintf(prefix, sizeof prefix, ".%s.", base);
    while (dir && (e = readdir(dir)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            found = 1;
    if (dir)
        closedir(dir);
    return found;
}

static char *render(pt_format fmt, const char *name)
{
    const char *path = fx_path(name);
    pt_out *o = NULL;
    CU_ASSERT_EQUAL(pt_out_open(path, fmt, &o), 0);
    if (!o)
        return NULL;
    pt_out_header(o, "header | line");
    pt_table *t = sample_table();
    CU_ASSERT_EQUAL(pt_out_table(o, t), 0);
    pt_table_free(t);
    pt_out_note(o, "note <1>");
    pt_out_meta(o, "answer", cJSON_CreateNumber(42));
    CU_ASSERT_EQUAL(pt_out_close(o), 0);
    CU_ASSERT_FALSE(tmp_left(name));
    return fx_slurp(path);
}

static void test_writers(void)
{
    char *csv = render(PT_FMT_CSV, "o.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_STRING_EQUAL(csv, "name,dur,share,speedup\r\n"
                                "\"a,\"\"b\"\"\",1500,0.5,1.5384615384615383\r\n"
                                "\"x|y\n<z>\",,,\r\n");
    free(csv);

    char *json = render(PT_FMT_JSON, "o.json");
    cJSON *doc = cJSON_Parse(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(doc, "answer")->valuedouble, 42);
    cJSON *items = cJSON_GetObjectItem(doc, "items");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(items), 2);
    cJSON *second = cJSON_GetArrayItem(items, 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(second, "name")->valuestring, "x|y\n<z>");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(second, "dur")));
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(second, "hidden"));
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "notes"), 0)->valuestring,
                           "note <1>");
    cJSON_Delete(doc);
    free(json);

    char *md = render(PT_FMT_MD, "o.md");
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "header \\| line\n\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| name | time | % | x | h |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| :--- | ---: | ---: | ---: | ---: |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| a,\"b\" | 1.50 µs | 50.00% | 1.5385× | 1 |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| x\\|y\\\\n\\<z\\> | - | - | - | - |\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "note \\<1\\>"));
    free(md);

    char *tab = render(PT_FMT_TABLE, "o.txt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
    CU_ASSERT_STRING_EQUAL(tab, "header | line\n"
                                "\n"
                                "name         time       %        x  h\n"
                                "a,\"b\"     1.50 µs  50.00%  1.5385×  1\n"
                                "x|y\\n<z>        -       -        -  -\n"
                                "\n"
                                "note <1>\n");
    free(tab);

    char *xml = render(PT_FMT_JUNIT, "o.xml");
    CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuite name=\"items\" tests=\"2\" failures=\"1\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"a,&quot;b&quot;\"></testcase>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"x|y&#10;&lt;z&gt;\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<failure message=\"slower &amp; worse\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<system-out>note &lt;1&gt;"));
    free(xml);

    /* abort: an existing target is left as it was, no temporary remains */
    const char *path = fx_path("kept.txt");
    fx_write_file(path, "old", 3);
    pt_out *o = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_out_open(path, PT_FMT_CSV, &o), 0);
    pt_table *t = sample_table();
    pt_out_table(o, t);
    pt_table_free(t);
    pt_out_abort(o);
    char *kept = fx_slurp(path);
    CU_ASSERT_STRING_EQUAL(kept, "old");
    free(kept);
    CU_ASSERT_FALSE(tmp_left("kept.txt"));

    /* unwritable places */
    CU_ASSERT_EQUAL(pt_out_open(fx_path("missing/dir/x.csv"), PT_FMT_CSV, &o), PT_EXIT_USAGE);
    CU_ASSERT_EQUAL(pt_out_open(fx_tmpdir(), PT_FMT_CSV, &o), PT_EXIT_USAGE);
}

int main(void)
{
    pt_init("test_toollib");
    static char dbpath[512];
    snprintf(dbpath, sizeof dbpath, "%s", fx_path("main.db"));
    DB = dbpath;
    fx_build_main(DB);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("libpscope_tools", NULL, NULL);
    CU_add_test(s, "duration and byte formatting", test_fmt_dur);
    CU_add_test(s, "type-7 percentiles and Amdahl", test_math);
    CU_add_test(s, "quickselect percentiles equal sorted ones", test_select);
    CU_add_test(s, "key lists, numbers, formats", test_keys);
    CU_add_test(s, "DB:RUN split", test_spec);
    CU_add_test(s, "PCRE2 filters", test_filter);
    CU_add_test(s, "database validation, runs, embedded SQL", test_db_and_runs);
    CU_add_test(s, "default run: latest complete with calls, skipped runs named", test_default_run);
    CU_add_test(s, "run line: stored rows are the first calls", test_run_describe_rows);
    CU_add_test(s, "histogram percentiles: type 7, exact extremes, tool = SQL", test_hist_percentile_type7);
    CU_add_test(s, "SQL functions registered by the tools", test_sql_functions_registered);
    CU_add_test(s, "SQL functions from the loadable extension", test_sql_extension);
    CU_add_test(s, "writers: csv, json, md, table, junit, atomic -o", test_writers);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    fx_cleanup();
    return failed ? 1 : 0;
}
