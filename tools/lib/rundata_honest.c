/* tools/lib/rundata_honest.c: the data of honest times (rundata_honest.h) — the exact
 * hook-cost corrections of every call path and function from the calling-context tree,
 * the sampler's CPU per call path and function for the on-CPU estimate, and the run's
 * calibration and collector waits, read so that version-1 databases (without those
 * columns) still load. Formulas: docs/stats.md. */
#include "rundata_honest.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rundata.h"

struct id_pos {
    int64_t id;
    size_t pos;
};

_Static_assert(offsetof(struct id_pos, id) == 0 && offsetof(pt_cp_comp, id) == 0 &&
                   offsetof(pt_fn_comp, function_id) == 0,
               "find_id reads the id at the start of each element");

static int cmp_id_pos(const void *a, const void *b)
{
    int64_t x = ((const struct id_pos *)a)->id, y = ((const struct id_pos *)b)->id;
    return (x > y) - (x < y);
}

/* Index of the element whose leading int64_t id is `id` in base[0..n) (elements of `size`
 * bytes, ascending id), SIZE_MAX when absent. Every array searched here (struct id_pos,
 * pt_cp_comp, pt_fn_comp) starts with its id. */
static size_t find_id(const void *base, size_t n, size_t size, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t at;
        memcpy(&at, (const char *)base + mid * size, sizeof at);
        if (at < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t at = 0;
    if (lo < n)
        memcpy(&at, (const char *)base + lo * size, sizeof at);
    return lo < n && at == id ? lo : SIZE_MAX;
}

/* Position of id in the sorted map[0..n), SIZE_MAX when absent. */
static size_t find_pos(const struct id_pos *map, size_t n, int64_t id)
{
    size_t k = find_id(map, n, sizeof *map, id);
    return k == SIZE_MAX ? SIZE_MAX : map[k].pos;
}

/* Contract in rundata_honest.h. */
int pt_comp_tree(const pt_cp_in *nodes, size_t n, double hook, double inner, pt_cp_comp *out)
{
    struct id_pos *map = pt_xmalloc((n ? n : 1) * sizeof *map);
    size_t *par = pt_xmalloc((n ? n : 1) * sizeof *par);
    double *child = pt_xcalloc(n ? n : 1, sizeof *child);
    double *desc = pt_xcalloc(n ? n : 1, sizeof *desc);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        map[i] = (struct id_pos){nodes[i].id, i};
    qsort(map, n, sizeof *map, cmp_id_pos);
    for (size_t i = 1; i < n; i++)
        if (map[i].id == map[i - 1].id)
            rc = -1;
    for (size_t i = 0; i < n; i++) {
        par[i] = nodes[i].parent_id < 0 ? SIZE_MAX : find_pos(map, n, nodes[i].parent_id);
        if (par[i] == i)
            par[i] = SIZE_MAX; /* a node its own parent (damaged data): a root */
    }
    /* children follow their parents, so a reverse pass completes every node's
     * descendants before adding them to its parent */
    for (size_t i = n; i-- > 0;) {
        if (par[i] == SIZE_MAX)
            continue;
        double calls = (double)nodes[i].calls;
        child[par[i]] += calls;
        desc[par[i]] += calls + desc[i];
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = map[k].pos;
        int outermost = 1;
        /* at most n steps: a damaged parent cycle cannot loop forever */
        size_t steps = 0;
        for (size_t a = par[i]; a != SIZE_MAX && steps < n; a = par[a], steps++)
            if (nodes[a].function_id == nodes[i].function_id) {
                outermost = 0;
                break;
            }
        double calls = (double)nodes[i].calls;
        out[k] = (pt_cp_comp){
            .id = nodes[i].id,
            .function_id = nodes[i].function_id,
            .child_calls = child[i],
            .desc_calls = desc[i],
            .outermost = outermost,
            .self_sub = calls * inner + child[i] * (hook - inner),
            .total_sub = calls * inner + desc[i] * hook,
        };
    }
    free(map);
    free(par);
    free(child);
    free(desc);
    return rc;
}

static int cmp_cp_fn(const void *a, const void *b)
{
    const pt_cp_comp *x = *(const pt_cp_comp *const *)a, *y = *(const pt_cp_comp *const *)b;
    if (x->function_id != y->function_id)
        return (x->function_id > y->function_id) - (x->function_id < y->function_id);
    return (x->id > y->id) - (x->id < y->id);
}

/* Contract in rundata_honest.h. */
void pt_comp_functions(const pt_cp_comp *cp, size_t n, pt_fn_comp **fn, size_t *nfn)
{
    const pt_cp_comp **by = pt_xmalloc((n ? n : 1) * sizeof *by);
    for (size_t i = 0; i < n; i++)
        by[i] = &cp[i];
    qsort(by, n, sizeof *by, cmp_cp_fn);
    pt_fn_comp *f = pt_xcalloc(n ? n : 1, sizeof *f);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const pt_cp_comp *c = by[i];
        if (m == 0 || f[m - 1].function_id != c->function_id)
            f[m++].function_id = c->function_id;
        pt_fn_comp *x = &f[m - 1];
        x->child_calls += c->child_calls;
        x->all_sub += c->total_sub;
        if (c->outermost)
            x->outer_sub += c->total_sub;
        x->samples += c->samples;
        x->cpu_ns += c->cpu_ns;
        x->window_ns += c->window_ns;
        x->runq_ns += c->runq_ns;
        x->runq_samples += c->runq_samples;
    }
    free(by);
    *fn = f;
    *nfn = m;
}

