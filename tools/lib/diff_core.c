/* tools/lib/diff_core.c: pscope-diff's comparison — loaded runs in, verdicts out (see
 * diff_core.h; loading is in diff_load.c, the robust method's per-function statistics in
 * diff_robust.c, the distributions and estimators in diff_stats.c).
 *
 * diff_compare() builds the union of the function keys, fills both sides' figures (medians
 * over a side's runs), then per function either the robust method (run-level locations and
 * call counts; one Benjamini-Hochberg family over the functions at or above the floor and
 * the wall line) or the classic one (Mann-Whitney per call or per run value, each on its
 * own). Invariant: every row of a diff_result borrows its name and module from one run.
 */
#include "diff_core.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "diff_stats.h"
#include "hist.h"

const char *diff_verdict_name(diff_verdict v)
{
    static const char *const names[DIFF_NVERDICT] = { "regression", "improvement", "~",
                                                      "new",        "removed",     "n/a" };
    return (unsigned)v < DIFF_NVERDICT ? names[v] : "?";
}

static const char *const metric_names[] = { "self", "total", "mean", "p50", "p95" };

const char *diff_metric_name(diff_metric m)
{
    return (unsigned)m < 5 ? metric_names[m] : "?";
}

int diff_metric_parse(const char *s, diff_metric *out)
{
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (diff_metric)i;
            return 0;
        }
    return -1;
}

/* ---- statistics helpers ----------------------------------------------------------------- */

double diff__median(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    qsort(v, k, sizeof *v, diff__cmp_double);
    return pt_percentile7(v, k, 0.5);
}

double diff__min_exact_p(size_t n1, size_t n2)
{
    if (n1 + n2 > PSCOPE_MW_EXACT_MAX_N)
        return 0.0;
    double c = 1.0;
    for (size_t i = 1; i <= n1; i++)
        c = c * (double)(n2 + i) / (double)i;
    double p = 2.0 / c;
    return p > 1.0 ? 1.0 : p;
}

/* Per-call figure of a function in one run: mean, p50 or p95 (raw rows when loaded, type 7;
 * else the histogram, bucket midpoint). NAN without the function or any data. */
static double per_call_figure(const diff_run *r, const diff_func *f, diff_metric m)
{
    if (!f || f->calls == 0)
        return NAN;
    if (m == DIFF_METRIC_MEAN)
        return (double)f->sum_dur / (double)f->calls;
    double q = m == DIFF_METRIC_P50 ? 0.5 : 0.95;
    if (r->raw && f->nraw)
        return pt_percentile7(f->raw_dur, f->nraw, q);
    if (f->nbucket)
        return pscope_hist_percentile(f->bucket, f->count, f->nbucket, q);
    return NAN;
}

/* Value of the metric of f in run r; per_call divides self/total by calls. A run without
 * the function gives 0 for totals and NAN for per-call values (skipped by medians). */
static double metric_value(const diff_run *r, const diff_func *f, diff_metric m, int per_call)
{
    switch (m) {
    case DIFF_METRIC_SELF:
    case DIFF_METRIC_TOTAL: {
        double t = !f ? 0.0 : (double)(m == DIFF_METRIC_SELF ? f->self_dur : f->total_dur);
        if (!per_call)
            return t;
        return f && f->calls ? t / (double)f->calls : NAN;
    }
    default:
        return per_call_figure(r, f, m);
    }
}

/* Fill one side's figures from runs[0..n) for key (name, module). scratch and fp hold n
 * entries each. */
static void side_figures(const diff_run *runs, size_t n, const char *name, const char *module,
                         const diff_result *cfg, double *scratch, const diff_func **fp,
                         diff_side *s)
{
    diff_metric m = cfg->opts.metric;
    int per_call = cfg->per_call;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        fp[i] = diff_run_find(&runs[i], name, module);
        s->present |= fp[i] != NULL;
    }
    /* One median per figure over the side's runs; r and f name the run and its function. */
