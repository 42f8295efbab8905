/* tools/sqlext/pscope_sqlfuncs.h: the SQL functions pscope adds to SQLite, shared by the
 * loadable extension (tools/sqlext/pscope_sqlite.c, where <sqlite3ext.h> routes every
 * sqlite3_* call through the host's API table) and by the tools (tools/lib, plain
 * <sqlite3.h>). It holds static definitions only, so each includer gets its own copy
 * bound to its own SQLite API; include it exactly once per program image, after the
 * SQLite header of that image.
 *
 * Functions:
 *   percentile(x, p)   aggregate: type-7 percentile (linear interpolation between order
 *                      statistics; numpy's default and SQLite's percentile extension) of
 *                      the non-NULL x, p in 0..100, constant within a group. NULL when no
 *                      value. Errors as SQLite's extension: p not a number in 0..100, p not
 *                      the same for all rows, x not numeric, x infinite.
 *   median(x)          aggregate: percentile(x, 50).
 *   hist_percentile(bucket, count, p[, min, max])
 *                      aggregate over histogram rows (function_hist, stage_hist): the
 *                      type-7 percentile of the counted values, as percentile() over the
 *                      raw rows, with each order statistic read as its bucket's midpoint
 *                      (common/hist.h pscope_hist_percentile_range: within 0.4% of the
 *                      exact value). With min and max (the exact extremes, e.g.
 *                      function_stat.min_dur/max_dur; over several rows the smallest min
 *                      and largest max count) the result is clamped to them, exactly as
 *                      pscope-stats reports it. NULL when no count.
 *   amdahl(p[, k])     scalar: overall speedup when a share p (0..1) of run time is removed
 *                      (1/(1-p); NULL for p >= 1) or made k times faster (1/((1-p)+p/k)).
 *   pscope_dur(ns)     scalar: human duration text ("1.23 ms"); NULL for NULL.
 *   pscope_calls(run)  table-valued: the run's full trace (call_block) with the columns of
 *                      `call`; see pscope_calls_vtab.h.
 *
 * Memory comes from sqlite3_malloc64 and is released in the final step of each group. */
#ifndef PSCOPE_SQLFUNCS_H
#define PSCOPE_SQLFUNCS_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "ptool.h"
#include "pscope_calls_vtab.h"

typedef struct {
    double *v;       /* the values seen */
    sqlite3_uint64 n, cap;
    double p;        /* requested percentile, 0..100 */
    int have_p;      /* p was set by the first row */
} pscope__pct_ctx;

/* Check/remember p (same rules as SQLite's percentile.c). Returns 0 or sets an error. */
static int pscope__pct_p(sqlite3_context *ctx, pscope__pct_ctx *c, sqlite3_value *pv,
                         const char *fname)
{
    int t = sqlite3_value_numeric_type(pv);
    double p = sqlite3_value_double(pv);
    if ((t != SQLITE_INTEGER && t != SQLITE_FLOAT) || !(p >= 0.0 && p <= 100.0)) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "2nd argument to %s() is not a number between 0.0 and 100.0", fname);
        sqlite3_result_error(ctx, msg, -1);
        return -1;
    }
    if (!c->have_p) {
        c->p = p;
        c->have_p = 1;
    } else if (c->p != p) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "2nd argument to %s() is not the same for all input rows", fname);
        sqlite3_result_error(ctx, msg, -1);
        return -1;
    }
    return 0;
}

static void pscope__pct_add(sqlite3_context *ctx, pscope__pct_ctx *c, sqlite3_value *xv,
                            const char *fname)
{
    int t = sqlite3_value_numeric_type(xv);
    if (t == SQLITE_NULL)
        return;
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) {
        char msg[128];
        snprintf(msg, sizeof msg, "1st argument to %s() is not numeric", fname);
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    double x = sqlite3_value_double(xv);
    if (isinf(x)) {
        char msg[128];
        snprintf(msg, sizeof msg, "Inf input to %s()", fname);
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    if (c->n == c->cap) {
        sqlite3_uint64 cap = c->cap ? c->cap * 2 : 64;
        double *nv = sqlite3_realloc64(c->v, cap * sizeof(double));
        if (!nv) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        c->v = nv;
        c->cap = cap;
    }
    c->v[c->n++] = x;
}

static void pscope__percentile_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    pscope__pct_ctx *c = sqlite3_aggregate_context(ctx, (int)sizeof *c);
    if (!c) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (pscope__pct_p(ctx, c, argv[1], "percentile") == 0)
        pscope__pct_add(ctx, c, argv[0], "percentile");
}

static void pscope__median_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    pscope__pct_ctx *c = sqlite3_aggregate_context(ctx, (int)sizeof *c);
    if (!c) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    c->p = 50.0;
    c->have_p = 1;
    pscope__pct_add(ctx, c, argv[0], "median");
}

