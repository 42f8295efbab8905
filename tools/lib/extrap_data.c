/* tools/lib/extrap_data.c: loading the runs of pscope-extrapolate (see extrap_data.h):
 * spec resolution, per-run function figures from sql/extrap_function.sql merged by
 * function key across runs, the expected_size of .pscope.yaml and time budgets.
 *
 * Invariants: every kept run has a finite scale > 0 and is complete; every ex_func has
 * nrun values in each array. */
#include "extrap_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* One function row of one run, before merging. */
typedef struct raw_row {
    char *name, *module, *file;
    int64_t line;
    size_t run;
    double calls, self, total;
} raw_row;

typedef struct loader {
    pt_db **db;
    size_t ndb;
    raw_row *rows;
    size_t nrows, caprows;
    ex_data *d;
} loader;

static int open_cached(loader *l, const char *path, pt_db **out)
{
    for (size_t i = 0; i < l->ndb; i++)
        if (strcmp(l->db[i]->path, path) == 0) {
            *out = l->db[i];
            return 0;
        }
    int rc = pt_db_open(path, out);
    if (rc)
        return rc;
    l->db = pt_xrealloc(l->db, (l->ndb + 1) * sizeof *l->db);
    l->db[l->ndb++] = *out;
    return 0;
}

static void skip_run(ex_data *d, const char *path, const pt_run *r, const char *why)
{
    d->skipped = pt_xrealloc(d->skipped, (d->nskipped + 1) * sizeof *d->skipped);
    d->skipped[d->nskipped++] =
        r->label ? pt_xasprintf("%s:%lld (%s): %s", path, (long long)r->id, r->label, why)
                 : pt_xasprintf("%s:%lld: %s", path, (long long)r->id, why);
}

/* Take run *r (moved out) of db at `path`: read its functions. */
static int take_run(loader *l, pt_db *db, const char *path, pt_run *r)
{
    ex_data *d = l->d;
    char *source = pt_xasprintf("%s:%lld", path, (long long)r->id);
    for (size_t i = 0; i < d->nrun; i++)
        if (strcmp(d->run[i].source, source) == 0) { /* named twice */
            free(source);
            pt_run_clear(r);
            return 0;
        }
    if (!r->complete) {
        skip_run(d, path, r, "incomplete run");
        free(source);
        pt_run_clear(r);
        return 0;
    }
    if (!(isfinite(r->scale) && r->scale > 0)) {
        skip_run(d, path, r, "no scale (set it with pscope-run --scale, PSCOPE_SCALE or pscope_set_scale)");
        free(source);
        pt_run_clear(r);
        return 0;
    }
    sqlite3_stmt *st = pt_sql_prepare(db, "extrap_function");
    if (!st) {
        free(source);
        pt_run_clear(r);
        return PT_EXIT_DATA;
    }
    pt_sql_bind_int(st, ":run_id", r->id);
    size_t ri = d->nrun;
    d->run = pt_xrealloc(d->run, (d->nrun + 1) * sizeof *d->run);
    ex_run *er = &d->run[d->nrun++];
    memset(er, 0, sizeof *er);
    er->info = *r;
    memset(r, 0, sizeof *r);
    er->source = source;
    er->wall = (double)er->info.dur;
    int step;
    while ((step = pt_sql_step(db, st)) == 1) {
        if (l->nrows == l->caprows) {
            l->caprows = l->caprows ? 2 * l->caprows : 256;
            l->rows = pt_xrealloc(l->rows, l->caprows * sizeof *l->rows);
        }
        raw_row *w = &l->rows[l->nrows++];
        w->name = pt_sql_col_strdup(st, 0);
        w->module = pt_sql_col_strdup(st, 1);
        if (!w->name)
            w->name = pt_xstrdup("?");
        if (!w->module)
            w->module = pt_xstrdup("");
        w->file = pt_sql_col_strdup(st, 2);
        w->line = sqlite3_column_int64(st, 3);
        w->run = ri;
        w->calls = pt_sql_col_real(st, 4);
        w->self = pt_sql_col_real(st, 5);
        w->total = pt_sql_col_real(st, 6);
        er->calls += w->calls;
        er->thread_time += w->self;
    }
    sqlite3_finalize(st);
    return step < 0 ? PT_EXIT_DATA : 0;
}

static int load_spec(loader *l, const char *spec)
{
    char *path = NULL, *run = NULL;
    pt_spec_split(spec, &path, &run);
    pt_db *db = NULL;
    int rc = open_cached(l, path, &db);
    pt_run *runs = NULL;
    size_t n = 0;
    if (!rc)
        rc = run ? pt_run_resolve_all(db, run, &runs, &n) : pt_runs_list(db, &runs, &n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = take_run(l, db, path, &runs[i]);
    pt_runs_free(runs, n);
    free(path);
    free(run);
    return rc;
}

static int row_cmp(const void *a, const void *b)
{
    const raw_row *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->module, y->module);
}

