/* tools/lib/html_charts.c: the charts of a report — a gnuplot script run through the
 * project's one runner (gnuplot.h) and its SVG inlined into the page. The SVG is made fit
 * for inline use in HTML5: the XML prologue, DOCTYPE, title and desc are dropped, the
 * namespace declarations removed (an HTML parser gives inline <svg> its namespace, and no
 * URL stays in the page), xlink:href becomes href, and every id gets the chart's prefix so
 * that several charts in one page never share one. When gnuplot is missing or a chart
 * fails, a visible note stands where the chart would be and one warning goes to stderr
 * for the whole process. Contracts in html.h. */
#include "html.h"
#include "gnuplot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_TIMEOUT_MS 15000
#define TIMELINE_POINTS 600 /* points of the resource timeline */

static int g_checked, g_ok, g_warned;
static char g_why[256];

static void warn_once(const char *why)
{
    if (g_warned)
        return;
    g_warned = 1;
    pt_warn("charts left out of the report: %s", why);
}

/* Contract in html.h. */
int pt_html_charts_ok(void)
{
    if (!g_checked) {
        g_checked = 1;
        g_ok = pt_gnuplot_check(NULL, 0, g_why, sizeof g_why);
        if (!g_ok)
            warn_once(g_why);
    }
    return g_ok;
}

/* Append the SVG of gnuplot's output, made fit for inline HTML (see the file comment). */
static void inline_svg(pt_hbuf *b, const char *svg, const char *id)
{
    const char *p = strstr(svg, "<svg");
    if (!p)
        return;
    while (*p) {
        if (strncmp(p, "<title>", 7) == 0 || strncmp(p, "<desc>", 6) == 0) {
            const char *end = strstr(p, p[1] == 't' ? "</title>" : "</desc>");
            if (end) {
                p = end + (p[1] == 't' ? 8 : 7);
                continue;
            }
        }
        if (strncmp(p, " xmlns", 6) == 0 || strncmp(p, "\n xmlns", 7) == 0) {
            const char *q = strchr(p, '"');
            q = q ? strchr(q + 1, '"') : NULL;
            if (q) {
                p = q + 1;
                continue;
            }
        }
        if (strncmp(p, "xlink:href", 10) == 0) {
            p += 6;
            continue;
        }
        if (strncmp(p, "id='", 4) == 0 || strncmp(p, "id=\"", 4) == 0) {
            pt_hb_putn(b, p, 4);
            pt_hb_printf(b, "%s-", id);
            p += 4;
            continue;
        }
        if (strncmp(p, "href='#", 7) == 0 || strncmp(p, "url(#", 5) == 0) {
            size_t n = p[0] == 'h' ? 7 : 5;
            pt_hb_putn(b, p, n);
            pt_hb_printf(b, "%s-", id);
            p += n;
            continue;
        }
        pt_hb_putn(b, p, 1);
        p++;
    }
}

/* Charts queued by pt_html_chart until pt_html_charts_render: all of a page's charts are
 * drawn by ONE gnuplot process (a start costs more than a chart), each script followed by
 * an end marker printed to standard output and `reset session`. The page holds a marker
 * "\x01<n>\x01" per chart, which no escaped data can contain (escapers replace control
 * characters). When the combined run fails, each chart is run alone, so one bad chart
 * does not take the others with it. */
typedef struct queued {
    char *id, *script;
} queued;
static queued *g_queue;
static size_t g_nqueue, g_capqueue;

#define CHART_END "<!--pscope-chart-end-->"

/* Contract in html.h. */
void pt_html_chart(pt_hbuf *b, const char *id, const char *title, const char *script)
{
    pt_hb_printf(b, "<figure class=\"chart\" id=\"%s\">\n\x01%zu\x01", id, g_nqueue);
    pt_rd_grow(&g_queue, &g_capqueue, g_nqueue, sizeof *g_queue, 8);
    g_queue[g_nqueue++] = (queued){pt_xstrdup(id), pt_xstrdup(script)};
    pt_hb_put(b, "<figcaption>");
    pt_hb_text(b, title);
    pt_hb_put(b, "</figcaption>\n</figure>\n");
}

