/* tests/unit/test_diff.c: CUnit tests of pscope-diff's classic method on constructed
 * databases (the default robust method: tests/unit/test_diff_robust.c).
 *
 * Every database is built here (tests/unit/test_diff_db.h: embedded schema, bound INSERTs)
 * from a deterministic generator, so each verdict below is exact:
 *   A/A (same distribution, other seed)          no regression, nothing flagged
 *   normalize 10% slower                          normalize = regression, the rest "~"
 *   normalize 3% slower                           "~" (significant, under the 5% threshold)
 *   a 0.4% function 50% slower                    "~" (under the 1% noise floor)
 *   a function added / one removed                new / removed lists
 *   repeated runs (5 vs 5 by label)               per-run test flags the 10% slowdown
 *   3 vs 3 runs                                   "n/a": no p can reach alpha
 *   different scale                               per-call figures, nothing flagged
 *   call count doubled                            regression (counted, not sampled)
 * The library is tested directly (diff_compare) and the built binary through posix_spawn
 * (no shell) for every format and every --fail-on exit code.
 */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diff_core.h"
#include "diff_report.h"
#include "ptool.h"
#include "test_diff_bin.h"
#include "test_diff_db.h"

static char tmpdir[256];
static char pathbuf[32][512];

/* Path of a file in the test's temporary directory (one of 32 rotating static buffers:
 * copy it to keep it). */
static const char *tpath(const char *name)
{
    static int k;
    char *p = pathbuf[k++ % 32];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* ---- workload ----------------------------------------------------------------------- */

/* A sensor-pipeline-like run: five leaf functions, shares about 40/30/20/8/0.4 %.
 * `slow_fn` (or NULL) runs `factor` times slower; `drop_fn` is left out; `extra_fn` added;
 * `calls_mult` multiplies the calls of `slow_fn` (with factor 1.0 for a count change). */
typedef struct workload {
    const char *slow_fn;
    double factor;
    const char *drop_fn;
    const char *extra_fn;
    double calls_mult;
    double scale;   /* NAN: unknown */
    double n_mult;  /* multiplies every call count (a bigger problem size) */
    int raw;
} workload;

static const struct {
    const char *name;
    size_t calls;
    double mean;
} fns[] = {
    { "read_input", 2000, 20000 }, { "normalize", 2000, 15000 }, { "filter", 2000, 10000 },
    { "aggregate", 500, 16000 },   { "log_line", 200, 2000 },
};

static void add_run(tdb *t, int64_t id, const char *label, const char *module, uint64_t seed,
                    const workload *w)
{
    tdb_seed(t, seed);
    double nm = w->n_mult > 0 ? w->n_mult : 1.0;
    tdb_run(t, id, label, w->scale, (int64_t)(100e6 * nm * (w->slow_fn ? w->factor : 1.0)), 1);
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (w->drop_fn && !strcmp(w->drop_fn, fns[i].name))
            continue;
        int slow = w->slow_fn && !strcmp(w->slow_fn, fns[i].name);
        double calls = (double)fns[i].calls * nm * (slow && w->calls_mult > 0 ? w->calls_mult : 1);
        tdb_func_gen(t, id, fns[i].name, module, (size_t)calls, fns[i].mean, 0.2,
                     slow ? w->factor : 1.0, w->raw);
    }
    if (w->extra_fn)
        tdb_func_gen(t, id, w->extra_fn, module, 1000, 5000, 0.2, 1.0, w->raw);
}

/* Write a one-run database `name` with the workload. */
static const char *make_db(const char *name, uint64_t seed, const char *module, workload w)
{
    char *p = strdup(tpath(name)); /* kept for the whole suite (tpath buffers rotate) */
    tdb t;
    tdb_create(&t, p);
    add_run(&t, 1, "ci", module, seed, &w);
    tdb_close(&t);
    return p;
}

static const workload plain = { NULL, 1.0, NULL, NULL, 0, NAN, 0, 0 };