#define SIDE_MEDIAN(field, expr)                      \
    do {                                              \
        for (size_t i = 0; i < n; i++) {              \
            const diff_run *r = &runs[i];             \
            const diff_func *f = fp[i];               \
            (void)r;                                  \
            scratch[i] = (expr);                      \
        }                                             \
        s->field = diff__median(scratch, n);          \
    } while (0)
    SIDE_MEDIAN(calls, f ? (double)f->calls : 0.0);
    SIDE_MEDIAN(self, f ? (double)f->self_dur : 0.0);
    SIDE_MEDIAN(total, f ? (double)f->total_dur : 0.0);
    SIDE_MEDIAN(mean, per_call_figure(r, f, DIFF_METRIC_MEAN));
    SIDE_MEDIAN(p50, per_call_figure(r, f, DIFF_METRIC_P50));
    SIDE_MEDIAN(p95, per_call_figure(r, f, DIFF_METRIC_P95));
    SIDE_MEDIAN(metric, metric_value(r, f, m, per_call));
    SIDE_MEDIAN(share, diff__share(r, f, cfg));
#undef SIDE_MEDIAN
}

double diff__share(const diff_run *r, const diff_func *f, const diff_result *cfg)
{
    if (!f)
        return 0.0;
    int self = cfg->opts.metric == DIFF_METRIC_SELF;
    if (cfg->mopts.basis == DIFF_BASIS_THREAD && r->has_thread_stat) {
        double s = self ? f->thread_self_share : f->thread_total_share;
        return isnan(s) ? 0.0 : s;
    }
    return r->thread_time > 0 ? (double)(self ? f->self_dur : f->total_dur) / (double)r->thread_time
                              : 0.0;
}

/* Run the test; allocation failure inside it is fatal like any other in a tool. */
static int mw_or_die(int rc)
{
    if (rc != 0 && errno == ENOMEM)
        pt_die(PT_EXIT_DATA, "out of memory");
    return rc;
}

/* Per-call test of a function with one run per side: raw rows when both runs have every
 * call, else the histograms (each bucket's midpoint carrying its count, i.e. tied values):
 * self-time histograms for the self metric (none in a version-1 database: then no test,
 * never inclusive durations in their place), duration histograms otherwise.
 * Leaves row->p NAN when neither is available. */
static void test_single(const diff_run *rb, const diff_run *rc, const diff_func *fb,
                        const diff_func *fc, diff_metric m, diff_row *row)
{
    int self = m == DIFF_METRIC_SELF;
    if (rb->raw && rc->raw && fb->nraw && fc->nraw) {
        const double *xb = m == DIFF_METRIC_SELF ? fb->raw_self : fb->raw_dur;
        const double *xc = m == DIFF_METRIC_SELF ? fc->raw_self : fc->raw_dur;
        if (mw_or_die(pscope_mw_test_sorted(xb, fb->nraw, xc, fc->nraw, &row->mw)) == 0) {
            row->p = row->mw.p;
            row->test = "raw";
        }
        return;
    }
    const uint32_t *bb = self ? fb->self_bucket : fb->bucket, *bc = self ? fc->self_bucket : fc->bucket;
    const uint64_t *cb = self ? fb->self_count : fb->count, *cc = self ? fc->self_count : fc->count;
    size_t nb = self ? fb->nself_bucket : fb->nbucket, nc = self ? fc->nself_bucket : fc->nbucket;
    if (!nb || !nc) {
        if (self && (!rb->has_self_hist || !rc->has_self_hist))
            snprintf(row->note, sizeof row->note,
                     "significance not assessed: version-1 database without self-time "
                     "histograms");
        return;
    }
    pscope_mw_wvalue *wb = pt_xmalloc(nb * sizeof *wb);
    pscope_mw_wvalue *wc = pt_xmalloc(nc * sizeof *wc);
    for (size_t i = 0; i < nb; i++)
        wb[i] = (pscope_mw_wvalue){ pscope_hist_bucket_mid(bb[i]), cb[i] };
    for (size_t i = 0; i < nc; i++)
        wc[i] = (pscope_mw_wvalue){ pscope_hist_bucket_mid(bc[i]), cc[i] };
    if (mw_or_die(pscope_mw_test_weighted(wb, nb, wc, nc, &row->mw)) == 0) {
        row->p = row->mw.p;
        row->test = "hist";
    }
    free(wb);
    free(wc);
}

