/* tools/lib/diff_core.c: pscope-diff's analysis — runs in, verdicts out (see diff_core.h).
 *
 * Loading runs the embedded statements sql/diff_run.sql, diff_function.sql, diff_hist.sql
 * and, for the raw per-call test, diff_function_id.sql + diff_call.sql, all with the bound
 * parameter :run_id. Comparing is pure computation on the loaded runs.
 *
 * Invariants: a diff_run's functions are sorted by (name, module) with strcmp (byte order)
 * and their keys are unique (the SQL groups by key); raw arrays are sorted ascending; every
 * row of a diff_result borrows its name and module from one of the runs.
 */
#include "diff_core.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "sql_embed.h"

/* ---- loading ------------------------------------------------------------------------- */

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

static int cmp_key(const char *an, const char *am, const char *bn, const char *bm)
{
    int c = strcmp(an, bn);
    return c ? c : strcmp(am, bm);
}

static int cmp_func(const void *a, const void *b)
{
    const diff_func *x = a, *y = b;
    return cmp_key(x->name, x->module, y->name, y->module);
}

static diff_func *find_func(const diff_run *r, const char *name, const char *module)
{
    size_t lo = 0, hi = r->nfunc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(r->func[mid].name, r->func[mid].module, name, module);
        if (c == 0)
            return &r->func[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
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
        qsort(v, n, sizeof *v, cmp_double);
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

static int load_hist(pt_db *db, diff_run *r)
{
    sqlite3_stmt *st = run_stmt(db, "diff_hist", r->info.id);
    if (!st)
        return PT_EXIT_DATA;
    diff_func *f = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        const char *name = pt_sql_col_text(st, 0), *module = pt_sql_col_text(st, 1);
        if (!name || !module)
            continue;
        if (!f || cmp_key(f->name, f->module, name, module) != 0) {
            f = find_func(r, name, module);
            cap = f ? f->nbucket : 0;
            if (!f)
                continue; /* a histogram without function_stat: nothing to compare it with */
        }
        sqlite3_int64 b = sqlite3_column_int64(st, 2), c = sqlite3_column_int64(st, 3);
        if (b < 0 || b >= (sqlite3_int64)PSCOPE_HIST_BUCKETS || c <= 0)
            continue;
        if (f->nbucket == cap) {
            cap = cap ? cap * 2 : 32;
            f->bucket = pt_xrealloc(f->bucket, cap * sizeof *f->bucket);
            f->count = pt_xrealloc(f->count, cap * sizeof *f->count);
        }
        f->bucket[f->nbucket] = (uint32_t)b;
        f->count[f->nbucket] = (uint64_t)c;
        f->nbucket++;
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
        diff_func *f = find_func(r, name ? name : "", module ? module : "");
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
        rc = load_hist(db, out);
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
    }
    free(r->func);
    free(r->source);
    pt_run_clear(&r->info);
    memset(r, 0, sizeof *r);
}

/* ---- names ----------------------------------------------------------------------------- */

const char *diff_verdict_name(diff_verdict v)
{
    static const char *const names[DIFF_NVERDICT] = { "regression", "improvement", "~",
                                                      "new",        "removed",     "n/a" };
    return (unsigned)v < DIFF_NVERDICT ? names[v] : "?";
}

static const char *const metric_names[] = { "self", "total", "mean", "p50", "p95" };

const char *diff_metric_name(diff_metric m)
{
    return (unsigned)m < 5 ? metric_names[m] : "?";
}

int diff_metric_parse(const char *s, diff_metric *out)
{
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *out = (diff_metric)i;
            return 0;
        }
    return -1;
}

/* ---- statistics helpers ----------------------------------------------------------------- */

/* Median of the non-NaN values among v[0..n) (sorted in place); NAN if none. */
static double median_of(double *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[k++] = v[i];
    qsort(v, k, sizeof *v, cmp_double);
    return pt_percentile7(v, k, 0.5);
}

/* Smallest two-sided p the exact test can give for sizes n1, n2 (no ties): 2 / C(N, n1). */
static double min_exact_p(size_t n1, size_t n2)
{
    if (n1 + n2 > PSCOPE_MW_EXACT_MAX_N)
        return 0.0;
    double c = 1.0;
    for (size_t i = 1; i <= n1; i++)
        c = c * (double)(n2 + i) / (double)i;
    double p = 2.0 / c;
    return p > 1.0 ? 1.0 : p;
}

