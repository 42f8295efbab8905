/* tools/lib/html_batch.c: pscope-html --batch — one single-run report per run of the given
 * specs (a database alone stands for all its runs) in start-time order, and an index.html
 * linking them with a trend chart of total thread time and of the top functions across the
 * runs. Progress ("12/40 runs") goes to stderr only when it is a terminal and -q is not
 * given. Contract in html.h. */
#include "html.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TREND_FUNCTIONS 5

typedef struct entry {
    size_t db;           /* index into the opened databases */
    pt_run run;
    char *file;          /* report file name inside the directory */
    double thread_time;
    pt_fnrow *fns;       /* sorted by self time */
    size_t nfns;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->run.started_wall != y->run.started_wall)
        return x->run.started_wall < y->run.started_wall ? -1 : 1;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    return (x->run.id > y->run.id) - (x->run.id < y->run.id);
}

static double self_of(const entry *e, const char *name)
{
    for (size_t i = 0; i < e->nfns; i++)
        if (strcmp(e->fns[i].name, name) == 0)
            return e->fns[i].self;
    return 0;
}

static void index_page(pt_hbuf *b, const entry *e, size_t n, char **paths)
{
    pt_hb_printf(b, "<header class=\"report-head\"><h1>pscope batch report</h1>\n<p>%zu run%s, "
                 "ordered by start time. Each links to its own report.</p></header>\n", n,
                 n == 1 ? "" : "s");
    /* trend: thread time and the top functions of the last run, across the runs */
    const entry *last = &e[n - 1];
    size_t nf = last->nfns < TREND_FUNCTIONS ? last->nfns : TREND_FUNCTIONS;
    size_t nser = 1 + nf;
    const char **series = pt_xmalloc(nser * sizeof *series);
    const char **xl = pt_xmalloc(n * sizeof *xl);
    char **xlbuf = pt_xmalloc(n * sizeof *xlbuf);
    double *v = pt_xmalloc(n * nser * sizeof *v);
    series[0] = "thread time (all functions)";
    for (size_t k = 0; k < nf; k++)
        series[1 + k] = last->fns[k].name;
    for (size_t i = 0; i < n; i++) {
        xlbuf[i] = e[i].run.label ? pt_xasprintf("%s", e[i].run.label)
                                  : pt_xasprintf("run %lld", (long long)e[i].run.id);
        xl[i] = xlbuf[i];
        v[i * nser] = e[i].thread_time;
        for (size_t k = 0; k < nf; k++)
            v[i * nser + 1 + k] = self_of(&e[i], last->fns[k].name);
    }
    pt_hb_put(b, "<section id=\"trend\">\n<h2>Trend</h2>\n");
    pt_html_lines(b, "chart-trend", "Thread time and self time of the last run's top "
                  "functions, per run in start-time order", xl, n, v, nser, series);
    pt_hb_put(b, "</section>\n<section id=\"runs\">\n<h2>Runs</h2>\n<div class=\"tablewrap\">"
                 "<table class=\"data\" id=\"t-runs\"><thead><tr><th class=\"txt\">report"
                 "</th><th class=\"txt\">label</th><th class=\"txt\">started</th><th "
                 "class=\"num\">wall</th><th class=\"num\">thread time</th><th "
                 "class=\"num\">calls</th><th class=\"txt\">state</th><th "
                 "class=\"txt\">command</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const pt_run *r = &e[i].run;
        char when[64] = "";
        time_t secs = (time_t)(r->started_wall / 1000000000);
        struct tm tm;
        if (gmtime_r(&secs, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        pt_hb_printf(b, "<tr%s><td><a href=\"", r->complete ? "" : " class=\"bad\"");
        pt_hb_attr(b, e[i].file);
        pt_hb_put(b, "\">");
        pt_hb_text(b, paths[e[i].db]);
        pt_hb_printf(b, ":%lld</a></td><td>", (long long)r->id);
        pt_hb_text(b, r->label);
        pt_hb_put(b, "</td><td>");
        pt_hb_text(b, when);
        pt_hb_printf(b, "</td><td class=\"num\" data-v=\"%lld\">", (long long)r->dur);
        pt_html_dur(b, (double)r->dur);
        pt_hb_printf(b, "</td><td class=\"num\" data-v=\"%.0f\">", e[i].thread_time);
        pt_html_dur(b, e[i].thread_time);
        pt_hb_printf(b, "</td><td class=\"num\" data-v=\"%lld\">%lld</td><td>%s</td><td>",
                     (long long)r->calls_seen, (long long)r->calls_seen,
                     r->complete ? "complete" : "INCOMPLETE");
        pt_hb_text(b, r->command);
        pt_hb_put(b, "</td></tr>\n");
    }
    pt_hb_put(b, "</tbody></table></div>\n</section>\n");
    for (size_t i = 0; i < n; i++)
        free(xlbuf[i]);
    free(xlbuf);
    free(xl);
    free(series);
    free(v);
}

/* Contract in html.h. */
int pt_html_batch_main(const char *const *specs, size_t nspecs, const char *dir, int quiet,
                       const pt_html_opts *o)
{
    pt_db **dbs = pt_xcalloc(nspecs, sizeof *dbs);
    char **paths = pt_xcalloc(nspecs, sizeof *paths);
    entry *e = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t s = 0; s < nspecs && !rc; s++) {
        char *run_part = NULL;
        pt_spec_split(specs[s], &paths[s], &run_part);
        pt_run *runs = NULL;
        size_t nr = 0;
        rc = pt_db_open(paths[s], &dbs[s]);
        if (!rc)
            rc = run_part ? pt_run_resolve_all(dbs[s], run_part, &runs, &nr)
                          : pt_runs_list(dbs[s], &runs, &nr);
        if (!rc && nr == 0) {
            pt_error("%s: no runs recorded", paths[s]);
            rc = PT_EXIT_DATA;
        }
        for (size_t i = 0; !rc && i < nr; i++) {
            pt_rd_grow(&e, &cap, n, sizeof *e, 16);
            e[n] = (entry){.db = s, .run = runs[i]};
            memset(&runs[i], 0, sizeof runs[i]);
            rc = pt_functions_load(dbs[s], e[n].run.id, &e[n].fns, &e[n].nfns, &e[n].thread_time);
            n++;
        }
        pt_runs_free(runs, nr);
        free(run_part);
    }
    if (!rc && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        pt_error("cannot create directory %s: %s", dir, strerror(errno));
        rc = PT_EXIT_USAGE;
    }
    if (!rc) {
        qsort(e, n, sizeof *e, cmp_entry);
        int width = n >= 100 ? 3 : 2;
        int progress = !quiet && isatty(STDERR_FILENO);
        for (size_t i = 0; i < n && !rc; i++) {
            int key = PT_FK_SELF;
            pt_functions_sort(e[i].fns, e[i].nfns, &key, 1);
            e[i].file = pt_xasprintf("%0*zu-run%lld.html", width, i + 1, (long long)e[i].run.id);
            pt_hbuf page = {0};
            rc = pt_html_report(dbs[e[i].db], &e[i].run, paths[e[i].db], o, &page);
            if (!rc) {
                char *path = pt_xasprintf("%s/%s", dir, e[i].file);
                rc = pt_html_write(path, &page);
                free(path);
            }
            pt_hb_free(&page);
            if (progress)
                fprintf(stderr, "\r%zu/%zu runs", i + 1, n);
        }
        if (progress)
            fprintf(stderr, "\n");
    }
    if (!rc) {
        pt_hbuf body = {0};
        index_page(&body, e, n, paths);
        char *path = pt_xasprintf("%s/index.html", dir);
        rc = pt_html_finish(o, "pscope batch report", pt_hb_str(&body), path);
        free(path);
        pt_hb_free(&body);
    }
    for (size_t i = 0; i < n; i++) {
        pt_run_clear(&e[i].run);
        pt_functions_free(e[i].fns, e[i].nfns);
        free(e[i].file);
    }
    free(e);
    for (size_t s = 0; s < nspecs; s++) {
        pt_db_close(dbs[s]);
        free(paths[s]);
    }
    free(dbs);
    free(paths);
    return rc;
}
