/* tools/lib/rundata_timeline.c: what a run's charts draw beside the aggregates — the
 * per-call duration histograms of its functions (sql/html_hist.sql), the process-wide
 * resource samples over time (sql/html_samples.sql) and its top-level stage spans
 * (sql/html_spans.sql). Part of the data layer (rundata.h). */
#include "rundata.h"

#include <stdlib.h>

static void fill_bucket(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_hist_bucket *h = row;
    (void)ctx;
    h->function_id = sqlite3_column_int64(st, 0);
    h->lo = pt_sql_col_real(st, 1);
    h->hi = pt_sql_col_real(st, 2);
    h->count = pt_sql_col_real(st, 3);
}

static void fill_sample(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_sample *s = row;
    (void)ctx;
    s->ts = pt_sql_col_real(st, 0);
    s->cpu = pt_sql_col_real(st, 1);
    s->rss = pt_sql_col_real(st, 2);
    s->gpu_util = pt_sql_col_real(st, 3);
    s->gpu_mem = pt_sql_col_real(st, 4);
}

static void fill_span(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_span *s = row;
    (void)ctx;
    s->name = pt_sql_col_strdup(st, 0);
    s->ts = pt_sql_col_real(st, 1);
    s->dur = pt_sql_col_real(st, 2);
}

static void release_plain(void *rows, size_t n)
{
    (void)n;
    free(rows);
}

static void release_spans(void *rows, size_t n)
{
    pt_spans_free(rows, n);
}

/* Contract in rundata.h. */
int pt_hist_load(pt_db *db, int64_t run_id, pt_hist_bucket **out, size_t *n)
{
    void *rows;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "html_hist"), sizeof **out, fill_bucket,
                        NULL, release_plain, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
int pt_samples_load(pt_db *db, int64_t run_id, pt_sample **out, size_t *n)
{
    void *rows;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "html_samples"), sizeof **out,
                        fill_sample, NULL, release_plain, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
int pt_spans_load(pt_db *db, int64_t run_id, int64_t limit, pt_span **out, size_t *n)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "html_spans");
    if (st)
        pt_sql_bind_int(st, ":limit", limit);
    void *rows;
    int rc = pt_rd_read(db, st, sizeof **out, fill_span, NULL, release_spans, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_spans_free(pt_span *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].name);
    free(rows);
}