/* Per-call figure of a function in one run: mean, p50 or p95 (raw rows when loaded, type 7;
 * else the histogram, bucket midpoint). NAN without the function or any data. */
static double per_call_figure(const diff_run *r, const diff_func *f, diff_metric m)
{
    if (!f || f->calls == 0)
        return NAN;
    if (m == DIFF_METRIC_MEAN)
        return (double)f->sum_dur / (double)f->calls;
    double q = m == DIFF_METRIC_P50 ? 0.5 : 0.95;
    if (r->raw && f->nraw)
        return pt_percentile7(f->raw_dur, f->nraw, q);
    if (f->nbucket)
        return pscope_hist_percentile(f->bucket, f->count, f->nbucket, q);
    return NAN;
}

/* Value of the metric of f in run r; per_call divides self/total by calls. A run without
 * the function gives 0 for totals and NAN for per-call values (skipped by medians). */
static double metric_value(const diff_run *r, const diff_func *f, diff_metric m, int per_call)
{
    switch (m) {
    case DIFF_METRIC_SELF:
    case DIFF_METRIC_TOTAL: {
        double t = !f ? 0.0 : (double)(m == DIFF_METRIC_SELF ? f->self_dur : f->total_dur);
        if (!per_call)
            return t;
        return f && f->calls ? t / (double)f->calls : NAN;
    }
    default:
        return per_call_figure(r, f, m);
    }
}

/* Fill one side's figures from runs[0..n) for key (name, module). scratch and fp hold n
 * entries each. */
static void side_figures(const diff_run *runs, size_t n, const char *name, const char *module,
                         diff_metric m, int per_call, double *scratch, const diff_func **fp,
                         diff_side *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        fp[i] = find_func(&runs[i], name, module);
        s->present |= fp[i] != NULL;
    }
    /* One median per figure over the side's runs; r and f name the run and its function. */
#define SIDE_MEDIAN(field, expr)                      \
    do {                                              \
        for (size_t i = 0; i < n; i++) {              \
            const diff_run *r = &runs[i];             \
            const diff_func *f = fp[i];               \
            (void)r;                                  \
            scratch[i] = (expr);                      \
        }                                             \
        s->field = median_of(scratch, n);             \
    } while (0)
    SIDE_MEDIAN(calls, f ? (double)f->calls : 0.0);
    SIDE_MEDIAN(self, f ? (double)f->self_dur : 0.0);
    SIDE_MEDIAN(total, f ? (double)f->total_dur : 0.0);
    SIDE_MEDIAN(mean, per_call_figure(r, f, DIFF_METRIC_MEAN));
    SIDE_MEDIAN(p50, per_call_figure(r, f, DIFF_METRIC_P50));
    SIDE_MEDIAN(p95, per_call_figure(r, f, DIFF_METRIC_P95));
    SIDE_MEDIAN(metric, metric_value(r, f, m, per_call));
    SIDE_MEDIAN(share, r->thread_time > 0 && f
                           ? (double)(m == DIFF_METRIC_SELF ? f->self_dur : f->total_dur)
                                 / (double)r->thread_time
                           : 0.0);
#undef SIDE_MEDIAN
}

/* Run the test; allocation failure inside it is fatal like any other in a tool. */
static int mw_or_die(int rc)
{
    if (rc != 0 && errno == ENOMEM)
        pt_die(PT_EXIT_DATA, "out of memory");
    return rc;
}

/* Per-call test of a function with one run per side: raw rows when both runs have every
 * call, else the histograms (each bucket's midpoint carrying its count, i.e. tied values).
 * Leaves row->p NAN when neither is available. */
