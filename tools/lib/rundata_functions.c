/* tools/lib/rundata_functions.c: the function rows of one run (sql/stats_functions.sql):
 * exact calls, inclusive/self time, histogram percentiles, shares of thread time; exact
 * type-7 percentiles from the raw `call` rows on request; the function-table sort order.
 * Part of the data layer described in rundata.h. */
#include "rundata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const pt_fn_sort_names[PT_FK_COUNT] = {
    "calls", "self", "total", "mean", "p50", "p95", "p99", "max", "name", "file", "oncpu",
};

static void fill_fn(sqlite3_stmt *st, void *row, void *thread_time)
{
    pt_fnrow *r = row;
    int i = 0;
    r->id = sqlite3_column_int64(st, i++);
    r->name = pt_sql_col_strdup(st, i++);
    r->module = pt_sql_col_strdup(st, i++);
    r->file = pt_sql_col_strdup(st, i++);
    r->line = sqlite3_column_int64(st, i++);
    r->calls = sqlite3_column_int64(st, i++);
    r->primitive_calls = sqlite3_column_int64(st, i++);
    r->total = pt_sql_col_real(st, i++);
    r->self = pt_sql_col_real(st, i++);
    r->self_per_call = pt_sql_col_real(st, i++);
    r->total_per_call = pt_sql_col_real(st, i++);
    r->mean = pt_sql_col_real(st, i++);
    r->min = pt_sql_col_real(st, i++);
    r->max = pt_sql_col_real(st, i++);
    r->p50 = pt_sql_col_real(st, i++);
    r->p95 = pt_sql_col_real(st, i++);
    r->p99 = pt_sql_col_real(st, i++);
    r->self_share = pt_sql_col_real(st, i++);
    r->total_share = pt_sql_col_real(st, i++);
    *(double *)thread_time = pt_sql_col_real(st, i++);
    r->self_raw = r->self; /* honest-time fields until stats_honest fills them */
    r->total_raw = r->total;
    r->oncpu_share = r->oncpu = NAN;
    r->cpu_samples = 0;
    if (!r->name)
        r->name = pt_xstrdup("");
}

static void release_fn(void *rows, size_t n)
{
    pt_functions_free(rows, n);
}

/* Contract in rundata.h. */
int pt_functions_load(pt_db *db, int64_t run_id, pt_fnrow **out, size_t *n,
                      double *thread_time)
{
    void *rows;
    *thread_time = 0;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "stats_functions"), sizeof **out, fill_fn,
                        thread_time, release_fn, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_fnrow_clear(pt_fnrow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].file);
        free(rows[i].module);
    }
}

/* Contract in rundata.h. */
void pt_functions_free(pt_fnrow *rows, size_t n)
{
    if (rows)
        pt_fnrow_clear(rows, n);
    free(rows);
}

static int cmp_row_id(const void *a, const void *b, void *rows_)
{
    const pt_fnrow *rows = rows_;
    int64_t x = rows[*(const size_t *)a].id, y = rows[*(const size_t *)b].id;
    return (x > y) - (x < y);
}

/* Contract in rundata.h. */
int pt_functions_exact(pt_db *db, int64_t run_id, const char *db_path, pt_fnrow *rows, size_t n)
{
    /* function id -> row, through an index sorted by id */
    size_t *byid = pt_xmalloc((n ? n : 1) * sizeof *byid);
    for (size_t i = 0; i < n; i++)
        byid[i] = i;
    qsort_r(byid, n, sizeof *byid, cmp_row_id, rows);
    struct durs { double *v; size_t n, cap; } *d = pt_xcalloc(n ? n : 1, sizeof *d);
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_exact");
    int rc = st ? 1 : -1;
    while (st && (rc = pt_rd_step(db, st)) > 0) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (rows[byid[mid]].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n || rows[byid[lo]].id != id)
            continue; /* a row of a function without statistics: nothing to report */
        struct durs *x = &d[byid[lo]];
        if (x->n == x->cap) {
            x->cap = x->cap ? x->cap * 2 : (size_t)(rows[byid[lo]].calls > 0 ? rows[byid[lo]].calls : 16);
            x->v = pt_xrealloc(x->v, x->cap * sizeof *x->v);
        }
        x->v[x->n++] = sqlite3_column_double(st, 1);
    }
    if (rc == 0)
        sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            if ((int64_t)d[i].n != rows[i].calls)
                pt_warn("%s: function %s has %zu stored calls but %lld counted; its exact "
                        "percentiles cover the stored ones", db_path, rows[i].name, d[i].n,
                        (long long)rows[i].calls);
            rows[i].p50 = pt_percentile7_select(d[i].v, d[i].n, 0.50);
            rows[i].p95 = pt_percentile7_select(d[i].v, d[i].n, 0.95);
            rows[i].p99 = pt_percentile7_select(d[i].v, d[i].n, 0.99);
        }
        free(d[i].v);
    }
    free(d);
    free(byid);
    return rc == 0 ? 0 : PT_EXIT_DATA;
}

/* Contract in rundata.h. */
int pt_cmp_desc(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b); /* missing values last */
    return (a < b) - (a > b);
}

static int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (!a) - (!b); /* missing last */
    return strcmp(a, b);
}

struct sort_keys {
    const int *keys;
    size_t n;
};

static int cmp_fn(const void *pa, const void *pb, void *k_)
{
    const struct sort_keys *k = k_;
    const pt_fnrow *a = pa, *b = pb;
    for (size_t i = 0; i < k->n; i++) {
        int r = 0;
        switch ((pt_fn_key)k->keys[i]) {
        case PT_FK_CALLS: r = pt_cmp_desc((double)a->calls, (double)b->calls); break;
        case PT_FK_SELF: r = pt_cmp_desc(a->self, b->self); break;
        case PT_FK_TOTAL: r = pt_cmp_desc(a->total, b->total); break;
        case PT_FK_MEAN: r = pt_cmp_desc(a->mean, b->mean); break;
        case PT_FK_P50: r = pt_cmp_desc(a->p50, b->p50); break;
        case PT_FK_P95: r = pt_cmp_desc(a->p95, b->p95); break;
        case PT_FK_P99: r = pt_cmp_desc(a->p99, b->p99); break;
        case PT_FK_MAX: r = pt_cmp_desc(a->max, b->max); break;
        case PT_FK_NAME: r = cmp_str(a->name, b->name); break;
        case PT_FK_FILE:
            r = cmp_str(a->file, b->file);
            if (!r)
                r = (a->line > b->line) - (a->line < b->line);
            break;
        case PT_FK_ONCPU: r = pt_cmp_desc(a->oncpu, b->oncpu); break;
        case PT_FK_COUNT:
        default: break;
        }
        if (r)
            return r;
    }
    int r = strcmp(a->name, b->name);
    return r ? r : (a->id > b->id) - (a->id < b->id);
}

/* Contract in rundata.h. */
void pt_functions_sort(pt_fnrow *rows, size_t n, const int *keys, size_t nkeys)
{
    struct sort_keys k = {keys, nkeys};
    if (n > 1) /* rows may be NULL when n is 0 */
        qsort_r(rows, n, sizeof *rows, cmp_fn, &k);
}
