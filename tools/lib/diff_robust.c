/* tools/lib/diff_robust.c: pscope-diff's default method — the run as the unit of
 * replication (see diff_core.h and docs/diff.md, "Statistics").
 *
 * Per function and run: a location of the per-call times (trimmed mean or median; self
 * time from raw rows when the run stored every call, else from function_self_hist; never
 * from inclusive durations) and the exact call count. Per function:
 *   calls          median count per side; "significant" when the counts are exact (one
 *                  value per side) and moved by >= threshold, or when they vary between
 *                  runs and every current run lies beyond every base run by >= threshold;
 *   time per call  the log locations of the two sides' runs compared by Welch's t test
 *                  (default) or the exact Mann-Whitney test; the ratio current / base with
 *                  its confidence interval (t interval, or Hodges-Lehmann's exact one);
 *   delta          (1 + calls change) x ratio - 1: the estimated change of the function's
 *                  total self time (per-call metrics: ratio - 1);
 *   impact         split into calls (exact counts x base time per call) and time per call.
 * diff_compare() collects the p-values of the functions at or above the noise floor (and
 * of the wall line) into one Benjamini-Hochberg family and then calls diff__robust_decide.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "diff_stats.h"
#include "hist.h"

/* Location of the per-call times of f in run r (ns), NAN without calls. Self time never
 * falls back to inclusive durations: raw self rows, else the self histogram, else (a
 * version-1 database) the mean self time per call. */
static double run_location(const diff_run *r, const diff_func *f, const diff_opts *o,
                           const diff_method_opts *m)
{
    if (!f || f->calls == 0)
        return NAN;
    double trim = m->location == DIFF_LOC_MEDIAN ? 0.5 : DIFF_TRIM;
    int raw = r->raw && f->nraw > 0;
    switch (o->metric) {
    case DIFF_METRIC_SELF:
    case DIFF_METRIC_TOTAL: {
        int self = o->metric == DIFF_METRIC_SELF;
        size_t nb = self ? f->nself_bucket : f->nbucket;
        if (raw)
            return diff_trimmed_sorted(self ? f->raw_self : f->raw_dur, f->nraw, trim);
        if (nb)
            return diff_trimmed_hist(self ? f->self_bucket : f->bucket,
                                     self ? f->self_count : f->count, nb, trim);
        return (double)(self ? f->self_dur : f->sum_dur) / (double)f->calls;
    }
    case DIFF_METRIC_MEAN:
        return (double)f->sum_dur / (double)f->calls;
    case DIFF_METRIC_P50:
        if (raw)
            return pt_percentile7(f->raw_dur, f->nraw, 0.5);
        return f->nbucket ? diff_trimmed_hist(f->bucket, f->count, f->nbucket, 0.5) : NAN;
    case DIFF_METRIC_P95:
        if (raw)
            return pt_percentile7(f->raw_dur, f->nraw, 0.95);
        return f->nbucket ? pscope_hist_percentile(f->bucket, f->count, f->nbucket, 0.95) : NAN;
    }
    return NAN;
}

/* Log locations of one side's runs into v (runs without the function or with a location
 * <= 0 are skipped); returns how many. */
static size_t side_logs(const diff_run *runs, size_t n, const char *name, const char *module,
                        const diff_result *cfg, double *v)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double loc = run_location(&runs[i], diff_run_find(&runs[i], name, module), &cfg->opts,
                                  &cfg->mopts);
        if (loc > 0)
            v[k++] = log(loc);
    }
    return k;
}

/* Call counts of one side's runs (0 where absent): whether they are all equal, and their
 * range. */
static void side_calls(const diff_run *runs, size_t n, const char *name, const char *module,
                       int *constant, double *lo, double *hi)
{
    *constant = 1;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const diff_func *f = diff_run_find(&runs[i], name, module);
        double c = f ? (double)f->calls : 0.0;
        if (i > 0 && c != *lo)
            *constant = 0;
        *lo = fmin(*lo, c);
        *hi = fmax(*hi, c);
    }
}

static double mean_of(const double *v, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : NAN;
}

