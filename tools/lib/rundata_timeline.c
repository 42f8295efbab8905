/* tools/lib/rundata_timeline.c: what a run's charts draw beside the aggregates — the
 * per-call duration histograms of its functions (sql/html_hist.sql), the process-wide
 * resource samples over time (sql/html_samples.sql) and its top-level stage spans
 * (sql/html_spans.sql). Part of the data layer (rundata.h). */
#include "rundata.h"

#include <stdlib.h>

/* Contract in rundata.h. */
int pt_hist_load(pt_db *db, int64_t run_id, pt_hist_bucket **out, size_t *n)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "html_hist");
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if (!st)
        return PT_EXIT_DATA;
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(out, &cap, *n, sizeof **out, 256);
        pt_hist_bucket *h = &(*out)[(*n)++];
        h->function_id = sqlite3_column_int64(st, 0);
        h->lo = pt_sql_col_real(st, 1);
        h->hi = pt_sql_col_real(st, 2);
        h->count = pt_sql_col_real(st, 3);
    }
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Contract in rundata.h. */
int pt_samples_load(pt_db *db, int64_t run_id, pt_sample **out, size_t *n)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "html_samples");
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if (!st)
        return PT_EXIT_DATA;
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(out, &cap, *n, sizeof **out, 256);
        pt_sample *s = &(*out)[(*n)++];
        s->ts = pt_sql_col_real(st, 0);
        s->cpu = pt_sql_col_real(st, 1);
        s->rss = pt_sql_col_real(st, 2);
        s->gpu_util = pt_sql_col_real(st, 3);
        s->gpu_mem = pt_sql_col_real(st, 4);
    }
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Contract in rundata.h. */
int pt_spans_load(pt_db *db, int64_t run_id, int64_t limit, pt_span **out, size_t *n)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "html_spans");
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_int(st, ":limit", limit);
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(out, &cap, *n, sizeof **out, 64);
        pt_span *s = &(*out)[(*n)++];
        s->name = pt_sql_col_strdup(st, 0);
        s->ts = pt_sql_col_real(st, 1);
        s->dur = pt_sql_col_real(st, 2);
    }
    if (rc < 0) {
        pt_spans_free(*out, *n);
        *out = NULL;
        *n = 0;
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Contract in rundata.h. */
void pt_spans_free(pt_span *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].name);
    free(rows);
}
