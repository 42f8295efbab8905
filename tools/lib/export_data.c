/* tools/lib/export_data.c: the data layer of pscope-export (export.h): a run's functions
 * and calling-context tree, read through sql/export_functions.sql and
 * sql/export_callpaths.sql into C arrays the format writers share. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

long exp_func_index(const exp_profile *p, int64_t id)
{
    size_t lo = 0, hi = p->nfuncs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->funcs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->nfuncs && p->funcs[lo].id == id ? (long)lo : -1;
}

/* Index of call path `id` among the first n paths (ascending id), or -1. */
static long path_index(const exp_path *paths, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (paths[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && paths[lo].id == id ? (long)lo : -1;
}

int exp_load(pt_db *db, int64_t run, const pt_filter *filter, exp_profile *p)
{
    memset(p, 0, sizeof *p);
    sqlite3_stmt *st = pt_sql_prepare(db, "export_functions");
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_int(st, ":run_id", run);
    size_t cap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        if (p->nfuncs == cap) {
            cap = cap ? cap * 2 : 256;
            p->funcs = pt_xrealloc(p->funcs, cap * sizeof *p->funcs);
        }
        exp_func *f = &p->funcs[p->nfuncs++];
        f->id = sqlite3_column_int64(st, 0);
        f->name = pt_sql_col_strdup(st, 1);
        if (!f->name)
            f->name = pt_xstrdup("");
        f->file = pt_sql_col_strdup(st, 2);
        f->line = sqlite3_column_int64(st, 3);
        f->module = pt_sql_col_strdup(st, 4);
        f->keep = pt_filter_match(filter, f->name, f->file, f->line);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        goto fail;
    st = pt_sql_prepare(db, "export_callpaths");
    if (!st)
        goto fail;
    pt_sql_bind_int(st, ":run_id", run);
    cap = 0;
    while ((rc = pt_sql_step(db, st)) == 1) {
        if (p->npaths == cap) {
            cap = cap ? cap * 2 : 1024;
            p->paths = pt_xrealloc(p->paths, cap * sizeof *p->paths);
        }
        exp_path *c = &p->paths[p->npaths];
        c->id = sqlite3_column_int64(st, 0);
        long fi = exp_func_index(p, sqlite3_column_int64(st, 2));
        c->parent = -1;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            c->parent = path_index(p->paths, p->npaths, sqlite3_column_int64(st, 1));
        if (fi < 0 || (sqlite3_column_type(st, 1) != SQLITE_NULL && c->parent < 0) ||
            (p->npaths && c->id <= p->paths[p->npaths - 1].id)) {
            pt_error("%s: run %lld: call path %lld names a function or caller that is not in "
                     "the run (damaged database)", db->path, (long long)run, (long long)c->id);
            sqlite3_finalize(st);
            goto fail;
        }
        c->func = (size_t)fi;
        c->calls = sqlite3_column_int64(st, 3);
        c->self_dur = sqlite3_column_int64(st, 4);
        c->total_dur = sqlite3_column_int64(st, 5);
        p->npaths++;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        goto fail;
    return 0;
fail:
    exp_profile_free(p);
    return PT_EXIT_DATA;
}

void exp_profile_free(exp_profile *p)
{
    for (size_t i = 0; i < p->nfuncs; i++) {
        free(p->funcs[i].name);
        free(p->funcs[i].file);
        free(p->funcs[i].module);
    }
    free(p->funcs);
    free(p->paths);
    memset(p, 0, sizeof *p);
}
