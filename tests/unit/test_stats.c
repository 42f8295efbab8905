/* tests/unit/test_stats.c: end-to-end tests of the built pscope-stats binary on fixture
 * databases built here from known rows (test_stats_fixture.h), with exact expected
 * values: counts and trees, histogram vs type-7 percentiles, Amdahl figures, recursion
 * shown as n/m, sorting and filtering, every output format, atomic -o, colour rules, and
 * each bad input with its message and exit code. The binary is run with posix_spawn (no
 * shell); machine output is checked by parsing it (cJSON), never by eye. */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <math.h>
#include <pty.h>

#include "pscope.h"
#include "schema_version.h"
#include "test_stats_fixture.h"

static const char *DB;   /* the main fixture */
static char *TOOL;

#define STATS(...) fx_tool("pscope-stats", __VA_ARGS__, (const char *)NULL)

static cJSON *parse_json(const fx_result *r)
{
    cJSON *j = cJSON_Parse(r->out);
    if (!j)
        fprintf(stderr, "unparsable JSON:\n%s\nstderr: %s\n", r->out, r->err);
    return j;
}

static cJSON *rows_of(cJSON *doc, const char *table)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, table);
    return cJSON_IsArray(a) ? a : NULL;
}

static double num(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *row, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int is_null(const cJSON *row, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, key));
}

/* Names of the rows of `table`, joined with ',' into buf. */
static const char *names(cJSON *doc, const char *table, char *buf, size_t size)
{
    buf[0] = '\0';
    cJSON *row;
    cJSON_ArrayForEach(row, rows_of(doc, table))
    {
        if (buf[0])
            strncat(buf, ",", size - strlen(buf) - 1);
        const char *n = str(row, "name");
        strncat(buf, n ? n : "(null)", size - strlen(buf) - 1);
    }
    return buf;
}

/* Histogram percentile the tools must report for these durations: common/hist.c's
 * type-7 percentile over bucket midpoints, with the exact min and max of the durations as
 * the extreme order statistics and bounds (mn, mx NAN: midpoints only). */
static double hist_pct_bounded(const long long *durs, size_t n, double q, double mn, double mx);

static double hist_pct(const long long *durs, size_t n, double q)
{
    double mn = (double)durs[0], mx = (double)durs[0];
    for (size_t i = 1; i < n; i++) {
        mn = fmin(mn, (double)durs[i]);
        mx = fmax(mx, (double)durs[i]);
    }
    return hist_pct_bounded(durs, n, q, mn, mx);
}

/* Midpoints only (stage latencies have no exact min/max to clamp to). */
static double hist_pct_raw(const long long *durs, size_t n, double q)
{
    return hist_pct_bounded(durs, n, q, NAN, NAN);
}

static double hist_pct_bounded(const long long *durs, size_t n, double q, double mn, double mx)
{
    uint64_t *count = calloc(PSCOPE_HIST_BUCKETS, sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[pscope_hist_bucket((uint64_t)durs[i])]++;
    uint32_t b[PSCOPE_HIST_BUCKETS];
    uint64_t c[PSCOPE_HIST_BUCKETS];
    size_t m = 0;
    for (uint32_t i = 0; i < PSCOPE_HIST_BUCKETS; i++)
        if (count[i]) {
            b[m] = i;
            c[m++] = count[i];
        }
    free(count);
    return pscope_hist_percentile_range(b, c, m, q, mn, mx);
}

#define ASSERT_NEAR(a, b, tol) CU_ASSERT(fabs((double)(a) - (double)(b)) <= (tol))

/* ---- default table ------------------------------------------------------------------ */

static void test_table_json(void)
{
    fx_result r = STATS(DB, "--run", "base", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(str(doc, "tool"), "pscope-stats");
    CU_ASSERT_STRING_EQUAL(str(doc, "percentile_method"), "histogram");
    cJSON *run = cJSON_GetObjectItem(doc, "run");
    CU_ASSERT_EQUAL(num(run, "id"), 1);
    CU_ASSERT_STRING_EQUAL(str(run, "label"), "base");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(run, "sampled")));
    CU_ASSERT_EQUAL(num(doc, "thread_time_ns"), 1000000);
    char buf[256];
    /* default sort: self time, ties by name */
    CU_ASSERT_STRING_EQUAL(names(doc, "functions", buf, sizeof buf), "work,rec,helper,main");
    cJSON *rows = rows_of(doc, "functions");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows), 4);
    cJSON *work = cJSON_GetArrayItem(rows, 0), *rec = cJSON_GetArrayItem(rows, 1);
    CU_ASSERT_EQUAL(num(work, "calls"), 10);
    CU_ASSERT_EQUAL(num(work, "primitive_calls"), 10);
    CU_ASSERT_EQUAL(num(work, "self_dur"), 700000);
    CU_ASSERT_EQUAL(num(work, "total_dur"), 700000);
    CU_ASSERT_EQUAL(num(work, "self_per_call"), 70000);
    ASSERT_NEAR(num(work, "self_share"), 0.7, 1e-12);
    CU_ASSERT_STRING_EQUAL(str(work, "file"), "work.c");
    CU_ASSERT_EQUAL(num(work, "line"), 20);
    /* recursion: 7 calls, 1 primitive; inclusive counted once; per-call figures */
    CU_ASSERT_EQUAL(num(rec, "calls"), 7);
    CU_ASSERT_EQUAL(num(rec, "primitive_calls"), 1);
    CU_ASSERT_EQUAL(num(rec, "total_dur"), 200000);
    CU_ASSERT_EQUAL(num(rec, "total_per_call"), 200000);
    ASSERT_NEAR(num(rec, "self_per_call"), 200000.0 / 7, 1e-6);
    ASSERT_NEAR(num(rec, "mean_dur"), 430000.0 / 7, 1e-6);
    CU_ASSERT_EQUAL(num(rec, "max_dur"), 200000);
    /* histogram percentiles: exactly what common/hist.c says, within 0.4% of the truth */
    long long w[10];
    for (int i = 0; i < 10; i++)
        w[i] = 70000;
    CU_ASSERT_EQUAL(num(work, "p50"), hist_pct(w, 10, 0.5));
    CU_ASSERT_EQUAL(num(work, "p50"), 70000); /* every call took 70 µs: clamped to exact */
    CU_ASSERT_NOT_EQUAL(hist_pct_raw(w, 10, 0.5), 70000); /* the bare midpoint is not */
    long long d_rec[] = {200000, 75000, 75000, 20000, 20000, 20000, 20000};
    CU_ASSERT_EQUAL(num(rec, "p50"), hist_pct(d_rec, 7, 0.5));
    /* within 0.4% of the exact type-7 values: p50 = x3 = 20000; p99: h = 0.99 * 6 = 5.94,
     * 75000 + 0.94 * (200000 - 75000) = 192500 (the old nearest-rank reading said 200000) */
    CU_ASSERT(fabs(num(rec, "p50") - 20000) / 20000 <= 0.004);
    CU_ASSERT(fabs(num(rec, "p99") - 192500) / 192500 <= 0.004);
    cJSON_Delete(doc);
    fx_result_free(&r);
}

