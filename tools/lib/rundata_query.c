/* tools/lib/rundata_query.c: the helpers every loader of the data layer (rundata.h) shares:
 * preparing an embedded query bound to one run, stepping it with the error path folded
 * into one return value, and growing the arrays rows are read into. */
#include "rundata.h"

#include <stdlib.h>

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