/* Per-run test (several runs on a side): the metric's per-run values as the samples. */
static void test_runs(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                      const char *name, const char *module, diff_metric m, int per_call,
                      diff_row *row)
{
    double *xb = pt_xmalloc(nb * sizeof *xb), *xc = pt_xmalloc(nc * sizeof *xc);
    size_t kb = 0, kc = 0;
    for (size_t i = 0; i < nb; i++) {
        double v = metric_value(&base[i], diff_run_find(&base[i], name, module), m, per_call);
        if (!isnan(v))
            xb[kb++] = v;
    }
    for (size_t i = 0; i < nc; i++) {
        double v = metric_value(&cur[i], diff_run_find(&cur[i], name, module), m, per_call);
        if (!isnan(v))
            xc[kc++] = v;
    }
    if (kb && kc && mw_or_die(pscope_mw_test(xb, kb, xc, kc, &row->mw)) == 0) {
        row->p = row->mw.p;
        row->test = "runs";
    }
    free(xb);
    free(xc);
}

double diff__rel_delta(double b, double c)
{
    if (isnan(b) || isnan(c))
        return NAN;
    if (b == 0)
        return c == 0 ? 0.0 : (c > 0 ? INFINITY : -INFINITY);
    return (c - b) / b;
}

/* Decide the verdict of a matched function (or the wall line) once p, delta and share are
 * known. count_change: the call count changed by the threshold or more (counted exactly,
 * so the change is not noise); min_p: smallest p the repeated-runs test can reach. */
static void decide(diff_row *row, const diff_opts *o, int count_change, double min_p)
{
    if (isnan(row->p) && !count_change) {
        row->verdict = DIFF_NOT_ASSESSED;
        if (!row->note[0])
            snprintf(row->note, sizeof row->note,
                     "significance not assessed: one run per side and only totals");
        return;
    }
    /* An exact test on few samples may be unable to reach alpha at all (1 call vs 1 call,
     * 3 runs vs 3 runs): then "no significant change" would be a claim it cannot make. */
    if (!isnan(row->p) && row->mw.method == PSCOPE_MW_EXACT)
        min_p = fmax(min_p, diff__min_exact_p((size_t)row->mw.n1, (size_t)row->mw.n2));
    if (!count_change && min_p > o->alpha) {
        row->verdict = DIFF_NOT_ASSESSED;
        snprintf(row->note, sizeof row->note,
                 "significance not assessed: too few %s (%llu vs %llu; smallest possible p "
                 "%.3g > alpha %g)",
                 row->test && !strcmp(row->test, "runs") ? "runs" : "calls",
                 (unsigned long long)row->mw.n1, (unsigned long long)row->mw.n2, min_p,
                 o->alpha);
        return;
    }
    int significant = count_change || row->p <= o->alpha;
    int big = !isnan(row->delta) && fabs(row->delta) >= o->threshold;
    int above_floor = row->share >= o->min_share;
    /* The test must point the same way as the delta: U of the base above n1 n2 / 2 means
     * base values tend to be larger (the current run faster). A mean-based delta can
     * disagree when a few outliers (preemption, page faults) dominate it while most calls
     * moved the other way; that is not a trustworthy verdict either way. */
    if (significant && !count_change && big && !isnan(row->p) && row->mw.n1 && row->mw.n2) {
        int test_says_slower = row->mw.effect < 0.5;
        if ((row->delta > 0) != test_says_slower) {
            row->verdict = DIFF_UNCHANGED;
            snprintf(row->note, sizeof row->note,
                     "conflicting: the %s moved %s but most calls got %s (outliers drive the delta)",
                     diff_metric_name(o->metric), row->delta > 0 ? "up" : "down",
                     test_says_slower ? "slower" : "faster");
            return;
        }
    }
    if (significant && big && above_floor) {
        row->verdict = row->delta > 0 ? DIFF_REGRESSION : DIFF_IMPROVEMENT;
        return;
    }
    row->verdict = DIFF_UNCHANGED;
    if (significant && big && !row->note[0])
        snprintf(row->note, sizeof row->note, "below the noise floor (share %.2f%% < %.2f%%)",
                 row->share * 100.0, o->min_share * 100.0);
}

typedef struct key_ref {
    const char *name, *module;
} key_ref;

static int cmp_key_ref(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    return diff__cmp_key(x->name, x->module, y->name, y->module);
}

