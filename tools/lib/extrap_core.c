/* tools/lib/extrap_core.c: the analysis of pscope-extrapolate (see extrap_core.h): one
 * model per function and for the run wall time, projections, shares, ranks, crossovers
 * and the --expect/--budget checks. No output here: extrap_report.c renders the result.
 *
 * Invariants: rows are the functions passing the filter, ordered by projected value
 * (descending, then name); rank_target follows that order; every series owns its points. */
#include "extrap_core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[] = { "self", "total", "calls" };

int ex_metric_parse(const char *s, ex_metric *out)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (ex_metric)i;
            return 0;
        }
    return -1;
}

const char *ex_metric_name(ex_metric m)
{
    return metric_names[m];
}

int ex_expect_parse(const char *text, ex_expect *out)
{
    memset(out, 0, sizeof *out);
    const char *eq = strrchr(text, '=');
    if (!eq || eq == text || !eq[1]) {
        pt_error("--expect: expected REGEX=CLASS such as 'sort_.*=O(n log n)', got '%s'", text);
        return PT_EXIT_USAGE;
    }
    if (model_class_parse(eq + 1, &out->i, &out->j) != 0) {
        pt_error("--expect: unknown complexity class '%s' (examples: O(1), O(log n), O(n), "
                 "O(n log n), O(n^2), O(n^(3/2)))", eq + 1);
        return PT_EXIT_USAGE;
    }
    out->text = pt_xstrdup(text);
    out->pattern = pt_xstrdup(text);
    out->pattern[eq - text] = '\0';
    out->cls = pt_xstrdup(eq + 1);
    int rc = pt_filter_add(&out->filter, "--expect", out->pattern, 0);
    if (rc)
        ex_expect_free(out);
    return rc;
}

void ex_expect_free(ex_expect *e)
{
    if (!e)
        return;
    free(e->text);
    free(e->pattern);
    free(e->cls);
    pt_filter_free(e->filter);
    memset(e, 0, sizeof *e);
}

/* Fit one series with values y[0..nrun) at the runs' scales. */
static void series_fit(const ex_data *d, const double *y, double target, model_agg agg,
                       ex_series *s)
{
    double *n = pt_xmalloc((d->nrun ? d->nrun : 1) * sizeof *n);
    for (size_t r = 0; r < d->nrun; r++)
        n[r] = d->run[r].info.scale;
    model_group(n, y, d->nrun, agg, &s->pts);
    model_fit_points(&s->pts, &s->fit);
    model_predict(&s->pts, &s->fit, target, &s->pred);
    s->measured = s->pts.nscales ? s->pts.value[s->pts.nscales - 1] : NAN;
    s->crossover_n = NAN;
    free(n);
}

static const double *metric_values(const ex_func *f, ex_metric m)
{
    return m == EX_METRIC_CALLS ? f->calls : m == EX_METRIC_TOTAL ? f->total : f->self;
}