static void test_table_human(void)
{
    fx_result r = STATS(DB, "--run", "base");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "run 1 \"base\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "19 calls seen, 5 stored (first calls only)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "percentiles: histogram ≤1%"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ncalls"));
    /* the recursive function's line shows n/m */
    const char *line = strstr(r.out, "rec (rec.c:7)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    const char *start = line;
    while (start > r.out && start[-1] != '\n')
        start--;
    while (*start == ' ')
        start++;
    CU_ASSERT_EQUAL(strncmp(start, "7/1 ", 4), 0);
    /* a non-recursive function shows its plain count */
    line = strstr(r.out, "work (work.c:20)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    start = line;
    while (start > r.out && start[-1] != '\n')
        start--;
    while (*start == ' ')
        start++;
    CU_ASSERT_EQUAL(strncmp(start, "10 ", 3), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "70.00%"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "700 µs"));  /* work's self time */
    CU_ASSERT_PTR_NULL(strchr(r.out, '\033'));       /* never colour into a pipe */
    CU_ASSERT_STRING_EQUAL(r.err, "");
    fx_result_free(&r);
}

/* ---- percentiles ------------------------------------------------------------------- */

static void test_percentiles(void)
{
    long long d[100];
    for (int i = 0; i < 100; i++)
        d[i] = 1000LL * (i + 1);
    fx_result r = STATS(DB, "--run", "dist", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *row = cJSON_GetArrayItem(rows_of(doc, "functions"), 0);
    CU_ASSERT_STRING_EQUAL(str(row, "name"), "dist");
    /* histogram: type 7 over the buckets' midpoints (the --exact definition), within 0.4%
     * of the exact type-7 values 50500, 95050, 99010 */
    CU_ASSERT_EQUAL(num(row, "p50"), hist_pct(d, 100, 0.50));
    CU_ASSERT_EQUAL(num(row, "p95"), hist_pct(d, 100, 0.95));
    CU_ASSERT_EQUAL(num(row, "p99"), hist_pct(d, 100, 0.99));
    CU_ASSERT(fabs(num(row, "p50") - 50500) / 50500 <= 0.004);
    CU_ASSERT(fabs(num(row, "p95") - 95050) / 95050 <= 0.004);
    CU_ASSERT(fabs(num(row, "p99") - 99010) / 99010 <= 0.004);
    ASSERT_NEAR(num(row, "mean_dur"), 50500, 1e-9);
    cJSON_Delete(doc);
    fx_result_free(&r);

    /* exact: type 7 over the stored rows: h = (n-1)q; 50500, 95050, 99010 */
    r = STATS(DB, "--run", "dist", "--exact", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(str(doc, "percentile_method"), "exact");
    row = cJSON_GetArrayItem(rows_of(doc, "functions"), 0);
    ASSERT_NEAR(num(row, "p50"), 50500, 1e-9);
    ASSERT_NEAR(num(row, "p95"), 95050, 1e-9);
    ASSERT_NEAR(num(row, "p99"), 99010, 1e-9);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "dist", "--exact");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "percentiles: exact"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "50.5 µs"));
    fx_result_free(&r);
}