/* ---- library-level comparison ------------------------------------------------------- */

typedef struct loaded {
    pt_db *db[4];
    int ndb;
    diff_run runs[2][16];
    size_t n[2];
    diff_result res;
} loaded;

static void load_spec(loaded *l, int side, const char *spec)
{
    char *path = NULL, *run = NULL;
    pt_spec_split(spec, &path, &run);
    pt_db *db = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_db_open(path, &db), 0);
    l->db[l->ndb++] = db;
    pt_run *found = NULL;
    size_t nfound = 0;
    CU_ASSERT_EQUAL_FATAL(pt_run_resolve_all(db, run, &found, &nfound), 0);
    for (size_t j = 0; j < nfound; j++) {
        CU_ASSERT_EQUAL_FATAL(diff_run_load(db, &found[j], spec, DIFF_RAW_LIMIT_DEFAULT,
                                            &l->runs[side][l->n[side]]),
                              0);
        l->n[side]++;
    }
    pt_runs_free(found, nfound);
    free(path);
    free(run);
}

/* These tests cover the classic method (the robust default: tests/unit/test_diff_robust.c). */
static const diff_opts default_opts = { DIFF_METRIC_SELF, 0.05, 0.05, 0.01, NULL };
static const diff_method_opts classic = { DIFF_METHOD_CLASSIC, DIFF_TEST_WELCH, DIFF_LOC_TRIMMED,
                                          DIFF_BASIS_THREAD, 0.0, 0 };

static void compare(loaded *l, const char *base, const char *cur, const diff_opts *o)
{
    memset(l, 0, sizeof *l);
    load_spec(l, 0, base);
    load_spec(l, 1, cur);
    diff_compare_ex(l->runs[0], l->n[0], l->runs[1], l->n[1], o ? o : &default_opts, &classic,
                    &l->res);
}

static void release(loaded *l)
{
    diff_result_free(&l->res);
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < l->n[s]; i++)
            diff_run_free(&l->runs[s][i]);
    for (int i = 0; i < l->ndb; i++)
        pt_db_close(l->db[i]);
}

static const diff_row *row_of(const loaded *l, const char *name)
{
    for (size_t i = 0; i < l->res.nrows; i++)
        if (!strcmp(l->res.rows[i].name, name))
            return &l->res.rows[i];
    return NULL;
}

static diff_verdict verdict_of(const loaded *l, const char *name)
{
    const diff_row *r = row_of(l, name);
    CU_ASSERT_PTR_NOT_NULL(r);
    return r ? r->verdict : DIFF_NVERDICT;
}

/* Databases shared by several tests, built once. */
static const char *db_a, *db_a2, *db_slow10, *db_slow3, *db_floor, *db_newrem, *db_fast,
    *db_raw_a, *db_raw_slow, *db_scale32, *db_scale64, *db_calls2, *db_rep, *db_rep3;

