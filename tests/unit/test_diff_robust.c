/* tests/unit/test_diff_robust.c: CUnit tests of pscope-diff's default (robust) method.
 *
 * Part 1, the statistics (tools/lib/diff_stats.c) on values with known answers: Student t
 * p-values and quantiles in closed form (1 and 2 degrees of freedom) or integrated
 * independently (Welch, 4 df), the exact Hodges-Lehmann interval of 5 vs 5 runs by hand,
 * Benjamini-Hochberg by hand, trimmed means of raw values and histograms, runs needed.
 * Part 2, comparisons of constructed databases (tests/unit/test_diff_db.h), 5 runs per
 * side with a run-level machine factor that moves every function of a run together:
 *   A/A                       nothing flagged, exit 0
 *   normalize 10% slower      regression, cause "time per call", ratio CI covers 1.10
 *   normalize 4.7% / 3%       regression (interval reaches 5%) / "~" (interval below 5%)
 *   calls of filter doubled   regression, cause "calls", counted exactly
 *   calls +10%, per call -10% "~", conflicting
 *   preempted calls in base   the trimmed mean ignores them: "~"
 *   one call per run, 5x      5 vs 5: regression; one run per side: not judged (< 20 calls)
 *   idle thread               share basis "thread" keeps the busy thread's function above
 *                             the floor; "all" drowns it
 *   version-1 database        still diffs, with the note saying what it lacks
 *   one run per side          magnitude only, the warning in every format, exit codes
 */
#include <CUnit/Basic.h>
#include <cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diff_core.h"
#include "diff_report.h"
#include "diff_stats.h"
#include "ptool.h"
#include "test_diff_bin.h"
#include "test_diff_db.h"

static char tmpdir[256];