static void pscope__percentile_final(sqlite3_context *ctx)
{
    pscope__pct_ctx *c = sqlite3_aggregate_context(ctx, 0);
    if (!c)
        return; /* no rows: NULL */
    if (c->n > 0)
        sqlite3_result_double(ctx, pt_percentile7_select(c->v, (size_t)c->n, c->p / 100.0));
    sqlite3_free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

typedef struct {
    uint32_t *bucket;
    uint64_t *count;
    sqlite3_uint64 n, cap;
    double p;
    int have_p;
    int unsorted;
    double min, max; /* exact extremes given as arguments 4 and 5; NAN when none */
    int have_range;
} pscope__hist_ctx;

static void pscope__hist_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    pscope__hist_ctx *c = sqlite3_aggregate_context(ctx, (int)sizeof *c);
    if (!c) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    pscope__pct_ctx pc = {.p = c->p, .have_p = c->have_p};
    if (pscope__pct_p(ctx, &pc, argv[2], "hist_percentile") != 0)
        return;
    c->p = pc.p;
    c->have_p = 1;
    if (!c->have_range) {
        c->min = c->max = NAN;
        c->have_range = 1;
    }
    for (int i = 3; i < argc; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            continue;
        double v = sqlite3_value_double(argv[i]);
        if (i == 3 && (isnan(c->min) || v < c->min))
            c->min = v;
        if (i == 4 && (isnan(c->max) || v > c->max))
            c->max = v;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    sqlite3_int64 b = sqlite3_value_int64(argv[0]), k = sqlite3_value_int64(argv[1]);
    if (b < 0 || b >= (sqlite3_int64)PSCOPE_HIST_BUCKETS || k < 0) {
        sqlite3_result_error(ctx, "hist_percentile(): bucket out of range or negative count", -1);
        return;
    }
    if (k == 0)
        return;
    if (c->n == c->cap) {
        sqlite3_uint64 cap = c->cap ? c->cap * 2 : 64;
        uint32_t *nb = sqlite3_realloc64(c->bucket, cap * sizeof(uint32_t));
        if (!nb) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        c->bucket = nb;
        uint64_t *nc = sqlite3_realloc64(c->count, cap * sizeof(uint64_t));
        if (!nc) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        c->count = nc;
        c->cap = cap;
    }
    if (c->n > 0 && c->bucket[c->n - 1] >= (uint32_t)b)
        c->unsorted = 1;
    c->bucket[c->n] = (uint32_t)b;
    c->count[c->n] = (uint64_t)k;
    c->n++;
}

static void pscope__hist_final(sqlite3_context *ctx)
{
    pscope__hist_ctx *c = sqlite3_aggregate_context(ctx, 0);
    if (!c)
        return;
    if (c->n > 0) {
        if (c->unsorted) { /* insertion sort by bucket, merging duplicates (several spans) */
            sqlite3_uint64 m = 0;
            for (sqlite3_uint64 i = 0; i < c->n; i++) {
                uint32_t b = c->bucket[i];
                uint64_t k = c->count[i];
                sqlite3_uint64 j = m;
                while (j > 0 && c->bucket[j - 1] > b)
                    j--;
                if (j > 0 && c->bucket[j - 1] == b) {
                    c->count[j - 1] += k;
                    continue;
                }
                memmove(c->bucket + j + 1, c->bucket + j, (size_t)(m - j) * sizeof(uint32_t));
                memmove(c->count + j + 1, c->count + j, (size_t)(m - j) * sizeof(uint64_t));
                c->bucket[j] = b;
                c->count[j] = k;
                m++;
            }
            c->n = m;
        }
        sqlite3_result_double(ctx, pscope_hist_percentile_range(c->bucket, c->count, (size_t)c->n,
                                                                c->p / 100.0, c->min, c->max));
    }
    sqlite3_free(c->bucket);
    sqlite3_free(c->count);
    c->bucket = NULL;
    c->count = NULL;
    c->n = c->cap = 0;
}

static void pscope__amdahl(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            return;
    double p = sqlite3_value_double(argv[0]);
    if (argc == 1) {
        if (p < 1.0)
            sqlite3_result_double(ctx, pt_amdahl_max(p));
        return;
    }
    double k = sqlite3_value_double(argv[1]);
    if (!(k > 0)) {
        sqlite3_result_error(ctx, "amdahl(): k must be > 0", -1);
        return;
    }
    sqlite3_result_double(ctx, pt_amdahl(p, k));
}

static void pscope__dur(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    char buf[PT_DUR_BUFSZ];
    pt_fmt_dur(sqlite3_value_double(argv[0]), buf, sizeof buf);
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* Register every function above on db. Returns SQLITE_OK or the first error code. */
static int pscope_sqlfuncs_register(sqlite3 *db)
{
    const int det = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    int rc = sqlite3_create_function(db, "percentile", 2, det, NULL, NULL,
                                     pscope__percentile_step, pscope__percentile_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "median", 1, det, NULL, NULL, pscope__median_step,
                                     pscope__percentile_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "hist_percentile", 3, det, NULL, NULL,
                                     pscope__hist_step, pscope__hist_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "hist_percentile", 5, det, NULL, NULL,
                                     pscope__hist_step, pscope__hist_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "amdahl", 1, det, NULL, pscope__amdahl, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "amdahl", 2, det, NULL, pscope__amdahl, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "pscope_dur", 1, det, NULL, pscope__dur, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = pscope_calls_vtab_register(db);
    return rc;
}

#endif /* PSCOPE_SQLFUNCS_H */
