/* tools/lib/extrap_plot.c: the --plot charts of pscope-extrapolate (see ex_plot in
 * extrap_report.h), drawn by the shared gnuplot runner (gnuplot.h). Function names enter
 * the scripts only through pt_gnuplot_quote; every number through a datablock.
 *
 * Invariants: only positive values are plotted (log-log axes; others become NaN, a gap);
 * a series with no positive value is left out; files appear only complete (temporary file
 * + rename). */
#include "extrap_report.h"
#include "gnuplot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CURVE_POINTS 60
#define BAND_POINTS 30

static double pos(double v, double unit)
{
    return v > 0 && isfinite(v) ? v / unit : NAN;
}

static int has_positive(const ex_series *s)
{
    for (size_t k = 0; k < s->pts.nscales; k++)
        if (s->pts.value[k] > 0)
            return 1;
    return 0;
}

/* Datablocks $p<id> (n, fitted value, min, max), $f<id> (fitted curve from the smallest scale to
 * the target) and $b<id> (interval band from the largest scale to the target). */
static void series_blocks(pt_gnuplot_script *sc, const ex_series *s, size_t id, double target,
                          double unit)
{
    const model_points *p = &s->pts;
    double *v = pt_xmalloc((p->nscales + CURVE_POINTS + BAND_POINTS + 1) * 4 * sizeof *v);
    char name[32];
    for (size_t k = 0; k < p->nscales; k++) {
        v[k * 4] = p->n[k];
        v[k * 4 + 1] = pos(p->value[k], unit);
        v[k * 4 + 2] = pos(p->min[k], unit);
        v[k * 4 + 3] = pos(p->max[k], unit);
    }
    snprintf(name, sizeof name, "$p%zu", id);
    pt_gnuplot_datablock(sc, name, v, p->nscales, 4);
    double lo = log(p->n[0]), hi = log(fmax(target, p->n[p->nscales - 1]));
    for (size_t k = 0; k <= CURVE_POINTS; k++) {
        double n = exp(lo + (hi - lo) * (double)k / CURVE_POINTS);
        v[k * 2] = n;
        v[k * 2 + 1] = pos(model_eval(&s->fit, n), unit);
    }
    snprintf(name, sizeof name, "$f%zu", id);
    pt_gnuplot_datablock(sc, name, v, CURVE_POINTS + 1, 2);
    lo = log(p->n[p->nscales - 1]);
    for (size_t k = 0; k <= BAND_POINTS; k++) {
        double n = exp(lo + (hi - lo) * (double)k / BAND_POINTS);
        model_prediction pr;
        model_predict(p, &s->fit, n, &pr);
        v[k * 3] = n;
        v[k * 3 + 1] = pos(pr.lo, unit);
        v[k * 3 + 2] = pos(pr.hi, unit);
    }
    snprintf(name, sizeof name, "$b%zu", id);
    pt_gnuplot_datablock(sc, name, v, BAND_POINTS + 1, 3);
    free(v);
}

