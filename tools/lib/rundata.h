/* tools/lib/rundata.h: the data layer of the pscope tools — one run read from its database
 * into plain C structures, shared by every renderer (pscope-stats' table/csv/json/md views,
 * pscope-html's report).
 *
 * Each concern has its own file and its own embedded query (sql/stats_*.sql):
 *   rundata_functions.c  function rows (exact figures, histogram percentiles), exact
 *                        type-7 percentiles from raw rows, the function-table sort
 *   rundata_hotspots.c   Amdahl ranking rows
 *   rundata_tree.c       the calling-context tree (nodes, parent/child indexes)
 *   rundata_edges.c      callers / callees of one function
 *   rundata_threads.c    per thread and function rows
 *   rundata_stages.c     stage rows, resource rows, row counts of a run
 *   rundata_timeline.c   duration histograms, process resource samples, stage spans
 *   rundata_query.c      the shared "prepare with :run_id / step" helpers, array growth
 *
 * Contract shared by every loader: it reads everything the query returns (no filter, no
 * limit: views decide what to show), returns 0, or PT_EXIT_DATA after one line on stderr
 * (query failed: a damaged file, a database the query does not fit). Outputs are owned by
 * the caller and released with the matching *_free (NULL/zeroed structures are fine to
 * free). Strings are copies; NULL where the database has NULL, except the names of
 * function rows and tree nodes, which are "" then.
 */
#ifndef PSCOPE_RUNDATA_H
#define PSCOPE_RUNDATA_H

#include <stddef.h>
#include <stdint.h>

#include "ptool.h"

/* ---- shared helpers (rundata_query.c) ------------------------------------------------ */

/* Prepare the embedded query `name` with :run_id bound to run_id. NULL after a message. */
sqlite3_stmt *pt_rd_prepare(pt_db *db, int64_t run_id, const char *name);

/* Step st: 1 row, 0 done; on an error the statement is finalized and -1 returned (the
 * message is printed by pt_sql_step). */
int pt_rd_step(pt_db *db, sqlite3_stmt *st);

/* Grow array *p of elements of `size` bytes so that index `n` fits; *cap is its capacity
 * (first allocation: `first` elements). Never fails (dies on out-of-memory). */
void pt_rd_grow(void *p, size_t *cap, size_t n, size_t size, size_t first);

/* Fills one zeroed row from the current result row of st; ctx as given to pt_rd_read. */
typedef void (*pt_rd_fill)(sqlite3_stmt *st, void *row, void *ctx);
/* Releases rows[0..n) and the array. */
typedef void (*pt_rd_release)(void *rows, size_t n);

/* The one row-reading loop of every loader: step st (NULL: its prepare failed, already
 * reported) to the end, each result row into a new zeroed element of `size` bytes filled
 * by fill. Returns 0 with the array in *rows (NULL when empty) and its length in *n, or
 * PT_EXIT_DATA after a query error, the rows read so far given to release. */
int pt_rd_read(pt_db *db, sqlite3_stmt *st, size_t size, pt_rd_fill fill, void *ctx,
               pt_rd_release release, void **rows, size_t *n);

/* ---- functions (rundata_functions.c, sql/stats_functions.sql) -------------------------- */

typedef struct pt_fnrow {
    int64_t id, line, calls, primitive_calls;
    char *name, *file, *module;
    double total, self, self_per_call, total_per_call, mean, min, max, p50, p95, p99;
    double self_share, total_share; /* of the run's thread time, 0..1 */
    /* honest times (stats_honest.c; rundata_honest.h): the measured figures before hook
     * compensation, the on-CPU estimate (NAN: too few samples) and its sample count */
    double self_raw, total_raw, oncpu_share, oncpu;
    int64_t cpu_samples;
} pt_fnrow;

/* Every function with statistics of run `run_id`, in the query's order, into a new array
 * *rows[0..*n) and the run's thread time (sum of self times, ns) into *thread_time.
 * Percentiles are the histogram ones (≤1%). */
int pt_functions_load(pt_db *db, int64_t run_id, pt_fnrow **rows, size_t *n,
                      double *thread_time);

