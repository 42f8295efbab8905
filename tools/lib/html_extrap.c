/* tools/lib/html_extrap.c: pscope-html --extrapolate --target N — the scaling report:
 * measured points and fitted one-term models of the top functions on log-log axes with
 * the projection's interval at the target, and the table of models and projected shares.
 * Data and analysis are pscope-extrapolate's (extrap_data.h, extrap_core.h on model.h), so
 * both tools show the same models; this file only lays them out. Contract in html.h. */
#include "extrap_core.h"
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCALING_CHART_FUNCTIONS 6
#define CURVE_POINTS 64

static void cell_text(pt_hbuf *b, const char *s)
{
    pt_hb_put(b, "<td>");
    pt_hb_text(b, s);
    pt_hb_put(b, "</td>");
}

static void cell_num(pt_hbuf *b, double v, const char *text)
{
    if (isfinite(v))
        pt_hb_printf(b, "<td class=\"num\" data-v=\"%.17g\">", v);
    else
        pt_hb_put(b, "<td class=\"num\" data-v=\"\">");
    pt_hb_text(b, text);
    pt_hb_put(b, "</td>");
}

static void dur_cell(pt_hbuf *b, double ns)
{
    char buf[PT_DUR_BUFSZ];
    cell_num(b, ns, pt_fmt_dur(ns, buf, sizeof buf));
}

static void pct_cell(pt_hbuf *b, double f)
{
    char buf[32];
    snprintf(buf, sizeof buf, isfinite(f) ? "%.2f%%" : "-", f * 100.0);
    cell_num(b, f, buf);
}

static void rows_table(pt_hbuf *b, const ex_result *r)
{
    pt_hb_put(b, "<div class=\"tablewrap\"><table class=\"data\" id=\"t-scaling\"><thead><tr>"
                 "<th class=\"txt\">function</th><th class=\"txt\">model</th><th "
                 "class=\"txt\">class</th><th class=\"num\">adj. R²</th><th "
                 "class=\"num\">SMAPE</th><th class=\"num\">measured</th><th "
                 "class=\"num\">%run now</th><th class=\"num\">at target</th><th "
                 "class=\"num\">interval</th><th class=\"num\">%run at target</th><th "
                 "class=\"num\">rank now → target</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nrows; i++) {
        const ex_series *s = &r->rows[i];
        char model[160], cls[48], buf[96], lo[PT_DUR_BUFSZ], hi[PT_DUR_BUFSZ];
        int up = s->rank_target < s->rank_measured;
        pt_hb_printf(b, "<tr%s>", up ? " class=\"hot\"" : "");
        cell_text(b, s->name);
        cell_text(b, model_format(&s->fit, 1, model, sizeof model));
        cell_text(b, model_class(&s->fit, cls, sizeof cls));
        snprintf(buf, sizeof buf, isfinite(s->fit.adj_r2) ? "%.4f" : "-", s->fit.adj_r2);
        cell_num(b, s->fit.adj_r2, buf);
        snprintf(buf, sizeof buf, isfinite(s->fit.smape) ? "%.2f%%" : "-", s->fit.smape);
        cell_num(b, s->fit.smape, buf);
        dur_cell(b, s->measured);
        pct_cell(b, s->share_measured);
        dur_cell(b, s->pred.value);
        snprintf(buf, sizeof buf, "[%s, %s]", pt_fmt_dur(s->pred.lo, lo, sizeof lo),
                 pt_fmt_dur(s->pred.hi, hi, sizeof hi));
        cell_num(b, s->pred.hi - s->pred.lo, buf);
        pct_cell(b, s->share_target);
        snprintf(buf, sizeof buf, "%zu → %zu", s->rank_measured, s->rank_target);
        cell_num(b, (double)s->rank_target, buf);
        pt_hb_put(b, "</tr>\n");
    }
    pt_hb_put(b, "</tbody></table></div>\n");
}

static void chart(pt_hbuf *b, const ex_result *r)
{
    size_t n = r->nrows < SCALING_CHART_FUNCTIONS ? r->nrows : SCALING_CHART_FUNCTIONS;
    if (n == 0 || r->nscales == 0) {
        pt_html_missing(b, "No function to chart.");
        return;
    }
    pt_scaling_series *s = pt_xcalloc(n, sizeof *s);
    double *cn = pt_xmalloc(n * CURVE_POINTS * sizeof *cn);
    double *cy = pt_xmalloc(n * CURVE_POINTS * sizeof *cy);
    double lo = r->scales[0], hi = r->target > r->scales[r->nscales - 1] ? r->target
                                                                       : r->scales[r->nscales - 1];
    for (size_t k = 0; k < n; k++) {
        const ex_series *e = &r->rows[k];
        for (size_t i = 0; i < CURVE_POINTS; i++) {
            double x = lo * pow(hi / lo, (double)i / (CURVE_POINTS - 1));
            cn[k * CURVE_POINTS + i] = x;
            double y = model_eval(&e->fit, x);
            cy[k * CURVE_POINTS + i] = y > 0 ? y : NAN; /* log axis: no point at or below 0 */
        }
        s[k] = (pt_scaling_series){e->name, e->pts.n, e->pts.value, e->pts.nscales,
                                   &cn[k * CURVE_POINTS], &cy[k * CURVE_POINTS], CURVE_POINTS,
                                   r->target, e->pred.value, e->pred.lo, e->pred.hi};
    }
    pt_html_scaling(b, "chart-scaling", "Self time of the top functions at the target: "
                    "measured values (dots), fitted models (lines) and the projection at the "
                    "target with its interval (error bar)", s, n);
    free(s);
    free(cn);
    free(cy);
}