static int by_target(const void *a, const void *b)
{
    const ex_series *x = a, *y = b;
    if (x->pred.value != y->pred.value)
        return x->pred.value > y->pred.value ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void add_check(ex_result *res, ex_check_kind kind, const char *subject, char *expected,
                      char *got, int failed, char *reason)
{
    res->checks = pt_xrealloc(res->checks, (res->nchecks + 1) * sizeof *res->checks);
    res->checks[res->nchecks++] =
        (ex_check){ kind, pt_xstrdup(subject), expected, got, failed, reason };
    if (failed)
        res->failed = 1;
}

static void check_expect(ex_result *res, const ex_data *d, const ex_series *all,
                         const ex_expect *e)
{
    size_t matched = 0;
    char cls[64];
    for (size_t k = 0; k < d->nfunc; k++) {
        const ex_func *f = &d->func[k];
        if (!pt_filter_match(e->filter, f->name, f->file, f->line))
            continue;
        matched++;
        const model_fit *fit = &all[k].fit;
        model_class(fit, cls, sizeof cls);
        int over = !model_is_constant(fit) && model_class_cmp(fit->i, fit->j, e->i, e->j) > 0;
        char *reason = over ? pt_xasprintf("%s grows as %s, more than the expected %s (--expect '%s')",
                                           f->name, cls, e->cls, e->text)
                            : pt_xasprintf("%s grows as %s, within the expected %s", f->name,
                                           cls, e->cls);
        add_check(res, EX_CHECK_EXPECT, f->name, pt_xstrdup(e->cls), pt_xstrdup(cls), over,
                  reason);
    }
    if (!matched)
        add_check(res, EX_CHECK_EXPECT, e->pattern, pt_xstrdup(e->cls), pt_xstrdup("-"), 1,
                  pt_xasprintf("no function matches '%s' (--expect '%s')", e->pattern, e->text));
}

static void check_budget(ex_result *res, double budget)
{
    char b[PT_DUR_BUFSZ], v[PT_DUR_BUFSZ], lo[PT_DUR_BUFSZ], hi[PT_DUR_BUFSZ];
    pt_fmt_dur(budget, b, sizeof b);
    double pv = res->sum_used ? res->sum_value : res->wall.pred.value;
    pt_fmt_dur(pv, v, sizeof v);
    pt_fmt_dur(res->sum_used ? res->sum_lo : res->wall.pred.lo, lo, sizeof lo);
    pt_fmt_dur(res->sum_used ? res->sum_hi : res->wall.pred.hi, hi, sizeof hi);
    int over = pv > budget;
    char *reason = pt_xasprintf("projected run wall time at n=%.15g is %s [%s, %s], %s the "
                                "budget of %s", res->target, v, lo, hi,
                                over ? "over" : "within", b);
    add_check(res, EX_CHECK_BUDGET, "run wall time", pt_xstrdup(b),
              pt_xasprintf("%s [%s, %s]", v, lo, hi), over, reason);
}

void ex_analyse(const ex_data *d, const ex_opts *opts, ex_result *res)
{
    memset(res, 0, sizeof *res);
    res->metric = opts->metric;
    res->agg = opts->agg;
    res->target = opts->target;
    res->scales = pt_xcalloc(d->nrun ? d->nrun : 1, sizeof *res->scales);
    res->runs_per_scale = pt_xcalloc(d->nrun ? d->nrun : 1, sizeof *res->runs_per_scale);
    for (size_t r = 0; r < d->nrun; r++) {
        double n = d->run[r].info.scale;
        if (res->nscales && res->scales[res->nscales - 1] == n) {
            res->runs_per_scale[res->nscales - 1]++;
        } else {
            res->scales[res->nscales] = n;
            res->runs_per_scale[res->nscales++] = 1;
        }
    }
    res->kind = res->nscales >= 5 ? MODEL_FULL : res->nscales >= 3 ? MODEL_LOW
              : res->nscales == 2 ? MODEL_TWO : res->nscales == 1 ? MODEL_NAIVE : MODEL_NONE;

    double *y = pt_xcalloc(d->nrun ? d->nrun : 1, sizeof *y);
    int sum_ok = 1;
    for (size_t r = 0; r < d->nrun; r++) {
        y[r] = d->run[r].wall;
        if (d->run[r].wall < d->run[r].thread_time)
            sum_ok = 0;
    }
    series_fit(d, y, opts->target, opts->agg, &res->wall);
    res->wall.name = "(run wall time)";

    /* every function: the chosen metric, its self time (share base and wall sum) */
    ex_series *all = pt_xcalloc(d->nfunc ? d->nfunc : 1, sizeof *all);
    int time_metric = opts->metric != EX_METRIC_CALLS;
    double sum_v = 0, sum_lo = 0, sum_hi = 0, top_self = -INFINITY;
    for (size_t k = 0; k < d->nfunc; k++) {
        const ex_func *f = &d->func[k];
        all[k].func = f;
        all[k].name = f->name;
        series_fit(d, metric_values(f, opts->metric), opts->target, opts->agg, &all[k]);
        ex_series self = { 0 };
        const ex_series *sp = &all[k];
        if (opts->metric != EX_METRIC_SELF) {
            series_fit(d, f->self, opts->target, opts->agg, &self);
            sp = &self;
        }
        sum_v += sp->pred.value;
        sum_lo += sp->pred.lo;
        sum_hi += sp->pred.hi;
        if (sp->pred.value > top_self) {
            top_self = sp->pred.value;
            model_class(&sp->fit, res->sum_class, sizeof res->sum_class);
        }
        res->base_target += fmax(time_metric ? sp->pred.value : all[k].pred.value, 0);
        model_points_free(&self.pts);
    }
    if (sum_ok && d->nfunc) {
        ex_series other = { 0 };
        for (size_t r = 0; r < d->nrun; r++)
            y[r] = d->run[r].wall - d->run[r].thread_time;
        series_fit(d, y, opts->target, opts->agg, &other);
        /* start-up, exit and the collector's own work: at most linear; a steeper fit there
         * is noise that the factor would blow up */
        if (other.fit.kind == MODEL_FULL || other.fit.kind == MODEL_LOW) {
            if (model_class_cmp(other.fit.i, other.fit.j, 1, 0) > 0) {
                model_fit_hypothesis(&other.pts, 1, 0, &other.fit);
                if (other.fit.c1 < 0)
                    model_fit_hypothesis(&other.pts, 0, 0, &other.fit);
                model_predict(&other.pts, &other.fit, opts->target, &other.pred);
            }
        }
        res->sum_used = 1;
        res->sum_value = sum_v + other.pred.value;
        res->sum_lo = sum_lo + other.pred.lo;
        res->sum_hi = sum_hi + other.pred.hi;
        model_points_free(&other.pts);
    }
    size_t nlast = 0;
    for (size_t r = 0; r < d->nrun; r++)
        if (d->run[r].info.scale == res->scales[res->nscales - 1]) {
            res->base_measured += time_metric ? d->run[r].thread_time : d->run[r].calls;
            nlast++;
        }
    res->base_measured /= (double)(nlast ? nlast : 1);

    for (size_t e = 0; e < opts->nexpect; e++)
        check_expect(res, d, all, &opts->expect[e]);
    if (isfinite(opts->budget))
        check_budget(res, opts->budget);

    /* shown rows: move the filtered series, free the others */
    res->rows = pt_xcalloc(d->nfunc ? d->nfunc : 1, sizeof *res->rows);
    for (size_t k = 0; k < d->nfunc; k++) {
        const ex_func *f = &d->func[k];
        if (pt_filter_match(opts->filter, f->name, f->file, f->line))
            res->rows[res->nrows++] = all[k];
        else
            model_points_free(&all[k].pts);
    }
    free(all);
    free(y);
    for (size_t k = 0; k < res->nrows; k++) {
        ex_series *s = &res->rows[k];
        s->share_measured = res->base_measured > 0 ? s->measured / res->base_measured : NAN;
        s->share_target = res->base_target > 0 ? fmax(s->pred.value, 0) / res->base_target : NAN;
    }
    /* measured ranks: by the value at the largest scale */
    size_t *order = pt_xmalloc((res->nrows ? res->nrows : 1) * sizeof *order);
    for (size_t k = 0; k < res->nrows; k++)
        order[k] = k;
    for (size_t a = 1; a < res->nrows; a++) { /* insertion sort: stable, small n */
        size_t v = order[a], b = a;
        while (b > 0 && res->rows[order[b - 1]].measured < res->rows[v].measured) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
    for (size_t k = 0; k < res->nrows; k++)
        res->rows[order[k]].rank_measured = k + 1;
    free(order);
    /* projected ranks: sort the rows themselves */
    qsort(res->rows, res->nrows, sizeof *res->rows, by_target);
    const ex_series *top = NULL;
    for (size_t k = 0; k < res->nrows; k++) {
        res->rows[k].rank_target = k + 1;
        if (res->rows[k].rank_measured == 1)
            top = &res->rows[k];
    }
    double nmax = res->scales[res->nscales - 1];
    for (size_t k = 0; top && k < res->nrows; k++) {
        ex_series *s = &res->rows[k];
        if (s != top && s->rank_target < s->rank_measured && opts->target > nmax &&
            s->share_target > s->share_measured)
            s->crossover_n = model_crossover(&s->fit, &top->fit, nmax, opts->target);
    }
}

void ex_result_free(ex_result *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->nrows; k++)
        model_points_free(&r->rows[k].pts);
    free(r->rows);
    model_points_free(&r->wall.pts);
    for (size_t k = 0; k < r->nchecks; k++) {
        free(r->checks[k].subject);
        free(r->checks[k].expected);
        free(r->checks[k].got);
        free(r->checks[k].reason);
    }
    free(r->checks);
    free(r->scales);
    free(r->runs_per_scale);
    memset(r, 0, sizeof *r);
}
