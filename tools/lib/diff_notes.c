/* tools/lib/diff_notes.c: the explanatory notes at the end of a pscope-diff report — what
 * the p-values were computed from, the one-run-per-side warning, what a version-1 database
 * lacks, the runs needed, and the verdict rule — and the titles of metrics and locations
 * used by headers and notes (see diff_report.h for the document layout).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diff_internal.h"

const char *diff__metric_title(diff_metric m)
{
    switch (m) {
    case DIFF_METRIC_SELF: return "self time (exclusive)";
    case DIFF_METRIC_TOTAL: return "total time (inclusive)";
    case DIFF_METRIC_MEAN: return "mean per-call duration";
    case DIFF_METRIC_P50: return "median (p50) per-call duration";
    case DIFF_METRIC_P95: return "p95 per-call duration";
    }
    return "?";
}

/* What the robust method compares per run, for the header and notes. */
const char *diff__location_title(const diff_opts *o, const diff_method_opts *m)
{
    switch (o->metric) {
    case DIFF_METRIC_SELF:
        return m->location == DIFF_LOC_MEDIAN ? "median of per-call self time"
                                              : "10% trimmed mean of per-call self time";
    case DIFF_METRIC_TOTAL:
        return m->location == DIFF_LOC_MEDIAN ? "median of per-call inclusive time"
                                              : "10% trimmed mean of per-call inclusive time";
    case DIFF_METRIC_MEAN: return "mean per-call duration";
    case DIFF_METRIC_P50: return "median (p50) per-call duration";
    case DIFF_METRIC_P95: return "p95 per-call duration";
    }
    return "?";
}

/* What the p-values of the functions table were computed from. */
static void note_tests(pt_out *o, const diff_result *r)
{
    size_t by_raw = 0, by_hist = 0, by_runs = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *t = r->rows[i].test;
        if (!t)
            continue;
        by_raw += !strcmp(t, "raw");
        by_hist += !strcmp(t, "hist");
        by_runs += !strcmp(t, "runs");
    }
    if (by_runs)
        pt_out_note(o, "p: two-sided Mann-Whitney U on the per-run values of the metric "
                       "(%zu base vs %zu current runs; exact distribution).",
                    r->nbase, r->ncur);
    if (by_raw)
        pt_out_note(o, "p: two-sided Mann-Whitney U on every call's duration (raw rows; %s "
                       "durations) for %zu function%s.",
                    r->opts.metric == DIFF_METRIC_SELF ? "exclusive" : "inclusive", by_raw,
                    by_raw == 1 ? "" : "s");
    if (by_hist)
        pt_out_note(o, "p: two-sided Mann-Whitney U on the per-call inclusive durations of "
                       "the exact histograms (buckets of <= 0.8%% width as tied values, tie "
                       "and continuity corrected) for %zu function%s; percentiles are bucket "
                       "midpoints (<= 0.4%% off).",
                    by_hist, by_hist == 1 ? "" : "s");
    if (r->repeated && r->min_p > r->opts.alpha)
        pt_out_note(o, "significance could not be assessed: with %zu base and %zu current "
                       "runs the smallest possible p is %.3g > alpha %g; use at least 4 "
                       "runs per side (5 for a margin).",
                    r->nbase, r->ncur, r->min_p, r->opts.alpha);
    if (r->count[DIFF_NOT_ASSESSED])
        pt_out_note(o, "n/a: significance could not be assessed for %zu function%s; the note "
                       "says why (one run per side and only totals, or too few calls or runs "
                       "for any p to reach alpha).",
                    r->count[DIFF_NOT_ASSESSED], r->count[DIFF_NOT_ASSESSED] == 1 ? "" : "s");
}

/* How the robust method reached its verdicts, what the data lacked, and the runs needed. */
static void note_robust(pt_out *o, const diff_result *r)
{
    const diff_opts *op = &r->opts;
    const diff_method_opts *mo = &r->mopts;
    if (r->single)
        pt_out_note(o, "warning: %s.", diff_single_warning());
    else
        pt_out_note(o, "time per call: %s on the log of each run's %s (%zu base vs %zu "
                       "current runs); PER CALL is the ratio current/base with its %g%% "
                       "confidence interval; q = Benjamini-Hochberg adjusted p over the %zu "
                       "tests at or above the noise floor (the wall time included).",
                    mo->test == DIFF_TEST_MW ? "exact Mann-Whitney test (Hodges-Lehmann "
                                               "ratio)" : "Welch t test",
                    diff__location_title(op, mo), r->nbase, r->ncur, (1.0 - op->alpha) * 100.0,
                    r->family);
    pt_out_note(o, "calls are counted exactly: a change of the call count by >= %g%% is "
                   "significant without a test (with counts that vary between runs: when "
                   "every current run lies beyond every base run); CHANGE says whether the "
                   "calls, the time per call, or both moved; delta = (1 + calls change) x "
                   "time-per-call ratio - 1.",
                op->threshold * 100.0);
    if (r->no_self_hist && op->metric == DIFF_METRIC_SELF)
        pt_out_note(o, "version-1 database (no function_self_hist): per-call self time is "
                       "each run's mean (self_dur / calls), which preemption can inflate, "
                       "unless the run stored every call's raw row; profile with a current "
                       "pscope for self-time histograms.");
    if (r->basis_fallback)
        pt_out_note(o, "shares: a run without per-thread figures (thread_stat) uses the time "
                       "of all its threads together as the basis.");
    if (!isnan(r->runs_needed) && (mo->show_runs_needed || r->runs_needed > (double)r->nbase
                                   || r->runs_needed > (double)r->ncur))
        pt_out_note(o, "runs needed: %.0f runs per side detect a %g%% change of time per "
                       "call with %.0f%% power at alpha %g / %zu tests, from the observed "
                       "run-to-run spread (largest: %s).",
                    r->runs_needed, op->threshold * 100.0, DIFF_POWER * 100.0, op->alpha,
                    r->family ? r->family : (size_t)1, r->runs_needed_fn);
    else if (mo->show_runs_needed && r->single)
        pt_out_note(o, "runs needed: unknown with one run per side (no run-to-run spread "
                       "to estimate it from).");
}

void diff__report_notes(pt_out *o, const diff_result *r)
{
    const diff_opts *op = &r->opts;
    const diff_method_opts *mo = &r->mopts;
    int robust = mo->method == DIFF_METHOD_ROBUST;
    if (robust)
        note_robust(o, r);
    else
        note_tests(o, r);
    if (robust)
        pt_out_note(o, "verdict: regression/improvement = significant (calls counted, or q <= "
                       "%g; one run per side: |time per call change| >= %g%%) and |delta| >= "
                       "%g%% and share >= %g%%; ~ = no significant change; n/a = significance "
                       "not assessed; impact = change in time (calls part + time-per-call part).",
                    op->alpha, mo->single_threshold * 100.0,
                    op->threshold * 100.0, op->min_share * 100.0);
    else
        pt_out_note(o, "verdict: regression/improvement = p <= %g and |delta| >= %g%% and "
                       "share >= %g%%; ~ = no significant change; n/a = significance not "
                       "assessed. delta = (current - base) / base of the %s; impact = change "
                       "in time.",
                    op->alpha, op->threshold * 100.0, op->min_share * 100.0,
                    diff__metric_title(op->metric));
}