static int build_dbs(void)
{
    const char *mod_a = "/opt/app/bin/sensor_pipeline";
    const char *mod_b = "/home/ci/work/build/sensor_pipeline"; /* same basename */
    workload w = plain;
    db_a = make_db("a.db", 1, mod_a, w);
    db_a2 = make_db("a2.db", 2, mod_b, w);
    w = plain;
    w.slow_fn = "normalize";
    w.factor = 1.10;
    db_slow10 = make_db("slow10.db", 3, mod_b, w);
    w.factor = 1.03;
    db_slow3 = make_db("slow3.db", 4, mod_b, w);
    w = plain;
    w.slow_fn = "log_line";
    w.factor = 1.50;
    db_floor = make_db("floor.db", 5, mod_b, w);
    w = plain;
    w.drop_fn = "aggregate";
    w.extra_fn = "compress";
    db_newrem = make_db("newrem.db", 6, mod_b, w);
    w = plain;
    w.slow_fn = "filter";
    w.factor = 0.90;
    db_fast = make_db("fast.db", 7, mod_b, w);
    w = plain;
    w.raw = 1;
    db_raw_a = make_db("raw_a.db", 8, mod_a, w);
    w.slow_fn = "normalize";
    w.factor = 1.10;
    db_raw_slow = make_db("raw_slow.db", 9, mod_b, w);
    w = plain;
    w.scale = 32;
    db_scale32 = make_db("scale32.db", 10, mod_a, w);
    w.scale = 64;
    w.n_mult = 2;
    db_scale64 = make_db("scale64.db", 11, mod_b, w);
    w = plain;
    w.slow_fn = "normalize";
    w.factor = 1.0;
    w.calls_mult = 2.0;
    db_calls2 = make_db("calls2.db", 12, mod_b, w);

    /* Repeated runs in one database: 5 labelled "main", 5 labelled "pr" (normalize +10%). */
    tdb t;
    db_rep = strdup(tpath("rep.db"));
    tdb_create(&t, db_rep);
    for (int i = 0; i < 5; i++) {
        add_run(&t, 1 + i, "main", mod_a, 100 + (uint64_t)i, &plain);
        workload s = plain;
        s.slow_fn = "normalize";
        s.factor = 1.10;
        add_run(&t, 6 + i, "pr", mod_b, 200 + (uint64_t)i, &s);
    }
    tdb_close(&t);
    db_rep3 = strdup(tpath("rep3.db"));
    tdb_create(&t, db_rep3);
    for (int i = 0; i < 3; i++) {
        add_run(&t, 1 + i, "main", mod_a, 300 + (uint64_t)i, &plain);
        workload s = plain;
        s.slow_fn = "normalize";
        s.factor = 1.10;
        add_run(&t, 4 + i, "pr", mod_b, 400 + (uint64_t)i, &s);
    }
    tdb_close(&t);
    return 0;
}

/* Mean and distribution disagree: the base's mean is inflated by 10 preempted calls of
 * 1 ms, while every ordinary call got 10% slower in the current run. The self-time delta
 * says -90% (an "improvement"), the rank test says slower: the verdict must be "~". */
static void test_conflicting_direction(void)
{
    uint64_t *base = malloc(1010 * sizeof *base), *cur = malloc(1010 * sizeof *cur);
    for (size_t i = 0; i < 1010; i++) {
        base[i] = i < 10 ? 1000000 : 1000;
        cur[i] = 1100;
    }
    const char *paths[2] = {strdup(tpath("conf_a.db")), strdup(tpath("conf_b.db"))};
    for (int side = 0; side < 2; side++) {
        tdb t;
        tdb_create(&t, paths[side]);
        tdb_run(&t, 1, "ci", NAN, 20000000, 1);
        tdb_func(&t, 1, "jittery", "prog", side ? cur : base, 1010, 0);
        tdb_close(&t);
    }
    loaded l;
    compare(&l, paths[0], paths[1], NULL);
    const diff_row *r = row_of(&l, "jittery");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->delta < -0.85); /* 11 ms -> 1.11 ms */
    CU_ASSERT(r->p < 1e-10);
    CU_ASSERT(r->mw.effect < 0.5); /* base calls tend to be shorter */
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "conflicting"));
    CU_ASSERT_EQUAL(l.res.count[DIFF_IMPROVEMENT], 0);
    release(&l);
    free((void *)paths[0]);
    free((void *)paths[1]);
    free(base);
    free(cur);
}

