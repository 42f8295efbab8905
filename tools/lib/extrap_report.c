/* tools/lib/extrap_report.c: the tables, notes and summary of pscope-extrapolate (see
 * extrap_report.h; charts are in extrap_plot.c). Only renders: every figure comes from
 * the ex_result computed by extrap_core.c. */
#include "extrap_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "1,000,000" for whole numbers, "%.4g" otherwise. */
static char *fmt_n(double n, char *buf, size_t size)
{
    if (!(fabs(n) < 1e15) || n != floor(n)) {
        snprintf(buf, size, "%.4g", n);
        return buf;
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(n));
    size_t len = strlen(digits), k = 0;
    if (n < 0 && k + 1 < size)
        buf[k++] = '-';
    for (size_t i = 0; i < len && k + 2 < size; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

static const char *fit_label(model_kind k)
{
    switch (k) {
    case MODEL_FULL: return "model";
    case MODEL_LOW: return "low confidence";
    case MODEL_TWO: return "two scales";
    case MODEL_NAIVE: return "naive";
    default: return "none";
    }
}

static int is_time(const ex_result *res)
{
    return res->metric != EX_METRIC_CALLS;
}

static size_t shown(const ex_result *res, size_t top)
{
    return top && top < res->nrows ? top : res->nrows;
}

char *ex_summary(const ex_result *res)
{
    if (res->nrows == 0)
        return NULL;
    const ex_series *s = &res->rows[0];
    char cls[64], nt[40], nm[40];
    model_class(&s->fit, cls, sizeof cls);
    fmt_n(res->target, nt, sizeof nt);
    fmt_n(res->scales[res->nscales - 1], nm, sizeof nm);
    const char *what = res->metric == EX_METRIC_CALLS ? "of all calls"
                       : res->metric == EX_METRIC_TOTAL ? "of run time (inclusive)"
                                                        : "of run time";
    double a = 100 * s->share_target, b = 100 * s->share_measured;
    const char *verb = a > b + 0.5 ? "grows to" : a < b - 0.5 ? "shrinks to" : "stays at";
    const char *advice = s->rank_measured == 1 ? "optimise it first"
                                               : "optimise it first, not today's top function";
    if (res->metric == EX_METRIC_CALLS)
        advice = "the most frequent call";
    return pt_xasprintf("at n=%s %s %s %.1f%% %s (%s), from %.1f%% at n=%s: %s", nt, s->name,
                        verb, a, what, cls, b, nm, advice);
}

/* The model columns shared by the run table and the projection table. */
typedef struct model_cols {
    int measured, predicted, lo, hi, interval, model, cls, adj_r2, smape, fit, i, j, c0, c1;
} model_cols;

static void add_model_cols(pt_table *t, const ex_result *res, model_cols *c)
{
    char nm[40], nt[40], title[80];
    pt_coltype vt = is_time(res) ? PT_COL_DUR : PT_COL_REAL;
    fmt_n(res->scales[res->nscales - 1], nm, sizeof nm);
    fmt_n(res->target, nt, sizeof nt);
    snprintf(title, sizeof title, "at n=%s", nm);
    c->measured = pt_table_add_col(t, "measured", title, vt, PT_COL_BOTH);
    snprintf(title, sizeof title, "at n=%s", nt);
    c->predicted = pt_table_add_col(t, "predicted", title, vt, PT_COL_BOTH);
    c->interval = pt_table_add_col(t, "interval", "interval", PT_COL_TEXT, PT_COL_HUMAN);
    c->lo = pt_table_add_col(t, "predicted_lo", "low", vt, PT_COL_MACHINE);
    c->hi = pt_table_add_col(t, "predicted_high", "high", vt, PT_COL_MACHINE);
    c->model = pt_table_add_col(t, "model", "model", PT_COL_TEXT, PT_COL_BOTH);
    c->cls = pt_table_add_col(t, "class", "class", PT_COL_TEXT, PT_COL_BOTH);
    c->adj_r2 = pt_table_add_col(t, "adj_r2", "adj R²", PT_COL_REAL, PT_COL_BOTH);
    c->smape = pt_table_add_col(t, "smape", "SMAPE %", PT_COL_REAL, PT_COL_BOTH);
    c->fit = pt_table_add_col(t, "fit", "fit", PT_COL_TEXT, PT_COL_BOTH);
    c->i = pt_table_add_col(t, "exp_n", "i", PT_COL_REAL, PT_COL_MACHINE);
    c->j = pt_table_add_col(t, "exp_log", "j", PT_COL_INT, PT_COL_MACHINE);
    c->c0 = pt_table_add_col(t, "c0", "c0", PT_COL_REAL, PT_COL_MACHINE);
    c->c1 = pt_table_add_col(t, "c1", "c1", PT_COL_REAL, PT_COL_MACHINE);
    pt_table_set_decimals(t, c->adj_r2, 4);
    pt_table_set_decimals(t, c->smape, 2);
}

static void set_model_cells(pt_table *t, const model_cols *c, const ex_series *s, int time)
{
    char buf[160], lo[PT_DUR_BUFSZ], hi[PT_DUR_BUFSZ];
    pt_table_set_real(t, c->measured, s->measured);
    pt_table_set_real(t, c->predicted, s->pred.value);
    pt_table_set_real(t, c->lo, s->pred.lo);
    pt_table_set_real(t, c->hi, s->pred.hi);
    if (time) {
        pt_fmt_dur(s->pred.lo, lo, sizeof lo);
        pt_fmt_dur(s->pred.hi, hi, sizeof hi);
    } else {
        snprintf(lo, sizeof lo, "%.3g", s->pred.lo);
        snprintf(hi, sizeof hi, "%.3g", s->pred.hi);
    }
    snprintf(buf, sizeof buf, "[%s, %s]", lo, hi);
    pt_table_set_text(t, c->interval, buf);
    pt_table_set_text(t, c->model, model_format(&s->fit, time, buf, sizeof buf));
    pt_table_set_text(t, c->cls, model_class(&s->fit, buf, sizeof buf));
    pt_table_set_real(t, c->adj_r2, s->fit.adj_r2);
    pt_table_set_real(t, c->smape, s->fit.smape);
    pt_table_set_text(t, c->fit, fit_label(s->fit.kind));
    pt_table_set_real(t, c->i, s->fit.i);
    pt_table_set_int(t, c->j, s->fit.j);
    pt_table_set_real(t, c->c0, s->fit.c0);
    pt_table_set_real(t, c->c1, s->fit.c1);
}

static int table_run(pt_out *o, const ex_result *res)
{
    pt_table *t = pt_table_new("run");
    int what = pt_table_add_col(t, "series", "run", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    model_cols c;
    ex_result wall_only = *res;
    wall_only.metric = EX_METRIC_SELF; /* wall time is always a time */
    add_model_cols(t, &wall_only, &c);
    if (res->sum_used) {
        char lo[PT_DUR_BUFSZ], hi[PT_DUR_BUFSZ], buf[80];
        pt_table_add_row(t);
        pt_table_set_text(t, what, "wall time");
        pt_table_set_real(t, c.measured, res->wall.measured);
        pt_table_set_real(t, c.predicted, res->sum_value);
        pt_table_set_real(t, c.lo, res->sum_lo);
        pt_table_set_real(t, c.hi, res->sum_hi);
        snprintf(buf, sizeof buf, "[%s, %s]", pt_fmt_dur(res->sum_lo, lo, sizeof lo),
                 pt_fmt_dur(res->sum_hi, hi, sizeof hi));
        pt_table_set_text(t, c.interval, buf);
        pt_table_set_text(t, c.model, "sum of the function models");
        pt_table_set_text(t, c.cls, res->sum_class);
        pt_table_set_text(t, c.fit, "sum");
    }
    pt_table_add_row(t);
    pt_table_set_text(t, what, "wall time (one-term fit)");
    set_model_cells(t, &c, &res->wall, 1);
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static int table_projection(pt_out *o, const ex_result *res, size_t top)
{
    pt_table *t = pt_table_new("projection");
    int rank = pt_table_add_col(t, "rank", "#", PT_COL_INT, PT_COL_BOTH);
    int fn = pt_table_add_col(t, "function", "function", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int mod = pt_table_add_col(t, "module", "module", PT_COL_TEXT, PT_COL_MACHINE);
    model_cols c;
    add_model_cols(t, res, &c);
    int sm = pt_table_add_col(t, "share_measured", "share now", PT_COL_SHARE, PT_COL_BOTH);
    int st = pt_table_add_col(t, "share_target", "share at target", PT_COL_SHARE, PT_COL_BOTH);
    for (size_t k = 0; k < shown(res, top); k++) {
        const ex_series *s = &res->rows[k];
        pt_table_add_row(t);
        pt_table_set_int(t, rank, (int64_t)s->rank_target);
        pt_table_set_text(t, fn, s->name);
        pt_table_set_text(t, mod, s->func->module);
        set_model_cells(t, &c, s, is_time(res));
        pt_table_set_real(t, sm, s->share_measured);
        pt_table_set_real(t, st, s->share_target);
        if (s->rank_target < s->rank_measured && s->rank_target <= 3)
            pt_table_set_mark(t, PT_MARK_HOT, NULL);
    }
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static int table_amdahl(pt_out *o, const ex_result *res, size_t top)
{
    pt_table *t = pt_table_new("amdahl");
    int rt = pt_table_add_col(t, "rank_target", "# at target", PT_COL_INT, PT_COL_BOTH);
    int fn = pt_table_add_col(t, "function", "function", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int st = pt_table_add_col(t, "share_target", "share at target", PT_COL_SHARE, PT_COL_BOTH);
    int at = pt_table_add_col(t, "max_speedup_target", "max speedup at target", PT_COL_RATIO,
                              PT_COL_BOTH);
    int rm = pt_table_add_col(t, "rank_measured", "# now", PT_COL_INT, PT_COL_BOTH);
    int sm = pt_table_add_col(t, "share_measured", "share now", PT_COL_SHARE, PT_COL_BOTH);
    int am = pt_table_add_col(t, "max_speedup_measured", "max speedup now", PT_COL_RATIO,
                              PT_COL_BOTH);
    pt_table_set_decimals(t, at, 3);
    pt_table_set_decimals(t, am, 3);
    for (size_t k = 0; k < shown(res, top); k++) {
        const ex_series *s = &res->rows[k];
        pt_table_add_row(t);
        pt_table_set_int(t, rt, (int64_t)s->rank_target);
        pt_table_set_text(t, fn, s->name);
        pt_table_set_real(t, st, s->share_target);
        pt_table_set_real(t, at, isfinite(s->share_target) ? pt_amdahl_max(s->share_target) : NAN);
        pt_table_set_int(t, rm, (int64_t)s->rank_measured);
        pt_table_set_real(t, sm, s->share_measured);
        pt_table_set_real(t, am,
                          isfinite(s->share_measured) ? pt_amdahl_max(s->share_measured) : NAN);
    }
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static int table_crossovers(pt_out *o, const ex_result *res, size_t top)
{
    pt_table *t = pt_table_new("crossovers");
    int fn = pt_table_add_col(t, "function", "function", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int rm = pt_table_add_col(t, "rank_measured", "# now", PT_COL_INT, PT_COL_BOTH);
    int rt = pt_table_add_col(t, "rank_target", "# at target", PT_COL_INT, PT_COL_BOTH);
    int sm = pt_table_add_col(t, "share_measured", "share now", PT_COL_SHARE, PT_COL_BOTH);
    int st = pt_table_add_col(t, "share_target", "share at target", PT_COL_SHARE, PT_COL_BOTH);
    int cn = pt_table_add_col(t, "overtakes_top_at", "overtakes today's #1 at n", PT_COL_REAL,
                              PT_COL_BOTH);
    pt_table_set_decimals(t, cn, 0);
    for (size_t k = 0; k < shown(res, top); k++) {
        const ex_series *s = &res->rows[k];
        if (s->rank_target >= s->rank_measured || !(s->share_target > s->share_measured))
            continue; /* only functions that climb AND grow in share */
        pt_table_add_row(t);
        pt_table_set_text(t, fn, s->name);
        pt_table_set_int(t, rm, (int64_t)s->rank_measured);
        pt_table_set_int(t, rt, (int64_t)s->rank_target);
        pt_table_set_real(t, sm, s->share_measured);
        pt_table_set_real(t, st, s->share_target);
        pt_table_set_real(t, cn, s->crossover_n);
    }
    int rc = pt_table_rows(t) ? pt_out_table(o, t) : 0;
    if (!pt_table_rows(t) && pt_out_format(o) == PT_FMT_JSON)
        rc = pt_out_table(o, t); /* JSON always has the member */
    pt_table_free(t);
    return rc;
}

static int table_scales(pt_out *o, const ex_result *res)
{
    pt_table *t = pt_table_new("scales");
    int sc = pt_table_add_col(t, "scale", "n", PT_COL_REAL, PT_COL_BOTH | PT_COL_KEY);
    int nr = pt_table_add_col(t, "runs", "runs", PT_COL_INT, PT_COL_BOTH);
    int wm = pt_table_add_col(t, "wall_mean", "wall mean", PT_COL_DUR, PT_COL_BOTH);
    int wl = pt_table_add_col(t, "wall_min", "wall min", PT_COL_DUR, PT_COL_BOTH);
    int wh = pt_table_add_col(t, "wall_max", "wall max", PT_COL_DUR, PT_COL_BOTH);
    pt_table_set_decimals(t, sc, 0);
    const model_points *p = &res->wall.pts;
    for (size_t k = 0; k < p->nscales; k++) {
        pt_table_add_row(t);
        pt_table_set_real(t, sc, p->n[k]);
        pt_table_set_int(t, nr, (int64_t)p->nrep[k]);
        pt_table_set_real(t, wm, p->mean[k]);
        pt_table_set_real(t, wl, p->min[k]);
        pt_table_set_real(t, wh, p->max[k]);
    }
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static int table_checks(pt_out *o, const ex_result *res)
{
    if (res->nchecks == 0)
        return 0;
    pt_table *t = pt_table_new("checks");
    int ck = pt_table_add_col(t, "check", "check", PT_COL_TEXT, PT_COL_BOTH);
    int su = pt_table_add_col(t, "subject", "subject", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int ex = pt_table_add_col(t, "expected", "expected", PT_COL_TEXT, PT_COL_BOTH);
    int go = pt_table_add_col(t, "got", "got", PT_COL_TEXT, PT_COL_BOTH);
    int stt = pt_table_add_col(t, "status", "status", PT_COL_TEXT, PT_COL_BOTH);
    int re = pt_table_add_col(t, "reason", "reason", PT_COL_TEXT, PT_COL_MACHINE);
    for (size_t k = 0; k < res->nchecks; k++) {
        const ex_check *c = &res->checks[k];
        pt_table_add_row(t);
        pt_table_set_text(t, ck, c->kind == EX_CHECK_EXPECT ? "expect" : "budget");
        pt_table_set_text(t, su, c->subject);
        pt_table_set_text(t, ex, c->expected);
        pt_table_set_text(t, go, c->got);
        pt_table_set_text(t, stt, c->failed ? "FAIL" : "pass");
        pt_table_set_text(t, re, c->reason);
        pt_table_set_mark(t, c->failed ? PT_MARK_BAD : PT_MARK_GOOD, c->reason);
    }
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static void meta(pt_out *o, const ex_data *d, const ex_result *res, const char *summary)
{
    pt_out_meta(o, "target", cJSON_CreateNumber(res->target));
    pt_out_meta(o, "factor", cJSON_CreateNumber(res->wall.pred.factor));
    pt_out_meta(o, "aggregate", cJSON_CreateString(res->agg == MODEL_AGG_MIN ? "min"
                                                   : res->agg == MODEL_AGG_MEDIAN ? "median"
                                                                                  : "mean"));
    pt_out_meta(o, "metric", cJSON_CreateString(ex_metric_name(res->metric)));
    pt_out_meta(o, "fit", cJSON_CreateString(fit_label(res->kind)));
    cJSON *sc = cJSON_CreateArray();
    for (size_t k = 0; k < res->nscales; k++)
        cJSON_AddItemToArray(sc, cJSON_CreateNumber(res->scales[k]));
    pt_out_meta(o, "scales", sc);
    cJSON *runs = cJSON_CreateArray();
    for (size_t r = 0; r < d->nrun; r++) {
        cJSON *j = pt_run_json(&d->run[r].info);
        cJSON_AddStringToObject(j, "source", d->run[r].source);
        cJSON_AddItemToArray(runs, j);
    }
    pt_out_meta(o, "runs", runs);
    cJSON *sk = cJSON_CreateArray();
    for (size_t k = 0; k < d->nskipped; k++)
        cJSON_AddItemToArray(sk, cJSON_CreateString(d->skipped[k]));
    pt_out_meta(o, "skipped", sk);
    pt_out_meta(o, "summary", summary ? cJSON_CreateString(summary) : cJSON_CreateNull());
    pt_out_meta(o, "failed", cJSON_CreateBool(res->failed));
}

int ex_report(pt_out *o, const ex_data *d, const ex_result *res, size_t top)
{
    char nt[40], nmax[40], nmin[40];
    fmt_n(res->target, nt, sizeof nt);
    fmt_n(res->scales[res->nscales - 1], nmax, sizeof nmax);
    fmt_n(res->scales[0], nmin, sizeof nmin);
    double factor = res->wall.pred.factor;
    char *summary = ex_summary(res);
    meta(o, d, res, summary);
    pt_out_header(o, "pscope-extrapolate: %zu run%s at %zu scale%s (n=%s..%s), metric %s, "
                  "target n=%s (%.3g× the largest scale)%s", d->nrun, d->nrun == 1 ? "" : "s",
                  res->nscales, res->nscales == 1 ? "" : "s", nmin, nmax,
                  ex_metric_name(res->metric), nt, factor,
                  res->agg == MODEL_AGG_MIN ? ", fitting the minimum of repetitions"
                  : res->agg == MODEL_AGG_MEDIAN ? ", fitting the median of repetitions" : "");
    switch (res->kind) {
    case MODEL_LOW:
        pt_out_note(o, "low confidence: %zu scales (5 or more recommended); models searched "
                    "over i in {0, 1/2, 1, 3/2, 2, 3}, j in {0, 1}", res->nscales);
        break;
    case MODEL_TWO:
        pt_out_note(o, "two scales only: every model is c0 + c1·n through the two means "
                    "(5 or more scales recommended)");
        break;
    case MODEL_NAIVE:
        pt_out_note(o, "one scale only: naive per-unit projection (value × target / n); fixed "
                    "costs cannot be told apart from growing ones and are scaled too");
        break;
    default:
        break;
    }
    if (factor > 100)
        pt_out_note(o, "warning: extrapolating %.3g× beyond the largest measured scale (over "
                    "100×): models may not hold that far", factor);
    for (size_t k = 0; k < d->nskipped; k++)
        pt_out_note(o, "skipped run %s", d->skipped[k]);
    int rc = table_run(o, res);
    if (!rc)
        rc = table_projection(o, res, top);
    if (!rc && res->metric != EX_METRIC_CALLS)
        rc = table_amdahl(o, res, top);
    if (!rc)
        rc = table_crossovers(o, res, top);
    if (!rc)
        rc = table_scales(o, res);
    if (!rc)
        rc = table_checks(o, res);
    for (size_t k = 0; k < res->nchecks; k++)
        if (res->checks[k].failed)
            pt_out_note(o, "FAIL: %s", res->checks[k].reason);
    if (summary)
        pt_out_note(o, "%s", summary);
    pt_out_note(o, "interval: union of leave-one-out refits, a bootstrap over repetitions "
                "and the fit's relative scatter (docs/extrapolate.md)");
    free(summary);
    return rc;
}
