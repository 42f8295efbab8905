/* tools/lib/rundata_stages.c: the stage table (sql/stats_stages.sql), the resource
 * attribution (sql/stats_resources.sql) and the row counts (sql/stats_counts.sql) of one
 * run. Part of the data layer (rundata.h). */
#include "rundata.h"

#include <stdlib.h>
#include <string.h>

/* Contract in rundata.h. */
int pt_counts_load(pt_db *db, int64_t run_id, pt_counts *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_counts");
    if (!st)
        return PT_EXIT_DATA;
    int rc = pt_rd_step(db, st);
    if (rc < 0)
        return PT_EXIT_DATA;
    if (rc > 0) {
        out->stages = sqlite3_column_int64(st, 0);
        out->resource_samples = sqlite3_column_int64(st, 1);
        out->threads = sqlite3_column_int64(st, 2);
        out->functions = sqlite3_column_int64(st, 3);
        out->callpaths = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    return 0;
}

static void fill_stage(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_stage_row *r = row;
    (void)ctx;
    r->name = pt_sql_col_strdup(st, 0);
    r->spans = sqlite3_column_int64(st, 1);
    r->open_spans = sqlite3_column_int64(st, 2);
    r->first_ts = pt_sql_col_real(st, 3);
    r->total = pt_sql_col_real(st, 4);
    r->records_in = pt_sql_col_real(st, 5);
    r->records_out = pt_sql_col_real(st, 6);
    r->pass_ratio = pt_sql_col_real(st, 7);
    r->throughput = pt_sql_col_real(st, 8);
    r->record_marks = sqlite3_column_int64(st, 9);
    r->cpu_ns = pt_sql_col_real(st, 10);
    r->cpu_util = pt_sql_col_real(st, 11);
    r->rss_growth = pt_sql_col_real(st, 12);
    r->minflt = pt_sql_col_real(st, 13);
    r->majflt = pt_sql_col_real(st, 14);
    r->latency_samples = pt_sql_col_real(st, 15);
    r->p50 = pt_sql_col_real(st, 16);
    r->p95 = pt_sql_col_real(st, 17);
    r->p99 = pt_sql_col_real(st, 18);
}

static void release_stages(void *rows, size_t n)
{
    pt_stages_free(rows, n);
}

/* Contract in rundata.h. */
int pt_stages_load(pt_db *db, int64_t run_id, pt_stage_row **out, size_t *n)
{
    void *rows;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "stats_stages"), sizeof **out, fill_stage,
                        NULL, release_stages, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_stages_free(pt_stage_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].name);
    free(rows);
}

static void fill_resource(sqlite3_stmt *st, void *row, void *ctx)
{
    pt_resource_row *r = row;
    (void)ctx;
    r->kind = pt_sql_col_strdup(st, 0);
    r->name = pt_sql_col_strdup(st, 1);
    r->file = pt_sql_col_strdup(st, 2);
    r->line = sqlite3_column_int64(st, 3);
    r->samples = sqlite3_column_int64(st, 4);
    r->cpu_user = pt_sql_col_real(st, 5);
    r->cpu_sys = pt_sql_col_real(st, 6);
    r->cpu = pt_sql_col_real(st, 7);
    r->cpu_share = pt_sql_col_real(st, 8);
    r->rss_max = pt_sql_col_real(st, 9);
    r->rss_growth = pt_sql_col_real(st, 10);
    r->minflt = pt_sql_col_real(st, 11);
    r->majflt = pt_sql_col_real(st, 12);
    r->gpu_util = pt_sql_col_real(st, 13);
    r->gpu_mem_max = pt_sql_col_real(st, 14);
}

static void release_resources(void *rows, size_t n)
{
    pt_resources_free(rows, n);
}

/* Contract in rundata.h. */
int pt_resources_load(pt_db *db, int64_t run_id, pt_resource_row **out, size_t *n)
{
    void *rows;
    int rc = pt_rd_read(db, pt_rd_prepare(db, run_id, "stats_resources"), sizeof **out,
                        fill_resource, NULL, release_resources, &rows, n);
    *out = rows;
    return rc;
}

/* Contract in rundata.h. */
void pt_resources_free(pt_resource_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].kind);
        free(rows[i].name);
        free(rows[i].file);
    }
    free(rows);
}