static void test_aa(void)
{
    loaded l;
    compare(&l, db_a, db_a2, NULL);
    CU_ASSERT_EQUAL(l.res.nrows, 5);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_IMPROVEMENT], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_UNCHANGED], 5);
    CU_ASSERT_EQUAL(l.res.count[DIFF_NEW], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REMOVED], 0);
    /* Matched by name + module basename although the module directories differ. */
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->module, "sensor_pipeline");
    CU_ASSERT_STRING_EQUAL(r->test, "hist");
    CU_ASSERT(fabs(r->delta) < 0.02);
    CU_ASSERT_EQUAL(l.res.wall.verdict, DIFF_NOT_ASSESSED);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_REGRESSION), 0);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_ANY_CHANGE), 0);
    char *s = diff_summary_line(&l.res);
    CU_ASSERT_STRING_EQUAL(s, "0 regressions, 0 improvements, 5 unchanged");
    free(s);
    release(&l);
}

static void test_slowdown_10(void)
{
    loaded l;
    compare(&l, db_a, db_slow10, NULL);
    CU_ASSERT_EQUAL(verdict_of(&l, "normalize"), DIFF_REGRESSION);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    CU_ASSERT_EQUAL(l.res.count[DIFF_IMPROVEMENT], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_UNCHANGED], 4);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->delta > 0.09 && r->delta < 0.11);
    CU_ASSERT(r->p < 1e-10);
    CU_ASSERT(r->impact > 0);
    CU_ASSERT_EQUAL(r->mw.method, PSCOPE_MW_NORMAL);
    /* The largest impact comes first. */
    CU_ASSERT_PTR_EQUAL(&l.res.rows[0], r);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_REGRESSION), 1);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_NEVER), 0);
    char *s = diff_summary_line(&l.res);
    CU_ASSERT_STRING_EQUAL(s, "1 regression, 0 improvements, 4 unchanged");
    free(s);
    release(&l);
}

static void test_slowdown_3(void)
{
    loaded l;
    compare(&l, db_a, db_slow3, NULL);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    CU_ASSERT(r->delta > 0.02 && r->delta < 0.04);
    CU_ASSERT(r->p < 0.05); /* significant, but under the threshold */
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    release(&l);
    /* The same change is a regression with --threshold 2%. */
    diff_opts o = default_opts;
    o.threshold = 0.02;
    compare(&l, db_a, db_slow3, &o);
    CU_ASSERT_EQUAL(verdict_of(&l, "normalize"), DIFF_REGRESSION);
    release(&l);
}

static void test_noise_floor(void)
{
    loaded l;
    compare(&l, db_a, db_floor, NULL);
    const diff_row *r = row_of(&l, "log_line");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->share < 0.01);
    CU_ASSERT(r->delta > 0.4);
    CU_ASSERT(r->p < 1e-6);
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "noise floor"));
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    release(&l);
    /* Lowering the floor to 0.1% flags it. */
    diff_opts o = default_opts;
    o.min_share = 0.001;
    compare(&l, db_a, db_floor, &o);
    CU_ASSERT_EQUAL(verdict_of(&l, "log_line"), DIFF_REGRESSION);
    release(&l);
}

static void test_new_removed(void)
{
    loaded l;
    compare(&l, db_a, db_newrem, NULL);
    CU_ASSERT_EQUAL(verdict_of(&l, "compress"), DIFF_NEW);
    CU_ASSERT_EQUAL(verdict_of(&l, "aggregate"), DIFF_REMOVED);
    CU_ASSERT_EQUAL(l.res.count[DIFF_NEW], 1);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REMOVED], 1);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    const diff_row *r = row_of(&l, "aggregate");
    CU_ASSERT(r && r->impact < 0);
    r = row_of(&l, "compress");
    CU_ASSERT(r && r->impact > 0);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_REGRESSION), 0);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_ANY_CHANGE), 1);
    char *s = diff_summary_line(&l.res);
    CU_ASSERT_STRING_EQUAL(s, "0 regressions, 0 improvements, 4 unchanged, 1 new, 1 removed");
    free(s);
    release(&l);
}

