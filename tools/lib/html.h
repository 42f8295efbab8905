/* tools/lib/html.h: pscope-html's library — self-contained HTML reports of pscope runs.
 *
 *   html_template.c  page templates (files of templates/, embedded at build time, or --template-dir)
 *                    and their {{placeholder}} expansion
 *   html_table.c     a ptool table (pt_table) as an HTML <table>: the HTML renderer beside
 *                    ptool's table/csv/json/md ones, sortable and filterable by report.js
 *   html_charts.c    the gnuplot charts (SVG inlined) of a report, or a note where gnuplot
 *                    is missing or failed
 *   html_icicle.c    the icicle graph (single run and differential) as inline SVG
 *   html_report.c    the single-run report;  html_diff.c: --diff;  html_batch.c: --batch
 *
 * Every string from data goes through html_escape.h. Output is deterministic: the same
 * database and options give byte-identical reports (a generation time only with
 * --timestamp). Functions returning int return 0 or a PT_EXIT_* code after one line on
 * stderr, as in ptool.h.
 */
#ifndef PSCOPE_HTML_H
#define PSCOPE_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "diff_core.h"
#include "html_escape.h"
#include "ptool.h"
#include "rundata.h"

/* ---- templates (html_template.c) ------------------------------------------------------ */

/* One placeholder value: {{key}} is replaced by `value` (markup, already escaped). */
typedef struct pt_tvar {
    const char *key;
    const char *value;
} pt_tvar;

/* Expand template `name` ("page.html"), read from dir/name when dir is non-NULL, else the
 * embedded copy, into *out: {{key}} becomes the value of that key in vars[0..nvars),
 * {{include:FILE}} the text of template FILE (from the same place; one level). Errors
 * (PT_EXIT_USAGE, one line naming the file and line): unreadable template, unknown key,
 * unterminated placeholder, nested include. */
int pt_template_expand(const char *dir, const char *name, const pt_tvar *vars, size_t nvars,
                       pt_hbuf *out);

/* ---- tables (html_table.c) -------------------------------------------------------------- */

/* Append t as <table class="data" id="id">: the columns shown to humans (PT_COL_HUMAN),
 * human text in each cell, numeric cells with their machine value in data-v (sorting), row
 * marks as classes (hot, bad, good). Text is escaped. */
void pt_html_table(pt_hbuf *b, const pt_table *t, const char *id);

/* Append a duration / share as human text (pt_fmt_dur, "12.34%"). */
void pt_html_dur(pt_hbuf *b, double ns);

/* ---- charts (html_charts.c) -------------------------------------------------------------- */

/* Whether charts can be drawn: 1 when gnuplot >= 5.0 is on PATH. The first time it is not
 * (or a chart fails), one warning goes to stderr for the whole process. */
int pt_html_charts_ok(void);

/* Append a figure with caption `title` (program text) for the gnuplot script `script`,
 * queued: pt_html_charts_render draws every queued chart of the page with one gnuplot
 * run and puts its SVG (ids prefixed with `id`) in place, or, when gnuplot is missing or
 * fails, a visible note (class "nochart"). */
void pt_html_chart(pt_hbuf *b, const char *id, const char *title, const char *script);

/* Draw the charts queued since the last call and put them into *page (see above). */
void pt_html_charts_render(pt_hbuf *page);

/* Horizontal bars: labels[0..n), values v[i * nser + k] of series k (titles series[k]);
 * is_time: values are ns shown in an automatic unit, else in `unit`. series NULL with
 * nser 1: diverging bars (positive red, negative blue) around zero. */
void pt_html_hbars(pt_hbuf *b, const char *id, const char *caption, const char *const *labels,
                   size_t n, const double *v, size_t nser, const char *const *series,
                   int is_time, const char *unit);

/* Cumulative distribution of per-call durations (log x) of nfn functions from their
 * histogram buckets hist[f][0..nhist[f]). */
void pt_html_cdf(pt_hbuf *b, const char *id, const char *caption, const char *const *labels,
                 const pt_hist_bucket *const *hist, const size_t *nhist, size_t nfn);

/* Resource timeline: CPU % and RSS over time, GPU % where present, stage spans shaded. */
void pt_html_timeline(pt_hbuf *b, const char *id, const char *caption, const pt_sample *s,
                      size_t n, const pt_span *spans, size_t nspans);