/* |impact| descending (unknown last), then by key: a total order, so output is stable. */
static int cmp_row_impact(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    double ix = isnan(x->impact) ? -1 : fabs(x->impact);
    double iy = isnan(y->impact) ? -1 : fabs(y->impact);
    if (ix != iy)
        return ix < iy ? 1 : -1;
    return diff__cmp_key(x->name, x->module, y->name, y->module);
}

/* 1 when two runs (of either side) have different known scales. */
static int scales_differ(const diff_run *base, size_t nb, const diff_run *cur, size_t nc)
{
    double first = NAN;
    for (size_t s = 0; s < 2; s++) {
        const diff_run *runs = s ? cur : base;
        size_t n = s ? nc : nb;
        for (size_t i = 0; i < n; i++) {
            double sc = runs[i].info.scale;
            if (isnan(sc))
                continue;
            if (isnan(first))
                first = sc;
            else if (sc != first)
                return 1;
        }
    }
    return 0;
}

/* Robust fields of a row start unknown (the classic method leaves them so). */
static void row_init(diff_row *row)
{
    row->p = row->q = row->ratio = row->ratio_lo = row->ratio_hi = NAN;
    row->loc_base = row->loc_cur = row->calls_delta = row->spread = row->runs_needed = NAN;
    row->impact_calls = row->impact_per_call = NAN;
}

/* The whole-run line: wall time, tested on per-run wall times with repeated runs. */
static void wall_line(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                      const diff_result *cfg, double min_p, diff_row *w)
{
    const diff_opts *o = &cfg->opts;
    const diff_method_opts *m = &cfg->mopts;
    int per_call = cfg->per_call;
    memset(w, 0, sizeof *w);
    w->name = "[wall time]";
    w->module = "";
    row_init(w);
    w->base.present = w->cur.present = 1;
    double *xb = pt_xmalloc(nb * sizeof *xb), *xc = pt_xmalloc(nc * sizeof *xc);
    double *tmp = pt_xmalloc((nb > nc ? nb : nc) * sizeof *tmp);
    for (size_t i = 0; i < nb; i++)
        tmp[i] = xb[i] = (double)base[i].info.dur;
    w->base.metric = w->base.total = diff__median(tmp, nb);
    for (size_t i = 0; i < nc; i++)
        tmp[i] = xc[i] = (double)cur[i].info.dur;
    w->cur.metric = w->cur.total = diff__median(tmp, nc);
    free(tmp);
    w->base.calls = w->cur.calls = w->base.self = w->cur.self = NAN;
    w->base.mean = w->cur.mean = w->base.p50 = w->cur.p50 = w->base.p95 = w->cur.p95 = NAN;
    w->base.share = w->cur.share = w->share = 1.0;
    w->delta = diff__rel_delta(w->base.metric, w->cur.metric);
    w->impact = w->cur.metric - w->base.metric;
    if (per_call) {
        w->verdict = DIFF_NOT_ASSESSED;
        snprintf(w->note, sizeof w->note, "not comparable: the runs' scales differ");
    } else if (nb == 1 && nc == 1) {
        w->verdict = DIFF_NOT_ASSESSED;
        snprintf(w->note, sizeof w->note,
                 "significance not assessed: one run per side (repeat the runs to test it)");
    } else if (m->method == DIFF_METHOD_ROBUST) {
        /* Tested like a function's time per call (log wall times); its p joins the
         * family, and diff_compare decides it with the functions. */
        diff_shift sh;
        for (size_t i = 0; i < nb; i++)
            xb[i] = log(fmax(xb[i], 1.0));
        for (size_t i = 0; i < nc; i++)
            xc[i] = log(fmax(xc[i], 1.0));
        int ok = m->test == DIFF_TEST_MW
                     ? diff_hodges_lehmann(xb, nb, xc, nc, o->alpha, &sh) == 0
                           && mw_or_die(pscope_mw_test(xb, nb, xc, nc, &w->mw)) == 0
                     : diff_welch(xb, nb, xc, nc, DIFF_SD_FLOOR, o->alpha, &sh) == 0;
        if (ok) {
            w->p = m->test == DIFF_TEST_MW ? w->mw.p : sh.p;
            w->ratio = exp(sh.estimate);
            w->ratio_lo = exp(sh.lo);
            w->ratio_hi = exp(sh.hi);
            w->spread = sh.sd;
            w->test = m->test == DIFF_TEST_MW ? "runs-mw" : "runs-welch";
        }
    } else {
        if (mw_or_die(pscope_mw_test(xb, nb, xc, nc, &w->mw)) == 0) {
            w->p = w->mw.p;
            w->test = "runs";
        }
        decide(w, o, 0, min_p);
    }
    free(xb);
    free(xc);
}