static void test_improvement(void)
{
    loaded l;
    compare(&l, db_a, db_fast, NULL);
    CU_ASSERT_EQUAL(verdict_of(&l, "filter"), DIFF_IMPROVEMENT);
    CU_ASSERT_EQUAL(l.res.count[DIFF_IMPROVEMENT], 1);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    const diff_row *r = row_of(&l, "filter");
    CU_ASSERT(r && r->delta < -0.09 && r->impact < 0);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_REGRESSION), 0);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_ANY_CHANGE), 1);
    release(&l);
}

static void test_raw_rows(void)
{
    loaded l;
    compare(&l, db_raw_a, db_raw_slow, NULL);
    CU_ASSERT_TRUE(l.runs[0][0].raw);
    CU_ASSERT_TRUE(l.runs[1][0].raw);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->test, "raw");
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_EQUAL(r->mw.n1, 2000);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    /* Type-7 median from raw rows lies within the generator's range. */
    CU_ASSERT(r->base.p50 > 15000 * 0.8 && r->base.p50 < 15000 * 1.2);
    release(&l);
    /* A raw run against a histogram-only run: both sides use the histograms. */
    compare(&l, db_a, db_raw_slow, NULL);
    r = row_of(&l, "normalize");
    CU_ASSERT(r && !strcmp(r->test, "hist") && r->verdict == DIFF_REGRESSION);
    release(&l);
}

static void test_repeated_runs(void)
{
    loaded l;
    char b[600], c[600];
    snprintf(b, sizeof b, "%s:main", db_rep);
    snprintf(c, sizeof c, "%s:pr", db_rep);
    compare(&l, b, c, NULL);
    CU_ASSERT_EQUAL(l.n[0], 5);
    CU_ASSERT_EQUAL(l.n[1], 5);
    CU_ASSERT_TRUE(l.res.repeated);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->test, "runs");
    CU_ASSERT_EQUAL(r->mw.method, PSCOPE_MW_EXACT);
    CU_ASSERT_EQUAL(r->p, 2.0 / 252.0); /* complete separation of 5 vs 5 runs */
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    CU_ASSERT_EQUAL(l.res.count[DIFF_UNCHANGED], 4);
    /* The whole-run line is tested too: wall time +10% in every pr run. */
    CU_ASSERT_EQUAL(l.res.wall.verdict, DIFF_REGRESSION);
    CU_ASSERT_EQUAL(l.res.wall.p, 2.0 / 252.0);
    release(&l);

    /* 3 vs 3: the smallest possible p is 2/20 = 0.1 > 0.05, so nothing can be assessed. */
    snprintf(b, sizeof b, "%s:main", db_rep3);
    snprintf(c, sizeof c, "%s:pr", db_rep3);
    compare(&l, b, c, NULL);
    CU_ASSERT_EQUAL(l.res.min_p, 0.1);
    CU_ASSERT_EQUAL(verdict_of(&l, "normalize"), DIFF_NOT_ASSESSED);
    CU_ASSERT_EQUAL(l.res.count[DIFF_NOT_ASSESSED], 5);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    CU_ASSERT_EQUAL(l.res.wall.verdict, DIFF_NOT_ASSESSED);
    release(&l);
}

static void test_scale_per_call(void)
{
    loaded l;
    compare(&l, db_scale32, db_scale64, NULL);
    CU_ASSERT_TRUE(l.res.per_call);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_IMPROVEMENT], 0);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(fabs(r->delta) < 0.02);   /* per call: unchanged */
    CU_ASSERT(r->cur.self > 1.9 * r->base.self); /* while the totals doubled */
    CU_ASSERT_EQUAL(l.res.wall.verdict, DIFF_NOT_ASSESSED);
    release(&l);
}

static void test_call_count_change(void)
{
    loaded l;
    compare(&l, db_a, db_calls2, NULL);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->p > 0.05);           /* per-call durations unchanged */
    CU_ASSERT(r->delta > 0.9);        /* total self time doubled */
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "calls +100.0%"));
    release(&l);
}