/* Append chart i's SVG, or the note in its place. */
static void chart_body(pt_hbuf *b, size_t i, const char *svg, const char *err)
{
    if (svg && strstr(svg, "<svg") && !strstr(svg, "<script") && !strstr(svg, "<foreignObject")) {
        inline_svg(b, svg, g_queue[i].id);
        return;
    }
    pt_hb_put(b, "<p class=\"nochart\">Chart not drawn: ");
    pt_hb_text(b, err && *err ? err : "gnuplot wrote no usable SVG");
    pt_hb_put(b, ". The tables have the same figures.</p>\n");
}

/* Contract in html.h. */
void pt_html_charts_render(pt_hbuf *page)
{
    if (g_nqueue == 0)
        return;
    char **svg = pt_xcalloc(g_nqueue, sizeof *svg);
    char err[256] = "";
    if (pt_html_charts_ok()) {
        pt_hbuf all = {0};
        for (size_t i = 0; i < g_nqueue; i++)
            pt_hb_printf(&all, "%s\nunset output\nset print '-'\nprint '" CHART_END "'\n"
                         "set print\nreset session\n", g_queue[i].script);
        char *out = NULL;
        size_t len = 0;
        if (pt_gnuplot_run(pt_hb_str(&all), CHART_TIMEOUT_MS, &out, &len, err, sizeof err) == 0) {
            char *p = out;
            for (size_t i = 0; i < g_nqueue; i++) {
                char *end = strstr(p, CHART_END);
                if (!end)
                    break;
                svg[i] = pt_xasprintf("%.*s", (int)(end - p), p);
                p = end + strlen(CHART_END);
            }
        }
        free(out);
        pt_hb_free(&all);
        for (size_t i = 0; i < g_nqueue; i++) { /* alone, when the combined run failed */
            if (svg[i])
                continue;
            size_t l;
            if (pt_gnuplot_run(g_queue[i].script, CHART_TIMEOUT_MS, &svg[i], &l, err,
                               sizeof err) != 0)
                warn_once(err);
        }
    } else {
        snprintf(err, sizeof err, "%s", g_why);
    }
    pt_hbuf res = {0};
    const char *p = pt_hb_str(page);
    for (;;) {
        const char *m = strchr(p, '\x01');
        if (!m) {
            pt_hb_put(&res, p);
            break;
        }
        pt_hb_putn(&res, p, (size_t)(m - p));
        char *endp;
        unsigned long i = strtoul(m + 1, &endp, 10);
        if (*endp != '\x01' || i >= g_nqueue) { /* not a marker: cannot happen, kept as is */
            pt_hb_putn(&res, m, 1);
            p = m + 1;
            continue;
        }
        chart_body(&res, i, svg[i], err);
        p = endp + 1;
    }
    pt_hb_free(page);
    *page = res;
    for (size_t i = 0; i < g_nqueue; i++) {
        free(svg[i]);
        free(g_queue[i].id);
        free(g_queue[i].script);
    }
    free(svg);
    g_nqueue = 0;
}

/* Contract in html.h. */
void pt_html_missing(pt_hbuf *b, const char *what)
{
    pt_hb_put(b, "<p class=\"missing\">");
    pt_hb_text(b, what);
    pt_hb_put(b, "</p>\n");
}

/* ---- chart builders ------------------------------------------------------------------ */

/* A unit for durations whose largest absolute value is max_ns: its divisor and name. */
static double time_unit(double max_ns, const char **name)
{
    if (max_ns >= 1e9) { *name = "s"; return 1e9; }
    if (max_ns >= 1e6) { *name = "ms"; return 1e6; }
    if (max_ns >= 1e3) { *name = "µs"; return 1e3; }
    *name = "ns";
    return 1;
}