/* Robust method, after every row has its p: one Benjamini-Hochberg family over the
 * functions at or above the noise floor with a p (and the wall line), verdicts, and the
 * runs-needed estimate at the family's per-test level alpha / m. */
static void robust_finish(diff_result *out)
{
    const diff_opts *o = &out->opts;
    size_t n = out->nrows + 1;
    double *p = pt_xmalloc(n * sizeof *p), *q = pt_xmalloc(n * sizeof *q);
    for (size_t i = 0; i < out->nrows; i++) {
        diff_row *row = &out->rows[i];
        int tested = row->verdict != DIFF_NEW && row->verdict != DIFF_REMOVED
                     && row->share >= o->min_share;
        p[i] = tested ? row->p : NAN;
    }
    p[out->nrows] = out->wall.p;
    diff_bh_adjust(p, n, q);
    for (size_t i = 0; i < n; i++)
        out->family += !isnan(p[i]);
    for (size_t i = 0; i < out->nrows; i++) {
        diff_row *row = &out->rows[i];
        if (row->verdict == DIFF_NEW || row->verdict == DIFF_REMOVED)
            continue;
        row->q = q[i];
        diff__robust_decide(row, out);
    }
    out->wall.q = q[out->nrows];
    if (!isnan(out->wall.p)) {
        double d = out->wall.ratio - 1.0;
        out->wall.verdict = out->wall.q <= o->alpha && fabs(d) >= o->threshold
                                ? (d > 0 ? DIFF_REGRESSION : DIFF_IMPROVEMENT)
                                : DIFF_UNCHANGED;
    }
    double level = o->alpha / (double)(out->family ? out->family : 1);
    out->runs_needed = NAN;
    for (size_t i = 0; i < out->nrows; i++) {
        diff_row *row = &out->rows[i];
        if (isnan(row->spread) || row->share < o->min_share)
            continue;
        row->runs_needed = diff_runs_needed(row->spread, o->threshold, level, DIFF_POWER,
                                            out->mopts.test == DIFF_TEST_MW);
        if (isnan(out->runs_needed) || row->runs_needed > out->runs_needed) {
            out->runs_needed = row->runs_needed;
            out->runs_needed_fn = row->name;
        }
    }
    free(p);
    free(q);
}

const char *diff_single_warning(void)
{
    return "one run per side cannot separate a change from machine noise: only call counts "
           "and changes of time per call beyond the single-run threshold are judged; profile "
           "each side at least 5 times (--runs-needed then says how many runs a change of "
           "the threshold needs)";
}

void diff_compare(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                  const diff_opts *o, diff_result *out)
{
    diff_compare_ex(base, nb, cur, nc, o, NULL, out);
}