static const char *tpath(const char *name)
{
    static char buf[16][512];
    static int k;
    char *p = buf[k++ % 16];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* ---- part 1: statistics ------------------------------------------------------------ */

static void test_t_distribution(void)
{
    /* df = 1 (Cauchy): P(|T| >= 1) = 1/2; df = 2: P(|T| >= t) = 1 - t / sqrt(2 + t^2). */
    CU_ASSERT_DOUBLE_EQUAL(diff_t_p2(1.0, 1.0), 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(diff_t_p2(2.0, 2.0), 1.0 - 2.0 / sqrt(6.0), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(diff_t_p2(-2.0, 2.0), 1.0 - 2.0 / sqrt(6.0), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(diff_t_p2(0.0, 7.0), 1.0, 1e-12);
    /* Quantiles: t(0.975; 2) = 4.302652729911275 (closed form), t(0.025; 1) = -tan(0.475 pi). */
    CU_ASSERT_DOUBLE_EQUAL(diff_t_quantile(0.975, 2.0), 4.302652729911275, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(diff_t_quantile(0.025, 1.0), -tan(0.475 * M_PI), 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(diff_norm_quantile(0.975), 1.959963984540054, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(diff_norm_quantile(0.8), 0.8416212335729143, 1e-9);
}

static void test_welch(void)
{
    /* x = {0, 1, 2}, y = {3, 4, 5}: s = 1 each, se = sqrt(2/3), df = 4, t = 3.674234614,
     * p = 0.0213116411 (the t density integrated independently). */
    const double x[] = { 0, 1, 2 }, y[] = { 3, 4, 5 };
    diff_shift s;
    CU_ASSERT_EQUAL_FATAL(diff_welch(x, 3, y, 3, 0.0, 0.05, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.estimate, 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.df, 4.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.p, 0.0213116411, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, 1.0, 1e-12);
    double half = diff_t_quantile(0.975, 4.0) * sqrt(2.0 / 3.0);
    CU_ASSERT_DOUBLE_EQUAL(s.lo, 3.0 - half, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.hi, 3.0 + half, 1e-9);
    /* Identical constant sides: the resolution floor keeps the spread above 0: p = 1. */
    const double c[] = { 2, 2, 2 };
    CU_ASSERT_EQUAL_FATAL(diff_welch(c, 3, c, 3, 0.001, 0.05, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.p, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, 0.001, 1e-15);
    /* One run against three: the other side's spread, prediction form (df 2). */
    const double one[] = { 5 };
    CU_ASSERT_EQUAL_FATAL(diff_welch(x, 3, one, 1, 0.0, 0.05, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.df, 2.0, 1e-12);
    double t = 4.0 / sqrt(1.0 + 1.0 / 3.0);
    CU_ASSERT_DOUBLE_EQUAL(s.p, 1.0 - t / sqrt(2.0 + t * t), 1e-12);
    /* One run per side: no test. */
    CU_ASSERT_EQUAL(diff_welch(one, 1, one, 1, 0.0, 0.05, &s), -1);
}

static void test_hodges_lehmann(void)
{
    /* x = 0..4, y = 10..14: the 25 differences are 6 (1x), 7 (2x), 8 (3x), 9 (4x), 10 (5x),
     * 11 (4x), 12 (3x), 13 (2x), 14 (1x). P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252,
     * so k = 3 and the 95% interval is [D(3), D(23)] = [7, 13]; the estimate is 10. */
    const double x[] = { 0, 1, 2, 3, 4 }, y[] = { 10, 11, 12, 13, 14 };
    diff_shift s;
    CU_ASSERT_EQUAL_FATAL(diff_hodges_lehmann(x, 5, y, 5, 0.05, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.estimate, 10.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.lo, 7.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.hi, 13.0, 1e-12);
    /* 3 vs 3: P(U <= 0) = 1/20 = 0.05 > 0.025: no 95% interval exists. */
    CU_ASSERT_EQUAL_FATAL(diff_hodges_lehmann(x, 3, y, 3, 0.05, &s), 0);
    CU_ASSERT_TRUE(isnan(s.lo) && isnan(s.hi));
    /* At 90% (alpha/2 = 0.05) the extremes qualify: [D(1), D(9)] = [8, 12]. */
    CU_ASSERT_EQUAL_FATAL(diff_hodges_lehmann(x, 3, y, 3, 0.10, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.lo, 8.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.hi, 12.0, 1e-12);
}

static void test_bh(void)
{
    /* By hand: sorted 0.005 0.01 0.03 0.04 (m = 4) -> x4/1 x4/2 x4/3 x4/4 = 0.02 0.02 0.04
     * 0.04, already monotone; the NAN stays out of the family. */
    const double p[] = { 0.01, 0.04, NAN, 0.03, 0.005 };
    double q[5];
    diff_bh_adjust(p, 5, q);
    CU_ASSERT_DOUBLE_EQUAL(q[0], 0.02, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(q[1], 0.04, 1e-15);
    CU_ASSERT_TRUE(isnan(q[2]));
    CU_ASSERT_DOUBLE_EQUAL(q[3], 0.04, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(q[4], 0.02, 1e-15);
    /* Step-up: 0.04 0.045 0.9 (m = 3) -> 0.12, 0.0675, 0.9 -> min from the top: 0.0675,
     * 0.0675, 0.9; and a value above 1 after scaling is capped. */
    const double p2[] = { 0.045, 0.9, 0.04, 0.5 };
    diff_bh_adjust(p2, 4, q);
    CU_ASSERT_DOUBLE_EQUAL(q[0], 0.09, 1e-15);  /* 0.045 x 4/2 */
    CU_ASSERT_DOUBLE_EQUAL(q[2], 0.09, 1e-15);  /* min(0.04 x 4, 0.09) */
    CU_ASSERT_DOUBLE_EQUAL(q[3], 0.6666666666666666, 1e-12); /* 0.5 x 4/3 */
    CU_ASSERT_DOUBLE_EQUAL(q[1], 0.9, 1e-15);
}

static void test_locations(void)
{
    double v[10];
    for (int i = 0; i < 10; i++)
        v[i] = i + 1;
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_sorted(v, 10, 0.10), 5.5, 1e-12);
    v[9] = 1e6; /* a preempted call: trimmed away */
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_sorted(v, 10, 0.10), 5.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_sorted(v, 10, 0.5), 5.5, 1e-12);
    /* 5 values, 10% trim: half of the first and last value each: (0.5*1+2+3+4+0.5*5)/4. */
    const double w[] = { 1, 2, 3, 4, 5 };
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_sorted(w, 5, 0.10), 3.0, 1e-12);
    /* Histogram: bucket 100 (exact value) -> 100; a bucket [lo, hi) above 128 ns -> its
     * midpoint for the trimmed mean and for the median. */
    uint32_t b[2] = { 100, pscope_hist_bucket(10000) };
    uint64_t c[2] = { 10, 0 };
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_hist(b, c, 1, 0.10), 100.0, 1e-12);
    double lo = (double)pscope_hist_bucket_lo(b[1]), hi = (double)pscope_hist_bucket_hi(b[1]);
    c[1] = 50;
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_hist(&b[1], &c[1], 1, 0.10), (lo + hi) / 2, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_hist(&b[1], &c[1], 1, 0.5), (lo + hi) / 2, 1e-9);
    /* 10 calls of 100 ns and 50 in the upper bucket: 60 calls, trim 6 each side: 4 x 100 ns
     * and 44 calls spread evenly over the lower 44/50 of the bucket (mean at 0.44 of it). */
    double want = (4 * 100.0 + 44 * (lo + (hi - lo) * 0.44)) / 48.0;
    CU_ASSERT_DOUBLE_EQUAL(diff_trimmed_hist(b, c, 2, 0.10), want, 1e-9);
}

static void test_runs_needed(void)
{
    /* No spread known: unknown. A large spread needs more runs than a small one; at least 2;
     * the rank test needs at least 4 at alpha 0.05 (2/C(8,4) = 0.029) and more for a
     * smaller level (alpha 0.005: 2/C(12,6) = 0.0022 -> 6). */
    CU_ASSERT_TRUE(isnan(diff_runs_needed(NAN, 0.05, 0.05, 0.8, 0)));
    CU_ASSERT_EQUAL(diff_runs_needed(0.001, 0.05, 0.05, 0.8, 0), 2.0);
    CU_ASSERT_EQUAL(diff_runs_needed(0.001, 0.05, 0.05, 0.8, 1), 4.0);
    CU_ASSERT_EQUAL(diff_runs_needed(0.001, 0.05, 0.005, 0.8, 1), 6.0);
    /* sd = log(1.05) (spread as large as the change): the normal approximation gives
     * 2 (1.95996 + 0.84162)^2 = 15.7, the t correction (30 df) one more: 17. */
    CU_ASSERT_EQUAL(diff_runs_needed(log(1.05), 0.05, 0.05, 0.8, 0), 17.0);
}

/* ---- part 2: constructed runs ------------------------------------------------------- */

static const struct {
    const char *name;
    size_t calls;
    double mean;
} fns[] = {
    { "read_input", 400, 20000 }, { "normalize", 400, 15000 }, { "filter", 400, 10000 },
    { "aggregate", 100, 16000 },  { "log_line", 40, 2000 },
};

/* Run-level machine state: every function of run i is this much slower. Both sides get
 * the same five factors (in another order), so an A/A pair differs by noise only. */
static const double run_factor[2][5] = { { 1.00, 1.02, 0.99, 1.01, 0.98 },
                                         { 1.01, 0.98, 1.00, 1.02, 0.99 } };

typedef struct change {
    const char *fn;     /* the function changed, or NULL */
    double per_call;    /* its time-per-call factor */
    double calls;       /* its call-count factor */
} change;

/* Scales the run factors' distance from 1 (1: the spread above, about 1.6%). */
static double factor_scale = 1.0;

/* Add run `id` (side 0 base "main", 1 current "pr"; i-th run of the side). */
static void add_run(tdb *t, int64_t id, int side, int i, change ch, int raw)
{
    tdb_seed(t, (uint64_t)(1000 * side + i + 1));
    tdb_run(t, id, side ? "pr" : "main", NAN, 50000000, 1);
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        int hit = side && ch.fn && !strcmp(ch.fn, fns[k].name);
        double calls = (double)fns[k].calls * (hit ? ch.calls : 1.0);
        tdb_func_gen(t, id, fns[k].name, "prog", (size_t)llround(calls), fns[k].mean, 0.2,
                     (1.0 + (run_factor[side][i] - 1.0) * factor_scale)
                         * (hit ? ch.per_call : 1.0),
                     raw);
    }
}

/* A database with `n` runs per side (labels main, pr). */
static char *make_rep(const char *name, int n, change ch, int raw)
{
    char *p = strdup(tpath(name));
    tdb t;
    tdb_create(&t, p);
    for (int i = 0; i < n; i++) {
        add_run(&t, 1 + 2 * i, 0, i, ch, raw);
        add_run(&t, 2 + 2 * i, 1, i, ch, raw);
    }
    tdb_close(&t);
    return p;
}

typedef struct loaded {
    pt_db *db;
    diff_run runs[2][8];
    size_t n[2];
    diff_result res;
} loaded;

static const diff_opts robust_opts = { DIFF_METRIC_SELF, 0.05, 0.05, 0.01, NULL };

/* Compare labels lb and lc of path with the defaults (diff_compare: robust) or, with m,
 * diff_compare_ex. */
static void compare_m(loaded *l, const char *path, const char *lb, const char *lc,
                      const diff_method_opts *m)
{
    memset(l, 0, sizeof *l);
    CU_ASSERT_EQUAL_FATAL(pt_db_open(path, &l->db), 0);
    const char *labels[2] = { lb, lc };
    for (int s = 0; s < 2; s++) {
        pt_run *found = NULL;
        size_t nfound = 0;
        CU_ASSERT_EQUAL_FATAL(pt_run_resolve_all(l->db, labels[s], &found, &nfound), 0);
        for (size_t j = 0; j < nfound && j < 8; j++)
            CU_ASSERT_EQUAL_FATAL(diff_run_load(l->db, &found[j], path, DIFF_RAW_LIMIT_DEFAULT,
                                                &l->runs[s][l->n[s]++]),
                                  0);
        pt_runs_free(found, nfound);
    }
    if (m)
        diff_compare_ex(l->runs[0], l->n[0], l->runs[1], l->n[1], &robust_opts, m, &l->res);
    else
        diff_compare(l->runs[0], l->n[0], l->runs[1], l->n[1], &robust_opts, &l->res);
}

static void compare(loaded *l, const char *path, const char *lb, const char *lc)
{
    compare_m(l, path, lb, lc, NULL);
}

static void release(loaded *l)
{
    diff_result_free(&l->res);
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < l->n[s]; i++)
            diff_run_free(&l->runs[s][i]);
    pt_db_close(l->db);
}

static const diff_row *row_of(const loaded *l, const char *name)
{
    for (size_t i = 0; i < l->res.nrows; i++)
        if (!strcmp(l->res.rows[i].name, name))
            return &l->res.rows[i];
    return NULL;
}

static char *db_aa, *db_slow, *db_calls, *db_conflict, *db_raw_slow;

static void test_aa_runs(void)
{
    loaded l;
    compare(&l, db_aa, "main", "pr");
    CU_ASSERT_EQUAL(l.n[0], 5);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION] + l.res.count[DIFF_IMPROVEMENT], 0);
    CU_ASSERT_EQUAL(l.res.count[DIFF_UNCHANGED], 5);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_ANY_CHANGE), 0);
    CU_ASSERT_FALSE(l.res.single);
    CU_ASSERT_EQUAL(l.res.family, 5); /* 4 functions above the floor + the wall time */
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->test, "runs-welch");
    CU_ASSERT(fabs(r->ratio - 1.0) < 0.01);
    CU_ASSERT(r->ratio_lo < 1.0 && r->ratio_hi > 1.0);
    CU_ASSERT(r->q > 0.05);
    CU_ASSERT_TRUE(r->calls_exact);
    CU_ASSERT_EQUAL(r->calls_delta, 0.0);
    CU_ASSERT_PTR_NULL(r->cause);
    /* log_line (0.4%) is under the floor: outside the family. */
    r = row_of(&l, "log_line");
    CU_ASSERT_TRUE(r && isnan(r->q) && !isnan(r->p));
    /* The spread of the run factors (about 1.6%) gives a finite runs-needed figure. */
    CU_ASSERT(l.res.runs_needed >= 2 && l.res.runs_needed < 50);
    release(&l);
}

static void test_slow_per_call(void)
{
    loaded l;
    compare(&l, db_slow, "main", "pr");
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_STRING_EQUAL(r->cause ? r->cause : "(null)", "time per call");
    CU_ASSERT(r->ratio > 1.09 && r->ratio < 1.11);
    CU_ASSERT(r->ratio_lo < 1.10 && r->ratio_hi > 1.10 && r->ratio_lo > 1.05);
    CU_ASSERT(r->q <= 0.05 && r->q >= r->p);
    CU_ASSERT(r->delta > 0.09 && r->delta < 0.11);
    CU_ASSERT_EQUAL(r->impact_calls, 0.0);
    CU_ASSERT(r->impact_per_call > 0 && r->impact == r->impact_per_call);
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    CU_ASSERT_EQUAL(diff_exit_code(&l.res, DIFF_FAIL_REGRESSION), 1);
    release(&l);
    /* The same with the rank test: 5 vs 5 fully separated, p = 2/252, the smallest there
     * is; first of a family of 5, q = 5 x 2/252 = 0.0397 <= 0.05 (with 7 or more tests it
     * could never pass: 7 x 2/252 = 0.056). */
    diff_method_opts mw = { .test = DIFF_TEST_MW };
    compare_m(&l, db_slow, "main", "pr", &mw);
    r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_DOUBLE_EQUAL(r->p, 2.0 / 252.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r->q, 10.0 / 252.0, 1e-12);
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT(r->ratio_lo > 1.0 && r->ratio_lo < 1.10 && r->ratio_hi > 1.10);
    CU_ASSERT(r->runs_needed >= 6);
    release(&l);
    /* Raw rows (every call stored) give the same verdict. */
    compare(&l, db_raw_slow, "main", "pr");
    CU_ASSERT_TRUE(l.runs[0][0].raw);
    r = row_of(&l, "normalize");
    CU_ASSERT_TRUE(r && r->verdict == DIFF_REGRESSION && r->ratio > 1.09 && r->ratio < 1.11);
    release(&l);
}

/* Magnitude: a 4.7% slowdown with the usual run-to-run spread (estimate below the 5%
 * threshold, interval reaching it) is a regression; a 3% slowdown measured precisely (run
 * spread 0.16%: interval below 5%) is not, although significant. */
static void test_magnitude(void)
{
    char *p47 = make_rep("m47.db", 5, (change){ "normalize", 1.047, 1.0 }, 0);
    factor_scale = 0.1;
    char *p3 = make_rep("m3.db", 5, (change){ "normalize", 1.03, 1.0 }, 0);
    factor_scale = 1.0;
    loaded l;
    compare(&l, p47, "main", "pr");
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->ratio > 1.04 && r->ratio < 1.05 && r->ratio_hi > 1.05 && r->q <= 0.05);
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    release(&l);
    compare(&l, p3, "main", "pr");
    r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->ratio > 1.02 && r->ratio < 1.04 && r->ratio_hi < 1.05 && r->q <= 0.05);
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    CU_ASSERT_TRUE(r->cause && !strcmp(r->cause, "time per call"));
    release(&l);
    free(p47);
    free(p3);
}

