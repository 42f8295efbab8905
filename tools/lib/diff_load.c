/* tools/lib/diff_load.c: reading a run for pscope-diff (see diff_core.h, diff_run_load).
 *
 * Runs the embedded statements sql/diff_run.sql, diff_function.sql, diff_hist.sql,
 * diff_self_hist.sql (schema version 2), diff_thread_share.sql and, for the raw per-call
 * figures, diff_function_id.sql + diff_call.sql, all with the bound parameter :run_id.
 * A version-1 database has no function_self_hist: the run is read without it and
 * has_self_hist says so (the comparison then notes what it lacks).
 *
 * Invariants: a diff_run's functions are sorted by (name, module) with strcmp (byte order)
 * and their keys are unique (the SQL groups by key); raw arrays are sorted ascending.
 */
#include "diff_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "hist.h"
#include "sql_embed.h"

/* Prepare embedded sql/<name>.sql with :run_id bound; NULL after a message. */
static sqlite3_stmt *run_stmt(pt_db *db, const char *name, int64_t run_id)
{
    sqlite3_stmt *st = pt_sql_prepare(db, name);
    if (st && pt_sql_bind_int(st, ":run_id", run_id) != 0) {
        pt_error("%s: query %s: cannot bind :run_id", db->path, name);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

int diff__cmp_key(const char *an, const char *am, const char *bn, const char *bm)
{
    int c = strcmp(an, bn);
    return c ? c : strcmp(am, bm);
}

static int cmp_func(const void *a, const void *b)
{
    const diff_func *x = a, *y = b;
    return diff__cmp_key(x->name, x->module, y->name, y->module);
}

diff_func *diff_run_find(const diff_run *r, const char *name, const char *module)
{
    size_t lo = 0, hi = r->nfunc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = diff__cmp_key(r->func[mid].name, r->func[mid].module, name, module);
        if (c == 0)
            return &r->func[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int diff__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort durations ascending. They are non-negative integers held in doubles, whose IEEE
 * bit patterns order like the values, so large arrays take an LSD radix sort on the bits
 * (4 passes of 16 bits) instead of qsort's comparator calls: raw rows of a run are sorted
 * once here and the Mann-Whitney test then merges them in linear time. */
static void sort_durations(double *v, size_t n)
{
    if (n < 2) /* v may be NULL when n == 0 (a function with no stored calls) */
        return;
    int nonneg = 1;
    for (size_t i = 0; i < n && nonneg; i++)
        nonneg = v[i] >= 0;
    if (n < 4096 || !nonneg) {
        qsort(v, n, sizeof *v, diff__cmp_double);
        return;
    }
    uint64_t *a = pt_xmalloc(n * sizeof *a), *b = pt_xmalloc(n * sizeof *b);
    size_t *count = pt_xmalloc(65536 * sizeof *count);
    memcpy(a, v, n * sizeof *a);
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t k = 0; k < 65536; k++) {
            size_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xFFFF]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    memcpy(v, a, n * sizeof *v);
    free(a);
    free(b);
    free(count);
}

static int load_time_base(pt_db *db, diff_run *r)
{
    sqlite3_stmt *st = run_stmt(db, "diff_run", r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    int rc = pt_sql_step(db, st);
    if (rc == 1)
        r->thread_time = sqlite3_column_int64(st, 0);
    else if (rc == 0)
        pt_error("%s: run %lld not found", db->path, (long long)r->info.id);
    sqlite3_finalize(st);
    return rc == 1 ? 0 : PT_EXIT_DATA;
}

static int load_functions(pt_db *db, diff_run *r)
{
    sqlite3_stmt *st = run_stmt(db, "diff_function", r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    size_t cap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        if (r->nfunc == cap) {
            cap = cap ? cap * 2 : 64;
            r->func = pt_xrealloc(r->func, cap * sizeof *r->func);
        }
        diff_func *f = &r->func[r->nfunc++];
        memset(f, 0, sizeof *f);
        f->name = pt_xstrdup(pt_sql_col_text(st, 0));
        f->module = pt_xstrdup(pt_sql_col_text(st, 1));
        if (!f->name)
            f->name = pt_xstrdup("");
        if (!f->module)
            f->module = pt_xstrdup("");
        f->calls = (uint64_t)sqlite3_column_int64(st, 2);
        f->total_dur = sqlite3_column_int64(st, 3);
        f->self_dur = sqlite3_column_int64(st, 4);
        f->sum_dur = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return PT_EXIT_DATA;
    /* The SQL orders by key already; sorting again keeps the merge independent of it.
     * (Not with no functions: qsort(NULL, 0, ...) is undefined behaviour.) */
    if (r->nfunc > 1)
        qsort(r->func, r->nfunc, sizeof *r->func, cmp_func);
    return 0;
}

/* Histogram rows of sql/<query>.sql (name, module, bucket, count; ordered by key, then
 * bucket) into each function's (bucket, count) arrays chosen by `self`. */
static int load_hist(pt_db *db, diff_run *r, const char *query, int self)
{
    sqlite3_stmt *st = run_stmt(db, query, r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    diff_func *f = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        const char *name = pt_sql_col_text(st, 0), *module = pt_sql_col_text(st, 1);
        if (!name || !module)
            continue;
        if (!f || diff__cmp_key(f->name, f->module, name, module) != 0) {
            f = diff_run_find(r, name, module);
            cap = !f ? 0 : self ? f->nself_bucket : f->nbucket;
            if (!f)
                continue; /* a histogram without function_stat: nothing to compare it with */
        }
        sqlite3_int64 b = sqlite3_column_int64(st, 2), c = sqlite3_column_int64(st, 3);
        if (b < 0 || b >= (sqlite3_int64)PSCOPE_HIST_BUCKETS || c <= 0)
            continue;
        uint32_t **bucket = self ? &f->self_bucket : &f->bucket;
        uint64_t **count = self ? &f->self_count : &f->count;
        size_t *n = self ? &f->nself_bucket : &f->nbucket;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *bucket = pt_xrealloc(*bucket, cap * sizeof **bucket);
            *count = pt_xrealloc(*count, cap * sizeof **count);
        }
        (*bucket)[*n] = (uint32_t)b;
        (*count)[*n] = (uint64_t)c;
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc < 0 ? PT_EXIT_DATA : 0;
}

/* 1 when the database has table `name` (a version-1 database lacks function_self_hist). */
static int has_table(pt_db *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sql, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Per-thread shares (sql/diff_thread_share.sql): each function's largest share of the own
 * time of a thread that ran it. Functions without a row keep NAN. */
static int load_thread_share(pt_db *db, diff_run *r)
{
    for (size_t i = 0; i < r->nfunc; i++)
        r->func[i].thread_self_share = r->func[i].thread_total_share = NAN;
    sqlite3_stmt *st = run_stmt(db, "diff_thread_share", r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        const char *name = pt_sql_col_text(st, 0), *module = pt_sql_col_text(st, 1);
        diff_func *f = name && module ? diff_run_find(r, name, module) : NULL;
        if (!f)
            continue;
        f->thread_self_share = sqlite3_column_double(st, 2);
        f->thread_total_share = sqlite3_column_double(st, 3);
        r->has_thread_stat = 1;
    }
    sqlite3_finalize(st);
    return rc < 0 ? PT_EXIT_DATA : 0;
}

typedef struct id_map {
    int64_t id;
    diff_func *f;
} id_map;

static int cmp_id_map(const void *a, const void *b)
{
    int64_t x = ((const id_map *)a)->id, y = ((const id_map *)b)->id;
    return (x > y) - (x < y);
}

/* Raw per-call rows (called only when the run stored every call): function ids are mapped
 * to keys once, then each row is attributed by a binary search on the id. */
static int load_raw(pt_db *db, diff_run *r)
{
    sqlite3_stmt *st = run_stmt(db, "diff_function_id", r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    id_map *map = NULL;
    size_t nmap = 0, mapcap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        const char *name = pt_sql_col_text(st, 1), *module = pt_sql_col_text(st, 2);
        diff_func *f = diff_run_find(r, name ? name : "", module ? module : "");
        if (!f)
            continue;
        if (nmap == mapcap) {
            mapcap = mapcap ? mapcap * 2 : 64;
            map = pt_xrealloc(map, mapcap * sizeof *map);
        }
        map[nmap++] = (id_map){ sqlite3_column_int64(st, 0), f };
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(map);
        return PT_EXIT_DATA;
    }
    if (nmap > 1) /* map is NULL when the run has no function rows */
        qsort(map, nmap, sizeof *map, cmp_id_map);
    /* Every call is stored, so each function's exact call count sizes its arrays. The file
     * may be hostile: never more than the run's stored rows, never a size that overflows
     * (rows beyond the estimate grow the arrays below). */
    size_t *cap = pt_xcalloc(r->nfunc ? r->nfunc : 1, sizeof *cap);
    for (size_t i = 0; i < r->nfunc; i++) {
        uint64_t want = r->func[i].calls;
        if (want > (uint64_t)r->info.calls_stored)
            want = (uint64_t)r->info.calls_stored;
        size_t n = want <= SIZE_MAX / sizeof(double) ? (size_t)want : 0;
        if (n) {
            r->func[i].raw_dur = pt_xmalloc(n * sizeof(double));
            r->func[i].raw_self = pt_xmalloc(n * sizeof(double));
            cap[i] = n;
        }
    }
    st = run_stmt(db, "diff_call", r->info.id);
    rc = st ? 0 : -1;
    while (st && (rc = pt_sql_step(db, st)) == 1) {
        id_map key = { sqlite3_column_int64(st, 0), NULL };
        id_map *m = nmap ? bsearch(&key, map, nmap, sizeof *map, cmp_id_map) : NULL;
        if (!m)
            continue;
        diff_func *f = m->f;
        size_t i = (size_t)(f - r->func);
        if (f->nraw == cap[i]) { /* more rows than counted calls: tolerate, grow */
            cap[i] = cap[i] ? cap[i] * 2 : 16;
            f->raw_dur = pt_xrealloc(f->raw_dur, cap[i] * sizeof(double));
            f->raw_self = pt_xrealloc(f->raw_self, cap[i] * sizeof(double));
        }
        f->raw_dur[f->nraw] = (double)sqlite3_column_int64(st, 1);
        f->raw_self[f->nraw] = (double)sqlite3_column_int64(st, 2);
        f->nraw++;
    }
    sqlite3_finalize(st);
    free(map);
    free(cap);
    if (rc < 0)
        return PT_EXIT_DATA;
    for (size_t i = 0; i < r->nfunc; i++) {
        diff_func *f = &r->func[i];
        sort_durations(f->raw_dur, f->nraw);
        sort_durations(f->raw_self, f->nraw);
    }
    r->raw = 1;
    return 0;
}

int diff_run_load(pt_db *db, pt_run *info, const char *source, uint64_t raw_limit,
                  diff_run *out)
{
    memset(out, 0, sizeof *out);
    out->info = *info;
    memset(info, 0, sizeof *info);
    out->source = pt_xstrdup(source ? source : "");
    int rc = load_time_base(db, out);
    if (!rc)
        rc = load_functions(db, out);
    if (!rc)
        rc = load_hist(db, out, "diff_hist", 0);
    out->has_self_hist = has_table(db, "function_self_hist");
    if (!rc && out->has_self_hist)
        rc = load_hist(db, out, "diff_self_hist", 1);
    if (!rc)
        rc = load_thread_share(db, out);
    if (!rc && raw_limit > 0 && out->info.calls_stored == out->info.calls_seen
        && out->info.calls_stored > 0 && (uint64_t)out->info.calls_stored <= raw_limit)
        rc = load_raw(db, out);
    if (rc)
        diff_run_free(out);
    return rc;
}

void diff_run_free(diff_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfunc; i++) {
        diff_func *f = &r->func[i];
        free(f->name);
        free(f->module);
        free(f->bucket);
        free(f->count);
        free(f->raw_dur);
        free(f->raw_self);
        free(f->self_bucket);
        free(f->self_count);
    }
    free(r->func);
    free(r->source);
    pt_run_clear(&r->info);
    memset(r, 0, sizeof *r);
}

