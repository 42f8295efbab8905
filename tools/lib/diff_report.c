/* tools/lib/diff_report.c: renders a diff_result through ptool's writers and decides the
 * exit code (see diff_report.h for the document layout).
 *
 * Human columns pair both sides in one cell ("12.3 ms → 13.5 ms") and are padded here so
 * that the arrows line up; machine columns carry each figure separately in ns. Signs of
 * deltas and impacts are always written explicitly ("+10.0%", "-1.23 ms") from the sign of
 * the unrounded value; a value that rounds to zero is written without a sign.
 */
#include "diff_report.h"

#include "diff_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const diff_sort_keys[5] = { "impact", "delta", "share", "p", "name" };

int diff_fail_on_parse(const char *s, diff_fail_on *out)
{
    static const char *const names[] = { "regression", "any-change", "never" };
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (diff_fail_on)i;
            return 0;
        }
    return -1;
}

/* ---- sorting ----------------------------------------------------------------------- */

static int cmp_names(const diff_row *x, const diff_row *y)
{
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->module, y->module);
}

/* Descending by a magnitude, NAN last, then by name. */
static int cmp_desc(double a, double b, const diff_row *x, const diff_row *y)
{
    double ia = isnan(a) ? -1 : a, ib = isnan(b) ? -1 : b;
    if (ia != ib)
        return ia < ib ? 1 : -1;
    return cmp_names(x, y);
}

static int cmp_impact(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    return cmp_desc(fabs(x->impact), fabs(y->impact), x, y);
}

static int cmp_delta(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    return cmp_desc(fabs(x->delta), fabs(y->delta), x, y);
}

static int cmp_share(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    return cmp_desc(x->share, y->share, x, y);
}

static int cmp_p(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    /* Ascending p is descending (1 - p); untested (NAN) rows go last. */
    return cmp_desc(isnan(x->p) ? NAN : 1.0 - x->p, isnan(y->p) ? NAN : 1.0 - y->p, x, y);
}

static int cmp_name(const void *a, const void *b)
{
    return cmp_names(a, b);
}

void diff_sort_rows(diff_result *r, diff_sort key)
{
    int (*cmp[])(const void *, const void *) = { cmp_impact, cmp_delta, cmp_share, cmp_p,
                                                 cmp_name };
    if ((unsigned)key < 5 && r->nrows > 1)
        qsort(r->rows, r->nrows, sizeof *r->rows, cmp[key]);
}

/* ---- formatting helpers -------------------------------------------------------------- */

/* "+10.0%", "-3.2%", "0.0%", "+inf%", or "-" for NAN. */
static char *fmt_delta(double d)
{
    if (isnan(d))
        return pt_xstrdup("-");
    if (isinf(d))
        return pt_xstrdup(d > 0 ? "+inf%" : "-inf%");
    double pct = d * 100.0;
    if (fabs(pct) < 0.05)
        return pt_xstrdup("0.0%");
    return pt_xasprintf("%+.1f%%", pct);
}

/* Signed duration "+1.23 ms" / "-456 ns" / "0 ns"; "-" for NAN. */
static char *fmt_signed_dur(double ns)
{
    char buf[PT_DUR_BUFSZ];
    if (isnan(ns))
        return pt_xstrdup("-");
    pt_fmt_dur(fabs(ns), buf, sizeof buf);
    if (strcmp(buf, "0 ns") == 0)
        return pt_xstrdup(buf);
    return pt_xasprintf("%c%s", ns < 0 ? '-' : '+', buf);
}

/* p-value text: "0.003", "2.1e-09", "<1e-99", or "n/a". */
static char *fmt_p(double p)
{
    if (isnan(p))
        return pt_xstrdup("n/a");
    if (p < 1e-99)
        return pt_xstrdup("<1e-99");
    if (p < 0.001)
        return pt_xasprintf("%.1e", p);
    return pt_xasprintf("%.3f", p);
}

/* Time-per-call change "+10.2% [+8.1%, +12.3%]" from a ratio and its interval; the
 * interval is left out when unknown; "-" without a ratio. */