/* Order runs by scale (then source) and renumber the rows' run indexes. */
static int run_cmp(const void *a, const void *b)
{
    const ex_run *x = a, *y = b;
    if (x->info.scale != y->info.scale)
        return x->info.scale < y->info.scale ? -1 : 1;
    return strcmp(x->source, y->source);
}

static void sort_runs(loader *l)
{
    ex_data *d = l->d;
    size_t n = d->nrun;
    if (n == 0)
        return;
    /* remember each run's old index through its source pointer */
    char **old = pt_xmalloc(n * sizeof *old);
    for (size_t i = 0; i < n; i++)
        old[i] = d->run[i].source;
    qsort(d->run, n, sizeof *d->run, run_cmp);
    size_t *map = pt_xmalloc(n * sizeof *map);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (d->run[j].source == old[i])
                map[i] = j;
    for (size_t k = 0; k < l->nrows; k++)
        l->rows[k].run = map[l->rows[k].run];
    free(map);
    free(old);
}

static void merge_rows(loader *l)
{
    ex_data *d = l->d;
    if (l->nrows > 1) /* qsort of a NULL array is undefined even for 0 elements */
        qsort(l->rows, l->nrows, sizeof *l->rows, row_cmp);
    for (size_t a = 0; a < l->nrows;) {
        size_t b = a;
        d->func = pt_xrealloc(d->func, (d->nfunc + 1) * sizeof *d->func);
        ex_func *f = &d->func[d->nfunc++];
        f->name = l->rows[a].name;
        f->module = l->rows[a].module;
        f->file = l->rows[a].file;
        f->line = l->rows[a].line;
        f->calls = pt_xcalloc(d->nrun, sizeof *f->calls);
        f->self = pt_xcalloc(d->nrun, sizeof *f->self);
        f->total = pt_xcalloc(d->nrun, sizeof *f->total);
        for (; b < l->nrows && row_cmp(&l->rows[a], &l->rows[b]) == 0; b++) {
            raw_row *w = &l->rows[b];
            f->calls[w->run] += w->calls;
            f->self[w->run] += w->self;
            f->total[w->run] += w->total;
            if (b != a) {
                free(w->name);
                free(w->module);
                if (!f->file) {
                    f->file = w->file;
                    f->line = w->line;
                } else {
                    free(w->file);
                }
            }
        }
        a = b;
    }
}

int ex_data_load(const char *const *specs, size_t nspecs, ex_data *out)
{
    memset(out, 0, sizeof *out);
    loader l = { 0 };
    l.d = out;
    int rc = 0;
    for (size_t i = 0; !rc && i < nspecs; i++)
        rc = load_spec(&l, specs[i]);
    if (!rc) {
        sort_runs(&l);
        merge_rows(&l);
    } else {
        for (size_t k = 0; k < l.nrows; k++) {
            free(l.rows[k].name);
            free(l.rows[k].module);
            free(l.rows[k].file);
        }
    }
    free(l.rows);
    for (size_t i = 0; i < l.ndb; i++)
        pt_db_close(l.db[i]);
    free(l.db);
    if (rc)
        ex_data_free(out);
    return rc;
}

void ex_data_free(ex_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nrun; i++) {
        pt_run_clear(&d->run[i].info);
        free(d->run[i].source);
    }
    free(d->run);
    for (size_t i = 0; i < d->nfunc; i++) {
        free(d->func[i].name);
        free(d->func[i].module);
        free(d->func[i].file);
        free(d->func[i].calls);
        free(d->func[i].self);
        free(d->func[i].total);
    }
    free(d->func);
    for (size_t i = 0; i < d->nskipped; i++)
        free(d->skipped[i]);
    free(d->skipped);
    memset(d, 0, sizeof *d);
}

static void warn_line(const char *line)
{
    pt_warn("%s", line);
}

int ex_config_expected_size(double *n)
{
    char *path = psc_config_find();
    if (!path)
        return 0;
    psc_config cfg;
    char err[512];
    int found = 0;
    psc_config_defaults(&cfg);
    if (psc_config_load_file(&cfg, path, warn_line, err, sizeof err) != 0) {
        pt_warn("%s (ignored)", err);
    } else if (isfinite(cfg.expected_size)) {
        *n = cfg.expected_size;
        found = 1;
    }
    psc_config_free(&cfg);
    free(path);
    return found;
}

int ex_parse_time(const char *s, double *ns)
{
    static const struct { const char *unit; double ns; } units[] = {
        { "ns", 1 }, { "us", 1e3 }, { "µs", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
        { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { "", 1e9 },
    };
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v <= 0)
        return -1;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            *ns = v * units[i].ns;
            return 0;
        }
    return -1;
}
