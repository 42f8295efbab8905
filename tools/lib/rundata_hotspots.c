/* tools/lib/rundata_hotspots.c: the Amdahl ranking of one run (sql/stats_hotspots.sql):
 * per function its share of thread time, the speedup bounds 1/(1-p) and 1/((1-p)+p/k)
 * and the time saved by making it k times faster. Part of the data layer (rundata.h). */
#include "rundata.h"

#include <math.h>
#include <stdlib.h>

static void fill_hotspot(sqlite3_stmt *st, void *row, void *thread_time)
{
    pt_hotspot *h = row;
    h->function_id = sqlite3_column_int64(st, 0);
    h->name = pt_sql_col_strdup(st, 1);
    h->file = pt_sql_col_strdup(st, 2);
    h->line = sqlite3_column_int64(st, 3);
    h->calls = sqlite3_column_int64(st, 4);
    h->self = pt_sql_col_real(st, 6);
    h->share = pt_sql_col_real(st, 8);
    h->max_speedup = pt_sql_col_real(st, 9);
    if (isnan(h->max_speedup) && h->share >= 1.0)
        h->max_speedup = INFINITY;
    h->speedup_k = pt_sql_col_real(st, 10);
    h->saved = pt_sql_col_real(st, 11);
    *(double *)thread_time = pt_sql_col_real(st, 12);
    h->self_raw = h->basis_time = h->self; /* honest-time fields until stats_honest */
    h->oncpu_share = h->oncpu = h->blocked_share = NAN;
    h->cpu_samples = 0;
    h->runq_known = 0;
}

static void release_hotspots(void *rows, size_t n)
{
    pt_hotspots_free(rows, n);
}

/* Contract in rundata.h. */
int pt_hotspots_load(pt_db *db, int64_t run_id, double k, pt_hotspot **out, size_t *n,
                     double *thread_time)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_hotspots");
    if (st)
        pt_sql_bind_real(st, ":factor", k);
    void *rows;
    *thread_time = 0;
    int rc = pt_rd_read(db, st, sizeof **out, fill_hotspot, thread_time, release_hotspots, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_hotspots_free(pt_hotspot *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].name);
        free(rows[i].file);
    }
    free(rows);
}