/* A chart of rows[0..n) (those with positive values). */
static char *chart_script(const ex_result *res, const ex_series *const *rows, size_t n,
                          const char *title)
{
    int time = res->metric != EX_METRIC_CALLS;
    double unit = time ? 1e9 : 1;
    pt_gnuplot_script sc = { 0 };
    pt_gnuplot_svg_prologue(&sc, 800, 500, NULL);
    pt_gnuplot_printf(&sc, "set logscale xy 10\nset grid\nset key left top\n"
                      "set xlabel 'n (problem size)'\nset ylabel %s\nset title ",
                      time ? (res->metric == EX_METRIC_SELF ? "'self time (s)'"
                                                            : "'inclusive time (s)'")
                           : "'calls'");
    pt_gnuplot_quote(&sc, title);
    pt_gnuplot_printf(&sc, "\nset arrow 1 from %.17g, graph 0 to %.17g, graph 1 nohead "
                      "dashtype 2 linecolor rgb '#888888'\n", res->target, res->target);
    pt_gnuplot_printf(&sc, "set label 1 'target' at %.17g, graph 0.97 right offset -0.5,0\n",
                      res->target);
    for (size_t k = 0; k < n; k++)
        series_blocks(&sc, rows[k], k, res->target, unit);
    pt_gnuplot_printf(&sc, "\nplot ");
    for (size_t k = 0; k < n; k++) {
        char cls[64];
        model_class(&rows[k]->fit, cls, sizeof cls);
        char *label = pt_xasprintf("%s %s", rows[k]->name, cls);
        int lc = (int)(k % 8) + 1;
        pt_gnuplot_printf(&sc, "%s$b%zu using 1:2:3 with filledcurves fillstyle transparent "
                          "solid 0.15 noborder linecolor %d notitle, \\\n", k ? ", \\\n  " : "",
                          k, lc);
        pt_gnuplot_printf(&sc, "  $f%zu using 1:2 with lines linecolor %d linewidth 1.5 title ",
                          k, lc);
        pt_gnuplot_quote(&sc, label);
        pt_gnuplot_printf(&sc, ", \\\n  $p%zu using 1:2:3:4 with yerrorbars pointtype 7 "
                          "pointsize 0.6 linecolor %d notitle", k, lc);
        free(label);
    }
    pt_gnuplot_printf(&sc, "\n");
    return sc.text;
}

/* Write text to path through a temporary file in the same directory. */
static int write_atomic(const char *path, const char *text, size_t len)
{
    char *tmp = pt_xasprintf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pt_error("--plot: %s: %s", path, strerror(errno));
        free(tmp);
        return PT_EXIT_USAGE;
    }
    FILE *f = fdopen(fd, "w");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f)
        ok = (fclose(f) == 0) && ok;
    else
        close(fd);
    if (ok && chmod(tmp, 0644) == 0 && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    pt_error("--plot: %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    return PT_EXIT_USAGE;
}

static int render(const char *script, const char *path)
{
    char *svg = NULL, err[256];
    size_t len = 0;
    if (pt_gnuplot_run(script, 30000, &svg, &len, err, sizeof err) != 0) {
        pt_error("--plot: %s: %s", path, err);
        return PT_EXIT_DATA;
    }
    int rc = write_atomic(path, svg, len);
    free(svg);
    return rc;
}

/* File name part from a function name: [A-Za-z0-9_.-], others '_', at most 60 bytes. */
static void safe_name(const char *name, char *buf, size_t size)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < size && k < 60; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || (c == '.' && k > 0);
        buf[k++] = ok ? c : '_';
    }
    buf[k] = '\0';
    if (!k)
        snprintf(buf, size, "function");
}

int ex_plot(const ex_result *res, const char *path, size_t top)
{
    char version[64], why[160];
    if (!pt_gnuplot_check(version, sizeof version, why, sizeof why)) {
        pt_error("--plot: %s; no chart written", why);
        return PT_EXIT_DATA;
    }
    size_t limit = top ? top : 8;
    const ex_series **rows = pt_xcalloc(res->nrows ? res->nrows : 1, sizeof *rows);
    size_t n = 0;
    for (size_t k = 0; k < res->nrows && n < limit; k++)
        if (has_positive(&res->rows[k]))
            rows[n++] = &res->rows[k];
    size_t plen = strlen(path);
    int rc = 0;
    if (plen > 4 && strcmp(path + plen - 4, ".svg") == 0) {
        char *title = pt_xasprintf("top %zu functions, projected to n=%.15g", n, res->target);
        char *script = chart_script(res, rows, n, title);
        rc = render(script, path);
        free(script);
        free(title);
    } else {
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            pt_error("--plot: %s: %s", path, strerror(errno));
            free(rows);
            return PT_EXIT_USAGE;
        }
        for (size_t k = 0; !rc && k < n; k++) {
            char safe[64];
            safe_name(rows[k]->name, safe, sizeof safe);
            char *file = pt_xasprintf("%s/%02zu-%s.svg", path, k + 1, safe);
            char *script = chart_script(res, &rows[k], 1, rows[k]->name);
            rc = render(script, file);
            free(script);
            free(file);
        }
    }
    free(rows);
    return rc;
}