static void test_calls_changed(void)
{
    loaded l;
    compare(&l, db_calls, "main", "pr");
    const diff_row *r = row_of(&l, "filter");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_STRING_EQUAL(r->cause ? r->cause : "(null)", "calls");
    CU_ASSERT_TRUE(r->calls_exact);
    CU_ASSERT_EQUAL(r->calls_delta, 1.0);
    CU_ASSERT(fabs(r->ratio - 1.0) < 0.01);
    CU_ASSERT(r->impact_calls > 0.95 * r->impact);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "calls +100.0% (400 -> 800, counted exactly)"));
    CU_ASSERT_EQUAL(l.res.count[DIFF_REGRESSION], 1);
    release(&l);
}

static void test_conflicting(void)
{
    loaded l;
    compare(&l, db_conflict, "main", "pr");
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->note, "conflicting: calls +10.0% but time per call -"));
    CU_ASSERT_STRING_EQUAL(r->cause ? r->cause : "(null)", "both");
    release(&l);
}

/* Base calls: 1000 of 1000 ns plus 10 preempted ones of 1 ms (the mean doubles); current:
 * the same 1000 ns calls. The trimmed mean does not move: no verdict, in one run per side
 * and in 5 vs 5. */
static void test_preempted_calls(void)
{
    uint64_t *base = malloc(1010 * sizeof *base), *cur = malloc(1010 * sizeof *cur);
    for (size_t i = 0; i < 1010; i++) {
        base[i] = i < 10 ? 1000000 : 1000 + i % 7;
        cur[i] = 1000 + i % 7;
    }
    char *p = strdup(tpath("preempt.db"));
    tdb t;
    tdb_create(&t, p);
    for (int i = 0; i < 5; i++) {
        tdb_run(&t, 1 + 2 * i, "main", NAN, 20000000, 1);
        tdb_func(&t, 1 + 2 * i, "jittery", "prog", base, 1010, 0);
        uint64_t once_base = 1000000 + 1000 * (uint64_t)i, once_cur = 5000000 + 1000 * (uint64_t)i;
        tdb_func(&t, 1 + 2 * i, "once", "prog", &once_base, 1, 0);
        tdb_run(&t, 2 + 2 * i, "pr", NAN, 20000000, 1);
        tdb_func(&t, 2 + 2 * i, "jittery", "prog", cur, 1010, 0);
        tdb_func(&t, 2 + 2 * i, "once", "prog", &once_cur, 1, 0);
    }
    tdb_close(&t);
    loaded l;
    compare(&l, p, "main", "pr");
    const diff_row *r = row_of(&l, "jittery");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->cur.self < 0.2 * r->base.self); /* summed self time: -90% */
    CU_ASSERT(fabs(r->ratio - 1.0) < 0.002);
    CU_ASSERT_EQUAL(r->verdict, DIFF_UNCHANGED);
    /* A function called once per run, 5x slower in every run: repeated runs flag it. */
    r = row_of(&l, "once");
    CU_ASSERT_TRUE(r && r->verdict == DIFF_REGRESSION && r->ratio > 4.9);
    release(&l);
    compare(&l, p, "1", "2");
    r = row_of(&l, "jittery");
    CU_ASSERT_TRUE(l.res.single);
    CU_ASSERT_TRUE(r && r->verdict == DIFF_UNCHANGED && fabs(r->ratio - 1.0) < 0.002);
    /* With one run per side its single call is no robust location: not judged. */
    r = row_of(&l, "once");
    CU_ASSERT_TRUE(r && r->verdict == DIFF_UNCHANGED && r->ratio > 4.9 && r->share > 0.01);
    release(&l);
    free(base);
    free(cur);
    free(p);
}

