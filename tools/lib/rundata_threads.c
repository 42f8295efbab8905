/* tools/lib/rundata_threads.c: the per-thread breakdown of one run
 * (sql/stats_threads.sql): each thread's span and busy time and, per function, its calls,
 * times and shares of the thread and of the run. Part of the data layer (rundata.h). */
#include "rundata.h"

#include <stdlib.h>

static void fill_thread(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_thread_fn *r = row;
    (void)ctx;
    r->thread_id = sqlite3_column_int64(st, 0);
    r->tid = sqlite3_column_int64(st, 1);
    r->thread_name = pt_sql_col_strdup(st, 2);
    r->is_main = sqlite3_column_int64(st, 3);
    r->ts = sqlite3_column_int64(st, 4);
    r->has_end = sqlite3_column_type(st, 5) != SQLITE_NULL;
    r->end_ts = sqlite3_column_int64(st, 5);
    r->busy = pt_sql_col_real(st, 7);
    r->has_fn = sqlite3_column_type(st, 8) != SQLITE_NULL;
    r->function_id = sqlite3_column_int64(st, 8);
    r->name = pt_sql_col_strdup(st, 9);
    r->file = pt_sql_col_strdup(st, 10);
    r->line = sqlite3_column_int64(st, 11);
    r->calls = sqlite3_column_int64(st, 12);
    r->total = pt_sql_col_real(st, 13);
    r->self = pt_sql_col_real(st, 14);
    r->thread_share = pt_sql_col_real(st, 15);
    r->run_share = pt_sql_col_real(st, 16);
}

static void release_threads(void *rows, size_t n)
{
    pt_threads_free(rows, n);
}

/* Contract in rundata.h. */
int pt_threads_load(pt_db *db, int64_t run_id, pt_thread_fn **out, size_t *n)
{
    void *rows;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "stats_threads"), sizeof **out,
                        fill_thread, NULL, release_threads, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_threads_free(pt_thread_fn *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].thread_name);
        free(rows[i].name);
        free(rows[i].file);
    }
    free(rows);
}