static void test_metric_and_filter(void)
{
    loaded l;
    diff_opts o = default_opts;
    o.metric = DIFF_METRIC_P50;
    compare(&l, db_a, db_slow10, &o);
    CU_ASSERT_EQUAL(verdict_of(&l, "normalize"), DIFF_REGRESSION);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    release(&l);
    pt_filter *f = NULL;
    CU_ASSERT_EQUAL_FATAL(pt_filter_add(&f, "--exclude", "^norm", 1), 0);
    o = default_opts;
    o.filter = f;
    compare(&l, db_a, db_slow10, &o);
    CU_ASSERT_EQUAL(l.res.nrows, 4);
    CU_ASSERT_PTR_NULL(row_of(&l, "normalize"));
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 0);
    release(&l);
    pt_filter_free(f);
}

/* ---- the binary ----------------------------------------------------------------------- */

/* Run the binary with the classic method (these tests' subject, see default_opts). */
static int run_diff(const char *const *args)
{
    static const char *const classic_method[] = { "--method", "classic", NULL };
    return tdiff_run(classic_method, args, tpath("stdout.txt"), tpath("stderr.txt"));
}

static char *slurp(const char *path)
{
    return tdiff_slurp(path);
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_binary_exit_codes(void)
{
    /* --fail-on regression (default) */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_a2, NULL }), 0);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_slow10, NULL }), 1);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_fast, NULL }), 0);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "regression", db_a, db_slow10, NULL }), 1);
    /* --fail-on any-change */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "any-change", db_a, db_a2, NULL }), 0);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "any-change", db_a, db_fast, NULL }), 1);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "any-change", db_a, db_newrem, NULL }), 1);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "any-change", db_a, db_slow10, NULL }), 1);
    /* --fail-on never */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "never", db_a, db_slow10, NULL }), 0);
    /* usage errors: 2 */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--fail-on", "sometimes", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--metric", "median", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--alpha", "2", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--format", "html", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--bogus", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--base", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--filter", "(", db_a, db_a2, NULL }), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "-o", "/nonexistent/dir/x.md", db_a, db_a2, NULL }), 2);
    /* bad data: 3 */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ tpath("missing.db"), db_a2, NULL }), 3);
    char spec[600];
    snprintf(spec, sizeof spec, "%s:99", db_a);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ spec, db_a2, NULL }), 3);
    const char *junk = tpath("junk.db");
    FILE *f = fopen(junk, "w");
    fputs("this is not a database, just text long enough\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, junk, NULL }), 3);
    /* --help and --version: 0 */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--help", NULL }), 0);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--version", NULL }), 0);
}

static void test_binary_repeated_forms(void)
{
    /* Repeated runs by several databases: --base A1 A2 --current B1 B2 (2 vs 2: n/a). */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--base", db_a, db_raw_a, "--current", db_slow10,
                                               db_raw_slow, "--format", "json", NULL }), 0);
    char *s = slurp(tpath("stdout.txt"));
    cJSON *j = cJSON_Parse(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "base")), 2);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "current")), 2);
    cJSON *sum = cJSON_GetObjectItem(j, "summary");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(sum, "not_assessed")->valueint, 5);
    cJSON_Delete(j);
    free(s);
    /* Repeated runs by label in one database, list form and positional form. */
    char b[600], c[600];
    snprintf(b, sizeof b, "%s:main", db_rep);
    snprintf(c, sizeof c, "%s:pr", db_rep);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--base", b, "--current", c, NULL }), 1);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ b, c, "--format", "md", NULL }), 1);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && starts_with(s, "1 regression, 0 improvements, 4 unchanged; wall time +10.0% "
                               "(regression)\n"));
    free(s);
}

/* Minimal XML well-formedness: balanced, properly nested tags; attributes quoted;
 * declaration and comments skipped; only the five predefined entities or char refs. */