/* A busy main thread running `work` (3% of its own time) and an idle thread parked for
 * 30x as long in `wait_for_job`: per thread, work is 3% and above the 1% floor; over all
 * threads it is 0.1% and below. The current side's work is 20% slower. */
static void test_share_basis(void)
{
    char *p = strdup(tpath("threads.db"));
    tdb t;
    tdb_create(&t, p);
    for (int i = 0; i < 10; i++) {
        int side = i % 2;
        int64_t run = i + 1;
        tdb_seed(&t, (uint64_t)(77 + i));
        tdb_run(&t, run, side ? "pr" : "main", NAN, 100000000, 1);
        int64_t f_work = t.next_function_id;
        tdb_func_gen(&t, run, "work", "prog", 300, 10000 * (side ? 1.2 : 1.0), 0.1,
                     run_factor[side][i / 2], 0);
        int64_t f_main = t.next_function_id;
        tdb_func_gen(&t, run, "main_loop", "prog", 1, 97000000, 0.0, 1.0, 0);
        int64_t f_wait = t.next_function_id;
        tdb_func_gen(&t, run, "wait_for_job", "prog", 1, 3000000000.0, 0.0, 1.0, 0);
        char sql[600];
        snprintf(sql, sizeof sql,
                 "INSERT INTO thread (id, run_id, tid, is_main, ts) VALUES (%lld, %lld, 1, 1, 0),"
                 " (%lld, %lld, 2, 0, 0);"
                 "INSERT INTO thread_stat SELECT %lld, function_id, calls, total_dur, self_dur"
                 " FROM function_stat WHERE function_id IN (%lld, %lld);"
                 "INSERT INTO thread_stat SELECT %lld, function_id, calls, total_dur, self_dur"
                 " FROM function_stat WHERE function_id = %lld;",
                 (long long)(2 * run), (long long)run, (long long)(2 * run + 1), (long long)run,
                 (long long)(2 * run), (long long)f_work, (long long)f_main,
                 (long long)(2 * run + 1), (long long)f_wait);
        tdb_check(sqlite3_exec(t.db, sql, NULL, NULL, NULL), t.db, "threads");
    }
    tdb_close(&t);
    loaded l;
    compare(&l, p, "main", "pr");
    const diff_row *r = row_of(&l, "work");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->share > 0.025 && r->share < 0.05);
    CU_ASSERT_EQUAL(r->verdict, DIFF_REGRESSION);
    CU_ASSERT_FALSE(l.res.basis_fallback);
    release(&l);
    diff_method_opts all = { .basis = DIFF_BASIS_ALL };
    compare_m(&l, p, "main", "pr", &all);
    r = row_of(&l, "work");
    CU_ASSERT_TRUE(r && r->share < 0.002 && r->verdict == DIFF_UNCHANGED);
    CU_ASSERT_PTR_NOT_NULL(r ? strstr(r->note, "below the noise floor") : NULL);
    release(&l);
    free(p);
}

