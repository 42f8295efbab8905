/* tools/lib/html_report.c: the single-run report of pscope-html — header and Amdahl
 * verdict, summary cards, hotspot chart and table, icicle graph, the full function table,
 * callers/callees of the top functions, per-call duration distributions, threads, stages
 * and the resource timeline — and the page frame every report shares. Data come from the
 * data layer (rundata.h) and its tables from the same builders pscope-stats renders
 * (stats_view.h); a section whose data the run lacks says so. Contracts in html.h. */
#include "html.h"
#include "stats_view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEEK_FUNCTIONS 20  /* functions with a callers/callees <details> */
#define CDF_FUNCTIONS 5    /* functions in the duration distribution */
#define TIMELINE_SPANS 400 /* stage spans shaded on the timeline */

static void utc(int64_t ns, char *buf, size_t size)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    buf[0] = '\0';
    if (ns > 0 && gmtime_r(&secs, &tm))
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void meta_row(pt_hbuf *b, const char *k, const char *v)
{
    pt_hb_put(b, "<div><dt>");
    pt_hb_text(b, k);
    pt_hb_put(b, "</dt><dd>");
    pt_hb_text(b, v && *v ? v : "—");
    pt_hb_put(b, "</dd></div>");
}

/* Contract in html.h. */
void pt_html_run_meta(pt_hbuf *b, const pt_run *r, const char *source)
{
    char buf[128], dur[PT_DUR_BUFSZ];
    pt_hb_put(b, "<dl class=\"meta\">");
    meta_row(b, "command", r->command);
    meta_row(b, "source", source);
    snprintf(buf, sizeof buf, "%lld", (long long)r->id);
    meta_row(b, "run", buf);
    meta_row(b, "label", r->label);
    if (!isnan(r->scale))
        snprintf(buf, sizeof buf, "%g", r->scale);
    meta_row(b, "scale", isnan(r->scale) ? NULL : buf);
    utc(r->started_wall, buf, sizeof buf);
    meta_row(b, "started", buf);
    meta_row(b, "wall time", pt_fmt_dur((double)r->dur, dur, sizeof dur));
    snprintf(buf, sizeof buf, "%lld seen · %lld stored", (long long)r->calls_seen,
             (long long)r->calls_stored);
    meta_row(b, "calls", buf);
    meta_row(b, "state", r->complete ? "complete" : "INCOMPLETE (the program did not end normally)");
    meta_row(b, "host", r->host);
    meta_row(b, "pscope", r->pscope_version);
    pt_hb_put(b, "</dl>\n");
}

static void card(pt_hbuf *b, const char *label, const char *value, const char *note)
{
    pt_hb_put(b, "<div class=\"card\"><div class=\"card-v\">");
    pt_hb_text(b, value);
    pt_hb_put(b, "</div><div class=\"card-l\">");
    pt_hb_text(b, label);
    pt_hb_put(b, "</div>");
    if (note) {
        pt_hb_put(b, "<div class=\"card-n\">");
        pt_hb_text(b, note);
        pt_hb_put(b, "</div>");
    }
    pt_hb_put(b, "</div>");
}

static void section(pt_hbuf *b, const char *id, const char *title)
{
    pt_hb_printf(b, "<section id=\"%s\">\n<h2>", id);
    pt_hb_text(b, title);
    pt_hb_put(b, "</h2>\n");
}

static void table_filter(pt_hbuf *b, const char *table_id)
{
    pt_hb_printf(b, "<p class=\"tools\"><label>Filter <input type=\"search\" class=\"tfilter\" "
                 "data-table=\"%s\" placeholder=\"regular expression\"></label> <span "
                 "class=\"count\"></span></p>\n", table_id);
}

/* Hotspot chart + table + verdict sentence; returns the sentence (caller frees) or NULL. */
static char *hotspots_section(pt_hbuf *b, const pt_hotspot *hs, size_t nh,
                              const pt_fnrow *fns, size_t nf, const pt_html_opts *o)
{
    section(b, "hotspots", "Hotspots: what is worth optimising");
    if (nh == 0) {
        pt_html_missing(b, "This run recorded no function calls (was the program built with "
                           "-finstrument-functions?), so there is nothing to rank.");
        pt_hb_put(b, "</section>\n");
        return NULL;
    }
    size_t n = nf < o->top ? nf : o->top;
    const char **labels = pt_xmalloc((n ? n : 1) * sizeof *labels);
    double *v = pt_xmalloc((n ? n : 1) * 2 * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        labels[i] = fns[i].name;
        v[i * 2] = fns[i].self;
        v[i * 2 + 1] = fns[i].total;
    }
    static const char *const series[] = {"self", "inclusive"};
    pt_html_hbars(b, "chart-top", "Top functions by self time, with their inclusive time",
                  labels, n, v, 2, series, 1, NULL);
    free(labels);
    free(v);
    stats_opts so = {.top = (int64_t)o->top, .min_share = NAN};
    stats_hot_pick pick;
    pt_table *t = stats_hotspots_table(&so, hs, nh, o->factor, NULL, &pick);
    pt_hb_printf(b, "<p>Amdahl figures: <em>p</em> = self time / thread time; best overall "
                 "speedup if the function took no time at all 1/(1−p), and if it were made "
                 "%g× faster 1/((1−p)+p/%g). Ranked by time saved.</p>\n", o->factor, o->factor);
    pt_html_table(b, t, "t-hotspots");
    pt_table_free(t);
    pt_hb_put(b, "</section>\n");
    return pick.top ? stats_amdahl_sentence(pick.top, o->factor, 0) : NULL;
}