static void test_single(const diff_run *rb, const diff_run *rc, const diff_func *fb,
                        const diff_func *fc, diff_metric m, diff_row *row)
{
    if (rb->raw && rc->raw && fb->nraw && fc->nraw) {
        const double *xb = m == DIFF_METRIC_SELF ? fb->raw_self : fb->raw_dur;
        const double *xc = m == DIFF_METRIC_SELF ? fc->raw_self : fc->raw_dur;
        if (mw_or_die(pscope_mw_test_sorted(xb, fb->nraw, xc, fc->nraw, &row->mw)) == 0) {
            row->p = row->mw.p;
            row->test = "raw";
        }
        return;
    }
    if (!fb->nbucket || !fc->nbucket)
        return;
    pscope_mw_wvalue *wb = pt_xmalloc(fb->nbucket * sizeof *wb);
    pscope_mw_wvalue *wc = pt_xmalloc(fc->nbucket * sizeof *wc);
    for (size_t i = 0; i < fb->nbucket; i++)
        wb[i] = (pscope_mw_wvalue){ pscope_hist_bucket_mid(fb->bucket[i]), fb->count[i] };
    for (size_t i = 0; i < fc->nbucket; i++)
        wc[i] = (pscope_mw_wvalue){ pscope_hist_bucket_mid(fc->bucket[i]), fc->count[i] };
    if (mw_or_die(pscope_mw_test_weighted(wb, fb->nbucket, wc, fc->nbucket, &row->mw)) == 0) {
        row->p = row->mw.p;
        row->test = "hist";
    }
    free(wb);
    free(wc);
}

/* Per-run test (several runs on a side): the metric's per-run values as the samples. */
static void test_runs(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                      const char *name, const char *module, diff_metric m, int per_call,
                      diff_row *row)
{
    double *xb = pt_xmalloc(nb * sizeof *xb), *xc = pt_xmalloc(nc * sizeof *xc);
    size_t kb = 0, kc = 0;
    for (size_t i = 0; i < nb; i++) {
        double v = metric_value(&base[i], find_func(&base[i], name, module), m, per_call);
        if (!isnan(v))
            xb[kb++] = v;
    }
    for (size_t i = 0; i < nc; i++) {
        double v = metric_value(&cur[i], find_func(&cur[i], name, module), m, per_call);
        if (!isnan(v))
            xc[kc++] = v;
    }
    if (kb && kc && mw_or_die(pscope_mw_test(xb, kb, xc, kc, &row->mw)) == 0) {
        row->p = row->mw.p;
        row->test = "runs";
    }
    free(xb);
    free(xc);
}

static double rel_delta(double b, double c)
{
    if (isnan(b) || isnan(c))
        return NAN;
    if (b == 0)
        return c == 0 ? 0.0 : (c > 0 ? INFINITY : -INFINITY);
    return (c - b) / b;
}

/* Decide the verdict of a matched function (or the wall line) once p, delta and share are
 * known. count_change: the call count changed by the threshold or more (counted exactly,
 * so the change is not noise); min_p: smallest p the repeated-runs test can reach. */
static void decide(diff_row *row, const diff_opts *o, int count_change, double min_p)
{
    if (isnan(row->p) && !count_change) {
        row->verdict = DIFF_NOT_ASSESSED;
        if (!row->note[0])
            snprintf(row->note, sizeof row->note,
                     "significance not assessed: one run per side and only totals");
        return;
    }
    /* An exact test on few samples may be unable to reach alpha at all (1 call vs 1 call,
     * 3 runs vs 3 runs): then "no significant change" would be a claim it cannot make. */
    if (!isnan(row->p) && row->mw.method == PSCOPE_MW_EXACT)
        min_p = fmax(min_p, min_exact_p((size_t)row->mw.n1, (size_t)row->mw.n2));
    if (!count_change && min_p > o->alpha) {
        row->verdict = DIFF_NOT_ASSESSED;
        snprintf(row->note, sizeof row->note,
                 "significance not assessed: too few %s (%llu vs %llu; smallest possible p "
                 "%.3g > alpha %g)",
                 row->test && !strcmp(row->test, "runs") ? "runs" : "calls",
                 (unsigned long long)row->mw.n1, (unsigned long long)row->mw.n2, min_p,
                 o->alpha);
        return;
    }
    int significant = count_change || row->p <= o->alpha;
    int big = !isnan(row->delta) && fabs(row->delta) >= o->threshold;
    int above_floor = row->share >= o->min_share;
    /* The test must point the same way as the delta: U of the base above n1 n2 / 2 means
     * base values tend to be larger (the current run faster). A mean-based delta can
     * disagree when a few outliers (preemption, page faults) dominate it while most calls
     * moved the other way; that is not a trustworthy verdict either way. */
    if (significant && !count_change && big && !isnan(row->p) && row->mw.n1 && row->mw.n2) {
        int test_says_slower = row->mw.effect < 0.5;
        if ((row->delta > 0) != test_says_slower) {
            row->verdict = DIFF_UNCHANGED;
            snprintf(row->note, sizeof row->note,
                     "conflicting: the %s moved %s but most calls got %s (outliers drive the delta)",
                     diff_metric_name(o->metric), row->delta > 0 ? "up" : "down",
                     test_says_slower ? "slower" : "faster");
            return;
        }
    }
    if (significant && big && above_floor) {
        row->verdict = row->delta > 0 ? DIFF_REGRESSION : DIFF_IMPROVEMENT;
        return;
    }
    row->verdict = DIFF_UNCHANGED;
    if (significant && big && !row->note[0])
        snprintf(row->note, sizeof row->note, "below the noise floor (share %.2f%% < %.2f%%)",
                 row->share * 100.0, o->min_share * 100.0);
}