static char *fmt_ratio_ci(double ratio, double lo, double hi)
{
    if (isnan(ratio))
        return pt_xstrdup("-");
    char *d = fmt_delta(ratio - 1.0);
    if (isnan(lo) || isnan(hi))
        return d;
    char *a = fmt_delta(lo - 1.0), *b = fmt_delta(hi - 1.0);
    char *s = pt_xasprintf("%s [%s, %s]", d, a, b);
    free(a);
    free(b);
    free(d);
    return s;
}

static char *fmt_count(double c)
{
    if (isnan(c))
        return pt_xstrdup("-");
    if (c == floor(c))
        return pt_xasprintf("%.0f", c);
    return pt_xasprintf("%.1f", c);
}

static char *fmt_dur(double ns)
{
    char buf[PT_DUR_BUFSZ];
    return pt_xstrdup(pt_fmt_dur(ns, buf, sizeof buf));
}

/* Display width of UTF-8 text (code points; every character here is one column). */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Column of "A → B" pairs: the A texts right-aligned to one width, the B texts too. */
typedef struct pair_col {
    char **a, **b;
    size_t wa, wb, n;
} pair_col;

static void pair_init(pair_col *p, size_t n)
{
    p->a = pt_xcalloc(n ? n : 1, sizeof *p->a);
    p->b = pt_xcalloc(n ? n : 1, sizeof *p->b);
    p->wa = p->wb = 0;
    p->n = n;
}

static void pair_set(pair_col *p, size_t i, char *a, char *b)
{
    p->a[i] = a;
    p->b[i] = b;
    if (width_of(a) > p->wa)
        p->wa = width_of(a);
    if (width_of(b) > p->wb)
        p->wb = width_of(b);
}

/* The padded cell i (caller frees). */
static char *pair_cell(const pair_col *p, size_t i)
{
    size_t pa = p->wa - width_of(p->a[i]), pb = p->wb - width_of(p->b[i]);
    return pt_xasprintf("%*s%s → %*s%s", (int)pa, "", p->a[i], (int)pb, "", p->b[i]);
}

static void pair_free(pair_col *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->a[i]);
        free(p->b[i]);
    }
    free(p->a);
    free(p->b);
}

/* Right-align the texts of one human column to their common width (in place). */
static void right_align(char **s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (width_of(s[i]) > w)
            w = width_of(s[i]);
    for (size_t i = 0; i < n; i++) {
        size_t pad = w - width_of(s[i]);
        if (pad) {
            char *t = pt_xasprintf("%*s%s", (int)pad, "", s[i]);
            free(s[i]);
            s[i] = t;
        }
    }
}

static char *fmt_date(int64_t wall_ns)
{
    time_t t = (time_t)(wall_ns / 1000000000);
    struct tm tm;
    char buf[64];
    if (wall_ns <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm))
        return pt_xstrdup("date unknown");
    return pt_xstrdup(buf);
}

/* ---- summary and exit ------------------------------------------------------------------ */

char *diff_summary_line(const diff_result *r)
{
    const size_t *c = r->count;
    char *s = pt_xasprintf("%zu regression%s, %zu improvement%s, %zu unchanged",
                           c[DIFF_REGRESSION], c[DIFF_REGRESSION] == 1 ? "" : "s",
                           c[DIFF_IMPROVEMENT], c[DIFF_IMPROVEMENT] == 1 ? "" : "s",
                           c[DIFF_UNCHANGED]);
    static const struct { diff_verdict v; const char *what; } extra[] = {
        { DIFF_NEW, "new" }, { DIFF_REMOVED, "removed" }, { DIFF_NOT_ASSESSED, "not assessed" } };
    for (size_t i = 0; i < 3; i++)
        if (c[extra[i].v]) {
            char *t = pt_xasprintf("%s, %zu %s", s, c[extra[i].v], extra[i].what);
            free(s);
            s = t;
        }
    if (r->wall.verdict == DIFF_REGRESSION || r->wall.verdict == DIFF_IMPROVEMENT) {
        char *d = fmt_delta(r->wall.delta);
        char *t = pt_xasprintf("%s; wall time %s (%s)", s, d, diff_verdict_name(r->wall.verdict));
        free(d);
        free(s);
        s = t;
    }
    return s;
}