/* Contract in rundata_honest.h. */
double pt_blocked_share(int64_t samples, double cpu_ns, double window_ns, int64_t runq_samples,
                        double runq_ns)
{
    double on = pt_oncpu_share(samples, cpu_ns, window_ns);
    if (isnan(on))
        return NAN;
    if (runq_samples != samples)
        return 1.0 - on; /* run-queue waits not recorded: every off-CPU moment counts */
    double b = 1.0 - (cpu_ns + runq_ns) / window_ns;
    return b < 0 ? 0 : b;
}

/* Contract in rundata_honest.h. */
double pt_oncpu_share(int64_t samples, double cpu_ns, double window_ns)
{
    if (samples < PT_ONCPU_MIN_SAMPLES || !(window_ns > 0) || !(cpu_ns >= 0))
        return NAN;
    double s = cpu_ns / window_ns;
    return s > 1.0 ? 1.0 : s;
}

/* The calibration and waits; a version-1 database (no such columns) leaves them NAN and
 * gets runq_ns through a temporary view (sql/stats_compat_runq.sql). */
static int load_run(pt_db *db, int64_t run_id, pt_honest *h)
{
    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_run_columns");
    int rc, has_cols = 0, has_runq = 0;
    if (!st)
        return PT_EXIT_DATA;
    while ((rc = pt_rd_step(db, st)) > 0) {
        const char *table = pt_sql_col_text(st, 0);
        if (table && strcmp(table, "run") == 0)
            has_cols = 1;
        else if (table)
            has_runq = 1;
    }
    if (rc < 0)
        return PT_EXIT_DATA;
    sqlite3_finalize(st);
    if (!has_runq) {
        if (!(st = pt_rd_prepare(db, run_id, "stats_compat_runq")) || pt_rd_step(db, st) < 0)
            return PT_EXIT_DATA;
        sqlite3_finalize(st);
    }
    if (!has_cols)
        return 0;
    if (!(st = pt_rd_prepare(db, run_id, "stats_run_honest")))
        return PT_EXIT_DATA;
    if ((rc = pt_rd_step(db, st)) > 0) {
        h->hook_ns = pt_sql_col_real(st, 0);
        h->hook_inner_ns = pt_sql_col_real(st, 1);
        h->collector_wait_ns = pt_sql_col_real(st, 2);
        if (isnan(h->collector_wait_ns))
            h->collector_wait_ns = pt_sql_col_real(st, 3); /* only per thread recorded */
        rc = pt_rd_step(db, st);
    }
    if (rc < 0)
        return PT_EXIT_DATA;
    sqlite3_finalize(st);
    /* a calibration out of range (negative, inner above the whole) is not used */
    if (!(h->hook_ns >= 0) || !isfinite(h->hook_ns))
        h->hook_ns = NAN;
    if (isnan(h->hook_ns) || !(h->hook_inner_ns >= 0) || h->hook_inner_ns > h->hook_ns)
        h->hook_inner_ns = isnan(h->hook_ns) ? NAN : 0;
    return 0;
}

