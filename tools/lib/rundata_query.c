/* tools/lib/rundata_query.c: the helpers every loader of the data layer (rundata.h) shares:
 * preparing an embedded query bound to one run, stepping it with the error path folded
 * into one return value, and growing the arrays rows are read into. */
#include "rundata.h"

#include <stdlib.h>
#include <string.h>

/* Contract in rundata.h. */
sqlite3_stmt *pt_rd_prepare(pt_db *db, int64_t run_id, const char *name)
{
    sqlite3_stmt *st = pt_sql_prepare(db, name);
    if (st)
        pt_sql_bind_int(st, ":run_id", run_id);
    return st;
}

/* Contract in rundata.h. */
int pt_rd_step(pt_db *db, sqlite3_stmt *st)
{
    int rc = pt_sql_step(db, st);
    if (rc < 0)
        sqlite3_finalize(st);
    return rc;
}

/* Contract in rundata.h. */
void pt_rd_grow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
    void **arr = p;
    if (n < *cap && *arr)
        return;
    size_t c = *cap ? *cap : first;
    while (c <= n)
        c *= 2;
    *arr = pt_xrealloc(*arr, c * size);
    *cap = c;
}

/* Contract in rundata.h. */
int pt_rd_read(pt_db *db, sqlite3_stmt *st, size_t size, pt_rd_fill fill, void *ctx,
               pt_rd_release release, void **rows, size_t *n)
{
    char *arr = NULL;
    size_t cap = 0;
    int rc = st ? 1 : -1;
    *rows = NULL;
    *n = 0;
    while (st && (rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(&arr, &cap, *n, size, 64);
        void *row = arr + *n * size;
        memset(row, 0, size);
        fill(st, row, ctx);
        (*n)++;
    }
    if (rc < 0) { /* pt_rd_step finalized the statement */
        if (arr)
            release(arr, *n);
        *n = 0;
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    *rows = arr;
    return 0;
}