double diff__robust_row(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                        const diff_result *cfg, diff_row *row)
{
    const diff_opts *o = &cfg->opts;
    const diff_method_opts *m = &cfg->mopts;
    int per_call = cfg->per_call;
    int per_call_metric = o->metric >= DIFF_METRIC_MEAN;
    row->q = row->ratio = row->ratio_lo = row->ratio_hi = row->spread = NAN;
    row->runs_needed = row->impact_calls = row->impact_per_call = NAN;

    /* Calls: counted exactly in every run. */
    int cb_const, cc_const;
    double cb_lo, cb_hi, cc_lo, cc_hi;
    side_calls(base, nb, row->name, row->module, &cb_const, &cb_lo, &cb_hi);
    side_calls(cur, nc, row->name, row->module, &cc_const, &cc_lo, &cc_hi);
    row->calls_exact = cb_const && cc_const;
    row->calls_delta = diff__rel_delta(row->base.calls, row->cur.calls);
    if (!per_call && !per_call_metric && fabs(row->calls_delta) >= o->threshold)
        row->calls_significant = row->calls_exact || cc_lo > cb_hi || cc_hi < cb_lo;

    /* Time per call: the runs' log locations. */
    double *xb = pt_xmalloc(nb * sizeof *xb), *xc = pt_xmalloc(nc * sizeof *xc);
    size_t kb = side_logs(base, nb, row->name, row->module, cfg, xb);
    size_t kc = side_logs(cur, nc, row->name, row->module, cfg, xc);
    row->loc_base = kb ? exp(mean_of(xb, kb)) : NAN;
    row->loc_cur = kc ? exp(mean_of(xc, kc)) : NAN;
    if (kb && kc)
        row->ratio = row->loc_cur / row->loc_base;
    if (kb && kc && kb + kc >= 3) {
        diff_shift sh;
        int ok;
        if (m->test == DIFF_TEST_MW) {
            ok = diff_hodges_lehmann(xb, kb, xc, kc, o->alpha, &sh) == 0
                 && pscope_mw_test(xb, kb, xc, kc, &row->mw) == 0;
            sh.p = row->mw.p;
        } else {
            ok = diff_welch(xb, kb, xc, kc, DIFF_SD_FLOOR, o->alpha, &sh) == 0;
        }
        if (ok) {
            row->p = sh.p;
            row->ratio = exp(sh.estimate);
            row->ratio_lo = exp(sh.lo);
            row->ratio_hi = exp(sh.hi);
            row->spread = sh.sd;
            row->test = m->test == DIFF_TEST_MW ? "runs-mw" : "runs-welch";
        }
    } else if (kb && kc) {
        row->test = "single";
    }
    free(xb);
    free(xc);

    /* Delta and impact, decomposed. */
    double base_total = o->metric == DIFF_METRIC_TOTAL ? row->base.total : row->base.self;
    if (per_call_metric || per_call) {
        row->delta = isnan(row->ratio) ? diff__rel_delta(row->base.metric, row->cur.metric)
                                       : row->ratio - 1.0;
        row->impact = isnan(row->ratio) ? (row->cur.metric - row->base.metric) * row->cur.calls
                                        : (row->loc_cur - row->loc_base) * row->cur.calls;
    } else {
        double per_call_base = row->base.calls > 0 ? base_total / row->base.calls : NAN;
        double ratio = isnan(row->ratio) ? 1.0 : row->ratio;
        row->delta = isnan(row->ratio) && row->base.calls > 0
                         ? diff__rel_delta(row->base.metric, row->cur.metric)
                         : (1.0 + row->calls_delta) * ratio - 1.0;
        row->impact_calls = (row->cur.calls - row->base.calls) * per_call_base;
        row->impact_per_call = row->cur.calls * per_call_base * (ratio - 1.0);
        row->impact = row->impact_calls + row->impact_per_call;
        if (isnan(row->impact))
            row->impact = row->cur.metric - row->base.metric;
    }
    return row->share >= o->min_share ? row->p : NAN;
}