/* Append s as a quoted gnuplot string cut to at most max bytes on a UTF-8 boundary, with
 * "…" when cut (axis labels stay readable; the full name is in the tables). */
static void quote_cut(pt_gnuplot_script *sc, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max) {
        pt_gnuplot_quote(sc, s);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    char *t = pt_xasprintf("%.*s…", (int)cut, s);
    pt_gnuplot_quote(sc, t);
    free(t);
}

static void set_labels(pt_gnuplot_script *sc, const char *axis, const char *const *labels,
                       size_t n)
{
    pt_gnuplot_printf(sc, "set %stics (", axis);
    for (size_t i = 0; i < n; i++) {
        if (i)
            pt_gnuplot_printf(sc, ", ");
        quote_cut(sc, labels[i], 40);
        pt_gnuplot_printf(sc, " %zu", i);
    }
    pt_gnuplot_printf(sc, ")\n");
}

/* Contract in html.h. */
void pt_html_hbars(pt_hbuf *b, const char *id, const char *caption, const char *const *labels,
                   size_t n, const double *v, size_t nser, const char *const *series,
                   int is_time, const char *unit)
{
    pt_gnuplot_script sc = {0};
    double max = 0;
    for (size_t i = 0; i < n * nser; i++)
        if (fabs(v[i]) > max)
            max = fabs(v[i]);
    const char *uname = unit;
    double div = is_time ? time_unit(max, &uname) : 1;
    int h = 80 + (int)n * (nser > 1 ? 26 : 20);
    pt_gnuplot_svg_prologue(&sc, 900, h < 160 ? 160 : h, NULL);
    double *d = pt_xmalloc((n ? n : 1) * (nser + 2) * sizeof *d);
    int diverging = nser == 1 && series == NULL;
    for (size_t i = 0; i < n; i++) {
        d[i * (nser + 2)] = (double)i;
        for (size_t k = 0; k < nser; k++)
            d[i * (nser + 2) + 1 + k] = v[i * nser + k] / div;
        d[i * (nser + 2) + 1 + nser] = v[i * nser] > 0 ? 0xd62728 : 0x1f77b4;
    }
    pt_gnuplot_datablock(&sc, "$bars", d, n, nser + 2);
    free(d);
    pt_gnuplot_printf(&sc, "set style fill solid 0.85 noborder\nset grid xtics\n"
                           "set yrange [%g:-0.6]\nset key below\n"
                           "set xlabel ", (double)n - 0.4);
    pt_gnuplot_quote(&sc, uname);
    pt_gnuplot_printf(&sc, "\n");
    if (!diverging)
        pt_gnuplot_printf(&sc, "set xrange [0:*]\n");
    set_labels(&sc, "y", labels, n);
    static const char *const colours[] = {"#e07b39", "#4c78a8", "#59a14f", "#b07aa1"};
    if (diverging) {
        pt_gnuplot_printf(&sc, "plot $bars using (0):1:(0):2:($1-0.35):($1+0.35):%zu with "
                               "boxxyerror lc rgb variable notitle\n", nser + 2);
    } else {
        pt_gnuplot_printf(&sc, "plot ");
        double bw = 0.8 / (double)nser;
        for (size_t k = 0; k < nser; k++) {
            double off = -0.4 + bw * (double)k;
            pt_gnuplot_printf(&sc, "%s$bars using (0):1:(0):%zu:($1%+g):($1%+g) with boxxyerror "
                              "lc rgb '%s' title ", k ? ", " : "", k + 2, off, off + bw,
                              colours[k % 4]);
            pt_gnuplot_quote(&sc, series ? series[k] : "");
        }
        pt_gnuplot_printf(&sc, "\n");
    }
    pt_html_chart(b, id, caption, sc.text);
    pt_gnuplot_script_free(&sc);
}