int diff_exit_code(const diff_result *r, diff_fail_on fail_on)
{
    if (fail_on == DIFF_FAIL_NEVER)
        return PT_EXIT_OK;
    if (r->count[DIFF_REGRESSION] || r->wall.verdict == DIFF_REGRESSION)
        return PT_EXIT_REGRESSION;
    if (fail_on == DIFF_FAIL_REGRESSION)
        return PT_EXIT_OK;
    if (r->count[DIFF_IMPROVEMENT] || r->wall.verdict == DIFF_IMPROVEMENT)
        return PT_EXIT_REGRESSION;
    for (size_t i = 0; i < r->nrows; i++) {
        const diff_row *row = &r->rows[i];
        if ((row->verdict == DIFF_NEW || row->verdict == DIFF_REMOVED)
            && row->share >= r->opts.min_share)
            return PT_EXIT_REGRESSION;
    }
    return PT_EXIT_OK;
}

/* ---- document --------------------------------------------------------------------------- */

static cJSON *side_json(const diff_run *runs, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *j = pt_run_json(&runs[i].info);
        cJSON_AddStringToObject(j, "source", runs[i].source);
        cJSON_AddNumberToObject(j, "thread_time_ns", (double)runs[i].thread_time);
        cJSON_AddStringToObject(j, "per_call_data", runs[i].raw ? "raw" : "hist");
        cJSON_AddItemToArray(arr, j);
    }
    return arr;
}

static void header_runs(pt_out *o, const char *side, const diff_run *runs, size_t n)
{
    char desc[512];
    for (size_t i = 0; i < n; i++) {
        char *date = fmt_date(runs[i].info.started_wall);
        char tag[64];
        if (n > 1)
            snprintf(tag, sizeof tag, "%s %zu/%zu:", side, i + 1, n);
        else
            snprintf(tag, sizeof tag, "%s:", side);
        pt_out_header(o, "%-8s %s · %s · started %s", tag, runs[i].source,
                      pt_run_describe(&runs[i].info, desc, sizeof desc), date);
        free(date);
    }
}