static void peek_section(pt_hbuf *b, pt_db *db, int64_t run_id, const pt_fnrow *fns, size_t nf)
{
    section(b, "peek", "Callers and callees");
    if (nf == 0) {
        pt_html_missing(b, "No function calls recorded: no callers or callees to show.");
        pt_hb_put(b, "</section>\n");
        return;
    }
    size_t n = nf < PEEK_FUNCTIONS ? nf : PEEK_FUNCTIONS;
    pt_hb_printf(b, "<p>The %zu functions with the most self time; open one to see who calls "
                 "it and what it calls (times per edge, summed over call paths).</p>\n", n);
    stats_opts so = {.top = 0, .min_share = NAN};
    for (size_t i = 0; i < n; i++) {
        pt_hb_put(b, "<details class=\"peek\"><summary>");
        char *label = pt_func_label(fns[i].name, fns[i].file, fns[i].line);
        pt_hb_text(b, label);
        free(label);
        pt_hb_put(b, " <span class=\"dim\">self ");
        pt_html_dur(b, fns[i].self);
        pt_hb_printf(b, " · %.1f%%</span></summary>\n<div class=\"peek-body\">", fns[i].self_share * 100.0);
        for (int callers = 1; callers >= 0; callers--) {
            pt_edges e;
            int64_t shown, matching;
            pt_hb_printf(b, "<div><h3>%s</h3>", callers ? "Callers" : "Callees");
            if (pt_edges_load(db, run_id, fns[i].name, callers, &e) == 0 && e.found) {
                if (e.n == 0) {
                    pt_html_missing(b, "none");
                } else {
                    pt_table *t = stats_edges_table(&so, &e, callers, &shown, &matching);
                    pt_html_table(b, t, NULL);
                    pt_table_free(t);
                }
            } else {
                pt_html_missing(b, "not available");
            }
            pt_edges_free(&e);
            pt_hb_put(b, "</div>");
        }
        pt_hb_put(b, "</div></details>\n");
    }
    pt_hb_put(b, "</section>\n");
}

static void distribution_section(pt_hbuf *b, pt_db *db, int64_t run_id, const pt_fnrow *fns,
                                 size_t nf)
{
    section(b, "distribution", "Per-call durations");
    pt_hist_bucket *h = NULL;
    size_t nh = 0;
    if (nf == 0 || pt_hist_load(db, run_id, &h, &nh) != 0 || nh == 0) {
        pt_html_missing(b, "This run has no per-call duration histograms.");
        free(h);
        pt_hb_put(b, "</section>\n");
        return;
    }
    size_t n = nf < CDF_FUNCTIONS ? nf : CDF_FUNCTIONS;
    const pt_hist_bucket *parts[CDF_FUNCTIONS];
    size_t counts[CDF_FUNCTIONS];
    const char *labels[CDF_FUNCTIONS];
    for (size_t f = 0; f < n; f++) {
        labels[f] = fns[f].name;
        parts[f] = NULL;
        counts[f] = 0;
        for (size_t i = 0; i < nh; i++) {
            if (h[i].function_id != fns[f].id)
                continue;
            if (!parts[f])
                parts[f] = &h[i];
            counts[f]++;
        }
    }
    pt_html_cdf(b, "chart-cdf", "Cumulative distribution of the inclusive duration per call "
                "of the top functions by self time (from the stored histograms, ≤1% bucket "
                "width)", labels, parts, counts, n);
    free(h);
    pt_hb_put(b, "</section>\n");
}