/* ---- the binary --------------------------------------------------------------------- */

static int run_diff(const char *const *args, const char *out)
{
    return tdiff_run(NULL, args, out, tpath("stderr.txt"));
}

static char *slurp(const char *path)
{
    return tdiff_slurp(path);
}

/* One run per side: the warning is in every format; a 60% slowdown is judged on magnitude
 * (regression), a 10% one (+5.5% measured, with the run factors and sampling) is not
 * (below the single-run threshold of 50%; above --single-threshold 4). */
static void test_binary_single(void)
{
    char *p = strdup(tpath("single.db"));
    tdb t;
    tdb_create(&t, p);
    change ch30 = { "normalize", 1.60, 1.0 }, ch10 = { "normalize", 1.10, 1.0 }, none = { 0 };
    add_run(&t, 1, 0, 0, none, 0);
    add_run(&t, 2, 1, 0, ch30, 0);
    add_run(&t, 3, 1, 1, ch10, 0);
    add_run(&t, 4, 1, 2, none, 0);
    tdb_close(&t);
    char s1[600], s2[600], s3[600], s4[600];
    snprintf(s1, sizeof s1, "%s:1", p);
    snprintf(s2, sizeof s2, "%s:2", p);
    snprintf(s3, sizeof s3, "%s:3", p);
    snprintf(s4, sizeof s4, "%s:4", p);
    static const char *const formats[] = { "table", "md", "csv", "json", "junit" };
    const char *out = tpath("out.txt");
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(run_diff((const char *[]){ s1, s2, "--format", formats[i], NULL }, out),
                        1);
        char *s = slurp(out);
        CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "one run per side cannot separate a change from "
                                             "machine noise") : NULL);
        if (s && i == 3) {
            cJSON *j = cJSON_Parse(s);
            cJSON *sum = cJSON_GetObjectItem(j, "summary");
            CU_ASSERT_TRUE(cJSON_IsString(cJSON_GetObjectItem(sum, "warning")));
            CU_ASSERT_EQUAL(cJSON_GetObjectItem(sum, "regressions")->valueint, 1);
            cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0);
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(f0, "function")->valuestring, "normalize");
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(f0, "cause")->valuestring, "time per call");
            CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(f0, "test")->valuestring, "single");
            CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(f0, "p")));
            cJSON_Delete(j);
        }
        free(s);
    }
    CU_ASSERT_EQUAL(run_diff((const char *[]){ s1, s3, NULL }, out), 0);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ s1, s3, "--single-threshold", "4", NULL }, out), 1);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ s1, s4, "--fail-on", "any-change", NULL }, out), 0);
    /* Usage errors of the new options: 2. */
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--method", "bayes", s1, s2, NULL }, out), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--test", "z", s1, s2, NULL }, out), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--location", "mode", s1, s2, NULL }, out), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--share-basis", "cpu", s1, s2, NULL }, out), 2);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--single-threshold", "0", s1, s2, NULL }, out), 2);
    free(p);
}