static int table_run(pt_out *o, const diff_result *r)
{
    const diff_row *w = &r->wall;
    pt_table *t = pt_table_new("run");
    int c_what = pt_table_add_col(t, "what", "WHOLE RUN", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_b = pt_table_add_col(t, "base_ns", "BASE", PT_COL_DUR, PT_COL_BOTH);
    int c_c = pt_table_add_col(t, "current_ns", "CURRENT", PT_COL_DUR, PT_COL_BOTH);
    int c_dh = pt_table_add_col(t, "delta_text", "DELTA", PT_COL_TEXT, PT_COL_HUMAN);
    int c_d = pt_table_add_col(t, "delta", "DELTA", PT_COL_REAL, PT_COL_MACHINE);
    int c_ph = pt_table_add_col(t, "p_text", "P", PT_COL_TEXT, PT_COL_HUMAN);
    int c_p = pt_table_add_col(t, "p", "P", PT_COL_REAL, PT_COL_MACHINE);
    int c_v = pt_table_add_col(t, "verdict", "VERDICT", PT_COL_TEXT, PT_COL_BOTH);
    int c_n = pt_table_add_col(t, "note", "NOTE", PT_COL_TEXT, PT_COL_BOTH);
    pt_table_add_row(t);
    pt_table_set_text(t, c_what, "wall time");
    pt_table_set_real(t, c_b, w->base.metric);
    pt_table_set_real(t, c_c, w->cur.metric);
    char *d = fmt_delta(w->delta), *p = fmt_p(w->p);
    pt_table_set_text(t, c_dh, d);
    pt_table_set_real(t, c_d, isfinite(w->delta) ? w->delta : NAN);
    pt_table_set_text(t, c_ph, p);
    pt_table_set_real(t, c_p, w->p);
    pt_table_set_text(t, c_v, diff_verdict_name(w->verdict));
    int warn = r->single && r->mopts.method == DIFF_METHOD_ROBUST;
    pt_table_set_text(t, c_n, warn ? diff_single_warning() : w->note[0] ? w->note : NULL);
    if (w->verdict == DIFF_REGRESSION)
        pt_table_set_mark(t, PT_MARK_BAD, "wall time regression");
    else if (w->verdict == DIFF_IMPROVEMENT)
        pt_table_set_mark(t, PT_MARK_GOOD, NULL);
    free(d);
    free(p);
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

static int table_functions(pt_out *o, const diff_result *r, const diff_report_opts *ro,
                           size_t *shown_out)
{
    int junit = pt_out_format(o) == PT_FMT_JUNIT;
    /* Rows of the table: matched functions; JUnit keeps only those above the floor. */
    size_t *idx = pt_xcalloc(r->nrows ? r->nrows : 1, sizeof *idx);
    size_t n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        const diff_row *row = &r->rows[i];
        if (row->verdict == DIFF_NEW || row->verdict == DIFF_REMOVED)
            continue;
        if (junit && row->share < r->opts.min_share)
            continue;
        if (ro->top && n >= ro->top)
            break;
        idx[n++] = i;
    }
    *shown_out = n;

    /* Human texts, aligned per column. */
    pair_col calls, self, total, mean, p50, p95;
    pair_init(&calls, n);
    pair_init(&self, n);
    pair_init(&total, n);
    pair_init(&mean, n);
    pair_init(&p50, n);
    pair_init(&p95, n);
    char **delta = pt_xcalloc(n ? n : 1, sizeof *delta);
    char **impact = pt_xcalloc(n ? n : 1, sizeof *impact);
    char **ptxt = pt_xcalloc(n ? n : 1, sizeof *ptxt);
    char **qtxt = pt_xcalloc(n ? n : 1, sizeof *qtxt);
    char **pctxt = pt_xcalloc(n ? n : 1, sizeof *pctxt);
    char **rntxt = pt_xcalloc(n ? n : 1, sizeof *rntxt);
    int robust = r->mopts.method == DIFF_METHOD_ROBUST;
    for (size_t k = 0; k < n; k++) {
        const diff_row *row = &r->rows[idx[k]];
        pair_set(&calls, k, fmt_count(row->base.calls), fmt_count(row->cur.calls));
        pair_set(&self, k, fmt_dur(row->base.self), fmt_dur(row->cur.self));
        pair_set(&total, k, fmt_dur(row->base.total), fmt_dur(row->cur.total));
        pair_set(&mean, k, fmt_dur(row->base.mean), fmt_dur(row->cur.mean));
        pair_set(&p50, k, fmt_dur(row->base.p50), fmt_dur(row->cur.p50));
        pair_set(&p95, k, fmt_dur(row->base.p95), fmt_dur(row->cur.p95));
        delta[k] = fmt_delta(row->delta);
        impact[k] = fmt_signed_dur(row->impact);
        ptxt[k] = fmt_p(row->p);
        qtxt[k] = fmt_p(row->q);
        pctxt[k] = fmt_ratio_ci(row->ratio, row->ratio_lo, row->ratio_hi);
        rntxt[k] = isnan(row->runs_needed) ? pt_xstrdup("-")
                                           : pt_xasprintf("%.0f", row->runs_needed);
    }
    right_align(qtxt, n);
    right_align(rntxt, n);
    right_align(delta, n);
    right_align(impact, n);
    right_align(ptxt, n);

    pt_table *t = pt_table_new("functions");
    int c_v = pt_table_add_col(t, "verdict", "VERDICT", PT_COL_TEXT, PT_COL_BOTH);
    int c_f = pt_table_add_col(t, "function", "FUNCTION", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_m = pt_table_add_col(t, "module", "MODULE", PT_COL_TEXT, PT_COL_BOTH);
    int c_calls = pt_table_add_col(t, "calls_text", "CALLS", PT_COL_TEXT, PT_COL_HUMAN);
    int c_self = pt_table_add_col(t, "self_text", "SELF", PT_COL_TEXT, PT_COL_HUMAN);
    int c_total = pt_table_add_col(t, "total_text", "TOTAL", PT_COL_TEXT, PT_COL_HUMAN);
    int c_mean = pt_table_add_col(t, "mean_text", "MEAN/CALL", PT_COL_TEXT, PT_COL_HUMAN);
    int c_p50 = pt_table_add_col(t, "p50_text", "P50", PT_COL_TEXT, PT_COL_HUMAN);
    int c_p95 = pt_table_add_col(t, "p95_text", "P95", PT_COL_TEXT, PT_COL_HUMAN);
    int c_dh = pt_table_add_col(t, "delta_text", "DELTA", PT_COL_TEXT, PT_COL_HUMAN);
    int c_sh = pt_table_add_col(t, "share", "SHARE", PT_COL_SHARE, PT_COL_BOTH);
    int c_pch = robust ? pt_table_add_col(t, "per_call_text", "PER CALL [CI]", PT_COL_TEXT,
                                          PT_COL_HUMAN) : -1;
    int c_ph = pt_table_add_col(t, "p_text", "P", PT_COL_TEXT, PT_COL_HUMAN);
    int c_qh = robust ? pt_table_add_col(t, "q_text", "Q", PT_COL_TEXT, PT_COL_HUMAN) : -1;
    int c_ch = robust ? pt_table_add_col(t, "cause_text", "CHANGE", PT_COL_TEXT, PT_COL_HUMAN)
                      : -1;
    int c_rnh = robust && r->mopts.show_runs_needed
                    ? pt_table_add_col(t, "runs_needed_text", "RUNS NEEDED", PT_COL_TEXT,
                                       PT_COL_HUMAN)
                    : -1;
    int c_ih = pt_table_add_col(t, "impact_text", "IMPACT", PT_COL_TEXT, PT_COL_HUMAN);
    int c_n = pt_table_add_col(t, "note", "NOTE", PT_COL_TEXT, PT_COL_BOTH);
    /* Machine-only figures, every one in ns (or a plain number). */
    static const char *const mkeys[] = {
        "calls_base", "calls_current", "self_base_ns", "self_current_ns",
        "total_base_ns", "total_current_ns", "mean_base_ns", "mean_current_ns",
        "p50_base_ns", "p50_current_ns", "p95_base_ns", "p95_current_ns",
        "metric_base", "metric_current", "share_base", "share_current" };
    int c_mach[16];
    for (int i = 0; i < 16; i++)
        c_mach[i] = pt_table_add_col(t, mkeys[i], mkeys[i],
                                     i < 2 ? PT_COL_REAL : i >= 14 ? PT_COL_SHARE : PT_COL_DUR,
                                     PT_COL_MACHINE);
    int c_d = pt_table_add_col(t, "delta", "delta", PT_COL_REAL, PT_COL_MACHINE);
    int c_p = pt_table_add_col(t, "p", "p", PT_COL_REAL, PT_COL_MACHINE);
    int c_test = pt_table_add_col(t, "test", "test", PT_COL_TEXT, PT_COL_MACHINE);
    int c_meth = pt_table_add_col(t, "method", "method", PT_COL_TEXT, PT_COL_MACHINE);
    int c_u = pt_table_add_col(t, "u", "u", PT_COL_REAL, PT_COL_MACHINE);
    int c_nb = pt_table_add_col(t, "n_base", "n_base", PT_COL_REAL, PT_COL_MACHINE);
    int c_nc = pt_table_add_col(t, "n_current", "n_current", PT_COL_REAL, PT_COL_MACHINE);
    int c_i = pt_table_add_col(t, "impact_ns", "impact_ns", PT_COL_DUR, PT_COL_MACHINE);
    /* Robust method figures (null with --method classic). */
    static const char *const rkeys[] = {
        "loc_base_ns", "loc_current_ns", "ratio", "ratio_lo", "ratio_hi", "q", "calls_delta",
        "impact_calls_ns", "impact_per_call_ns", "spread", "runs_needed" };
    int c_rob[11];
    for (int i = 0; i < 11; i++)
        c_rob[i] = pt_table_add_col(t, rkeys[i], rkeys[i],
                                    i < 2 || i == 7 || i == 8 ? PT_COL_DUR : PT_COL_REAL,
                                    PT_COL_MACHINE);
    int c_cx = pt_table_add_col(t, "calls_exact", "calls_exact", PT_COL_INT, PT_COL_MACHINE);
    int c_cause = pt_table_add_col(t, "cause", "cause", PT_COL_TEXT, PT_COL_MACHINE);

    for (size_t k = 0; k < n; k++) {
        const diff_row *row = &r->rows[idx[k]];
        pt_table_add_row(t);
        pt_table_set_text(t, c_v, diff_verdict_name(row->verdict));
        pt_table_set_text(t, c_f, row->name);
        pt_table_set_text(t, c_m, row->module[0] ? row->module : NULL);
        char *cell;
        const pair_col *pairs[] = { &calls, &self, &total, &mean, &p50, &p95 };
        const int cols[] = { c_calls, c_self, c_total, c_mean, c_p50, c_p95 };
        for (int j = 0; j < 6; j++) {
            cell = pair_cell(pairs[j], k);
            pt_table_set_text(t, cols[j], cell);
            free(cell);
        }
        pt_table_set_text(t, c_dh, delta[k]);
        pt_table_set_real(t, c_sh, row->share);
        pt_table_set_text(t, c_ph, ptxt[k]);
        if (robust) {
            pt_table_set_text(t, c_pch, pctxt[k]);
            pt_table_set_text(t, c_qh, qtxt[k]);
            pt_table_set_text(t, c_ch, row->cause ? row->cause : "-");
        }
        if (c_rnh >= 0)
            pt_table_set_text(t, c_rnh, rntxt[k]);
        pt_table_set_text(t, c_ih, impact[k]);
        pt_table_set_text(t, c_n, row->note[0] ? row->note : NULL);
        const double mv[16] = { row->base.calls, row->cur.calls, row->base.self, row->cur.self,
                                row->base.total, row->cur.total, row->base.mean, row->cur.mean,
                                row->base.p50, row->cur.p50, row->base.p95, row->cur.p95,
                                row->base.metric, row->cur.metric, row->base.share,
                                row->cur.share };
        for (int i = 0; i < 16; i++)
            pt_table_set_real(t, c_mach[i], mv[i]);
        pt_table_set_real(t, c_d, isfinite(row->delta) ? row->delta : NAN);
        pt_table_set_real(t, c_p, row->p);
        pt_table_set_text(t, c_test, row->test);
        if (!isnan(row->p)) {
            pt_table_set_text(t, c_meth, pscope_mw_method_name(row->mw.method));
            pt_table_set_real(t, c_u, row->mw.u1);
            pt_table_set_real(t, c_nb, (double)row->mw.n1);
            pt_table_set_real(t, c_nc, (double)row->mw.n2);
        }
        pt_table_set_real(t, c_i, row->impact);
        const double rv[11] = { row->loc_base, row->loc_cur, row->ratio, row->ratio_lo,
                                row->ratio_hi, row->q, row->calls_delta, row->impact_calls,
                                row->impact_per_call, row->spread, row->runs_needed };
        for (int i = 0; i < 11; i++)
            pt_table_set_real(t, c_rob[i], isfinite(rv[i]) ? rv[i] : NAN);
        if (robust) {
            pt_table_set_int(t, c_cx, row->calls_exact);
            pt_table_set_text(t, c_cause, row->cause);
        }
        if (row->verdict == DIFF_REGRESSION) {
            char *msg = robust ? pt_xasprintf("regression %s (%s; q %s, share %.2f%%)", delta[k],
                                              row->note, qtxt[k], row->share * 100.0)
                               : pt_xasprintf("regression %s (p %s, share %.2f%%)", delta[k],
                                              ptxt[k], row->share * 100.0);
            pt_table_set_mark(t, PT_MARK_BAD, msg);
            free(msg);
        } else if (row->verdict == DIFF_IMPROVEMENT) {
            pt_table_set_mark(t, PT_MARK_GOOD, NULL);
        }
    }
    int rc = pt_out_table(o, t);
    pt_table_free(t);
    pair_free(&calls);
    pair_free(&self);
    pair_free(&total);
    pair_free(&mean);
    pair_free(&p50);
    pair_free(&p95);
    for (size_t k = 0; k < n; k++) {
        free(delta[k]);
        free(impact[k]);
        free(ptxt[k]);
        free(qtxt[k]);
        free(pctxt[k]);
        free(rntxt[k]);
    }
    free(qtxt);
    free(pctxt);
    free(rntxt);
    free(delta);
    free(impact);
    free(ptxt);
    free(idx);
    return rc;
}

/* The new (or removed) functions: figures of the side where they exist. */
static int table_one_side(pt_out *o, const diff_result *r, diff_verdict which)
{
    pt_table *t = pt_table_new(which == DIFF_NEW ? "new" : "removed");
    int c_f = pt_table_add_col(t, "function", which == DIFF_NEW ? "NEW FUNCTION" : "REMOVED FUNCTION",
                               PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_m = pt_table_add_col(t, "module", "MODULE", PT_COL_TEXT, PT_COL_BOTH);
    int c_calls = pt_table_add_col(t, "calls", "CALLS", PT_COL_REAL, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_ns", "SELF", PT_COL_DUR, PT_COL_BOTH);
    int c_total = pt_table_add_col(t, "total_ns", "TOTAL", PT_COL_DUR, PT_COL_BOTH);
    int c_mean = pt_table_add_col(t, "mean_ns", "MEAN/CALL", PT_COL_DUR, PT_COL_BOTH);
    int c_sh = pt_table_add_col(t, "share", "SHARE", PT_COL_SHARE, PT_COL_BOTH);
    int c_ih = pt_table_add_col(t, "impact_text", "IMPACT", PT_COL_TEXT, PT_COL_HUMAN);
    int c_i = pt_table_add_col(t, "impact_ns", "impact_ns", PT_COL_DUR, PT_COL_MACHINE);
    pt_table_set_decimals(t, c_calls, 0);
    for (size_t i = 0; i < r->nrows; i++) {
        const diff_row *row = &r->rows[i];
        if (row->verdict != which)
            continue;
        const diff_side *s = which == DIFF_NEW ? &row->cur : &row->base;
        pt_table_add_row(t);
        pt_table_set_text(t, c_f, row->name);
        pt_table_set_text(t, c_m, row->module[0] ? row->module : NULL);
        pt_table_set_real(t, c_calls, s->calls);
        pt_table_set_real(t, c_self, s->self);
        pt_table_set_real(t, c_total, s->total);
        pt_table_set_real(t, c_mean, s->mean);
        pt_table_set_real(t, c_sh, s->share);
        char *imp = fmt_signed_dur(row->impact);
        pt_table_set_text(t, c_ih, imp);
        free(imp);
        pt_table_set_real(t, c_i, row->impact);
    }
    int rc = 0;
    if (pt_table_rows(t) > 0 || pt_out_format(o) == PT_FMT_JSON)
        rc = pt_out_table(o, t);
    pt_table_free(t);
    return rc;
}

int diff_report(pt_out *o, const diff_result *r, const diff_run *base, size_t nbase,
                const diff_run *cur, size_t ncur, const diff_report_opts *ro)
{
    const diff_opts *op = &r->opts;
    char *summary = diff_summary_line(r);
    pt_out_header(o, "%s", summary);
    header_runs(o, "base", base, nbase);
    header_runs(o, "current", cur, ncur);
    const diff_method_opts *mo = &r->mopts;
    int robust = mo->method == DIFF_METHOD_ROBUST;
    if (robust && r->single)
        pt_out_header(o, "warning: %s", diff_single_warning());
    pt_out_header(o, "compared: %s%s · alpha %g · threshold %g%% · noise floor %g%% of %s",
                  diff__metric_title(op->metric), r->per_call ? ", per call" : "", op->alpha,
                  op->threshold * 100.0, op->min_share * 100.0,
                  mo->basis == DIFF_BASIS_THREAD ? "the busiest thread's own time"
                                                 : "all threads' time");
    if (robust)
        pt_out_header(o, "method: robust (runs compared on the %s; %s)", diff__location_title(op, mo),
                      r->single ? "one run per side: magnitude only"
                      : mo->test == DIFF_TEST_MW ? "Mann-Whitney, Benjamini-Hochberg"
                                                 : "Welch t, Benjamini-Hochberg");
    else
        pt_out_header(o, "method: classic (Mann-Whitney per call or per run value, no "
                         "multiplicity control)");
    if (r->per_call)
        pt_out_header(o, "the runs' scales differ: per-call figures are compared (self and "
                         "total divided by calls); wall time is not comparable");

    cJSON *opts = cJSON_CreateObject();
    cJSON_AddStringToObject(opts, "metric", diff_metric_name(op->metric));
    cJSON_AddNumberToObject(opts, "alpha", op->alpha);
    cJSON_AddNumberToObject(opts, "threshold", op->threshold);
    cJSON_AddNumberToObject(opts, "min_share", op->min_share);
    static const char *const fail_names[] = { "regression", "any-change", "never" };
    cJSON_AddStringToObject(opts, "fail_on", fail_names[ro->fail_on]);
    cJSON_AddBoolToObject(opts, "per_call", r->per_call);
    cJSON_AddBoolToObject(opts, "repeated", r->repeated);
    cJSON_AddStringToObject(opts, "method", robust ? "robust" : "classic");
    cJSON_AddStringToObject(opts, "test", mo->test == DIFF_TEST_MW ? "mw" : "welch");
    cJSON_AddStringToObject(opts, "location",
                            mo->location == DIFF_LOC_MEDIAN ? "median" : "trimmed");
    cJSON_AddStringToObject(opts, "share_basis", mo->basis == DIFF_BASIS_THREAD ? "thread" : "all");
    cJSON_AddNumberToObject(opts, "single_threshold", mo->single_threshold);
    pt_out_meta(o, "options", opts);
    pt_out_meta(o, "base", side_json(base, nbase));
    pt_out_meta(o, "current", side_json(cur, ncur));
    cJSON *sum = cJSON_CreateObject();
    cJSON_AddStringToObject(sum, "line", summary);
    cJSON_AddNumberToObject(sum, "regressions", (double)r->count[DIFF_REGRESSION]);
    cJSON_AddNumberToObject(sum, "improvements", (double)r->count[DIFF_IMPROVEMENT]);
    cJSON_AddNumberToObject(sum, "unchanged", (double)r->count[DIFF_UNCHANGED]);
    cJSON_AddNumberToObject(sum, "new", (double)r->count[DIFF_NEW]);
    cJSON_AddNumberToObject(sum, "removed", (double)r->count[DIFF_REMOVED]);
    cJSON_AddNumberToObject(sum, "not_assessed", (double)r->count[DIFF_NOT_ASSESSED]);
    cJSON_AddStringToObject(sum, "wall_verdict", diff_verdict_name(r->wall.verdict));
    cJSON_AddNumberToObject(sum, "exit_code", diff_exit_code(r, ro->fail_on));
    if (robust && r->single)
        cJSON_AddStringToObject(sum, "warning", diff_single_warning());
    else
        cJSON_AddNullToObject(sum, "warning");
    cJSON_AddNumberToObject(sum, "tests", (double)r->family);
    if (isnan(r->runs_needed))
        cJSON_AddNullToObject(sum, "runs_needed");
    else
        cJSON_AddNumberToObject(sum, "runs_needed", r->runs_needed);
    cJSON_AddBoolToObject(sum, "self_hist", !r->no_self_hist);
    pt_out_meta(o, "summary", sum);
    free(summary);

    int rc = table_run(o, r);
    size_t shown = 0;
    if (!rc)
        rc = table_functions(o, r, ro, &shown);
    size_t matched = r->nrows - r->count[DIFF_NEW] - r->count[DIFF_REMOVED];
    if (!rc && pt_out_format(o) != PT_FMT_JUNIT) {
        if (shown < matched && ro->top)
            pt_out_note(o, "showing the top %zu of %zu matched functions (--top)", shown, matched);
        rc = table_one_side(o, r, DIFF_NEW);
        if (!rc)
            rc = table_one_side(o, r, DIFF_REMOVED);
    } else if (!rc) {
        for (size_t i = 0; i < r->nrows; i++)
            if (r->rows[i].verdict == DIFF_NEW || r->rows[i].verdict == DIFF_REMOVED)
                pt_out_note(o, "%s function: %s%s%s", diff_verdict_name(r->rows[i].verdict),
                            r->rows[i].name, r->rows[i].module[0] ? " in " : "",
                            r->rows[i].module);
        if (matched > shown)
            pt_out_note(o, "%zu function%s below the noise floor of %g%% are not test cases",
                        matched - shown, matched - shown == 1 ? "" : "s", op->min_share * 100.0);
    }
    diff__report_notes(o, r);
    return rc;
}