static void stages_section(pt_hbuf *b, pt_db *db, int64_t run_id, const pt_counts *cnt)
{
    section(b, "stages", "Stages");
    pt_stage_row *rows = NULL;
    size_t n = 0;
    if (cnt->stages == 0 || pt_stages_load(db, run_id, &rows, &n) != 0 || n == 0) {
        pt_html_missing(b, "This run recorded no stages: the program never called "
                           "pscope_stage_begin() or PSCOPE_STAGE().");
        pt_hb_put(b, "</section>\n");
        return;
    }
    const char **labels = pt_xmalloc(n * sizeof *labels);
    double *v = pt_xmalloc(n * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(rows[i].throughput))
            continue;
        labels[m] = rows[i].name;
        v[m++] = rows[i].throughput;
    }
    if (m > 0) {
        static const char *const series[] = {"records in per second"};
        pt_html_hbars(b, "chart-throughput", "Stage throughput (records entering per second "
                      "of stage time)", labels, m, v, 1, series, 0, "records/s");
    } else {
        pt_html_missing(b, "No stage counted its records (pscope_stage_records), so there is "
                           "no throughput to chart.");
    }
    free(labels);
    free(v);
    stats_opts so = {.top = 0, .min_share = NAN};
    pt_table *t = stats_stages_table(&so, rows, n);
    pt_html_table(b, t, "t-stages");
    pt_table_free(t);
    pt_stages_free(rows, n);
    pt_hb_put(b, "</section>\n");
}

static void resources_section(pt_hbuf *b, pt_db *db, int64_t run_id, const pt_counts *cnt)
{
    section(b, "resources", "Resources over time");
    pt_sample *s = NULL;
    size_t n = 0;
    if (cnt->resource_samples == 0 || pt_samples_load(db, run_id, &s, &n) != 0 || n < 2) {
        pt_html_missing(b, "This run has no resource timeline: the sampler was off or the run "
                           "was shorter than two sampling intervals.");
        free(s);
        pt_hb_put(b, "</section>\n");
        return;
    }
    pt_span *spans = NULL;
    size_t nspans = 0;
    if (cnt->stages > 0 && pt_spans_load(db, run_id, TIMELINE_SPANS, &spans, &nspans) != 0)
        nspans = 0;
    pt_html_timeline(b, "chart-timeline", "CPU use and resident memory of the process over "
                     "time; shaded bands are top-level stage spans", s, n, spans, nspans);
    pt_spans_free(spans, nspans);
    free(s);
    pt_hb_put(b, "</section>\n");
}

/* Contract in html.h. */
int pt_html_write(const char *path, const pt_hbuf *page)
{
    pt_out *out;
    int rc = pt_out_open(path, PT_FMT_TABLE, &out);
    if (rc)
        return rc;
    pt_out_raw(out, pt_hb_str(page), page->len);
    return pt_out_close(out);
}

/* Contract in html.h. */
int pt_html_finish(const pt_html_opts *o, const char *title, const char *body,
                   const char *path)
{
    pt_hbuf page = {0};
    int rc = pt_html_page(o, title, body, NULL, &page);
    if (!rc)
        rc = pt_html_write(path, &page);
    pt_hb_free(&page);
    return rc;
}

/* Contract in html.h. */
int pt_html_page(const pt_html_opts *o, const char *title, const char *body, const char *data,
                 pt_hbuf *out)
{
    pt_hbuf t = {0}, foot = {0};
    pt_hb_text(&t, title);
    pt_hb_printf(&foot, "Generated by pscope-html %s", pt_version());
    if (o->timestamp) {
        char when[64];
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        utc((int64_t)now.tv_sec * 1000000000, when, sizeof when);
        pt_hb_printf(&foot, " on %s", when);
    }
    pt_hb_put(&foot, " · a self-contained file: no network, works offline.");
    pt_tvar vars[] = {
        {"title", pt_hb_str(&t)}, {"body", body}, {"data", data ? data : ""},
        {"footer", pt_hb_str(&foot)},
    };
    int rc = pt_template_expand(o->template_dir, "page.html", vars, sizeof vars / sizeof *vars,
                                out);
    pt_html_charts_render(out);
    pt_hb_free(&t);
    pt_hb_free(&foot);
    return rc;
}