void diff__robust_decide(diff_row *row, const diff_result *cfg)
{
    const diff_opts *o = &cfg->opts;
    int single = cfg->single;
    double single_thr = cfg->mopts.single_threshold;
    int per_call_metric = o->metric >= DIFF_METRIC_MEAN;
    int above_floor = row->share >= o->min_share;
    /* Functions under the floor are not in the family: their raw p only serves the note. */
    double pv = above_floor ? row->q : row->p;
    /* One run per side: magnitude only, and only with enough calls on both sides for the
     * trimmed mean to trim something (a function called once per run has no robust
     * location: its one call is preempted or not). */
    int enough_calls = row->base.calls >= DIFF_SINGLE_MIN_CALLS
                       && row->cur.calls >= DIFF_SINGLE_MIN_CALLS;
    int sig_time = single ? !isnan(row->ratio) && enough_calls
                                && fabs(row->ratio - 1.0) >= single_thr
                          : !isnan(pv) && pv <= o->alpha;
    int sig_calls = row->calls_significant;
    if (!sig_calls && isnan(row->ratio)) {
        row->verdict = DIFF_NOT_ASSESSED;
        snprintf(row->note, sizeof row->note,
                 "significance not assessed: no per-call time in a run of one side");
        return;
    }
    if (!sig_calls && !single && isnan(row->p) && above_floor) {
        row->verdict = DIFF_NOT_ASSESSED;
        snprintf(row->note, sizeof row->note,
                 "significance not assessed: the function ran in too few runs");
        return;
    }
    if (!single && cfg->mopts.test == DIFF_TEST_MW && !sig_calls && !isnan(row->p)) {
        /* An exact test on few runs may be unable to reach alpha at all (3 vs 3). */
        double min_p = diff__min_exact_p((size_t)row->mw.n1, (size_t)row->mw.n2);
        if (min_p > o->alpha) {
            row->verdict = DIFF_NOT_ASSESSED;
            snprintf(row->note, sizeof row->note,
                     "significance not assessed: too few runs (%llu vs %llu; smallest "
                     "possible p %.3g > alpha %g)",
                     (unsigned long long)row->mw.n1, (unsigned long long)row->mw.n2, min_p,
                     o->alpha);
            return;
        }
    }
    double calls_factor = sig_calls && !per_call_metric ? 1.0 + row->calls_delta : 1.0;
    double time_factor = sig_time ? row->ratio : 1.0;
    double eff = calls_factor * time_factor - 1.0;
    /* Magnitude: the change can be as large as the threshold (its confidence interval
     * reaches it) and its estimate is at least half of it. A true 5% change estimated at
     * 4.7% [3.2%, 6.2%] counts; a precisely measured 3% [2.5%, 3.5%] does not. Counts are
     * exact and one run per side has no interval: there the estimate itself decides. */
    int ci = sig_time && !single && !isnan(row->ratio_lo) && !isnan(row->ratio_hi);
    double reach = eff > 0 ? calls_factor * (ci ? row->ratio_hi : time_factor) - 1.0
                           : calls_factor * (ci ? row->ratio_lo : time_factor) - 1.0;
    int big = fabs(reach) >= o->threshold && fabs(eff) >= (ci ? 0.5 : 1.0) * o->threshold;
    row->cause = sig_calls && sig_time ? "both" : sig_calls ? "calls" : sig_time ? "time per call"
                                                                            : NULL;
    row->verdict = DIFF_UNCHANGED;
    if (sig_calls && sig_time && (row->calls_delta > 0) != (row->ratio > 1.0) && !big) {
        snprintf(row->note, sizeof row->note,
                 "conflicting: calls %+.1f%% but time per call %+.1f%% (net %+.1f%%)",
                 row->calls_delta * 100.0, (row->ratio - 1.0) * 100.0, eff * 100.0);
        return;
    }
    if (!row->cause || !big)
        return;
    if (!above_floor) {
        snprintf(row->note, sizeof row->note, "below the noise floor (share %.2f%% < %.2f%%)",
                 row->share * 100.0, o->min_share * 100.0);
        return;
    }
    row->verdict = eff > 0 ? DIFF_REGRESSION : DIFF_IMPROVEMENT;
    char calls_txt[80] = "", time_txt[100] = ""; /* together < sizeof row->note */
    if (sig_calls)
        snprintf(calls_txt, sizeof calls_txt, "calls %+.1f%% (%.0f -> %.0f, counted%s)",
                 row->calls_delta * 100.0, row->base.calls, row->cur.calls,
                 row->calls_exact ? " exactly" : "");
    if (sig_time && single)
        snprintf(time_txt, sizeof time_txt, "time per call %+.1f%% (one run per side: "
                 "magnitude only, >= %g%%)", (row->ratio - 1.0) * 100.0, single_thr * 100.0);
    else if (sig_time)
        snprintf(time_txt, sizeof time_txt, "time per call %+.1f%% [%+.1f%%, %+.1f%%]",
                 (row->ratio - 1.0) * 100.0, (row->ratio_lo - 1.0) * 100.0,
                 (row->ratio_hi - 1.0) * 100.0);
    snprintf(row->note, sizeof row->note, "%s%s%s", calls_txt,
             sig_calls && sig_time ? "; " : "", time_txt);
}