static void test_exact_refused(void)
{
    fx_result r = STATS(DB, "--run", "base", "--exact");
    CU_ASSERT_EQUAL(r.status, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--exact needs every call"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "stored 5 of 19 calls"));
    CU_ASSERT_STRING_EQUAL(r.out, "");
    fx_result_free(&r);
}

/* ---- hotspots ------------------------------------------------------------------------ */

static void test_hotspots(void)
{
    fx_result r = STATS(DB, "--run", "base", "--hotspots", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(names(doc, "hotspots", buf, sizeof buf), "work,rec,helper,main");
    cJSON *rows = rows_of(doc, "hotspots");
    cJSON *work = cJSON_GetArrayItem(rows, 0), *helper = cJSON_GetArrayItem(rows, 2);
    CU_ASSERT_EQUAL(num(work, "rank"), 1);
    ASSERT_NEAR(num(work, "share"), 0.7, 1e-12);
    ASSERT_NEAR(num(work, "speedup_k"), 1.5385, 5e-5);   /* 1/(0.3 + 0.35) */
    ASSERT_NEAR(num(work, "max_speedup"), 1.0 / 0.3, 1e-9);
    ASSERT_NEAR(num(work, "saved_dur"), 350000, 1e-6);
    ASSERT_NEAR(num(helper, "share"), 0.05, 1e-12);
    ASSERT_NEAR(num(helper, "max_speedup"), 1.0526, 5e-5); /* 1/(1 - 0.05) */
    ASSERT_NEAR(num(helper, "speedup_k"), 1.0 / 0.975, 1e-9);
    CU_ASSERT_EQUAL(num(doc, "factor"), 2);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--hotspots", "--factor", "4", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    ASSERT_NEAR(num(cJSON_GetArrayItem(rows_of(doc, "hotspots"), 0), "speedup_k"),
                1.0 / (0.3 + 0.7 / 4), 1e-9);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--hotspots");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1.5385×"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1.0526×"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Top candidate: work (work.c:20), 70.0% of run time"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "1.54× faster"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "more than 3.33× faster"));
    fx_result_free(&r);

    /* a 5% function caps at 1.05x, and the verdict says so */
    r = STATS(DB, "--run", "base", "--hotspots", "--filter", "^helper$");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Top candidate: helper (util.c:5), 5.0% of run time"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "cannot make the run more than 1.05× faster"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "No single function dominates"));
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--hotspots", "--top", "1", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows_of(doc, "hotspots")), 1);
    cJSON_Delete(doc);
    fx_result_free(&r);
}

/* ---- sorting and filtering ----------------------------------------------------------- */

static char *order(const char *a1, const char *a2, const char *a3, const char *a4)
{
    fx_result r = STATS(DB, "--run", "base", "--format", "json", a1, a2, a3, a4);
    static char buf[256];
    buf[0] = '\0';
    cJSON *doc = r.status == 0 ? parse_json(&r) : NULL;
    if (doc)
        names(doc, "functions", buf, sizeof buf);
    else
        snprintf(buf, sizeof buf, "exit %d", r.status);
    cJSON_Delete(doc);
    fx_result_free(&r);
    return buf;
}

static void test_sort(void)
{
    CU_ASSERT_STRING_EQUAL(order("--sort", "calls", NULL, NULL), "work,rec,helper,main");
    CU_ASSERT_STRING_EQUAL(order("--sort", "name", NULL, NULL), "helper,main,rec,work");
    CU_ASSERT_STRING_EQUAL(order("--sort", "n", NULL, NULL), "helper,main,rec,work");
    CU_ASSERT_STRING_EQUAL(order("--sort", "file", NULL, NULL), "main,rec,helper,work");
    CU_ASSERT_STRING_EQUAL(order("--sort", "tot", NULL, NULL), "main,work,rec,helper");
    CU_ASSERT_STRING_EQUAL(order("--sort", "mea", NULL, NULL), "main,work,rec,helper");
    CU_ASSERT_STRING_EQUAL(order("--sort", "ma", NULL, NULL), "main,rec,work,helper");
    CU_ASSERT_STRING_EQUAL(order("--sort", "calls,name", NULL, NULL), "work,rec,helper,main");
    CU_ASSERT_STRING_EQUAL(order("-s", "self,name", NULL, NULL), "work,rec,helper,main");

    fx_result r = STATS(DB, "--run", "base", "--sort", "m");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "--sort: 'm' is ambiguous (mean, max)"));
    fx_result_free(&r);
    r = STATS(DB, "--run", "base", "--sort", "p9");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "ambiguous (p95, p99)"));
    fx_result_free(&r);
    r = STATS(DB, "--run", "base", "--sort", "speed");
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "unknown key 'speed'"));
    fx_result_free(&r);
}