/* Repeated runs through the binary: --runs-needed adds its column; the JSON carries the
 * robust members; 3 vs 3 with the rank test is "n/a" (smallest p 0.1). */
static void test_binary_repeated(void)
{
    char b[600], c[600];
    snprintf(b, sizeof b, "%s:main", db_slow);
    snprintf(c, sizeof c, "%s:pr", db_slow);
    const char *out = tpath("out.txt");
    CU_ASSERT_EQUAL(run_diff((const char *[]){ b, c, "--runs-needed", NULL }, out), 1);
    char *s = slurp(out);
    CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "RUNS NEEDED") : NULL);
    CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "runs needed: ") : NULL);
    CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "PER CALL [CI]") : NULL);
    CU_ASSERT_PTR_NULL(s ? strstr(s, "one run per side cannot") : "x");
    free(s);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ b, c, "--format", "json", NULL }, out), 1);
    s = slurp(out);
    cJSON *j = cJSON_Parse(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0);
    static const char *const members[] = { "ratio", "ratio_lo", "ratio_hi", "q", "calls_delta",
                                           "impact_calls_ns", "impact_per_call_ns", "spread",
                                           "runs_needed", "calls_exact", "cause", "loc_base_ns",
                                           "loc_current_ns" };
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(f0, members[i]));
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(f0, "function")->valuestring, "normalize");
    cJSON *opts = cJSON_GetObjectItem(j, "options");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(opts, "method")->valuestring, "robust");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "tests")->valueint, 5);
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "warning")));
    cJSON_Delete(j);
    free(s);
    /* 3 vs 3 (runs 1..6 of the database: main 1,3,5 vs pr 2,4,6), rank test: n/a. */
    char *p3 = strdup(tpath("three.db"));
    tdb t;
    tdb_create(&t, p3);
    change ch = { "normalize", 1.10, 1.0 };
    for (int i = 0; i < 3; i++) {
        add_run(&t, 1 + 2 * i, 0, i, ch, 0);
        add_run(&t, 2 + 2 * i, 1, i, ch, 0);
    }
    tdb_close(&t);
    snprintf(b, sizeof b, "%s:main", p3);
    snprintf(c, sizeof c, "%s:pr", p3);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ b, c, "--test", "mw", "--format", "json", NULL },
                             out), 0);
    s = slurp(out);
    j = cJSON_Parse(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "summary"), "not_assessed")->valueint, 5);
    cJSON_Delete(j);
    free(s);
    free(p3);
}