/* Replace the histogram percentiles of rows[0..n) with exact type-7 ones computed from the
 * raw `call` rows in one unordered pass. A function whose stored rows are fewer than its
 * counted calls gets a warning naming db_path. The caller checks first that the run stored
 * every call. */
int pt_functions_exact(pt_db *db, int64_t run_id, const char *db_path, pt_fnrow *rows,
                       size_t n);

/* Free the strings of rows[0..n) (not the array). */
void pt_fnrow_clear(pt_fnrow *rows, size_t n);

/* Free rows[0..n) and the array. */
void pt_functions_free(pt_fnrow *rows, size_t n);

/* Sort keys of the function table; pt_fn_sort_names[] holds their --sort names. */
typedef enum {
    PT_FK_CALLS, PT_FK_SELF, PT_FK_TOTAL, PT_FK_MEAN, PT_FK_P50, PT_FK_P95, PT_FK_P99,
    PT_FK_MAX, PT_FK_NAME, PT_FK_FILE, PT_FK_ONCPU, PT_FK_COUNT
} pt_fn_key;
extern const char *const pt_fn_sort_names[PT_FK_COUNT];

/* Sort rows by keys[0..nkeys) (numbers descending with missing values last, name and
 * file:line ascending), ties by name then id: a total order. */
void pt_functions_sort(pt_fnrow *rows, size_t n, const int *keys, size_t nkeys);

/* Numeric order, descending, NAN last (the order of every "biggest first" list). */
int pt_cmp_desc(double a, double b);

/* ---- hotspots (rundata_hotspots.c, sql/stats_hotspots.sql) ----------------------------- */

typedef struct pt_hotspot {
    int64_t function_id, line, calls;
    char *name, *file;
    double share;       /* self time / thread time */
    double self;        /* ns */
    double max_speedup; /* 1/(1-share); INFINITY when share >= 1 */
    double speedup_k;   /* 1/((1-share)+share/k) */
    double saved;       /* self * (1 - 1/k), ns */
    /* honest times (stats_honest.c): self before compensation, the on-CPU estimate (NAN:
     * too few samples), its sample count, and the time the share is of (the basis) */
    double self_raw, oncpu_share, oncpu, basis_time;
    int64_t cpu_samples;
    double blocked_share; /* sleeping share (NAN: unknown); runq_known: it excludes
                           * waiting for a busy CPU */
    int runq_known;
} pt_hotspot;

/* The Amdahl ranking for factor k, by time saved (descending), into *rows[0..*n); the run's
 * thread time into *thread_time. */
int pt_hotspots_load(pt_db *db, int64_t run_id, double k, pt_hotspot **rows, size_t *n,
                     double *thread_time);
void pt_hotspots_free(pt_hotspot *rows, size_t n);

/* ---- call tree (rundata_tree.c, sql/stats_tree.sql) ------------------------------------ */

typedef struct pt_tnode {
    int64_t id, parent_id, depth, calls, function_id, line; /* parent_id -1 for roots */
    double total, self, min, max;
    char *name, *file;
    size_t parent; /* index in nodes[]; SIZE_MAX for roots or a parent not loaded */
    size_t *kids;  /* child indexes, by inclusive time descending, then name, then id */
    size_t nkids, capkids;
    /* honest times (stats_honest.c): on-CPU estimate of the path (NAN: too few samples) */
    double oncpu_share;
    int64_t cpu_samples;
} pt_tnode;

typedef struct pt_tree {
    pt_tnode *nodes; /* ascending callpath id */
    size_t n;
    size_t *roots;   /* root indexes, ordered as kids */
    size_t nroots;
    double thread_time;
} pt_tree;

/* The call paths of depth <= max_depth (0-based; INT64_MAX for all) linked into a tree. */
int pt_tree_load(pt_db *db, int64_t run_id, int64_t max_depth, pt_tree *out);
void pt_tree_free(pt_tree *t);

/* ---- callers / callees (rundata_edges.c) ------------------------------------------------ */

typedef struct pt_edge {
    int root;          /* 1: the "<thread start>" caller row (no function) */
    int64_t id, line, calls, paths;
    char *name, *file;
    double total, self;
} pt_edge;