static void test_filter(void)
{
    CU_ASSERT_STRING_EQUAL(order("--filter", "^(work|rec)$", NULL, NULL), "work,rec");
    CU_ASSERT_STRING_EQUAL(order("--exclude", "main\\.c:", NULL, NULL), "work,rec,helper");
    CU_ASSERT_STRING_EQUAL(order("--filter", "util\\.c:5\\(helper\\)", NULL, NULL), "helper");
    CU_ASSERT_STRING_EQUAL(order("--filter", "r", "--exclude", "^rec$"), "work,helper");
    CU_ASSERT_STRING_EQUAL(order("--filter", "^work$", "--filter", "^main$"), "work,main");
    CU_ASSERT_STRING_EQUAL(order("--min-share", "10", NULL, NULL), "work,rec");
    CU_ASSERT_STRING_EQUAL(order("--min-share", "5", NULL, NULL), "work,rec,helper,main");
    CU_ASSERT_STRING_EQUAL(order("--top", "2", NULL, NULL), "work,rec");
    CU_ASSERT_STRING_EQUAL(order("--top", "0", NULL, NULL), "work,rec,helper,main");
    CU_ASSERT_STRING_EQUAL(order("--filter", "^nothing$", NULL, NULL), "");

    fx_result r = STATS(DB, "--run", "base", "--filter", "^nothing$");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "no function matches the filter"));
    fx_result_free(&r);
}

/* ---- tree, callers, callees ------------------------------------------------------------ */

static void test_tree(void)
{
    fx_result r = STATS(DB, "--run", "base", "--tree", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char buf[256];
    /* depth-first, siblings by inclusive time */
    CU_ASSERT_STRING_EQUAL(names(doc, "tree", buf, sizeof buf), "main,work,rec,rec,rec,helper");
    cJSON *rows = rows_of(doc, "tree");
    int depth[] = {0, 1, 1, 2, 3, 1}, calls[] = {1, 10, 1, 2, 4, 1};
    double total[] = {1000000, 700000, 200000, 150000, 80000, 50000};
    for (int i = 0; i < 6; i++) {
        cJSON *row = cJSON_GetArrayItem(rows, i);
        CU_ASSERT_EQUAL(num(row, "depth"), depth[i]);
        CU_ASSERT_EQUAL(num(row, "calls"), calls[i]);
        CU_ASSERT_EQUAL(num(row, "total_dur"), total[i]);
        ASSERT_NEAR(num(row, "total_share"), total[i] / 1e6, 1e-12);
    }
    CU_ASSERT(is_null(cJSON_GetArrayItem(rows, 0), "parent_id"));
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 3), "parent_id"), 4);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--tree");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "main (main.c:10)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "├─ work (work.c:20)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "├─ rec (rec.c:7)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "│  └─ rec (rec.c:7)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "│     └─ rec (rec.c:7)\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "└─ helper (util.c:5)\n"));
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--tree", "--depth", "2", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(names(doc, "tree", buf, sizeof buf), "main,work,rec,helper");
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--tree", "--min-share", "10", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(names(doc, "tree", buf, sizeof buf), "main,work,rec,rec");
    cJSON_Delete(doc);
    fx_result_free(&r);

    /* a filter keeps matching nodes with their ancestors and descendants */
    r = STATS(DB, "--run", "base", "--tree", "--filter", "^helper$", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(names(doc, "tree", buf, sizeof buf), "main,helper");
    cJSON_Delete(doc);
    fx_result_free(&r);
    r = STATS(DB, "--run", "base", "--tree", "--filter", "^rec$", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(names(doc, "tree", buf, sizeof buf), "main,rec,rec,rec");
    cJSON_Delete(doc);
    fx_result_free(&r);
}

static void test_callers_callees(void)
{
    fx_result r = STATS(DB, "--run", "base", "--callers", "rec", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char buf[256];
    CU_ASSERT_STRING_EQUAL(names(doc, "callers", buf, sizeof buf), "rec,main");
    cJSON *rows = rows_of(doc, "callers");
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 0), "calls"), 6);
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 0), "self_dur"), 150000);
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 0), "paths"), 2);
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 1), "calls"), 1);
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 1), "total_dur"), 200000);
    ASSERT_NEAR(num(cJSON_GetArrayItem(rows, 1), "calls_share"), 1.0 / 7, 1e-12);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(doc, "recursive")));
    CU_ASSERT_EQUAL(num(cJSON_GetObjectItem(doc, "target"), "calls"), 7);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--callees", "main", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(names(doc, "callees", buf, sizeof buf), "work,rec,helper");
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows_of(doc, "callees"), 0), "calls"), 10);
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(doc, "recursive")));
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--callers", "main");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "<thread start>"));
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--callees", "helper");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "calls no instrumented function"));
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--callers", "nosuch");
    CU_ASSERT_EQUAL(r.status, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no function named 'nosuch'"));
    fx_result_free(&r);
}

/* ---- threads, stages, resources, runs -------------------------------------------------- */