/* Contract in html.h. */
void pt_html_cdf(pt_hbuf *b, const char *id, const char *caption, const char *const *labels,
                 const pt_hist_bucket *const *hist, const size_t *nhist, size_t nfn)
{
    pt_gnuplot_script sc = {0};
    pt_gnuplot_svg_prologue(&sc, 900, 380, NULL);
    double max = 1, min = INFINITY;
    for (size_t f = 0; f < nfn; f++)
        for (size_t i = 0; i < nhist[f]; i++) {
            if (hist[f][i].hi > max)
                max = hist[f][i].hi;
            if (hist[f][i].lo < min)
                min = hist[f][i].lo;
        }
    double div = 1; /* x in ns, ticks labelled per decade with their unit */
    for (size_t f = 0; f < nfn; f++) {
        double total = 0, cum = 0;
        for (size_t i = 0; i < nhist[f]; i++)
            total += hist[f][i].count;
        double *d = pt_xmalloc((nhist[f] + 1) * 2 * sizeof *d);
        size_t m = 0;
        if (nhist[f]) {
            d[m * 2] = hist[f][0].lo / div;
            d[m * 2 + 1] = 0;
            m++;
        }
        for (size_t i = 0; i < nhist[f]; i++) {
            cum += hist[f][i].count;
            d[m * 2] = hist[f][i].hi / div;
            d[m * 2 + 1] = total > 0 ? cum / total : 0;
            m++;
        }
        char name[32];
        snprintf(name, sizeof name, "$h%zu", f);
        pt_gnuplot_datablock(&sc, name, d, m, 2);
        free(d);
    }
    pt_gnuplot_printf(&sc, "set logscale x 10\nset grid\nset key bottom right\n"
                           "set yrange [0:1.02]\nset xtics (");
    static const char *const units[] = {"ns", "µs", "ms"};
    double lo = 1;
    while (lo * 10 <= (min > 1 ? min : 1))
        lo *= 10;
    for (double x = lo; x <= max * 10; x *= 10) {
        int e = (int)lround(log10(x));
        if (e >= 9)
            pt_gnuplot_printf(&sc, "%s'%.0f s' %.0f", x > lo ? ", " : "", pow(10, e - 9), x);
        else
            pt_gnuplot_printf(&sc, "%s'%d %s' %.0f", x > lo ? ", " : "",
                              e % 3 == 0 ? 1 : e % 3 == 1 ? 10 : 100, units[e / 3], x);
    }
    pt_gnuplot_printf(&sc, ")\nset ylabel ");
    pt_gnuplot_quote(&sc, "fraction of calls ≤ x");
    pt_gnuplot_printf(&sc, "\nset xlabel ");
    pt_gnuplot_quote(&sc, "duration per call (log scale)");
    pt_gnuplot_printf(&sc, "\nplot ");
    for (size_t f = 0; f < nfn; f++) {
        pt_gnuplot_printf(&sc, "%s$h%zu using 1:2 with steps lw 2 title ", f ? ", " : "", f);
        quote_cut(&sc, labels[f], 40);
    }
    pt_gnuplot_printf(&sc, "\n");
    pt_html_chart(b, id, caption, sc.text);
    pt_gnuplot_script_free(&sc);
}