static int xml_well_formed(const char *s, int *failures, int *testcases)
{
    char stack[64][64];
    int depth = 0, seen_root = 0;
    *failures = *testcases = 0;
    const char *p = s;
    while (*p) {
        if (*p == '&') {
            const char *e = strchr(p, ';');
            if (!e || e - p > 10)
                return 0;
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4)
                && strncmp(p, "&quot;", 6) && strncmp(p, "&apos;", 6) && strncmp(p, "&#", 2))
                return 0;
            p = e + 1;
            continue;
        }
        if (*p != '<') {
            if (*p == '>')
                return 0;
            if (depth == 0 && seen_root && !strchr(" \r\n\t", *p))
                return 0;
            p++;
            continue;
        }
        if (!strncmp(p, "<?", 2)) {
            p = strstr(p, "?>");
            if (!p)
                return 0;
            p += 2;
            continue;
        }
        if (!strncmp(p, "<!--", 4)) {
            p = strstr(p, "-->");
            if (!p)
                return 0;
            p += 3;
            continue;
        }
        int closing = p[1] == '/';
        const char *q = p + 1 + closing;
        char name[64];
        size_t n = 0;
        while (*q && !strchr(" \t\r\n/>", *q) && n < 63)
            name[n++] = *q++;
        name[n] = '\0';
        if (n == 0)
            return 0;
        int in_quote = 0;
        while (*q && (in_quote || *q != '>')) {
            if (*q == '"')
                in_quote = !in_quote;
            else if (*q == '<' && !in_quote)
                return 0;
            q++;
        }
        if (!*q)
            return 0;
        int self_closing = q[-1] == '/';
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name))
                return 0;
            depth--;
        } else {
            if (!strcmp(name, "failure"))
                (*failures)++;
            if (!strcmp(name, "testcase"))
                (*testcases)++;
            if (!self_closing) {
                if (depth == 64)
                    return 0;
                if (depth == 0 && seen_root)
                    return 0;
                strcpy(stack[depth++], name);
                seen_root = 1;
            }
        }
        p = q + 1;
    }
    return depth == 0 && seen_root;
}

