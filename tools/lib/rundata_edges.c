/* tools/lib/rundata_edges.c: callers or callees of one function, by name, in one run
 * (sql/stats_function_find.sql, stats_callers.sql, stats_callees.sql): per-edge calls,
 * inclusive and self time and the number of call paths merged into the edge. Part of the
 * data layer (rundata.h). */
#include "rundata.h"

#include <stdlib.h>
#include <string.h>

/* Is run_id an import from cProfile, which has caller edges (function_caller) instead of
 * call paths? A version-1 database (no run.source) never is. */
static int has_caller_edges(pt_db *db, int64_t run_id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "SELECT source = 'cprofile' FROM run WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_bind_int64(st, 1, run_id);
    int edges = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return edges;
}

/* Contract in rundata.h. */
int pt_edges_load(pt_db *db, int64_t run_id, const char *name, int callers, pt_edges *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_function_find");
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_text(st, ":name", name);
    int rc;
    while ((rc = pt_rd_step(db, st)) > 0) {
        if (!out->found)
            out->label = pt_func_label(pt_sql_col_text(st, 1), pt_sql_col_text(st, 2),
                                       sqlite3_column_int64(st, 3));
        out->found++;
        out->calls += sqlite3_column_int64(st, 4);
        out->total += pt_sql_col_real(st, 5);
        out->self += pt_sql_col_real(st, 6);
    }
    if (rc < 0) {
        pt_edges_free(out);
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    if (!out->found)
        return 0;
    int edges = has_caller_edges(db, run_id);
    st = pt_rd_prepare(db, run_id, callers ? (edges ? "stats_callers_edges" : "stats_callers")
                                           : (edges ? "stats_callees_edges" : "stats_callees"));
    if (!st) {
        pt_edges_free(out);
        return PT_EXIT_DATA;
    }
    pt_sql_bind_text(st, ":name", name);
    size_t cap = 0;
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(&out->rows, &cap, out->n, sizeof *out->rows, 16);
        pt_edge *e = &out->rows[out->n++];
        e->root = sqlite3_column_type(st, 0) == SQLITE_NULL;
        e->id = sqlite3_column_int64(st, 0);
        e->name = pt_sql_col_strdup(st, 1);
        e->file = pt_sql_col_strdup(st, 2);
        e->line = sqlite3_column_int64(st, 3);
        e->calls = sqlite3_column_int64(st, 4);
        e->total = pt_sql_col_real(st, 5);
        e->self = pt_sql_col_real(st, 6);
        e->paths = sqlite3_column_int64(st, 7);
        if (e->name && strcmp(e->name, name) == 0)
            out->recursive = 1;
    }
    if (rc < 0) {
        pt_edges_free(out);
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Contract in rundata.h. */
void pt_edges_free(pt_edges *e)
{
    for (size_t i = 0; e->rows && i < e->n; i++) {
        free(e->rows[i].name);
        free(e->rows[i].file);
    }
    free(e->rows);
    free(e->label);
    memset(e, 0, sizeof *e);
}
