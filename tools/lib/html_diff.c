/* tools/lib/html_diff.c: pscope-html --diff — the comparison of a base and a current
 * side in one page: the verdict banner with pscope-diff's gate (same library, same
 * default thresholds, same exit code), a diverging bar chart of the biggest changes, the
 * diff table, and a differential icicle graph of the current run coloured by the change
 * of each call path's self time, with the removed call paths listed so they do not vanish.
 *
 * It uses as little of pscope-diff's library as it can (diff_core.h: diff_run_load,
 * diff_compare, diff_verdict_name; diff_report.h: diff_exit_code, diff_summary_line), so
 * that the statistics stay pscope-diff's. Call paths are matched across runs by the chain
 * of function names from the root (a 64-bit hash of it), never by address or id.
 * Contract in html.h. */
#include "diff_report.h"
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_BARS 20     /* functions in the diverging chart */
#define REMOVED_LIST 50  /* removed call paths listed */

typedef struct side {
    pt_db *db;
    char *db_path;
    diff_run *runs;
    size_t n;
    pt_tree tree;       /* of the side's last run */
    pt_run info;        /* header of that run, for the page */
} side;

static void side_free(side *s)
{
    for (size_t i = 0; i < s->n; i++)
        diff_run_free(&s->runs[i]);
    free(s->runs);
    pt_tree_free(&s->tree);
    pt_run_clear(&s->info);
    pt_db_close(s->db);
    free(s->db_path);
}

static int side_load(const char *spec, side *s)
{
    char *run_part = NULL;
    pt_run *found = NULL;
    size_t nfound = 0;
    pt_spec_split(spec, &s->db_path, &run_part);
    int rc = pt_db_open(s->db_path, &s->db);
    if (!rc)
        rc = pt_run_resolve_all(s->db, run_part, &found, &nfound);
    if (!rc) {
        rc = pt_tree_load(s->db, found[nfound - 1].id, INT64_MAX, &s->tree);
        s->info = found[nfound - 1];
        s->info.label = pt_xstrdup(found[nfound - 1].label);
        s->info.command = pt_xstrdup(found[nfound - 1].command);
        s->info.executable = pt_xstrdup(found[nfound - 1].executable);
        s->info.host = pt_xstrdup(found[nfound - 1].host);
        s->info.clock = pt_xstrdup(found[nfound - 1].clock);
        s->info.pscope_version = pt_xstrdup(found[nfound - 1].pscope_version);
    }
    if (!rc) {
        s->runs = pt_xcalloc(nfound, sizeof *s->runs);
        for (size_t i = 0; i < nfound && !rc; i++) {
            char *source = pt_xasprintf("%s:%lld", s->db_path, (long long)found[i].id);
            rc = diff_run_load(s->db, &found[i], source, DIFF_RAW_LIMIT_DEFAULT, &s->runs[i]);
            free(source);
            if (!rc)
                s->n++;
        }
    }
    pt_runs_free(found, nfound);
    free(run_part);
    return rc;
}

/* Path hashes of every node of t (FNV-1a over the names from the root, 0x1f between). */
static uint64_t *path_hashes(const pt_tree *t)
{
    uint64_t *h = pt_xcalloc(t->n ? t->n : 1, sizeof *h);
    size_t *stack = pt_xmalloc((t->n ? t->n : 1) * sizeof *stack), sp = 0;
    for (size_t r = 0; r < t->nroots; r++)
        stack[sp++] = t->roots[r];
    while (sp > 0) {
        size_t i = stack[--sp];
        const pt_tnode *n = &t->nodes[i];
        uint64_t x = n->parent == SIZE_MAX ? 1469598103934665603ull : h[n->parent];
        for (const unsigned char *p = (const unsigned char *)n->name; *p; p++)
            x = (x ^ *p) * 1099511628211ull;
        h[i] = (x ^ 0x1f) * 1099511628211ull;
        for (size_t k = 0; k < n->nkids; k++)
            stack[sp++] = n->kids[k];
    }
    free(stack);
    return h;
}

typedef struct keyed {
    uint64_t hash;
    size_t node;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

static keyed *index_of(const uint64_t *h, size_t n)
{
    keyed *k = pt_xmalloc((n ? n : 1) * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed){h[i], i};
    qsort(k, n, sizeof *k, cmp_keyed);
    return k;
}

static const keyed *find(const keyed *k, size_t n, uint64_t h)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && k[lo].hash == h ? &k[lo] : NULL;
}

static const pt_tree *g_base_tree;

static int cmp_removed(const void *a, const void *b)
{
    const pt_tnode *x = &g_base_tree->nodes[*(const size_t *)a];
    const pt_tnode *y = &g_base_tree->nodes[*(const size_t *)b];
    int r = pt_cmp_desc(x->total, y->total);
    return r ? r : (x->id > y->id) - (x->id < y->id);
}