typedef struct key_ref {
    const char *name, *module;
} key_ref;

static int cmp_key_ref(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    return cmp_key(x->name, x->module, y->name, y->module);
}

/* |impact| descending (unknown last), then by key: a total order, so output is stable. */
static int cmp_row_impact(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    double ix = isnan(x->impact) ? -1 : fabs(x->impact);
    double iy = isnan(y->impact) ? -1 : fabs(y->impact);
    if (ix != iy)
        return ix < iy ? 1 : -1;
    return cmp_key(x->name, x->module, y->name, y->module);
}

/* 1 when two runs (of either side) have different known scales. */
static int scales_differ(const diff_run *base, size_t nb, const diff_run *cur, size_t nc)
{
    double first = NAN;
    for (size_t s = 0; s < 2; s++) {
        const diff_run *runs = s ? cur : base;
        size_t n = s ? nc : nb;
        for (size_t i = 0; i < n; i++) {
            double sc = runs[i].info.scale;
            if (isnan(sc))
                continue;
            if (isnan(first))
                first = sc;
            else if (sc != first)
                return 1;
        }
    }
    return 0;
}

/* The whole-run line: wall time, tested on per-run wall times with repeated runs. */
static void wall_line(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                      const diff_opts *o, int per_call, double min_p, diff_row *w)
{
    memset(w, 0, sizeof *w);
    w->name = "[wall time]";
    w->module = "";
    w->p = NAN;
    w->base.present = w->cur.present = 1;
    double *xb = pt_xmalloc(nb * sizeof *xb), *xc = pt_xmalloc(nc * sizeof *xc);
    double *tmp = pt_xmalloc((nb > nc ? nb : nc) * sizeof *tmp);
    for (size_t i = 0; i < nb; i++)
        tmp[i] = xb[i] = (double)base[i].info.dur;
    w->base.metric = w->base.total = median_of(tmp, nb);
    for (size_t i = 0; i < nc; i++)
        tmp[i] = xc[i] = (double)cur[i].info.dur;
    w->cur.metric = w->cur.total = median_of(tmp, nc);
    free(tmp);
    w->base.calls = w->cur.calls = w->base.self = w->cur.self = NAN;
    w->base.mean = w->cur.mean = w->base.p50 = w->cur.p50 = w->base.p95 = w->cur.p95 = NAN;
    w->base.share = w->cur.share = w->share = 1.0;
    w->delta = rel_delta(w->base.metric, w->cur.metric);
    w->impact = w->cur.metric - w->base.metric;
    if (per_call) {
        w->verdict = DIFF_NOT_ASSESSED;
        snprintf(w->note, sizeof w->note, "not comparable: the runs' scales differ");
    } else if (nb == 1 && nc == 1) {
        w->verdict = DIFF_NOT_ASSESSED;
        snprintf(w->note, sizeof w->note,
                 "significance not assessed: one run per side (repeat the runs to test it)");
    } else {
        if (mw_or_die(pscope_mw_test(xb, nb, xc, nc, &w->mw)) == 0) {
            w->p = w->mw.p;
            w->test = "runs";
        }
        decide(w, o, 0, min_p);
    }
    free(xb);
    free(xc);
}