/* Contract in html.h. */
void pt_html_timeline(pt_hbuf *b, const char *id, const char *caption, const pt_sample *s,
                      size_t n, const pt_span *spans, size_t nspans)
{
    pt_gnuplot_script sc = {0};
    pt_gnuplot_svg_prologue(&sc, 900, 380, NULL);
    /* At most TIMELINE_POINTS points: consecutive samples are merged (CPU summed over the
     * merged interval, RSS at its maximum, GPU averaged), so a long run stays a small
     * script and a small SVG. */
    int gpu = 0;
    size_t per = n > TIMELINE_POINTS ? (n + TIMELINE_POINTS - 1) / TIMELINE_POINTS : 1;
    size_t m = 0;
    double *d = pt_xmalloc((n ? n : 1) * 4 * sizeof *d);
    for (size_t i = 0; i < n; i += per) {
        size_t e = i + per < n ? i + per : n;
        double from = i ? s[i - 1].ts : 0, cpu = 0, rss = NAN, g = 0;
        size_t ng = 0, ncpu = 0;
        for (size_t j = i; j < e; j++) {
            if (!isnan(s[j].cpu)) {
                cpu += s[j].cpu;
                ncpu++;
            }
            if (!isnan(s[j].rss) && (isnan(rss) || s[j].rss > rss))
                rss = s[j].rss;
            if (!isnan(s[j].gpu_util)) {
                g += s[j].gpu_util;
                ng++;
            }
        }
        double dt = s[e - 1].ts - from;
        d[m * 4] = s[e - 1].ts / 1e9;
        d[m * 4 + 1] = dt > 0 && ncpu ? cpu / dt * 100.0 : NAN;
        d[m * 4 + 2] = rss / 1048576.0;
        d[m * 4 + 3] = ng ? g / (double)ng : NAN;
        gpu |= ng > 0;
        m++;
    }
    pt_gnuplot_datablock(&sc, "$res", d, m, 4);
    free(d);
    static const char *const shade[] = {"#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d"};
    for (size_t i = 0; i < nspans; i++) {
        uint32_t h = 2166136261u;
        for (const unsigned char *p = (const unsigned char *)spans[i].name; p && *p; p++)
            h = (h ^ *p) * 16777619u;
        pt_gnuplot_printf(&sc, "set object %zu rect from %.17g, graph 0 to %.17g, graph 1 "
                          "behind fc rgb '%s' fs solid 0.12 noborder\n", i + 1,
                          spans[i].ts / 1e9, (spans[i].ts + spans[i].dur) / 1e9, shade[h % 5]);
    }
    pt_gnuplot_printf(&sc, "set grid\nset key top left\nset xlabel ");
    pt_gnuplot_quote(&sc, "time since run start (s)");
    pt_gnuplot_printf(&sc, "\nset ylabel ");
    pt_gnuplot_quote(&sc, gpu ? "CPU / GPU (%)" : "CPU (% of one core)");
    pt_gnuplot_printf(&sc, "\nset y2label ");
    pt_gnuplot_quote(&sc, "RSS (MiB)");
    pt_gnuplot_printf(&sc, "\nset yrange [0:*]\nset y2range [0:*]\nset ytics nomirror\n"
                           "set y2tics\nplot $res using 1:2 with lines lw 2 lc rgb '#e45756' "
                           "title 'CPU %%', $res using 1:3 axes x1y2 with lines lw 2 "
                           "lc rgb '#4c78a8' title 'RSS'%s\n",
                      gpu ? ", $res using 1:4 with lines lw 2 lc rgb '#54a24b' title 'GPU %'" : "");
    pt_html_chart(b, id, caption, sc.text);
    pt_gnuplot_script_free(&sc);
}