void diff_compare_ex(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                     const diff_opts *o, const diff_method_opts *m, diff_result *out)
{
    assert(base && cur && nb > 0 && nc > 0 && o);
    memset(out, 0, sizeof *out);
    out->opts = *o;
    if (m)
        out->mopts = *m;
    if (!(out->mopts.single_threshold > 0))
        out->mopts.single_threshold = DIFF_SINGLE_THRESHOLD_DEFAULT;
    out->nbase = nb;
    out->ncur = nc;
    out->repeated = nb > 1 || nc > 1;
    out->per_call = scales_differ(base, nb, cur, nc);
    out->min_p = out->repeated ? diff__min_exact_p(nb, nc) : 0.0;
    out->single = !out->repeated;
    out->runs_needed = NAN;
    int robust = out->mopts.method == DIFF_METHOD_ROBUST;
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < (s ? nc : nb); i++) {
            const diff_run *r = s ? &cur[i] : &base[i];
            out->no_self_hist |= !r->has_self_hist;
            out->basis_fallback |= out->mopts.basis == DIFF_BASIS_THREAD && !r->has_thread_stat;
        }

    /* Union of the keys of every run, sorted and unique. */
    size_t nkeys = 0;
    for (size_t i = 0; i < nb; i++)
        nkeys += base[i].nfunc;
    for (size_t i = 0; i < nc; i++)
        nkeys += cur[i].nfunc;
    key_ref *keys = pt_xmalloc((nkeys ? nkeys : 1) * sizeof *keys);
    size_t k = 0;
    for (size_t s = 0; s < 2; s++) {
        const diff_run *runs = s ? cur : base;
        size_t n = s ? nc : nb;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < runs[i].nfunc; j++)
                keys[k++] = (key_ref){ runs[i].func[j].name, runs[i].func[j].module };
    }
    qsort(keys, nkeys, sizeof *keys, cmp_key_ref);
    size_t nuniq = 0;
    for (size_t i = 0; i < nkeys; i++)
        if ((nuniq == 0 || cmp_key_ref(&keys[nuniq - 1], &keys[i]) != 0)
            && (!o->filter || pt_filter_match(o->filter, keys[i].name, NULL, 0)))
            keys[nuniq++] = keys[i];

    size_t nmax = nb > nc ? nb : nc;
    double *scratch = pt_xmalloc(nmax * sizeof *scratch);
    const diff_func **fp = pt_xmalloc(nmax * sizeof *fp);
    out->rows = pt_xcalloc(nuniq ? nuniq : 1, sizeof *out->rows);
    int per_call_metric = o->metric >= DIFF_METRIC_MEAN || out->per_call;
    for (size_t i = 0; i < nuniq; i++) {
        diff_row *row = &out->rows[out->nrows++];
        row->name = keys[i].name;
        row->module = keys[i].module;
        row_init(row);
        side_figures(base, nb, row->name, row->module, out, scratch, fp, &row->base);
        side_figures(cur, nc, row->name, row->module, out, scratch, fp, &row->cur);
        row->share = fmax(row->base.share, row->cur.share);
        if (!row->base.present || !row->cur.present) {
            row->verdict = row->base.present ? DIFF_REMOVED : DIFF_NEW;
            row->delta = NAN;
            const diff_side *s = row->base.present ? &row->base : &row->cur;
            double t = o->metric == DIFF_METRIC_SELF ? s->self : s->total;
            row->impact = row->base.present ? -t : t;
            continue;
        }
        if (robust) {
            diff__robust_row(base, nb, cur, nc, out, row);
            continue;
        }
        row->delta = diff__rel_delta(row->base.metric, row->cur.metric);
        row->impact = per_call_metric ? (row->cur.metric - row->base.metric) * row->cur.calls
                                      : row->cur.metric - row->base.metric;
        int count_change = 0;
        if (!out->repeated) {
            const diff_func *fb = diff_run_find(&base[0], row->name, row->module);
            const diff_func *fc = diff_run_find(&cur[0], row->name, row->module);
            test_single(&base[0], &cur[0], fb, fc, o->metric, row);
            /* Call counts are counted, not sampled: with the same scale, a count that
             * changed by the threshold or more changes the total exactly, whatever the
             * per-call test says (see docs/diff.md). */
            if (!out->per_call && o->metric <= DIFF_METRIC_TOTAL && fb->calls != fc->calls) {
                double dc = diff__rel_delta((double)fb->calls, (double)fc->calls);
                if (fabs(dc) >= o->threshold) {
                    count_change = 1;
                    snprintf(row->note, sizeof row->note,
                             "calls %+.1f%% (%llu -> %llu): counted exactly, not sampled",
                             dc * 100.0, (unsigned long long)fb->calls,
                             (unsigned long long)fc->calls);
                }
            }
        } else {
            test_runs(base, nb, cur, nc, row->name, row->module, o->metric, out->per_call, row);
        }
        decide(row, o, count_change, out->min_p);
    }
    wall_line(base, nb, cur, nc, out, out->min_p, &out->wall);
    if (robust)
        robust_finish(out);
    for (size_t i = 0; i < out->nrows; i++)
        out->count[out->rows[i].verdict]++;
    if (out->nrows > 1)
        qsort(out->rows, out->nrows, sizeof *out->rows, cmp_row_impact);
    free(keys);
    free(scratch);
    free(fp);
}

void diff_result_free(diff_result *r)
{
    if (!r)
        return;
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}