void diff_compare(const diff_run *base, size_t nb, const diff_run *cur, size_t nc,
                  const diff_opts *o, diff_result *out)
{
    assert(base && cur && nb > 0 && nc > 0 && o);
    memset(out, 0, sizeof *out);
    out->opts = *o;
    out->nbase = nb;
    out->ncur = nc;
    out->repeated = nb > 1 || nc > 1;
    out->per_call = scales_differ(base, nb, cur, nc);
    out->min_p = out->repeated ? min_exact_p(nb, nc) : 0.0;

    /* Union of the keys of every run, sorted and unique. */
    size_t nkeys = 0;
    for (size_t i = 0; i < nb; i++)
        nkeys += base[i].nfunc;
    for (size_t i = 0; i < nc; i++)
        nkeys += cur[i].nfunc;
    key_ref *keys = pt_xmalloc((nkeys ? nkeys : 1) * sizeof *keys);
    size_t k = 0;
    for (size_t s = 0; s < 2; s++) {
        const diff_run *runs = s ? cur : base;
        size_t n = s ? nc : nb;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < runs[i].nfunc; j++)
                keys[k++] = (key_ref){ runs[i].func[j].name, runs[i].func[j].module };
    }
    qsort(keys, nkeys, sizeof *keys, cmp_key_ref);
    size_t nuniq = 0;
    for (size_t i = 0; i < nkeys; i++)
        if ((nuniq == 0 || cmp_key_ref(&keys[nuniq - 1], &keys[i]) != 0)
            && (!o->filter || pt_filter_match(o->filter, keys[i].name, NULL, 0)))
            keys[nuniq++] = keys[i];

    size_t nmax = nb > nc ? nb : nc;
    double *scratch = pt_xmalloc(nmax * sizeof *scratch);
    const diff_func **fp = pt_xmalloc(nmax * sizeof *fp);
    out->rows = pt_xcalloc(nuniq ? nuniq : 1, sizeof *out->rows);
    int per_call_metric = o->metric >= DIFF_METRIC_MEAN || out->per_call;
    for (size_t i = 0; i < nuniq; i++) {
        diff_row *row = &out->rows[out->nrows++];
        row->name = keys[i].name;
        row->module = keys[i].module;
        row->p = NAN;
        side_figures(base, nb, row->name, row->module, o->metric, out->per_call, scratch, fp,
                     &row->base);
        side_figures(cur, nc, row->name, row->module, o->metric, out->per_call, scratch, fp,
                     &row->cur);
        row->share = fmax(row->base.share, row->cur.share);
        if (!row->base.present || !row->cur.present) {
            row->verdict = row->base.present ? DIFF_REMOVED : DIFF_NEW;
            row->delta = NAN;
            const diff_side *s = row->base.present ? &row->base : &row->cur;
            double t = o->metric == DIFF_METRIC_SELF ? s->self : s->total;
            row->impact = row->base.present ? -t : t;
            continue;
        }
        row->delta = rel_delta(row->base.metric, row->cur.metric);
        row->impact = per_call_metric ? (row->cur.metric - row->base.metric) * row->cur.calls
                                      : row->cur.metric - row->base.metric;
        int count_change = 0;
        if (!out->repeated) {
            const diff_func *fb = find_func(&base[0], row->name, row->module);
            const diff_func *fc = find_func(&cur[0], row->name, row->module);
            test_single(&base[0], &cur[0], fb, fc, o->metric, row);
            /* Call counts are counted, not sampled: with the same scale, a count that
             * changed by the threshold or more changes the total exactly, whatever the
             * per-call test says (see docs/diff.md). */
            if (!out->per_call && o->metric <= DIFF_METRIC_TOTAL && fb->calls != fc->calls) {
                double dc = rel_delta((double)fb->calls, (double)fc->calls);
                if (fabs(dc) >= o->threshold) {
                    count_change = 1;
                    snprintf(row->note, sizeof row->note,
                             "calls %+.1f%% (%llu -> %llu): counted exactly, not sampled",
                             dc * 100.0, (unsigned long long)fb->calls,
                             (unsigned long long)fc->calls);
                }
            }
        } else {
            test_runs(base, nb, cur, nc, row->name, row->module, o->metric, out->per_call, row);
        }
        decide(row, o, count_change, out->min_p);
    }
    for (size_t i = 0; i < out->nrows; i++)
        out->count[out->rows[i].verdict]++;
    if (out->nrows > 1)
        qsort(out->rows, out->nrows, sizeof *out->rows, cmp_row_impact);
    wall_line(base, nb, cur, nc, o, out->per_call, out->min_p, &out->wall);
    free(keys);
    free(scratch);
    free(fp);
}

void diff_result_free(diff_result *r)
{
    if (!r)
        return;
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}