static void test_threads(void)
{
    fx_result r = STATS(DB, "--run", "base", "--threads", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = rows_of(doc, "threads");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(rows), 5);
    cJSON *first = cJSON_GetArrayItem(rows, 0), *last = cJSON_GetArrayItem(rows, 4);
    CU_ASSERT_EQUAL(num(first, "tid"), 100);
    CU_ASSERT_STRING_EQUAL(str(first, "name"), "work");
    ASSERT_NEAR(num(first, "thread_share"), 0.7, 1e-12);
    CU_ASSERT_EQUAL(num(first, "busy_dur"), 1000000);
    CU_ASSERT_EQUAL(num(last, "tid"), 101);
    CU_ASSERT_STRING_EQUAL(str(last, "thread_name"), "idle");
    CU_ASSERT(is_null(last, "name"));
    cJSON_Delete(doc);
    fx_result_free(&r);
}

static void test_stages(void)
{
    fx_result r = STATS(DB, "--run", "dist", "--stages", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = rows_of(doc, "stages");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(rows), 2);
    cJSON *parse = cJSON_GetArrayItem(rows, 0), *emitr = cJSON_GetArrayItem(rows, 1);
    CU_ASSERT_STRING_EQUAL(str(parse, "name"), "parse");
    CU_ASSERT_EQUAL(num(parse, "spans"), 2);
    CU_ASSERT_EQUAL(num(parse, "total_dur"), 3000000);
    CU_ASSERT_EQUAL(num(parse, "records_in"), 150);
    CU_ASSERT_EQUAL(num(parse, "records_out"), 120);
    ASSERT_NEAR(num(parse, "pass_ratio"), 0.8, 1e-12);
    ASSERT_NEAR(num(parse, "throughput"), 50000, 1e-6);
    ASSERT_NEAR(num(parse, "cpu_util"), 2.0 / 3.0, 1e-12);
    CU_ASSERT_EQUAL(num(parse, "rss_growth"), 4096);
    CU_ASSERT_EQUAL(num(parse, "latency_samples"), 150);
    long long lat[150];
    for (int i = 0; i < 150; i++)
        lat[i] = i < 100 ? 10000 : 40000;
    CU_ASSERT_EQUAL(num(parse, "p50"), hist_pct_raw(lat, 150, 0.5));
    CU_ASSERT_EQUAL(num(parse, "p95"), hist_pct_raw(lat, 150, 0.95));
    CU_ASSERT(fabs(num(parse, "p95") - 40000) / 40000 <= 0.004);
    CU_ASSERT_STRING_EQUAL(str(emitr, "name"), "emit");
    CU_ASSERT(is_null(emitr, "records_in"));
    CU_ASSERT(is_null(emitr, "pass_ratio"));
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(doc, "stages_recorded")));
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--stages");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "run 1 recorded no stages"));
    fx_result_free(&r);
    r = STATS(DB, "--run", "base", "--stages", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(doc, "stages_recorded")));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows_of(doc, "stages")), 0);
    cJSON_Delete(doc);
    fx_result_free(&r);
}

static void test_resources(void)
{
    fx_result r = STATS(DB, "--run", "dist", "--resources", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = rows_of(doc, "resources");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(rows), 3);
    cJSON *proc = cJSON_GetArrayItem(rows, 0), *fn = cJSON_GetArrayItem(rows, 1),
          *stage = cJSON_GetArrayItem(rows, 2);
    CU_ASSERT_STRING_EQUAL(str(proc, "kind"), "process");
    CU_ASSERT_EQUAL(num(proc, "samples"), 2);
    CU_ASSERT_EQUAL(num(proc, "cpu_ns"), 2000000);
    CU_ASSERT_EQUAL(num(proc, "rss_max"), 2097152);
    CU_ASSERT_EQUAL(num(proc, "rss_growth"), 2097152);
    CU_ASSERT_STRING_EQUAL(str(fn, "kind"), "function");
    CU_ASSERT_STRING_EQUAL(str(fn, "name"), "dist");
    CU_ASSERT_EQUAL(num(fn, "samples"), 3);
    CU_ASSERT_EQUAL(num(fn, "cpu_ns"), 1200000);
    ASSERT_NEAR(num(fn, "cpu_share"), 1.0, 1e-12);
    CU_ASSERT_STRING_EQUAL(str(stage, "kind"), "stage");
    CU_ASSERT_STRING_EQUAL(str(stage, "name"), "parse");
    CU_ASSERT_EQUAL(num(stage, "samples"), 2);
    CU_ASSERT_EQUAL(num(stage, "cpu_ns"), 1000000);
    cJSON_Delete(doc);
    fx_result_free(&r);

    r = STATS(DB, "--run", "base", "--resources");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "run 1 has no resource samples"));
    fx_result_free(&r);
}

static void test_list_runs(void)
{
    fx_result r = STATS(DB, "--list-runs", "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = rows_of(doc, "runs");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(rows), 4);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(rows, 2), "label"), "crashed");
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 2), "complete"), 0);
    CU_ASSERT_EQUAL(num(cJSON_GetArrayItem(rows, 1), "calls_seen"), 100);
    cJSON_Delete(doc);
    fx_result_free(&r);
    r = STATS(DB, "--list-runs");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "INCOMPLETE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "4 runs"));
    fx_result_free(&r);
}