/* The differential icicle and the removed call paths. */
static void icicle_section(pt_hbuf *b, const side *base, const side *cur, double min_frac)
{
    pt_hb_put(b, "<section id=\"icicle-sec\">\n<h2>Differential icicle graph</h2>\n");
    if (cur->tree.n == 0) {
        pt_html_missing(b, "The current run recorded no call paths.");
        pt_hb_put(b, "</section>\n");
        return;
    }
    pt_hb_put(b, "<p class=\"legend\">Boxes are sized by the current run and coloured by the "
                 "change of their call path's self time against the base: <span "
                 "style=\"background:hsl(0,75%,60%)\">slower</span><span "
                 "style=\"background:hsl(220,75%,60%)\">faster</span><span "
                 "style=\"background:hsl(0,0%,78%)\">within 5%</span><span "
                 "style=\"background:hsl(280,60%,80%)\">new path (hatched)</span>; removed "
                 "paths are listed below the graph.</p>\n");
    uint64_t *hb = path_hashes(&base->tree), *hc = path_hashes(&cur->tree);
    keyed *kb = index_of(hb, base->tree.n), *kc = index_of(hc, cur->tree.n);
    double *base_self = pt_xmalloc(cur->tree.n * sizeof *base_self);
    for (size_t i = 0; i < cur->tree.n; i++) {
        const keyed *k = find(kb, base->tree.n, hc[i]);
        base_self[i] = k ? base->tree.nodes[k->node].self : NAN;
    }
    pt_icicle_diff d = {base_self};
    pt_html_icicle(b, &cur->tree, &d, min_frac);
    /* removed: base paths absent from the current run whose parent is present (the top of
     * each removed subtree) */
    size_t *removed = pt_xmalloc((base->tree.n ? base->tree.n : 1) * sizeof *removed), nr = 0;
    for (size_t i = 0; i < base->tree.n; i++) {
        if (find(kc, cur->tree.n, hb[i]))
            continue;
        size_t p = base->tree.nodes[i].parent;
        if (p == SIZE_MAX || find(kc, cur->tree.n, hb[p]))
            removed[nr++] = i;
    }
    pt_hb_put(b, "<h3>Removed call paths</h3>\n");
    if (nr == 0) {
        pt_html_missing(b, "No call path of the base is missing from the current run.");
    } else {
        g_base_tree = &base->tree;
        qsort(removed, nr, sizeof *removed, cmp_removed);
        pt_hb_printf(b, "<p>%zu call path%s of the base %s not in the current run%s:</p>\n<ul "
                     "class=\"removed\">\n", nr, nr == 1 ? "" : "s", nr == 1 ? "is" : "are",
                     nr > REMOVED_LIST ? " (the largest listed)" : "");
        for (size_t j = 0; j < nr && j < REMOVED_LIST; j++) {
            const pt_tnode *n = &base->tree.nodes[removed[j]];
            pt_hb_put(b, "<li>");
            if (n->parent != SIZE_MAX) {
                pt_hb_text(b, base->tree.nodes[n->parent].name);
                pt_hb_put(b, " → ");
            }
            pt_hb_put(b, "<strong>");
            pt_hb_text(b, n->name);
            pt_hb_put(b, "</strong> <span class=\"dim\">inclusive ");
            pt_html_dur(b, n->total);
            pt_hb_printf(b, " in the base, %lld calls</span></li>\n", (long long)n->calls);
        }
        pt_hb_put(b, "</ul>\n");
    }
    free(removed);
    free(base_self);
    free(hb);
    free(hc);
    free(kb);
    free(kc);
    pt_hb_put(b, "</section>\n");
}