/* Contract in html.h. */
int pt_html_extrap_main(const char *const *specs, size_t nspecs, double target,
                        const char *path, const pt_html_opts *o)
{
    ex_data d;
    int rc = ex_data_load(specs, nspecs, &d);
    if (rc)
        return rc;
    if (d.nrun == 0) {
        pt_error("no complete run with a scale among the given specs%s%s (record runs with "
                 "pscope-run --scale N)", d.nskipped ? ": " : "", d.nskipped ? d.skipped[0] : "");
        ex_data_free(&d);
        return PT_EXIT_DATA;
    }
    ex_opts eo = {.metric = EX_METRIC_SELF, .agg = MODEL_AGG_MEAN, .target = target,
                  .budget = NAN};
    ex_result r;
    ex_analyse(&d, &eo, &r);

    pt_hbuf b = {0};
    char tv[64], v[PT_DUR_BUFSZ], l[PT_DUR_BUFSZ], h[PT_DUR_BUFSZ];
    snprintf(tv, sizeof tv, "%.15g", target);
    pt_hb_put(&b, "<header class=\"report-head\"><h1>pscope scaling report</h1>\n<p>");
    pt_hb_printf(&b, "%zu runs at %zu scales (n = %g … %g), projected to n = %s.", d.nrun,
                 r.nscales, r.scales[0], r.scales[r.nscales - 1], tv);
    pt_hb_put(&b, "</p></header>\n");
    double pv = r.sum_used ? r.sum_value : r.wall.pred.value;
    double plo = r.sum_used ? r.sum_lo : r.wall.pred.lo;
    double phi = r.sum_used ? r.sum_hi : r.wall.pred.hi;
    pt_hb_printf(&b, "<p class=\"verdict\">Projected run time at n = %s: %s [%s, %s]", tv,
                 pt_fmt_dur(pv, v, sizeof v), pt_fmt_dur(plo, l, sizeof l),
                 pt_fmt_dur(phi, h, sizeof h));
    if (r.nrows > 0) {
        pt_hb_put(&b, "; the largest share then: ");
        pt_hb_text(&b, r.rows[0].name);
        pt_hb_printf(&b, " (%.1f%% of the projected thread time, %.1f%% now)",
                     r.rows[0].share_target * 100.0, r.rows[0].share_measured * 100.0);
    }
    pt_hb_put(&b, ".</p>\n");
    if (r.nscales < 5)
        pt_html_missing(&b, r.nscales >= 3 ? "Fewer than 5 scales: the models come from a "
                            "restricted hypothesis set (low confidence)."
                            : r.nscales == 2 ? "Two scales: a straight line c0 + c1·n through "
                            "both; growth faster or slower than linear cannot be seen."
                            : "One scale: naive per-unit scaling y·N/n, which multiplies fixed "
                              "costs too. Record runs at 5 or more scales.");
    pt_hb_put(&b, "<section id=\"scaling\">\n<h2>Models of the top functions</h2>\n");
    chart(&b, &r);
    pt_hb_put(&b, "</section>\n<section id=\"models\">\n<h2>Every function</h2>\n<p>Model "
                  "t(n) = c0 + c1·n^i·log2(n)^j chosen by leave-one-out SMAPE over Extra-P's "
                  "hypotheses (docs/extrapolate.md); shares of the thread time now (largest "
                  "scale) and at the target; rows whose rank rises are marked.</p>\n");
    rows_table(&b, &r);
    pt_hb_put(&b, "</section>\n");
    if (d.nskipped) {
        pt_hb_put(&b, "<section id=\"skipped\">\n<h2>Runs left out</h2>\n<ul>\n");
        for (size_t i = 0; i < d.nskipped; i++) {
            pt_hb_put(&b, "<li>");
            pt_hb_text(&b, d.skipped[i]);
            pt_hb_put(&b, "</li>\n");
        }
        pt_hb_put(&b, "</ul>\n</section>\n");
    }
    char *title = pt_xasprintf("pscope scaling · n = %s", tv);
    rc = pt_html_finish(o, title, pt_hb_str(&b), path);
    free(title);
    pt_hb_free(&b);
    ex_result_free(&r);
    ex_data_free(&d);
    return rc;
}