/* ---- formats and escaping -------------------------------------------------------------- */

static void test_csv(void)
{
    fx_result r = STATS(DB, "--run", "base", "--format", "csv", "--sort", "name");
    CU_ASSERT_EQUAL(r.status, 0);
    const char *header = "function_id,name,file,line,module,calls,primitive_calls,self_dur,"
                         "self_per_call,total_dur,total_per_call,mean_dur,min_dur,p50,p95,p99,"
                         "max_dur,self_share,total_share\r\n";
    CU_ASSERT_EQUAL(strncmp(r.out, header, strlen(header)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\r\n3,helper,util.c,5,/bin/prog,1,1,50000,50000,"));
    /* 1 header + 4 rows, nothing else (no header lines, no notes) */
    int lines = 0;
    for (const char *p = r.out; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 5);
    fx_result_free(&r);

    r = STATS(DB, "--run", "hostile", "--format", "csv", "--sort", "name");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",\"say \"\"hi\"\", then\",h.c,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",\"new\nline\",h.c,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",a|b,,,/bin/prog,"));
    fx_result_free(&r);
}

static void test_json_hostile(void)
{
    fx_result r = STATS(DB, "--run", "hostile", "--format", "json", "--sort", "name");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    cJSON *rows = rows_of(doc, "functions");
    const char *expect[] = {FX_HOSTILE_HTML, FX_HOSTILE_PIPE, FX_HOSTILE_NL, FX_HOSTILE_CSV};
    for (int i = 0; i < 4; i++) {
        const char *n = str(cJSON_GetArrayItem(rows, i), "name");
        CU_ASSERT_PTR_NOT_NULL_FATAL(n);
        CU_ASSERT_STRING_EQUAL(n, expect[i]);
    }
    CU_ASSERT(is_null(cJSON_GetArrayItem(rows, 1), "file"));
    cJSON_Delete(doc);
    fx_result_free(&r);
}

static void test_md_and_table_escaping(void)
{
    fx_result r = STATS(DB, "--run", "hostile", "--format", "md");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "| ncalls |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "a\\|b"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\\<script\\>"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "<script>"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "new\nline"));
    /* every table line has the same number of unescaped pipes */
    int want = -1, ok = 1;
    for (const char *p = r.out; *p;) {
        const char *e = strchr(p, '\n');
        if (!e)
            e = p + strlen(p);
        if (*p == '|') {
            int pipes = 0;
            for (const char *q = p; q < e; q++)
                if (*q == '|' && (q == p || q[-1] != '\\'))
                    pipes++;
            if (want < 0)
                want = pipes;
            else if (pipes != want)
                ok = 0;
        }
        p = *e ? e + 1 : e;
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(want, 12); /* 11 human columns */
    fx_result_free(&r);

    r = STATS(DB, "--run", "hostile");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "new\\nline (h.c:2)"));
    CU_ASSERT_PTR_NULL(strstr(r.out, "new\nline"));
    fx_result_free(&r);
}

/* ---- -o FILE ------------------------------------------------------------------------ */

static int leftover_temporaries(void)
{
    char *argv[] = {"/bin/ls", "-a", (char *)fx_tmpdir(), NULL};
    fx_result r = fx_run_argv(argv, NULL);
    int found = strstr(r.out, ".out.json.") != NULL || strstr(r.out, ".keep.txt.") != NULL;
    fx_result_free(&r);
    return found;
}

static void test_output_file(void)
{
    const char *out = fx_path("out.json");
    unlink(out);
    fx_result r = STATS(DB, "--run", "base", "--format", "json", "-o", out);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    char *text = fx_slurp(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *doc = cJSON_Parse(text);
    CU_ASSERT_PTR_NOT_NULL(doc);
    cJSON_Delete(doc);
    free(text);
    fx_result_free(&r);

    /* a failing run leaves an existing target untouched and no temporary behind */
    const char *keep = fx_path("keep.txt");
    fx_write_file(keep, "old\n", 4);
    r = STATS(DB, "--run", "nope", "-o", keep);
    CU_ASSERT_EQUAL(r.status, 3);
    text = fx_slurp(keep);
    CU_ASSERT_STRING_EQUAL(text, "old\n");
    free(text);
    fx_result_free(&r);
    r = STATS(DB, "--run", "base", "--exact", "-o", keep);
    CU_ASSERT_EQUAL(r.status, 3);
    text = fx_slurp(keep);
    CU_ASSERT_STRING_EQUAL(text, "old\n");
    free(text);
    fx_result_free(&r);
    CU_ASSERT_FALSE(leftover_temporaries());

    /* missing directory: usage error naming the file, nothing created */
    const char *bad = fx_path("no/such/dir/out.txt");
    r = STATS(DB, "--run", "base", "-o", bad);
    CU_ASSERT_EQUAL(r.status, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "cannot write"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "no/such/dir/out.txt"));
    fx_result_free(&r);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void expect_fail(fx_result r, int code, const char *msg)
{
    CU_ASSERT_EQUAL(r.status, code);
    if (r.status != code)
        fprintf(stderr, "\nexpected exit %d, got %d; stderr: %s\n", code, r.status, r.err);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, msg));
    if (!strstr(r.err, msg))
        fprintf(stderr, "\nexpected message '%s', got: %s\n", msg, r.err);
    /* one line, prefixed with the tool name */
    CU_ASSERT_EQUAL(strncmp(r.err, "pscope-stats: ", 14), 0);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    fx_result_free(&r);
}