/* A version-1 database (function_self_hist dropped, user_version 1) still diffs; the note
 * says what it lacks; per-call self time is then each run's mean. */
static void test_v1_database(void)
{
    char *p = make_rep("v1.db", 5, (change){ "normalize", 1.10, 1.0 }, 0);
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(p, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DROP TABLE function_self_hist; PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    loaded l;
    compare(&l, p, "main", "pr");
    CU_ASSERT_FALSE(l.runs[0][0].has_self_hist);
    CU_ASSERT_TRUE(l.res.no_self_hist);
    const diff_row *r = row_of(&l, "normalize");
    CU_ASSERT_TRUE(r && r->verdict == DIFF_REGRESSION && r->ratio > 1.08 && r->ratio < 1.12);
    release(&l);
    char b[600], c[600];
    snprintf(b, sizeof b, "%s:main", p);
    snprintf(c, sizeof c, "%s:pr", p);
    const char *out = tpath("out.txt");
    CU_ASSERT_EQUAL(run_diff((const char *[]){ b, c, NULL }, out), 1);
    char *s = slurp(out);
    CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "version-1 database (no function_self_hist)") : NULL);
    free(s);
    /* The classic method does not test self time on inclusive durations instead. */
    snprintf(b, sizeof b, "%s:1", p);
    snprintf(c, sizeof c, "%s:2", p);
    CU_ASSERT_EQUAL(run_diff((const char *[]){ "--method", "classic", "--format", "json", b, c,
                                               NULL }, out), 0);
    s = slurp(out);
    CU_ASSERT_PTR_NOT_NULL(s ? strstr(s, "version-1 database without self-time histograms")
                             : NULL);
    free(s);
    free(p);
}

