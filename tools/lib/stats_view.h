/* tools/lib/stats_view.h: pscope-stats' views — each mode of the tool turns the run data
 * of the data layer (rundata.h) into ptool tables, header lines and notes on a pt_out,
 * which renders them as table, csv, json or md. The tool's main only parses options,
 * opens the database and the output and calls one view (load -> render).
 *
 *   stats_functions.c   the function table, the Amdahl hotspots, callers/callees
 *   stats_tree.c        the call tree
 *   stats_threads.c     threads, stages, resources, the run list
 *
 * Every view returns 0 or exits through pt_die with PT_EXIT_DATA and a one-line message
 * naming the database when the run cannot answer the request (no calls, no threads, ...).
 * docs/stats.md documents every column.
 */
#ifndef PSCOPE_STATS_VIEW_H
#define PSCOPE_STATS_VIEW_H

#include "rundata.h"
#include "ptool.h"

#define STATS_MAX_SORT_KEYS 8

/* What the command line asked for (the fields of the views; unset values as noted). */
typedef struct stats_opts {
    const char *function;  /* --callers/--callees target */
    pt_format format;
    int sort[STATS_MAX_SORT_KEYS]; /* pt_fn_key values */
    size_t nsort;          /* 0: by self time */
    int64_t top;           /* -1: the mode's default; 0: all */
    double min_share;      /* fraction; NAN: not given */
    double factor;         /* --factor; NAN: not given (2) */
    int64_t depth;         /* --depth levels; -1: unlimited */
    int exact;
    pt_filter *filter;
    int raw;               /* --raw: no hook-cost compensation */
    int basis;             /* stats_basis: share basis (--basis) */
    int exclude_from_basis;/* --exclude-from-basis: filtered-out functions leave the basis */
} stats_opts;

/* What shares are of (--basis): on-CPU time when the run has CPU samples (auto), or all
 * threads' self time, waiting included (thread). docs/stats.md, "Share basis". */
typedef enum { STATS_BASIS_AUTO, STATS_BASIS_ONCPU, STATS_BASIS_THREAD } stats_basis;

/* One invocation: options, the open database and the resolved run, the output. */
typedef struct stats_ctx {
    stats_opts *opt;
    pt_db *db;
    pt_run run;
    pt_out *out;
    char *db_path;
} stats_ctx;

/* The views, one per mode. */
int stats_view_table(stats_ctx *c);
int stats_view_hotspots(stats_ctx *c);
int stats_view_tree(stats_ctx *c);
int stats_view_edges(stats_ctx *c, int callers);
int stats_view_threads(stats_ctx *c);
int stats_view_stages(stats_ctx *c);
int stats_view_resources(stats_ctx *c);
int stats_view_runs(stats_ctx *c);

/* Shared by the views: the run's header line and JSON members; a table rendered into the
 * output and freed (dies on a write error); the row limit of --top with the mode's
 * default `dflt` (INT64_MAX for "all"). */
void stats_run_header(stats_ctx *c);
void stats_emit(stats_ctx *c, pt_table *t);
int64_t stats_row_limit(const stats_opts *o, int64_t dflt);

/* Table builders shared with pscope-html (which renders the same tables as HTML). */

typedef struct stats_honest stats_honest; /* honest-time data of a run (below) */

/* The function table of rows[0..n) (already selected and ordered), with the honest-time
 * columns the run has data for when honest is not NULL (stats_honest_functions). */
pt_table *stats_functions_table(const pt_fnrow *rows, size_t n,
                                const stats_honest *honest);

/* Which hotspot rows a table shows: rows shown (ranked 1..shown), rows passing the filter
 * and --min-share, and the first shown (NULL when none). */
typedef struct stats_hot_pick {
    int64_t shown, matching;
    const pt_hotspot *top;
} stats_hot_pick;

/* The hotspot table of hs[0..nh) for factor k under o's filter, --min-share and --top
 * (default 10), with the on-CPU columns when honest (may be NULL) has CPU samples; fills
 * *pick. */
pt_table *stats_hotspots_table(const stats_opts *o, const pt_hotspot *hs, size_t nh, double k,
                               const stats_honest *honest, stats_hot_pick *pick);

/* The one-sentence Amdahl verdict on the top hotspot for factor k (caller frees); its share
 * is of the on-CPU time when oncpu_basis, else of the run time. */
char *stats_amdahl_sentence(const pt_hotspot *top, double k, int oncpu_basis);

/* The per-thread table of rows[0..nrows) under o's filter, --min-share (run share) and
 * --top (functions per thread); the number of threads into *nthreads. */
pt_table *stats_threads_table(const stats_opts *o, const pt_thread_fn *rows, size_t nrows,
                              int64_t *nthreads);

/* The stage table of rows[0..nrows) under o's filter and --top. */
pt_table *stats_stages_table(const stats_opts *o, const pt_stage_row *rows, size_t nrows);

/* The callers (callers = 1) or callees table of e under o's filter and --top; rows shown
 * and rows passing the filter into *shown, *matching. */
pt_table *stats_edges_table(const stats_opts *o, const pt_edges *e, int callers,
                            int64_t *shown, int64_t *matching);

/* Exit with PT_EXIT_DATA when a loader failed (its message is already printed). */
void stats_check(int rc);

/* Honest times (stats_honest.c). Each loads the run's calibration, waits and CPU samples,
 * compensates the hook cost (unless --raw or uncalibrated), fills the on-CPU fields,
 * recomputes shares on the chosen basis (dies with PT_EXIT_DATA when --basis oncpu is
 * asked of a run without CPU samples) and writes its header lines and JSON members.
 * Function rows: *thread_time becomes the compensated thread time; *basis_out (may be
 * NULL) the basis used. Hotspots: share, speedups and time saved recomputed for factor k
 * on the basis, rows re-ranked by time saved. Tree: node times compensated. The
 * *_header functions write the lines after the run header. */
stats_honest *stats_honest_functions(stats_ctx *c, pt_fnrow *rows, size_t n,
                                     double *thread_time);
stats_honest *stats_honest_hotspots(stats_ctx *c, pt_hotspot *rows, size_t n, double k,
                                    double *basis_total);
stats_honest *stats_honest_tree(stats_ctx *c, pt_tree *tree);
void stats_honest_header(stats_ctx *c, const stats_honest *s);
/* Human notes for shown hotspot rows that mostly wait ("blocked 99% of its time"). */
void stats_honest_blocked_note(stats_ctx *c, const pt_hotspot *h);
/* 1 when the run has CPU samples (on-CPU columns are shown) / shares are on-CPU based /
 * figures are compensated. */
int stats_honest_has_cpu(const stats_honest *s);
int stats_honest_oncpu_basis(const stats_honest *s);
int stats_honest_compensated(const stats_honest *s);
void stats_honest_free(stats_honest *s);

#endif