typedef struct pt_edges {
    int found;         /* functions of that name in the run; 0: none */
    char *label;       /* "name (file:line)" of the first of them; NULL when none */
    int64_t calls;     /* sum over the functions of that name */
    double total, self;
    int recursive;     /* the function calls itself / is its own caller */
    pt_edge *rows;     /* in the query's order (inclusive time descending) */
    size_t n;
} pt_edges;

/* Callers (callers = 1) or callees of every function named `name` in the run. A name not
 * in the run is not an error here: found is 0 and there are no rows. */
int pt_edges_load(pt_db *db, int64_t run_id, const char *name, int callers, pt_edges *out);
void pt_edges_free(pt_edges *e);

/* ---- threads (rundata_threads.c, sql/stats_threads.sql) --------------------------------- */

typedef struct pt_thread_fn {
    int64_t thread_id, tid, is_main;
    char *thread_name;        /* NULL when unnamed */
    int has_end;              /* end_ts known */
    int64_t ts, end_ts;
    double busy;              /* the thread's self time, ns */
    int has_fn;               /* 0: a thread without any completed call (one row) */
    int64_t function_id, line, calls;
    char *name, *file;
    double total, self, thread_share, run_share;
} pt_thread_fn;

/* One row per (thread, function), threads ascending, functions by self time descending. */
int pt_threads_load(pt_db *db, int64_t run_id, pt_thread_fn **rows, size_t *n);
void pt_threads_free(pt_thread_fn *rows, size_t n);

/* ---- stages, resources, counts (rundata_stages.c) -------------------------------------- */

typedef struct pt_counts {
    int64_t stages, resource_samples, threads, functions, callpaths;
} pt_counts;

/* Row counts of the run's tables. */
int pt_counts_load(pt_db *db, int64_t run_id, pt_counts *out);

typedef struct pt_stage_row {
    char *name;
    int64_t spans, open_spans, record_marks;
    double first_ts, total, records_in, records_out, pass_ratio, throughput, cpu_ns,
        cpu_util, rss_growth, minflt, majflt, latency_samples, p50, p95, p99; /* NAN: null */
} pt_stage_row;

/* Stages by name in order of first start. */
int pt_stages_load(pt_db *db, int64_t run_id, pt_stage_row **rows, size_t *n);
void pt_stages_free(pt_stage_row *rows, size_t n);

typedef struct pt_resource_row {
    char *kind;          /* "process", "function" or "stage" */
    char *name, *file;   /* NULL for the process row */
    int64_t line, samples;
    double cpu_user, cpu_sys, cpu, cpu_share, rss_max, rss_growth, minflt, majflt,
        gpu_util, gpu_mem_max; /* NAN: null */
} pt_resource_row;

/* Resource samples grouped: the process row, then functions, then stages, by CPU time. */
int pt_resources_load(pt_db *db, int64_t run_id, pt_resource_row **rows, size_t *n);
void pt_resources_free(pt_resource_row *rows, size_t n);

/* ---- histograms, timeline (rundata_timeline.c) ------------------------------------------ */

typedef struct pt_hist_bucket {
    int64_t function_id;
    double lo, hi;  /* ns, [lo, hi) */
    double count;
} pt_hist_bucket;

/* Every non-empty per-call duration bucket of every function of the run, by function id
 * and bucket (sql/html_hist.sql). */
int pt_hist_load(pt_db *db, int64_t run_id, pt_hist_bucket **rows, size_t *n);

typedef struct pt_sample {
    double ts, cpu, rss, gpu_util, gpu_mem; /* ns since start, CPU ns since the previous
                                               tick, bytes, %, bytes; NAN: null */
} pt_sample;

/* The process-wide resource samples in time order (sql/html_samples.sql). */
int pt_samples_load(pt_db *db, int64_t run_id, pt_sample **rows, size_t *n);

typedef struct pt_span {
    char *name;
    double ts, dur; /* ns */
} pt_span;

/* At most `limit` ended top-level stage spans in time order (sql/html_spans.sql). */
int pt_spans_load(pt_db *db, int64_t run_id, int64_t limit, pt_span **rows, size_t *n);
void pt_spans_free(pt_span *rows, size_t n);

#endif