/* Contract in html.h. */
void pt_html_lines(pt_hbuf *b, const char *id, const char *caption, const char *const *xlabels,
                   size_t nx, const double *v, size_t nser, const char *const *series)
{
    pt_gnuplot_script sc = {0};
    pt_gnuplot_svg_prologue(&sc, 900, 380, NULL);
    double max = 0;
    for (size_t i = 0; i < nx * nser; i++)
        if (fabs(v[i]) > max)
            max = fabs(v[i]);
    const char *uname;
    double div = time_unit(max, &uname);
    double *d = pt_xmalloc((nx ? nx : 1) * (nser + 1) * sizeof *d);
    for (size_t i = 0; i < nx; i++) {
        d[i * (nser + 1)] = (double)i;
        for (size_t k = 0; k < nser; k++)
            d[i * (nser + 1) + 1 + k] = v[i * nser + k] / div;
    }
    pt_gnuplot_datablock(&sc, "$trend", d, nx, nser + 1);
    free(d);
    pt_gnuplot_printf(&sc, "set grid\nset key outside right top\nset xrange [-0.3:%g]\n"
                           "set yrange [0:*]\nset xtics rotate by -30\nset ylabel ",
                      (double)nx - 0.7);
    char *yl = pt_xasprintf("time (%s)", uname);
    pt_gnuplot_quote(&sc, yl);
    free(yl);
    pt_gnuplot_printf(&sc, "\n");
    set_labels(&sc, "x", xlabels, nx);
    pt_gnuplot_printf(&sc, "plot ");
    for (size_t k = 0; k < nser; k++) {
        pt_gnuplot_printf(&sc, "%s$trend using 1:%zu with linespoints lw 2 pt 7 title ",
                          k ? ", " : "", k + 2);
        quote_cut(&sc, series[k], 40);
    }
    pt_gnuplot_printf(&sc, "\n");
    pt_html_chart(b, id, caption, sc.text);
    pt_gnuplot_script_free(&sc);
}

/* Contract in html.h. */
void pt_html_scaling(pt_hbuf *b, const char *id, const char *caption,
                     const pt_scaling_series *s, size_t n)
{
    pt_gnuplot_script sc = {0};
    pt_gnuplot_svg_prologue(&sc, 900, 420, NULL);
    double max = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < s[k].npts; i++)
            if (s[k].y[i] > max)
                max = s[k].y[i];
    const char *uname;
    double div = time_unit(max, &uname);
    for (size_t k = 0; k < n; k++) {
        double *d = pt_xmalloc((s[k].npts + s[k].ncurve + 1) * 4 * sizeof *d);
        for (size_t i = 0; i < s[k].npts; i++) {
            d[i * 2] = s[k].n[i];
            d[i * 2 + 1] = s[k].y[i] / div;
        }
        char name[32];
        snprintf(name, sizeof name, "$p%zu", k);
        pt_gnuplot_datablock(&sc, name, d, s[k].npts, 2);
        for (size_t i = 0; i < s[k].ncurve; i++) {
            d[i * 2] = s[k].cn[i];
            d[i * 2 + 1] = s[k].cy[i] / div;
        }
        snprintf(name, sizeof name, "$c%zu", k);
        pt_gnuplot_datablock(&sc, name, d, s[k].ncurve, 2);
        double t[4] = {s[k].target, s[k].pred / div, s[k].lo / div, s[k].hi / div};
        snprintf(name, sizeof name, "$t%zu", k);
        pt_gnuplot_datablock(&sc, name, t, 1, 4);
        free(d);
    }
    pt_gnuplot_printf(&sc, "set logscale xy 10\nset grid\nset key outside right top\n"
                           "set format x '%%g'\nset xlabel ");
    pt_gnuplot_quote(&sc, "problem size n (log scale)");
    pt_gnuplot_printf(&sc, "\nset ylabel ");
    char *yl = pt_xasprintf("self time (%s, log scale)", uname);
    pt_gnuplot_quote(&sc, yl);
    free(yl);
    pt_gnuplot_printf(&sc, "\nplot ");
    for (size_t k = 0; k < n; k++) {
        pt_gnuplot_printf(&sc, "%s$c%zu using 1:2 with lines lw 2 lc %zu title ", k ? ", " : "",
                          k, k + 1);
        quote_cut(&sc, s[k].name, 40);
        pt_gnuplot_printf(&sc, ", $p%zu using 1:2 with points pt 7 ps 0.8 lc %zu notitle, "
                          "$t%zu using 1:2:3:4 with yerrorbars pt 6 ps 1.2 lc %zu notitle",
                          k, k + 1, k, k + 1);
    }
    pt_gnuplot_printf(&sc, "\n");
    pt_html_chart(b, id, caption, sc.text);
    pt_gnuplot_script_free(&sc);
}