/* Contract in rundata_honest.h. */
int pt_honest_load(pt_db *db, int64_t run_id, pt_honest *h)
{
    memset(h, 0, sizeof *h);
    h->hook_ns = h->hook_inner_ns = h->collector_wait_ns = NAN;
    if (load_run(db, run_id, h))
        return PT_EXIT_DATA;

    sqlite3_stmt *st = pt_rd_prepare(db, run_id, "stats_comp_callpaths");
    pt_cp_in *nodes = NULL;
    size_t n = 0, cap = 0;
    int rc;
    if (!st)
        return PT_EXIT_DATA;
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_rd_grow(&nodes, &cap, n, sizeof *nodes, 64);
        nodes[n++] = (pt_cp_in){
            .id = sqlite3_column_int64(st, 0),
            .parent_id = sqlite3_column_int64(st, 1),
            .function_id = sqlite3_column_int64(st, 2),
            .calls = sqlite3_column_int64(st, 4),
        };
    }
    if (rc < 0) {
        free(nodes);
        return PT_EXIT_DATA;
    }
    sqlite3_finalize(st);
    h->cp = pt_xcalloc(n ? n : 1, sizeof *h->cp);
    h->ncp = n;
    double hook = pt_honest_calibrated(h) ? h->hook_ns : 0;
    double inner = pt_honest_calibrated(h) ? h->hook_inner_ns : 0;
    pt_comp_tree(nodes, n, hook, inner, h->cp); /* a repeated id (damaged data): kept as is */
    free(nodes);

    if (!(st = pt_rd_prepare(db, run_id, "stats_oncpu")))
        return PT_EXIT_DATA;
    while ((rc = pt_rd_step(db, st)) > 0) {
        pt_cp_comp *c = (pt_cp_comp *)pt_honest_cp(h, sqlite3_column_int64(st, 0));
        if (!c)
            continue; /* a sample tagged with a call path the run does not hold */
        c->samples += sqlite3_column_int64(st, 2);
        c->cpu_ns += sqlite3_column_double(st, 3);
        c->window_ns += sqlite3_column_double(st, 4);
        c->runq_ns += sqlite3_column_double(st, 5);
        c->runq_samples += sqlite3_column_int64(st, 6);
        h->cpu_samples += sqlite3_column_int64(st, 2);
    }
    if (rc < 0)
        return PT_EXIT_DATA;
    sqlite3_finalize(st);
    pt_comp_functions(h->cp, h->ncp, &h->fn, &h->nfn);
    return 0;
}

/* Contract in rundata_honest.h. */
void pt_honest_free(pt_honest *h)
{
    free(h->cp);
    free(h->fn);
    memset(h, 0, sizeof *h);
}

/* Contract in rundata_honest.h. */
const pt_fn_comp *pt_honest_fn(const pt_honest *h, int64_t function_id)
{
    size_t k = find_id(h->fn, h->nfn, sizeof *h->fn, function_id);
    return k == SIZE_MAX ? NULL : &h->fn[k];
}

/* Contract in rundata_honest.h. */
const pt_cp_comp *pt_honest_cp(const pt_honest *h, int64_t callpath_id)
{
    size_t k = find_id(h->cp, h->ncp, sizeof *h->cp, callpath_id);
    return k == SIZE_MAX ? NULL : &h->cp[k];
}

/* Contract in rundata_honest.h. */
int pt_honest_calibrated(const pt_honest *h)
{
    return !isnan(h->hook_ns);
}