static void test_bad_inputs(void)
{
    const char *txt = fx_path("notdb.txt");
    static const char notdb[] = "this is not a database, just some text that is long enough\n";
    fx_write_file(txt, notdb, sizeof notdb - 1);
    expect_fail(STATS(txt), 3, "notdb.txt: not an SQLite database");

    const char *empty = fx_path("empty.db");
    fx_write_file(empty, "", 0);
    expect_fail(STATS(empty), 3, "empty.db: empty file, not a pscope database");

    expect_fail(STATS(fx_path("missing.db")), 3, "missing.db: cannot open: No such file");

    const char *newer = fx_path("newer.db");
    sqlite3 *db = fx_create(newer);
    fx_exec(db, "PRAGMA user_version = 99");
    sqlite3_close(db);
    char newer_msg[128];
    snprintf(newer_msg, sizeof newer_msg,
             "newer.db: schema version 99 is newer than this pscope-stats supports (%d)", PSCOPE_SCHEMA_VERSION);
    expect_fail(STATS(newer), 3, newer_msg);

    const char *plain = fx_path("plain.db");
    unlink(plain);
    sqlite3_open(plain, &db);
    fx_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    sqlite3_close(db);
    expect_fail(STATS(plain), 3, "plain.db: not a pscope database");

    const char *norun = fx_path("norun.db");
    sqlite3_close(fx_create(norun));
    expect_fail(STATS(norun), 3, "norun.db: no runs recorded");

    expect_fail(STATS(DB, "--run", "nope"), 3, "no run with id or label 'nope'");
    expect_fail(STATS(DB, "--run", "77"), 3, "no run with id or label '77' (runs: 1, 2, 3, 4;");

    expect_fail(STATS(DB, "--filter", "fo(o"), 2,
                "--filter: bad pattern 'fo(o' at offset 4: missing closing parenthesis");
    expect_fail(STATS(DB, "--exclude", "a[b"), 2, "--exclude: bad pattern 'a[b' at offset 3");

    /* a truncated database: the header survives, the pages do not */
    char *whole = fx_slurp(DB);
    struct stat st;
    stat(DB, &st);
    const char *trunc = fx_path("truncated.db");
    fx_write_file(trunc, whole, (size_t)st.st_size / 3);
    free(whole);
    fx_result r = STATS(trunc, "--run", "base");
    CU_ASSERT_EQUAL(r.status, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "truncated.db"));
    fx_result_free(&r);

    /* only an incomplete run: used, with a warning */
    const char *inc = fx_path("incomplete.db");
    db = fx_create(inc);
    fx_run(db, 1, "dying", 0, 1, 1, 1000);
    fx_function(db, 1, 1, "main", "m.c", 1);
    fx_stat(db, 1, 1, 1, 1, 1000, 1000, 1000, 1e6, 1000, 1000);
    sqlite3_close(db);
    r = STATS(inc);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "warning: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "run 1 is incomplete"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "INCOMPLETE"));
    fx_result_free(&r);
    /* two incomplete runs and no complete one: refused */
    db = NULL;
    sqlite3_open(inc, &db);
    fx_run(db, 2, "dying2", 0, 0, 0, 1000);
    sqlite3_close(db);
    expect_fail(STATS(inc), 3, "no complete run and 2 incomplete ones (1, 2)");

    /* a run without calls */
    const char *nocalls = fx_path("nocalls.db");
    db = fx_create(nocalls);
    fx_run(db, 1, "idle", 1, 0, 0, 1000);
    sqlite3_close(db);
    expect_fail(STATS(nocalls), 3, "run 1 has no function calls");

    /* usage errors */
    expect_fail(STATS(DB, "--bogus"), 2, "unknown option '--bogus'");
    expect_fail(STATS(DB, "--top", "-1"), 2, "--top: expected an integer");
    expect_fail(STATS(DB, "--min-share", "120"), 2, "--min-share: expected a number in 0..100");
    expect_fail(STATS(DB, "--format", "xml"), 2, "--format: unknown format 'xml'");
    expect_fail(STATS(DB, "--tree", "--hotspots"), 2, "--tree and --hotspots cannot be combined");
    expect_fail(STATS(DB, "--factor", "3"), 2, "--factor applies to --hotspots");
    expect_fail(STATS(DB, "--hotspots", "--factor", "0"), 2, "--factor: expected a number");
    expect_fail(STATS(DB, "--tree", "--exact"), 2, "--exact applies to the function table");
    expect_fail(STATS(DB, "a.db"), 2, "unexpected argument 'a.db'");
}