static int suite_init(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pscope-test-diff-robust.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    pt_init("test_diff_robust");
    db_aa = make_rep("aa.db", 5, (change){ NULL, 1.0, 1.0 }, 0);
    db_slow = make_rep("slow.db", 5, (change){ "normalize", 1.10, 1.0 }, 0);
    db_raw_slow = make_rep("raw_slow.db", 5, (change){ "normalize", 1.10, 1.0 }, 1);
    db_calls = make_rep("calls.db", 5, (change){ "filter", 1.0, 2.0 }, 0);
    db_conflict = make_rep("conflict.db", 5, (change){ "normalize", 0.90, 1.10 }, 0);
    return 0;
}

static int suite_clean(void)
{
    free(db_aa);
    free(db_slow);
    free(db_raw_slow);
    free(db_calls);
    free(db_conflict);
    if (getenv("PSCOPE_KEEP_TMP")) {
        fprintf(stderr, "test databases kept in %s\n", tmpdir);
        return 0;
    }
    static const char *const files[] = { "aa.db", "slow.db", "raw_slow.db", "calls.db",
                                         "conflict.db", "m47.db", "m3.db", "preempt.db", "threads.db", "single.db",
                                         "three.db", "v1.db", "out.txt", "stderr.txt" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(tpath(files[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("diff_robust", suite_init, suite_clean);
    CU_add_test(s, "t distribution", test_t_distribution);
    CU_add_test(s, "Welch test", test_welch);
    CU_add_test(s, "Hodges-Lehmann interval", test_hodges_lehmann);
    CU_add_test(s, "Benjamini-Hochberg", test_bh);
    CU_add_test(s, "locations", test_locations);
    CU_add_test(s, "runs needed", test_runs_needed);
    CU_add_test(s, "A/A 5 vs 5", test_aa_runs);
    CU_add_test(s, "time per call +10%", test_slow_per_call);
    CU_add_test(s, "magnitude: interval reaching the threshold", test_magnitude);
    CU_add_test(s, "calls doubled", test_calls_changed);
    CU_add_test(s, "calls up, time per call down", test_conflicting);
    CU_add_test(s, "preempted calls", test_preempted_calls);
    CU_add_test(s, "share basis", test_share_basis);
    CU_add_test(s, "binary: one run per side", test_binary_single);
    CU_add_test(s, "binary: repeated runs", test_binary_repeated);
    CU_add_test(s, "version-1 database", test_v1_database);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