static void test_binary_formats(void)
{
    /* JSON: parses, carries every figure, verdicts exact. */
    const char *out = tpath("out.json");
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_slow10, "--format", "json", "-o", out, NULL }), 1);
    char *s = slurp(out);
    cJSON *j = cJSON_Parse(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *sum = cJSON_GetObjectItem(j, "summary");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(sum, "regressions")->valueint, 1);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(sum, "unchanged")->valueint, 4);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(sum, "exit_code")->valueint, 1);
    cJSON *fns_arr = cJSON_GetObjectItem(j, "functions");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(fns_arr), 5);
    cJSON *first = cJSON_GetArrayItem(fns_arr, 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(first, "function")->valuestring, "normalize");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(first, "verdict")->valuestring, "regression");
    static const char *const members[] = { "calls_base", "calls_current", "self_base_ns",
                                           "self_current_ns", "total_base_ns", "total_current_ns",
                                           "mean_base_ns", "mean_current_ns", "p50_base_ns",
                                           "p50_current_ns", "p95_base_ns", "p95_current_ns",
                                           "delta", "share", "p", "impact_ns", "test", "method" };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(first, members[i]));
    double delta = cJSON_GetObjectItem(first, "delta")->valuedouble;
    CU_ASSERT(delta > 0.09 && delta < 0.11);
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "run"));
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "new"));
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "removed"));
    cJSON_Delete(j);
    free(s);

    /* Markdown: the summary line first, then a GFM table. */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_slow10, "--format", "md", NULL }), 1);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT(starts_with(s, "1 regression, 0 improvements, 4 unchanged\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "| VERDICT |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s, "| regression | normalize |"));
    free(s);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_newrem, "--format", "md", NULL }), 0);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && starts_with(s, "0 regressions, 0 improvements, 4 unchanged, 1 new, 1 removed\n"));
    CU_ASSERT(s && strstr(s, "| NEW FUNCTION |") && strstr(s, "| compress |"));
    CU_ASSERT(s && strstr(s, "| REMOVED FUNCTION |") && strstr(s, "| aggregate |"));
    free(s);

    /* JUnit: well-formed; one test case per function above the floor + the wall time; the
     * regression is the only failure. */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_slow10, "--format", "junit", NULL }), 1);
    s = slurp(tpath("stdout.txt"));
    int failures = 0, cases = 0;
    CU_ASSERT_TRUE(s && xml_well_formed(s, &failures, &cases));
    CU_ASSERT_EQUAL(failures, 1);
    CU_ASSERT_EQUAL(cases, 5); /* 4 functions above 1% + wall time; log_line (0.4%) is not */
    CU_ASSERT(s && strstr(s, "name=\"normalize\""));
    CU_ASSERT(s && !strstr(s, "name=\"log_line\""));
    free(s);

    /* Table: explicit signs, both runs named in the header. */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_fast, NULL }), 0);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && starts_with(s, "0 regressions, 1 improvement, 4 unchanged\n"));
    CU_ASSERT(s && strstr(s, "base:") && strstr(s, "current:") && strstr(s, "a.db:1")
              && strstr(s, "fast.db:1") && strstr(s, "\"ci\""));
    CU_ASSERT(s && strstr(s, "improvement") && strstr(s, "-10.") && strstr(s, " -"));
    free(s);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_slow10, NULL }), 1);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && strstr(s, "+10.") && strstr(s, "→"));
    free(s);

    /* CSV: header row with the machine keys. */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ db_a, db_a2, "--format", "csv", NULL }), 0);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && strstr(s, "verdict,function,module,share,note,calls_base"));
    free(s);

    /* -o replaces the target atomically and writes nothing on stdout. */
    const char *md = tpath("report.md");
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "-o", md, "--format", "md", db_a, db_a2, NULL }), 0);
    s = slurp(md);
    CU_ASSERT(s && starts_with(s, "0 regressions"));
    free(s);
    s = slurp(tpath("stdout.txt"));
    CU_ASSERT(s && s[0] == '\0');
    free(s);
}

static int suite_init(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pscope-test-diff.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    pt_init("test_diff");
    return build_dbs();
}

static int suite_clean(void)
{
    if (getenv("PSCOPE_KEEP_TMP")) {
        fprintf(stderr, "test databases kept in %s\n", tmpdir);
        return 0;
    }
    static const char *const files[] = {
        "a.db", "a2.db", "slow10.db", "slow3.db", "floor.db", "newrem.db", "fast.db",
        "raw_a.db", "raw_slow.db", "scale32.db", "scale64.db", "calls2.db", "rep.db",
        "rep3.db", "stdout.txt", "stderr.txt", "out.json", "report.md", "junk.db" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(tpath(files[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("diff", suite_init, suite_clean);
    CU_add_test(s, "A/A: no regression", test_aa);
    CU_add_test(s, "10% slowdown flagged, nothing else", test_slowdown_10);
    CU_add_test(s, "3% change under the threshold", test_slowdown_3);
    CU_add_test(s, "under the noise floor never flagged", test_noise_floor);
    CU_add_test(s, "new and removed lists", test_new_removed);
    CU_add_test(s, "improvement", test_improvement);
    CU_add_test(s, "mean and distribution disagree: no verdict", test_conflicting_direction);
    CU_add_test(s, "raw call rows", test_raw_rows);
    CU_add_test(s, "repeated runs by label", test_repeated_runs);
    CU_add_test(s, "different scale: per call", test_scale_per_call);
    CU_add_test(s, "call count change", test_call_count_change);
    CU_add_test(s, "metric p50 and filter", test_metric_and_filter);
    CU_add_test(s, "binary: exit codes", test_binary_exit_codes);
    CU_add_test(s, "binary: repeated-run forms", test_binary_repeated_forms);
    CU_add_test(s, "binary: every format parses", test_binary_formats);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