static void test_run_resolution(void)
{
    /* default: the latest complete run (4), not the incomplete 3 */
    fx_result r = STATS(DB, "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    cJSON *doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(num(cJSON_GetObjectItem(doc, "run"), "id"), 4);
    cJSON_Delete(doc);
    CU_ASSERT_STRING_EQUAL(r.err, "");
    fx_result_free(&r);

    /* by id, by label, and DB:RUN */
    r = STATS(DB, "--run", "2", "--format", "json");
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetObjectItem(doc, "run"), "label"), "dist");
    cJSON_Delete(doc);
    fx_result_free(&r);
    char spec[600];
    snprintf(spec, sizeof spec, "%s:base", DB);
    r = STATS(spec, "--format", "json");
    CU_ASSERT_EQUAL(r.status, 0);
    doc = parse_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(num(cJSON_GetObjectItem(doc, "run"), "id"), 1);
    cJSON_Delete(doc);
    fx_result_free(&r);
    expect_fail(STATS(spec, "--run", "2"), 2, "either as DB:RUN or with --run");

    /* an incomplete run chosen explicitly: a warning, figures as of its last commit */
    r = STATS(DB, "--run", "crashed");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "run 3 is incomplete"));
    fx_result_free(&r);
}

static void test_help_version(void)
{
    fx_result r = STATS("--version");
    CU_ASSERT_EQUAL(r.status, 0);
    char want[64];
    snprintf(want, sizeof want, "pscope-stats %s\n", PSCOPE_VERSION);
    CU_ASSERT_STRING_EQUAL(r.out, want);
    fx_result_free(&r);
    r = STATS("--help");
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Usage: pscope-stats"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "--hotspots"));
    fx_result_free(&r);
}

/* ---- colour --------------------------------------------------------------------------- */

static fx_result run_on_pty(char *const envp[])
{
    int master, slave;
    if (openpty(&master, &slave, NULL, NULL, NULL) != 0) {
        fx_result r = {-1, calloc(1, 1), calloc(1, 1)};
        return r;
    }
    char *argv[] = {TOOL, (char *)DB, "--run", "base", NULL};
    fx_result r = fx_run_argv_fd(argv, envp, slave);
    close(slave);
    char buf[65536];
    size_t len = 0;
    struct pollfd pf = {master, POLLIN, 0};
    while (poll(&pf, 1, 200) > 0) {
        ssize_t n = read(master, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(master);
    free(r.out);
    r.out = strdup(buf);
    return r;
}

static void test_color(void)
{
    char *env_color[] = {"TERM=xterm", "PATH=/usr/bin:/bin", NULL};
    fx_result r = run_on_pty(env_color);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\033[1m")); /* bold header on a terminal */
    fx_result_free(&r);
    char *env_nocolor[] = {"TERM=xterm", "NO_COLOR=1", "PATH=/usr/bin:/bin", NULL};
    r = run_on_pty(env_nocolor);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ncalls"));
    CU_ASSERT_PTR_NULL(strchr(r.out, '\033'));
    fx_result_free(&r);
}

int main(void)
{
    static char dbpath[512];
    snprintf(dbpath, sizeof dbpath, "%s", fx_path("main.db"));
    DB = dbpath;
    fx_build_main(DB);
    TOOL = fx_tool_path("pscope-stats");
    if (access(TOOL, X_OK) != 0) {
        fprintf(stderr, "test_stats: %s not built\n", TOOL);
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("pscope-stats", NULL, NULL);
    CU_add_test(s, "default table (json): counts, shares, recursion, percentiles", test_table_json);
    CU_add_test(s, "default table (human): header, n/m, units", test_table_human);
    CU_add_test(s, "percentiles: histogram vs type 7", test_percentiles);
    CU_add_test(s, "--exact refused on a sampled run", test_exact_refused);
    CU_add_test(s, "hotspots: Amdahl figures and verdict", test_hotspots);
    CU_add_test(s, "--sort with prefixes", test_sort);
    CU_add_test(s, "--filter/--exclude/--min-share/--top", test_filter);
    CU_add_test(s, "--tree", test_tree);
    CU_add_test(s, "--callers/--callees", test_callers_callees);
    CU_add_test(s, "--threads", test_threads);
    CU_add_test(s, "--stages", test_stages);
    CU_add_test(s, "--resources", test_resources);
    CU_add_test(s, "--list-runs", test_list_runs);
    CU_add_test(s, "csv: header and RFC 4180", test_csv);
    CU_add_test(s, "json: hostile names round-trip", test_json_hostile);
    CU_add_test(s, "md and table escaping", test_md_and_table_escaping);
    CU_add_test(s, "-o FILE atomic", test_output_file);
    CU_add_test(s, "bad input: messages and exit codes", test_bad_inputs);
    CU_add_test(s, "run resolution", test_run_resolution);
    CU_add_test(s, "--help/--version", test_help_version);
    CU_add_test(s, "colour only on a terminal, never with NO_COLOR", test_color);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    fx_cleanup();
    return failed ? 1 : 0;
}