/* The diff table: every function with its verdict and both sides' self time. */
static void table_section(pt_hbuf *b, const diff_result *res)
{
    pt_hb_put(b, "<section id=\"functions\">\n<h2>Functions</h2>\n");
    pt_table *t = pt_table_new("functions");
    int c_v = pt_table_add_col(t, "verdict", "verdict", PT_COL_TEXT, PT_COL_HUMAN);
    int c_base = pt_table_add_col(t, "base", "base self", PT_COL_DUR, PT_COL_HUMAN);
    int c_cur = pt_table_add_col(t, "current", "current self", PT_COL_DUR, PT_COL_HUMAN);
    int c_delta = pt_table_add_col(t, "delta", "change", PT_COL_SHARE, PT_COL_HUMAN);
    int c_impact = pt_table_add_col(t, "impact", "time change", PT_COL_DUR, PT_COL_HUMAN);
    int c_p = pt_table_add_col(t, "p", "p", PT_COL_REAL, PT_COL_HUMAN);
    pt_table_set_decimals(t, c_p, 4);
    int c_share = pt_table_add_col(t, "share", "share", PT_COL_SHARE, PT_COL_HUMAN);
    int c_calls = pt_table_add_col(t, "calls", "calls base → current", PT_COL_TEXT,
                                   PT_COL_HUMAN | PT_COL_RIGHT);
    int c_name = pt_table_add_col(t, "name", "function", PT_COL_TEXT, PT_COL_HUMAN);
    for (size_t i = 0; i < res->nrows; i++) {
        const diff_row *r = &res->rows[i];
        pt_table_add_row(t);
        pt_table_set_text(t, c_v, diff_verdict_name(r->verdict));
        pt_table_set_real(t, c_base, r->base.present ? r->base.self : NAN);
        pt_table_set_real(t, c_cur, r->cur.present ? r->cur.self : NAN);
        pt_table_set_real(t, c_delta, isfinite(r->delta) ? r->delta : NAN);
        pt_table_set_real(t, c_impact, r->impact);
        pt_table_set_real(t, c_p, r->p);
        pt_table_set_real(t, c_share, r->share);
        char calls[64];
        snprintf(calls, sizeof calls, "%.0f → %.0f", r->base.present ? r->base.calls : 0.0,
                 r->cur.present ? r->cur.calls : 0.0);
        pt_table_set_text(t, c_calls, calls);
        pt_table_set_text(t, c_name, r->name);
        if (r->verdict == DIFF_REGRESSION)
            pt_table_set_mark(t, PT_MARK_BAD, NULL);
        else if (r->verdict == DIFF_IMPROVEMENT)
            pt_table_set_mark(t, PT_MARK_GOOD, NULL);
    }
    pt_hb_printf(b, "<p>Metric: self time · a regression needs p ≤ %g, a change of at least "
                 "%g%% and a share of at least %g%% of run time (pscope-diff's defaults; "
                 "docs/diff.md). ", res->opts.alpha, res->opts.threshold * 100.0,
                 res->opts.min_share * 100.0);
    if (res->nbase == 1 && res->ncur == 1)
        pt_hb_put(b, "One run per side cannot separate a change from machine noise: repeat "
                     "the runs (a shared label) for a run-level test.");
    pt_hb_put(b, "</p>\n<p class=\"tools\"><label>Filter <input type=\"search\" "
                 "class=\"tfilter\" data-table=\"t-diff\" placeholder=\"regular "
                 "expression\"></label> <span class=\"count\"></span></p>\n");
    pt_html_table(b, t, "t-diff");
    pt_table_free(t);
    pt_hb_put(b, "</section>\n");
}

/* Contract in html.h. */
int pt_html_diff_main(const char *base_spec, const char *cur_spec, const char *path,
                      const pt_html_opts *o)
{
    side base = {0}, cur = {0};
    int rc = side_load(base_spec, &base);
    if (!rc)
        rc = side_load(cur_spec, &cur);
    if (rc) {
        side_free(&base);
        side_free(&cur);
        return rc;
    }
    diff_opts dopts = {DIFF_METRIC_SELF, 0.05, 0.05, 0.01, NULL};
    diff_result res;
    diff_compare(base.runs, base.n, cur.runs, cur.n, &dopts, &res);
    int gate = diff_exit_code(&res, DIFF_FAIL_REGRESSION);
    char *summary = diff_summary_line(&res);

    pt_hbuf b = {0};
    pt_hb_put(&b, "<header class=\"report-head\"><h1>pscope diff report</h1></header>\n");
    pt_hb_printf(&b, "<p class=\"banner %s\">%s — ", gate ? "fail" : "pass",
                 gate ? "FAIL: regression found" : "PASS: no regression");
    pt_hb_text(&b, summary);
    pt_hb_printf(&b, " (pscope-diff exits %d)</p>\n", gate);
    pt_hb_put(&b, "<div class=\"sides\"><h2>Base</h2>\n");
    char *src = pt_xasprintf("%s (%zu run%s)", base_spec, base.n, base.n == 1 ? "" : "s");
    pt_html_run_meta(&b, &base.info, src);
    free(src);
    pt_hb_put(&b, "<h2>Current</h2>\n");
    src = pt_xasprintf("%s (%zu run%s)", cur_spec, cur.n, cur.n == 1 ? "" : "s");
    pt_html_run_meta(&b, &cur.info, src);
    free(src);
    pt_hb_put(&b, "</div>\n<section id=\"changes\">\n<h2>Biggest changes</h2>\n");
    size_t nb = 0;
    const char **labels = pt_xmalloc(DIFF_BARS * sizeof *labels);
    double *v = pt_xmalloc(DIFF_BARS * sizeof *v);
    for (size_t i = 0; i < res.nrows && nb < DIFF_BARS; i++) {
        if (!isfinite(res.rows[i].impact) || res.rows[i].impact == 0)
            continue;
        labels[nb] = res.rows[i].name;
        v[nb++] = res.rows[i].impact;
    }
    if (nb > 0)
        pt_html_hbars(&b, "chart-diff", "Change of self time per function, current minus "
                      "base (red: slower, blue: faster), largest first", labels, nb, v, 1,
                      NULL, 1, NULL);
    else
        pt_html_missing(&b, "No function's time changed.");
    free(labels);
    free(v);
    pt_hb_put(&b, "</section>\n");
    table_section(&b, &res);
    icicle_section(&b, &base, &cur, o->min_frac);

    char *title = pt_xasprintf("pscope diff · %s → %s", base_spec, cur_spec);
    rc = pt_html_finish(o, title, pt_hb_str(&b), path);
    free(title);
    pt_hb_free(&b);
    free(summary);
    diff_result_free(&res);
    side_free(&base);
    side_free(&cur);
    return rc ? rc : gate;
}
