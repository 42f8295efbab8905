/* tools/lib/rundata_tree.c: the calling-context tree of one run (sql/stats_tree.sql) as
 * an array of nodes linked by index: parent, children ordered by inclusive time
 * (descending), then name, then id, and the roots in the same order. Part of the data
 * layer (rundata.h). Invariant: nodes[] is sorted by callpath id, so a parent is found by
 * binary search; a parent deeper than the depth limit is absent and its children become
 * roots (parent SIZE_MAX). */
#include "rundata.h"

#include <stdlib.h>
#include <string.h>

static int cmp_id(const void *a, const void *b)
{
    const pt_tnode *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_kid(const void *a, const void *b, void *nodes_)
{
    const pt_tnode *nodes = nodes_;
    const pt_tnode *x = &nodes[*(const size_t *)a], *y = &nodes[*(const size_t *)b];
    int r = pt_cmp_desc(x->total, y->total);
    if (r)
        return r;
    r = strcmp(x->name, y->name);
    return r ? r : (x->id > y->id) - (x->id < y->id);
}

static size_t find_node(const pt_tnode *nodes, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (nodes[mid].id < id)
            lo = mid + 1;
        else if (nodes[mid].id > id)
            hi = mid;
        else
            return mid;
    }
    return SIZE_MAX;
}

static void fill_node(sqlite3_stmt *st, void *row, void *thread_time)
{
    pt_tnode *d = row;
    d->id = sqlite3_column_int64(st, 0);
    d->parent_id = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
    d->depth = sqlite3_column_int64(st, 2);
    d->calls = sqlite3_column_int64(st, 3);
    d->total = pt_sql_col_real(st, 4);
    d->self = pt_sql_col_real(st, 5);
    d->min = pt_sql_col_real(st, 6);
    d->max = pt_sql_col_real(st, 7);
    d->function_id = sqlite3_column_int64(st, 8);
    d->name = pt_sql_col_strdup(st, 9);
    d->file = pt_sql_col_strdup(st, 10);
    d->line = sqlite3_column_int64(st, 11);
    *(double *)thread_time = pt_sql_col_real(st, 12);
    if (!d->name)
        d->name = pt_xstrdup("");
}

static void release_nodes(void *rows, size_t n)
{
    pt_tree t = {.nodes = rows, .n = n};
    pt_tree_free(&t);
}

/* Contract in rundata.h. */
int pt_tree_load(pt_db *db, int64_t run_id, int64_t max_depth, pt_tree *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_tree");
    if (st)
        pt_sql_bind_int(st, ":max_depth", max_depth);
    void *rows;
    int rc = pt_rd_read(db, st, sizeof *out->nodes, fill_node, &out->thread_time, release_nodes,
                        &rows, &out->n);
    out->nodes = rows;
    if (rc)
        return rc;
    pt_tnode *nodes = out->nodes;
    size_t n = out->n, rcap = 0;
    if (n > 1) /* qsort of a NULL array is undefined even for 0 elements */
        qsort(nodes, n, sizeof *nodes, cmp_id);
    for (size_t i = 0; i < n; i++) {
        nodes[i].parent = nodes[i].parent_id < 0 ? SIZE_MAX : find_node(nodes, n, nodes[i].parent_id);
        if (nodes[i].parent == SIZE_MAX) {
            pt_rd_grow(&out->roots, &rcap, out->nroots, sizeof *out->roots, 4);
            out->roots[out->nroots++] = i;
        } else {
            pt_tnode *p = &nodes[nodes[i].parent];
            pt_rd_grow(&p->kids, &p->capkids, p->nkids, sizeof *p->kids, 4);
            p->kids[p->nkids++] = i;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (nodes[i].nkids > 1)
            qsort_r(nodes[i].kids, nodes[i].nkids, sizeof(size_t), cmp_kid, nodes);
    if (out->nroots > 1)
        qsort_r(out->roots, out->nroots, sizeof *out->roots, cmp_kid, nodes);
    return 0;
}

/* Contract in rundata.h. */
void pt_tree_free(pt_tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->nodes[i].name);
        free(t->nodes[i].file);
        free(t->nodes[i].kids);
    }
    free(t->nodes);
    free(t->roots);
    memset(t, 0, sizeof *t);
}