/* Contract in html.h. */
int pt_html_report(pt_db *db, const pt_run *run, const char *db_path, const pt_html_opts *o,
                   pt_hbuf *out)
{
    pt_counts cnt;
    pt_fnrow *fns = NULL;
    size_t nf = 0;
    pt_hotspot *hs = NULL;
    size_t nh = 0;
    double thread_time = 0, tt2;
    pt_tree tree = {0};
    pt_thread_fn *thr = NULL;
    size_t nthr = 0;
    int rc = pt_counts_load(db, run->id, &cnt);
    if (!rc)
        rc = pt_functions_load(db, run->id, &fns, &nf, &thread_time);
    if (!rc)
        rc = pt_hotspots_load(db, run->id, o->factor, &hs, &nh, &tt2);
    if (!rc)
        rc = pt_tree_load(db, run->id, INT64_MAX, &tree);
    if (!rc)
        rc = pt_threads_load(db, run->id, &thr, &nthr);
    if (rc) {
        pt_functions_free(fns, nf);
        pt_hotspots_free(hs, nh);
        pt_tree_free(&tree);
        pt_threads_free(thr, nthr);
        return rc;
    }
    int key = PT_FK_SELF;
    pt_functions_sort(fns, nf, &key, 1);

    pt_hbuf b = {0}, body = {0};
    char *source = pt_xasprintf("%s:%lld", db_path, (long long)run->id);
    /* the sections first: the header needs the verdict */
    char *verdict = hotspots_section(&body, hs, nh, fns, nf, o);
    section(&body, "icicle-sec", "Call tree (icicle graph)");
    if (tree.n == 0)
        pt_html_missing(&body, "This run recorded no call paths.");
    else
        pt_html_icicle(&body, &tree, NULL, o->min_frac);
    pt_hb_put(&body, "</section>\n");
    section(&body, "functions", "All functions");
    if (nf == 0) {
        pt_html_missing(&body, "This run recorded no function calls.");
    } else {
        pt_hb_printf(&body, "<p>%zu functions · percentiles of the inclusive duration per call "
                     "from histograms (≤1%%) · ncalls as calls/primitive calls for recursive "
                     "functions · click a column title to sort.</p>\n", nf);
        table_filter(&body, "t-functions");
        pt_table *t = stats_functions_table(fns, nf, NULL);
        pt_html_table(&body, t, "t-functions");
        pt_table_free(t);
    }
    pt_hb_put(&body, "</section>\n");
    peek_section(&body, db, run->id, fns, nf);
    distribution_section(&body, db, run->id, fns, nf);
    section(&body, "threads", "Threads");
    if (nthr == 0) {
        pt_html_missing(&body, "This run recorded no threads.");
    } else {
        stats_opts so = {.top = 5, .min_share = NAN};
        int64_t nthreads;
        pt_table *t = stats_threads_table(&so, thr, nthr, &nthreads);
        pt_hb_printf(&body, "<p>%lld thread%s; per thread its five functions with the most "
                     "self time.</p>\n", (long long)nthreads, nthreads == 1 ? "" : "s");
        pt_html_table(&body, t, "t-threads");
        pt_table_free(t);
    }
    pt_hb_put(&body, "</section>\n");
    stages_section(&body, db, run->id, &cnt);
    resources_section(&body, db, run->id, &cnt);

    /* header, verdict, cards, contents */
    pt_hb_put(&b, "<header class=\"report-head\"><h1>pscope report</h1>\n");
    pt_html_run_meta(&b, run, source);
    pt_hb_put(&b, "</header>\n");
    if (verdict) {
        pt_hb_put(&b, "<p class=\"verdict\">");
        pt_hb_text(&b, verdict);
        pt_hb_put(&b, "</p>\n");
    }
    char v1[PT_DUR_BUFSZ], num[64];
    pt_hb_put(&b, "<div class=\"cards\">");
    card(&b, "wall time", pt_fmt_dur((double)run->dur, v1, sizeof v1), NULL);
    card(&b, "thread time", pt_fmt_dur(thread_time, v1, sizeof v1), "sum of self times");
    snprintf(num, sizeof num, "%lld", (long long)run->calls_seen);
    card(&b, "calls", num, run->calls_stored < run->calls_seen ? "raw rows sampled" : NULL);
    snprintf(num, sizeof num, "%zu", nf);
    card(&b, "functions", num, NULL);
    snprintf(num, sizeof num, "%lld", (long long)cnt.threads);
    card(&b, "threads", num, NULL);
    if (nh > 0) {
        snprintf(num, sizeof num, "%.1f%%", hs[0].share * 100.0);
        card(&b, "top hotspot", num, hs[0].name);
    }
    pt_hb_put(&b, "</div>\n<nav class=\"toc\"><a href=\"#hotspots\">Hotspots</a> <a "
                  "href=\"#icicle-sec\">Icicle</a> <a href=\"#functions\">Functions</a> <a "
                  "href=\"#peek\">Callers/callees</a> <a href=\"#distribution\">Durations</a> "
                  "<a href=\"#threads\">Threads</a> <a href=\"#stages\">Stages</a> <a "
                  "href=\"#resources\">Resources</a></nav>\n");
    pt_hb_put(&b, pt_hb_str(&body));
    char *title = pt_xasprintf("pscope · %s · run %lld",
                               run->label ? run->label : run->command ? run->command : db_path,
                               (long long)run->id);
    rc = pt_html_page(o, title, pt_hb_str(&b), NULL, out);
    free(title);
    free(verdict);
    free(source);
    pt_hb_free(&b);
    pt_hb_free(&body);
    pt_functions_free(fns, nf);
    pt_hotspots_free(hs, nh);
    pt_tree_free(&tree);
    pt_threads_free(thr, nthr);
    return rc;
}