/* Lines over nx ordered points (x labels xlabels[]), series k values v[i * nser + k] in ns. */
void pt_html_lines(pt_hbuf *b, const char *id, const char *caption, const char *const *xlabels,
                   size_t nx, const double *v, size_t nser, const char *const *series);

/* One function of a scaling chart: measured points (n[i], y[i]) in ns, the fitted model
 * sampled at (cn[i], cy[i]), and the projection at `target` with its interval. */
typedef struct pt_scaling_series {
    const char *name;
    const double *n, *y;
    size_t npts;
    const double *cn, *cy;
    size_t ncurve;
    double target, pred, lo, hi;
} pt_scaling_series;

/* Log-log chart of measured points, fitted models and the projections with their
 * intervals (error bars at the target). */
void pt_html_scaling(pt_hbuf *b, const char *id, const char *caption,
                     const pt_scaling_series *s, size_t n);

/* Append a note paragraph saying a section's data is missing (program text). */
void pt_html_missing(pt_hbuf *b, const char *what);

/* ---- icicle (html_icicle.c) -------------------------------------------------------------- */

/* Per-node change for the differential icicle: one value per node of the current tree. */
typedef struct pt_icicle_diff {
    const double *base_self;  /* self time of the same path in the base, NAN: a new path */
} pt_icicle_diff;

/* Append the icicle graph of tree t as an inline SVG (boxes below min_frac of the total
 * merged into "other" per parent), followed by its JS name table. With d non-NULL the
 * boxes are coloured by change of self time (red slower, blue faster, hatched new). */
void pt_html_icicle(pt_hbuf *b, const pt_tree *t, const pt_icicle_diff *d, double min_frac);

/* Number of boxes the last pt_html_icicle drew (for tests and the page's summary). */
size_t pt_html_icicle_boxes(void);

/* ---- reports (html_report.c, html_diff.c, html_batch.c) -------------------------------- */

typedef struct pt_html_opts {
    const char *template_dir; /* NULL: embedded templates */
    int timestamp;            /* 1: write the generation time (not deterministic) */
    size_t top;               /* rows of the hotspot table and bars of the charts */
    double min_frac;          /* icicle: minimum box width as a fraction of the total */
    double factor;            /* Amdahl factor k */
} pt_html_opts;

/* Write the single-run report of run `run` of db into *out (a complete page). */
int pt_html_report(pt_db *db, const pt_run *run, const char *db_path, const pt_html_opts *o,
                   pt_hbuf *out);

/* The run's header block (<dl>) as used by every report. */
void pt_html_run_meta(pt_hbuf *b, const pt_run *run, const char *source);

/* --diff: compare spec base with spec cur (repeated runs by label, as pscope-diff), write
 * the report to path (NULL/"-": stdout). Returns pscope-diff's gate exit code (0, or 1 on
 * a regression) or an error code. */
int pt_html_diff_main(const char *base, const char *cur, const char *path,
                      const pt_html_opts *o);

/* --batch: one report per run of specs[0..n) into directory dir (created if missing),
 * named NN-run<ID>.html in start-time order, plus dir/index.html; a progress line on
 * stderr when it is a terminal and not quiet. */
int pt_html_batch_main(const char *const *specs, size_t n, const char *dir, int quiet,
                       const pt_html_opts *o);

/* --extrapolate: scaling models of the functions over the runs of specs[0..n) (a DB alone:
 * all its runs with a scale; pscope-extrapolate's data layer and analysis), projected to
 * `target`, written to path (NULL/"-": stdout). */
int pt_html_extrap_main(const char *const *specs, size_t n, double target, const char *path,
                        const pt_html_opts *o);

/* Write a finished page atomically to path (NULL/"-": stdout). */
int pt_html_write(const char *path, const pt_hbuf *page);

/* Fill the page template with title and body (pt_html_page) and write it to path
 * (pt_html_write). */
int pt_html_finish(const pt_html_opts *o, const char *title, const char *body,
                   const char *path);

/* Fill the page template with title, body and page data, into *out. */
int pt_html_page(const pt_html_opts *o, const char *title, const char *body, const char *data,
                 pt_hbuf *out);

#endif
