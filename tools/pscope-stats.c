/* tools/pscope-stats.c: where does the time go in one run, and what is worth optimizing.
 *
 * A thin main over libpscope_tools (ptool.h): it opens the run database read-only,
 * resolves the run, runs one of the embedded sql/stats_*.sql statements with bound
 * parameters, and only filters, sorts and formats in C. Modes (one at a time):
 *
 *   (default)         pstats-like function table with histogram (or --exact) percentiles
 *   --hotspots        Amdahl ranking by time saved, ending with a plain-language verdict
 *   --tree            the calling-context tree from callpath
 *   --callers FN      per-caller edges of FN;  --callees FN: per-callee edges
 *   --threads         per thread and function
 *   --stages          stage table;  --resources: CPU/RSS per function and stage
 *   --list-runs       the runs of the database
 *
 * Cost invariant: no mode reads the `call` table except --exact (aggregates are exact and
 * precomputed by the collector), so the default table and --tree stay fast on runs of
 * millions of calls. Exit codes: 0 ok, 2 usage, 3 bad data (ptool.h); documented with
 * every output column in docs/stats.md.
 */
#include "ptool.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum mode {
    M_TABLE, M_HOTSPOTS, M_TREE, M_CALLERS, M_CALLEES, M_THREADS, M_STAGES, M_RESOURCES,
    M_LIST_RUNS
};

static const char *const mode_opt[] = {
    "", "--hotspots", "--tree", "--callers", "--callees", "--threads", "--stages",
    "--resources", "--list-runs",
};

/* Sort keys of the function table, in the order of --help. */
enum sortkey { K_CALLS, K_SELF, K_TOTAL, K_MEAN, K_P50, K_P95, K_P99, K_MAX, K_NAME, K_FILE, K_COUNT };
static const char *const sort_names[K_COUNT] = {
    "calls", "self", "total", "mean", "p50", "p95", "p99", "max", "name", "file",
};

#define MAX_SORT_KEYS 8

struct options {
    enum mode mode;
    const char *db_arg;
    const char *run;
    const char *output;
    const char *function; /* --callers/--callees target */
    pt_format format;
    int sort[MAX_SORT_KEYS];
    size_t nsort;
    int64_t top;          /* -1: the mode's default */
    double min_share;     /* fraction; NAN: not given */
    double factor;        /* --factor; NAN: not given (2) */
    int64_t depth;        /* --depth levels; -1: unlimited */
    int exact;
    pt_filter *filter;
};

/* One function of the run (stats_functions.sql). */
struct fnrow {
    int64_t id, line, calls, primitive_calls;
    char *name, *file, *module;
    double total, self, self_per_call, total_per_call, mean, min, max, p50, p95, p99;
    double self_share, total_share;
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: pscope-stats [OPTIONS] [DB[:RUN]]\n"
"Where the time of one profiled run goes, from a pscope database (default: $PSCOPE_OUTPUT,\n"
"the output of the nearest .pscope.yaml, or ./pscope.db).\n"
"\n"
"Modes (default: the function table):\n"
"      --hotspots          Amdahl ranking: share, best speedup if removed, speedup if\n"
"                          made k times faster, time saved\n"
"      --tree              call tree (inclusive, self, calls per call path)\n"
"      --callers FN        who calls FN (per-edge calls and times)\n"
"      --callees FN        what FN calls\n"
"      --threads           per-thread breakdown\n"
"      --stages            stage table (records, pass ratio, throughput, latency)\n"
"      --resources         CPU/RSS per function and stage\n"
"      --list-runs         the runs of the database\n"
"\n"
"Options:\n"
"  -r, --run ID|LABEL      run to read (default: latest complete run)\n"
"  -s, --sort KEY[,KEY]    calls, self, total, mean, p50, p95, p99, max, name, file\n"
"                          (unambiguous prefixes accepted; default: self)\n"
"  -n, --top N             show at most N rows (0: all; --hotspots default 10)\n"
"      --filter REGEX      keep functions whose name or file:line(name) matches (PCRE2)\n"
"      --exclude REGEX     drop functions whose name or file:line(name) matches\n"
"      --min-share PCT     hide functions under PCT%% of run time (tree: inclusive)\n"
"      --factor K          --hotspots: speedup factor k (default 2)\n"
"      --depth D           --tree: show D levels (roots are level 1)\n"
"      --exact             percentiles from raw call rows (type 7) instead of the\n"
"                          histogram; needs a run that stored every call\n"
"  -f, --format FMT        table, csv, json, md (default: table)\n"
"  -o, --output FILE       write to FILE (atomically) instead of standard output\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Exit status: 0 ok, 2 usage error, 3 bad or unsupported data.\n"
"Documentation: docs/stats.md\n");
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    pt_die(PT_EXIT_USAGE, "%s\nTry 'pscope-stats --help' for more information.", msg);
}

static void set_mode(struct options *o, enum mode m)
{
    if (o->mode != M_TABLE && o->mode != m) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s and %s cannot be combined", mode_opt[o->mode], mode_opt[m]);
        usage_error("%s", msg);
    }
    o->mode = m;
}

static void parse_args(int argc, char **argv, struct options *o)
{
    enum {
        O_HOTSPOTS = 256, O_TREE, O_CALLERS, O_CALLEES, O_THREADS, O_STAGES, O_RESOURCES,
        O_LIST_RUNS, O_FILTER, O_EXCLUDE, O_MIN_SHARE, O_FACTOR, O_DEPTH, O_EXACT
    };
    static const struct option longopts[] = {
        {"hotspots", no_argument, NULL, O_HOTSPOTS},
        {"tree", no_argument, NULL, O_TREE},
        {"callers", required_argument, NULL, O_CALLERS},
        {"callees", required_argument, NULL, O_CALLEES},
        {"threads", no_argument, NULL, O_THREADS},
        {"stages", no_argument, NULL, O_STAGES},
        {"resources", no_argument, NULL, O_RESOURCES},
        {"list-runs", no_argument, NULL, O_LIST_RUNS},
        {"run", required_argument, NULL, 'r'},
        {"sort", required_argument, NULL, 's'},
        {"top", required_argument, NULL, 'n'},
        {"filter", required_argument, NULL, O_FILTER},
        {"exclude", required_argument, NULL, O_EXCLUDE},
        {"min-share", required_argument, NULL, O_MIN_SHARE},
        {"factor", required_argument, NULL, O_FACTOR},
        {"depth", required_argument, NULL, O_DEPTH},
        {"exact", no_argument, NULL, O_EXACT},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *sort_arg = NULL;
    int rc, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":r:s:n:f:o:hV", longopts, NULL)) != -1) {
        switch (c) {
        case O_HOTSPOTS: set_mode(o, M_HOTSPOTS); break;
        case O_TREE: set_mode(o, M_TREE); break;
        case O_CALLERS: set_mode(o, M_CALLERS); o->function = optarg; break;
        case O_CALLEES: set_mode(o, M_CALLEES); o->function = optarg; break;
        case O_THREADS: set_mode(o, M_THREADS); break;
        case O_STAGES: set_mode(o, M_STAGES); break;
        case O_RESOURCES: set_mode(o, M_RESOURCES); break;
        case O_LIST_RUNS: set_mode(o, M_LIST_RUNS); break;
        case 'r': o->run = optarg; break;
        case 's': sort_arg = optarg; break;
        case 'n':
            if ((rc = pt_parse_int("--top", optarg, 0, INT64_MAX, &o->top)))
                pt_die(rc, NULL);
            break;
        case O_FILTER:
        case O_EXCLUDE:
            if ((rc = pt_filter_add(&o->filter, c == O_FILTER ? "--filter" : "--exclude", optarg,
                                    c == O_EXCLUDE)))
                pt_die(rc, NULL);
            break;
        case O_MIN_SHARE: {
            double pct;
            if ((rc = pt_parse_real("--min-share", optarg, 0, 100, &pct)))
                pt_die(rc, NULL);
            o->min_share = pct / 100.0;
            break;
        }
        case O_FACTOR:
            if ((rc = pt_parse_real("--factor", optarg, 1e-9, 1e12, &o->factor)))
                pt_die(rc, NULL);
            break;
        case O_DEPTH:
            if ((rc = pt_parse_int("--depth", optarg, 1, INT32_MAX, &o->depth)))
                pt_die(rc, NULL);
            break;
        case O_EXACT: o->exact = 1; break;
        case 'f':
            if ((rc = pt_format_parse(optarg, 0, &o->format)))
                pt_die(rc, NULL);
            break;
        case 'o': o->output = optarg; break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("pscope-stats %s\n", pt_version());
            exit(0);
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
        case '?':
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        o->db_arg = argv[optind++];
    if (optind < argc)
        usage_error("unexpected argument '%s' (one database at a time)", argv[optind]);
    if (sort_arg) {
        if (o->mode != M_TABLE)
            usage_error("--sort applies to the function table, not %s", mode_opt[o->mode]);
        if ((rc = pt_keys_parse("--sort", sort_arg, sort_names, K_COUNT, o->sort, MAX_SORT_KEYS,
                                &o->nsort)))
            pt_die(rc, NULL);
    }
    if (o->exact && o->mode != M_TABLE)
        usage_error("--exact applies to the function table, not %s", mode_opt[o->mode]);
    if (!isnan(o->factor) && o->mode != M_HOTSPOTS)
        usage_error("%s", "--factor applies to --hotspots");
    if (o->depth >= 0 && o->mode != M_TREE)
        usage_error("%s", "--depth applies to --tree");
    if ((o->mode == M_CALLERS || o->mode == M_CALLEES) && (!o->function || !*o->function))
        usage_error("%s needs a function name", mode_opt[o->mode]);
}

/* ---- shared helpers ------------------------------------------------------------------- */

struct ctx {
    struct options *opt;
    pt_db *db;
    pt_run run;
    pt_out *out;
    char *db_path;
};

static sqlite3_stmt *prepare(struct ctx *c, const char *name)
{
    sqlite3_stmt *st = pt_sql_prepare(c->db, name);
    if (!st)
        pt_die(PT_EXIT_DATA, NULL);
    pt_sql_bind_int(st, ":run_id", c->run.id);
    return st;
}

static int step(struct ctx *c, sqlite3_stmt *st)
{
    int rc = pt_sql_step(c->db, st);
    if (rc < 0) {
        sqlite3_finalize(st);
        pt_die(PT_EXIT_DATA, NULL);
    }
    return rc;
}

static int64_t col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_int64(st, i);
}

static void emit(struct ctx *c, pt_table *t)
{
    int rc = pt_out_table(c->out, t);
    pt_table_free(t);
    if (rc)
        pt_die(rc, NULL);
}

static void run_header(struct ctx *c)
{
    char line[1024];
    pt_run_describe(&c->run, line, sizeof line);
    pt_out_header(c->out, "%s", line);
    pt_out_meta(c->out, "database", cJSON_CreateString(c->db_path));
    pt_out_meta(c->out, "run", pt_run_json(&c->run));
}

static int64_t row_limit(const struct options *o, int64_t dflt)
{
    if (o->top < 0)
        return dflt;
    return o->top == 0 ? INT64_MAX : o->top;
}

/* ---- default table --------------------------------------------------------------------- */

static struct fnrow *load_functions(struct ctx *c, size_t *n, double *thread_time)
{
    sqlite3_stmt *st = prepare(c, "stats_functions");
    struct fnrow *rows = NULL;
    size_t cap = 0;
    *n = 0;
    *thread_time = 0;
    while (step(c, st)) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = pt_xrealloc(rows, cap * sizeof *rows);
        }
        struct fnrow *r = &rows[(*n)++];
        int i = 0;
        r->id = col_int(st, i++);
        r->name = pt_sql_col_strdup(st, i++);
        r->module = pt_sql_col_strdup(st, i++);
        r->file = pt_sql_col_strdup(st, i++);
        r->line = col_int(st, i++);
        r->calls = col_int(st, i++);
        r->primitive_calls = col_int(st, i++);
        r->total = pt_sql_col_real(st, i++);
        r->self = pt_sql_col_real(st, i++);
        r->self_per_call = pt_sql_col_real(st, i++);
        r->total_per_call = pt_sql_col_real(st, i++);
        r->mean = pt_sql_col_real(st, i++);
        r->min = pt_sql_col_real(st, i++);
        r->max = pt_sql_col_real(st, i++);
        r->p50 = pt_sql_col_real(st, i++);
        r->p95 = pt_sql_col_real(st, i++);
        r->p99 = pt_sql_col_real(st, i++);
        r->self_share = pt_sql_col_real(st, i++);
        r->total_share = pt_sql_col_real(st, i++);
        *thread_time = pt_sql_col_real(st, i++);
        if (!r->name)
            r->name = pt_xstrdup("");
    }
    sqlite3_finalize(st);
    return rows;
}

static void free_functions(struct fnrow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].file);
        free(rows[i].module);
    }
    free(rows);
}

static const int *g_sort;
static size_t g_nsort;

static int cmp_num_desc(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b); /* missing values last */
    return (a < b) - (a > b);
}

static int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (!a) - (!b); /* missing last */
    return strcmp(a, b);
}

static int cmp_fn(const void *pa, const void *pb)
{
    const struct fnrow *a = pa, *b = pb;
    for (size_t i = 0; i < g_nsort; i++) {
        int r = 0;
        switch ((enum sortkey)g_sort[i]) {
        case K_CALLS: r = cmp_num_desc((double)a->calls, (double)b->calls); break;
        case K_SELF: r = cmp_num_desc(a->self, b->self); break;
        case K_TOTAL: r = cmp_num_desc(a->total, b->total); break;
        case K_MEAN: r = cmp_num_desc(a->mean, b->mean); break;
        case K_P50: r = cmp_num_desc(a->p50, b->p50); break;
        case K_P95: r = cmp_num_desc(a->p95, b->p95); break;
        case K_P99: r = cmp_num_desc(a->p99, b->p99); break;
        case K_MAX: r = cmp_num_desc(a->max, b->max); break;
        case K_NAME: r = cmp_str(a->name, b->name); break;
        case K_FILE:
            r = cmp_str(a->file, b->file);
            if (!r)
                r = (a->line > b->line) - (a->line < b->line);
            break;
        case K_COUNT:
        default: break;
        }
        if (r)
            return r;
    }
    int r = strcmp(a->name, b->name);
    return r ? r : (a->id > b->id) - (a->id < b->id);
}

static const struct fnrow *g_fnrows;

static int cmp_row_id(const void *a, const void *b)
{
    int64_t x = g_fnrows[*(const size_t *)a].id, y = g_fnrows[*(const size_t *)b].id;
    return (x > y) - (x < y);
}

/* Replace histogram percentiles by exact type-7 ones from the raw rows, in one unordered
 * pass over `call`; refuses sampled runs (the figures would silently be partial). */
static void exact_percentiles(struct ctx *c, struct fnrow *rows, size_t n)
{
    const pt_run *r = &c->run;
    if (r->calls_stored != r->calls_seen || r->rows_dropped > 0) {
        pt_die(PT_EXIT_DATA,
               "%s: --exact needs every call of the run, but run %lld stored %lld of %lld calls "
               "(rows were sampled or dropped); use the histogram percentiles (without --exact) "
               "or record again with max_calls: 0 (unlimited)",
               c->db_path, (long long)r->id, (long long)r->calls_stored, (long long)r->calls_seen);
    }
    /* function id -> row, through an index sorted by id */
    size_t *byid = pt_xmalloc((n ? n : 1) * sizeof *byid);
    for (size_t i = 0; i < n; i++)
        byid[i] = i;
    g_fnrows = rows;
    qsort(byid, n, sizeof *byid, cmp_row_id);
    struct durs { double *v; size_t n, cap; } *d = pt_xcalloc(n ? n : 1, sizeof *d);
    sqlite3_stmt *st = prepare(c, "stats_exact");
    while (step(c, st)) {
        int64_t id = col_int(st, 0);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (rows[byid[mid]].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n || rows[byid[lo]].id != id)
            continue; /* a row of a function without statistics: nothing to report */
        struct durs *x = &d[byid[lo]];
        if (x->n == x->cap) {
            x->cap = x->cap ? x->cap * 2 : (size_t)(rows[byid[lo]].calls > 0 ? rows[byid[lo]].calls : 16);
            x->v = pt_xrealloc(x->v, x->cap * sizeof *x->v);
        }
        x->v[x->n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if ((int64_t)d[i].n != rows[i].calls)
            pt_warn("%s: function %s has %zu stored calls but %lld counted; its exact "
                    "percentiles cover the stored ones", c->db_path, rows[i].name, d[i].n,
                    (long long)rows[i].calls);
        rows[i].p50 = pt_percentile7_select(d[i].v, d[i].n, 0.50);
        rows[i].p95 = pt_percentile7_select(d[i].v, d[i].n, 0.95);
        rows[i].p99 = pt_percentile7_select(d[i].v, d[i].n, 0.99);
        free(d[i].v);
    }
    free(d);
    free(byid);
}

/* Apply --filter/--exclude and --min-share (on self share); compacts rows in place. */
static size_t select_functions(const struct options *o, struct fnrow *rows, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = pt_filter_match(o->filter, rows[i].name, rows[i].file, rows[i].line);
        if (keep && !isnan(o->min_share))
            keep = !isnan(rows[i].self_share) && rows[i].self_share >= o->min_share - 1e-12;
        if (keep) {
            rows[m++] = rows[i];
        } else {
            free(rows[i].name);
            free(rows[i].file);
            free(rows[i].module);
        }
    }
    return m;
}

static int mode_table(struct ctx *c)
{
    struct options *o = c->opt;
    double thread_time;
    size_t n;
    struct fnrow *rows = load_functions(c, &n, &thread_time);
    if (n == 0) {
        free(rows);
        pt_die(PT_EXIT_DATA,
               "%s: run %lld has no function calls (was the program built with "
               "-finstrument-functions? for stage-only programs use --stages)",
               c->db_path, (long long)c->run.id);
    }
    int64_t all_calls = 0, all_primitive = 0;
    for (size_t i = 0; i < n; i++) {
        all_calls += rows[i].calls;
        all_primitive += rows[i].primitive_calls;
    }
    size_t total_functions = n;
    if (o->exact)
        exact_percentiles(c, rows, n);
    n = select_functions(o, rows, n);
    if (o->nsort == 0) {
        o->sort[0] = K_SELF;
        o->nsort = 1;
    }
    g_sort = o->sort;
    g_nsort = o->nsort;
    qsort(rows, n, sizeof *rows, cmp_fn);
    int64_t limit = row_limit(o, INT64_MAX);
    size_t shown = n < (uint64_t)limit ? n : (size_t)limit;

    run_header(c);
    char tt[PT_DUR_BUFSZ];
    char sortdesc[128] = "";
    for (size_t i = 0; i < o->nsort; i++) {
        strncat(sortdesc, i ? "," : "", sizeof sortdesc - strlen(sortdesc) - 1);
        strncat(sortdesc, sort_names[o->sort[i]], sizeof sortdesc - strlen(sortdesc) - 1);
    }
    const char *method = o->exact ? "exact (type 7 over stored calls)" : "histogram ≤1%";
    pt_out_header(c->out, "%lld calls (%lld primitive) in %zu functions · thread time %s · "
                  "percentiles: %s · sorted by %s",
                  (long long)all_calls, (long long)all_primitive, total_functions,
                  pt_fmt_dur(thread_time, tt, sizeof tt), method, sortdesc);
    if (shown < total_functions)
        pt_out_header(c->out, "showing %zu of %zu functions%s", shown, total_functions,
                      n < total_functions ? " (filtered)" : "");
    pt_out_meta(c->out, "percentile_method", cJSON_CreateString(o->exact ? "exact" : "histogram"));
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));
    pt_out_meta(c->out, "functions_total", cJSON_CreateNumber((double)total_functions));

    pt_table *t = pt_table_new("functions");
    int c_ncalls = pt_table_add_col(t, "ncalls", "ncalls", PT_COL_TEXT,
                                    PT_COL_HUMAN | PT_COL_RIGHT);
    int c_id = pt_table_add_col(t, "function_id", "id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_module = pt_table_add_col(t, "module", "module", PT_COL_TEXT, PT_COL_MACHINE);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_MACHINE);
    int c_prim = pt_table_add_col(t, "primitive_calls", "primitive", PT_COL_INT, PT_COL_MACHINE);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_spc = pt_table_add_col(t, "self_per_call", "self/call", PT_COL_DUR, PT_COL_BOTH);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_tpc = pt_table_add_col(t, "total_per_call", "total/call", PT_COL_DUR, PT_COL_BOTH);
    int c_mean = pt_table_add_col(t, "mean_dur", "mean", PT_COL_DUR, PT_COL_MACHINE);
    int c_min = pt_table_add_col(t, "min_dur", "min", PT_COL_DUR, PT_COL_MACHINE);
    int c_p50 = pt_table_add_col(t, "p50", "p50", PT_COL_DUR, PT_COL_BOTH);
    int c_p95 = pt_table_add_col(t, "p95", "p95", PT_COL_DUR, PT_COL_BOTH);
    int c_p99 = pt_table_add_col(t, "p99", "p99", PT_COL_DUR, PT_COL_BOTH);
    int c_max = pt_table_add_col(t, "max_dur", "max", PT_COL_DUR, PT_COL_BOTH);
    int c_share = pt_table_add_col(t, "self_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_tshare = pt_table_add_col(t, "total_share", "%total", PT_COL_SHARE, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);
    for (size_t i = 0; i < shown; i++) {
        struct fnrow *r = &rows[i];
        pt_table_add_row(t);
        char ncalls[64];
        if (r->calls != r->primitive_calls)
            snprintf(ncalls, sizeof ncalls, "%lld/%lld", (long long)r->calls,
                     (long long)r->primitive_calls);
        else
            snprintf(ncalls, sizeof ncalls, "%lld", (long long)r->calls);
        pt_table_set_text(t, c_ncalls, ncalls);
        pt_table_set_int(t, c_id, r->id);
        pt_table_set_text(t, c_name, r->name);
        pt_table_set_text(t, c_file, r->file);
        if (r->file)
            pt_table_set_int(t, c_line, r->line);
        pt_table_set_text(t, c_module, r->module);
        pt_table_set_int(t, c_calls, r->calls);
        pt_table_set_int(t, c_prim, r->primitive_calls);
        pt_table_set_real(t, c_self, r->self);
        pt_table_set_real(t, c_spc, r->self_per_call);
        pt_table_set_real(t, c_total, r->total);
        pt_table_set_real(t, c_tpc, r->total_per_call);
        pt_table_set_real(t, c_mean, r->mean);
        pt_table_set_real(t, c_min, r->min);
        pt_table_set_real(t, c_p50, r->p50);
        pt_table_set_real(t, c_p95, r->p95);
        pt_table_set_real(t, c_p99, r->p99);
        pt_table_set_real(t, c_max, r->max);
        pt_table_set_real(t, c_share, r->self_share);
        pt_table_set_real(t, c_tshare, r->total_share);
        char *label = pt_func_label(r->name, r->file, r->line);
        pt_table_set_text(t, c_label, label);
        free(label);
        if (r->self_share >= 0.10)
            pt_table_set_mark(t, PT_MARK_HOT, NULL);
    }
    emit(c, t);
    if (n == 0)
        pt_out_note(c->out, "no function matches the filter");
    free_functions(rows, n);
    return 0;
}

/* ---- hotspots -------------------------------------------------------------------------- */

static int mode_hotspots(struct ctx *c)
{
    struct options *o = c->opt;
    double k = isnan(o->factor) ? 2.0 : o->factor;
    sqlite3_stmt *st = prepare(c, "stats_hotspots");
    pt_sql_bind_real(st, ":factor", k);

    pt_table *t = pt_table_new("hotspots");
    int c_rank = pt_table_add_col(t, "rank", "#", PT_COL_INT, PT_COL_BOTH);
    int c_id = pt_table_add_col(t, "function_id", "id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_share = pt_table_add_col(t, "share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_max = pt_table_add_col(t, "max_speedup", "if removed", PT_COL_RATIO, PT_COL_BOTH);
    char title[64];
    snprintf(title, sizeof title, "if %g× faster", k);
    int c_sk = pt_table_add_col(t, "speedup_k", title, PT_COL_RATIO, PT_COL_BOTH);
    int c_saved = pt_table_add_col(t, "saved_dur", "time saved", PT_COL_DUR, PT_COL_BOTH);
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);

    int64_t limit = row_limit(o, 10);
    int64_t rank = 0, matching = 0, total = 0;
    double thread_time = 0;
    char *top_label = NULL;
    double top_p = NAN, top_max = NAN, top_k = NAN, top_saved = NAN;
    while (step(c, st)) {
        total++;
        const char *name = pt_sql_col_text(st, 1);
        const char *file = pt_sql_col_text(st, 2);
        int64_t line = col_int(st, 3);
        double share = pt_sql_col_real(st, 8);
        thread_time = pt_sql_col_real(st, 12);
        if (!pt_filter_match(o->filter, name, file, line))
            continue;
        if (!isnan(o->min_share) && !(share >= o->min_share - 1e-12))
            continue;
        matching++;
        if (rank >= limit)
            continue;
        rank++;
        double maxs = pt_sql_col_real(st, 9);
        if (isnan(maxs) && share >= 1.0)
            maxs = INFINITY;
        pt_table_add_row(t);
        pt_table_set_int(t, c_rank, rank);
        pt_table_set_int(t, c_id, col_int(st, 0));
        pt_table_set_text(t, c_name, name);
        pt_table_set_text(t, c_file, file);
        if (file)
            pt_table_set_int(t, c_line, line);
        pt_table_set_real(t, c_share, share);
        pt_table_set_real(t, c_self, pt_sql_col_real(st, 6));
        pt_table_set_int(t, c_calls, col_int(st, 4));
        pt_table_set_real(t, c_max, maxs);
        pt_table_set_real(t, c_sk, pt_sql_col_real(st, 10));
        pt_table_set_real(t, c_saved, pt_sql_col_real(st, 11));
        char *label = pt_func_label(name, file, line);
        pt_table_set_text(t, c_label, label);
        if (rank == 1) {
            top_label = pt_xstrdup(label);
            top_p = share;
            top_max = maxs;
            top_k = pt_sql_col_real(st, 10);
            top_saved = pt_sql_col_real(st, 11);
        }
        free(label);
        if (share >= 0.10)
            pt_table_set_mark(t, PT_MARK_HOT, NULL);
    }
    sqlite3_finalize(st);
    if (total == 0) {
        pt_table_free(t);
        pt_die(PT_EXIT_DATA, "%s: run %lld has no function calls to rank", c->db_path,
               (long long)c->run.id);
    }
    run_header(c);
    char tt[PT_DUR_BUFSZ];
    pt_out_header(c->out, "Amdahl ranking by time saved · p = self time / thread time %s · "
                  "factor k = %g", pt_fmt_dur(thread_time, tt, sizeof tt), k);
    if (rank < matching)
        pt_out_header(c->out, "showing the top %lld of %lld functions (--top 0 for all)",
                      (long long)rank, (long long)matching);
    pt_out_meta(c->out, "factor", cJSON_CreateNumber(k));
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));
    emit(c, t);
    if (!top_label) {
        pt_out_note(c->out, "no function matches the filter");
        return 0;
    }
    char saved[PT_DUR_BUFSZ];
    pt_fmt_dur(top_saved, saved, sizeof saved);
    if (top_p >= 0.99) {
        pt_out_note(c->out,
                    "Top candidate: %s takes nearly all of the measured time (%.1f%%): making it "
                    "%g× faster makes the whole run %.2f× faster (saves %s); the overall speedup "
                    "is bounded only by how much faster it can be made.",
                    top_label, top_p * 100.0, k, top_k, saved);
    } else {
        pt_out_note(c->out,
                    "Top candidate: %s, %.1f%% of run time. Making it %g× faster would make the "
                    "whole run %.2f× faster (saves %s, %.1f%% of the time); even removing it "
                    "entirely cannot make the run more than %.2f× faster.%s",
                    top_label, top_p * 100.0, k, top_k, saved,
                    top_p * (1.0 - 1.0 / k) * 100.0, top_max,
                    top_p < 0.10 ? " No single function dominates: look at the algorithm and "
                                   "the callers (--tree) rather than tuning one function."
                                 : "");
    }
    free(top_label);
    return 0;
}

/* ---- tree ------------------------------------------------------------------------------- */

/* The growing box-drawing prefix of tree lines. */
typedef struct {
    char *s;
    size_t len, cap;
} sbuf_t;

static void prefix_trunc(sbuf_t *b, size_t len)
{
    if (b->s && len <= b->len) {
        b->len = len;
        b->s[len] = '\0';
    }
}

static void prefix_add(sbuf_t *b, const char *ext)
{
    size_t n = strlen(ext);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = pt_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, ext, n + 1);
    b->len += n;
}

struct node {
    int64_t id, parent_id, depth, calls, function_id, line;
    double total, self, min, max;
    char *name, *file;
    size_t parent;     /* index, SIZE_MAX for roots or a parent not loaded */
    size_t *kids;
    size_t nkids, capkids;
    int match;         /* the node itself passes the filter */
    int below;         /* the node or a descendant passes */
};

static int cmp_id(const void *a, const void *b)
{
    const struct node *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static const struct node *g_nodes;

static int cmp_kid(const void *a, const void *b)
{
    const struct node *x = &g_nodes[*(const size_t *)a], *y = &g_nodes[*(const size_t *)b];
    int r = cmp_num_desc(x->total, y->total);
    if (r)
        return r;
    r = strcmp(x->name, y->name);
    return r ? r : (x->id > y->id) - (x->id < y->id);
}

static size_t find_node(const struct node *nodes, size_t n, int64_t id)
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

static void add_kid(struct node *p, size_t k)
{
    if (p->nkids == p->capkids) {
        p->capkids = p->capkids ? p->capkids * 2 : 4;
        p->kids = pt_xrealloc(p->kids, p->capkids * sizeof *p->kids);
    }
    p->kids[p->nkids++] = k;
}

#define TREE_MAX_INDENT 48 /* levels drawn with connectors */

struct frame {
    size_t node;
    size_t pos;       /* position in kids[] of the next visible child; nkids when none */
    int anc;          /* the node or an ancestor passes the filter */
    size_t plen;      /* length of the prefix its children's lines start with */
};

struct tree_view {
    const struct node *nodes;
    double thread_time;
    double min_share; /* NAN: no limit */
};

/* A node is shown when it reaches --min-share and, under a filter, it or an ancestor
 * (anc) or a descendant (below) passes. */
static int tree_visible(const struct tree_view *v, size_t i, int anc)
{
    const struct node *d = &v->nodes[i];
    if (!isnan(v->min_share) &&
        !(v->thread_time > 0 && d->total / v->thread_time >= v->min_share - 1e-12))
        return 0;
    return anc || d->below;
}

static size_t next_visible(const struct tree_view *v, const struct node *d, size_t from, int anc)
{
    while (from < d->nkids && !tree_visible(v, d->kids[from], anc || v->nodes[d->kids[from]].match))
        from++;
    return from;
}

static int cmp_depth_desc(const void *a, const void *b)
{
    const struct node *x = &g_nodes[*(const size_t *)a], *y = &g_nodes[*(const size_t *)b];
    return (x->depth < y->depth) - (x->depth > y->depth);
}

struct tree_cols {
    int total, share, self, sshare, calls, min, max, id, pid, depth, fid, name, file, line, label;
};

static void tree_row(pt_table *t, const struct tree_cols *tc, const struct node *d,
                     double thread_time, const char *label)
{
    pt_table_add_row(t);
    pt_table_set_real(t, tc->total, d->total);
    pt_table_set_real(t, tc->share, thread_time > 0 ? d->total / thread_time : NAN);
    pt_table_set_real(t, tc->self, d->self);
    pt_table_set_real(t, tc->sshare, thread_time > 0 ? d->self / thread_time : NAN);
    pt_table_set_int(t, tc->calls, d->calls);
    pt_table_set_real(t, tc->min, d->min);
    pt_table_set_real(t, tc->max, d->max);
    pt_table_set_int(t, tc->id, d->id);
    if (d->parent_id >= 0)
        pt_table_set_int(t, tc->pid, d->parent_id);
    pt_table_set_int(t, tc->depth, d->depth);
    pt_table_set_int(t, tc->fid, d->function_id);
    pt_table_set_text(t, tc->name, d->name);
    pt_table_set_text(t, tc->file, d->file);
    if (d->file)
        pt_table_set_int(t, tc->line, d->line);
    pt_table_set_text(t, tc->label, label);
    if (thread_time > 0 && d->self / thread_time >= 0.10)
        pt_table_set_mark(t, PT_MARK_HOT, NULL);
}

static int mode_tree(struct ctx *c)
{
    struct options *o = c->opt;
    sqlite3_stmt *st = prepare(c, "stats_tree");
    pt_sql_bind_int(st, ":max_depth", o->depth > 0 ? o->depth - 1 : INT64_MAX);
    struct node *nodes = NULL;
    size_t n = 0, cap = 0;
    double thread_time = 0;
    while (step(c, st)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            nodes = pt_xrealloc(nodes, cap * sizeof *nodes);
        }
        struct node *d = &nodes[n++];
        memset(d, 0, sizeof *d);
        d->id = col_int(st, 0);
        d->parent_id = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : col_int(st, 1);
        d->depth = col_int(st, 2);
        d->calls = col_int(st, 3);
        d->total = pt_sql_col_real(st, 4);
        d->self = pt_sql_col_real(st, 5);
        d->min = pt_sql_col_real(st, 6);
        d->max = pt_sql_col_real(st, 7);
        d->function_id = col_int(st, 8);
        d->name = pt_sql_col_strdup(st, 9);
        d->file = pt_sql_col_strdup(st, 10);
        d->line = col_int(st, 11);
        thread_time = pt_sql_col_real(st, 12);
        if (!d->name)
            d->name = pt_xstrdup("");
    }
    sqlite3_finalize(st);
    if (n == 0) {
        free(nodes);
        pt_die(PT_EXIT_DATA, "%s: run %lld has no call paths (%s)", c->db_path,
               (long long)c->run.id,
               c->run.source && strcmp(c->run.source, "cprofile") == 0
                   ? "imported from cProfile, which records callers, not call paths: see "
                     "--callers/--callees"
                   : "no function calls recorded");
    }
    qsort(nodes, n, sizeof *nodes, cmp_id);
    g_nodes = nodes;
    size_t *roots = NULL, nroots = 0;
    for (size_t i = 0; i < n; i++) {
        nodes[i].parent = nodes[i].parent_id < 0 ? SIZE_MAX : find_node(nodes, n, nodes[i].parent_id);
        nodes[i].match = pt_filter_match(o->filter, nodes[i].name, nodes[i].file, nodes[i].line);
        nodes[i].below = nodes[i].match;
        if (nodes[i].parent == SIZE_MAX) {
            roots = pt_xrealloc(roots, (nroots + 1) * sizeof *roots);
            roots[nroots++] = i;
        } else {
            add_kid(&nodes[nodes[i].parent], i);
        }
    }
    if (o->filter) { /* "the node or a descendant matches", deepest nodes first */
        size_t *order = pt_xmalloc(n * sizeof *order);
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        qsort(order, n, sizeof *order, cmp_depth_desc);
        for (size_t j = 0; j < n; j++) {
            size_t i = order[j], p = nodes[i].parent;
            if (p != SIZE_MAX && nodes[i].below)
                nodes[p].below = 1;
        }
        free(order);
    }
    for (size_t i = 0; i < n; i++)
        if (nodes[i].nkids > 1)
            qsort(nodes[i].kids, nodes[i].nkids, sizeof(size_t), cmp_kid);
    if (nroots > 1)
        qsort(roots, nroots, sizeof *roots, cmp_kid);

    run_header(c);
    char tt[PT_DUR_BUFSZ];
    pt_out_header(c->out, "call tree · %zu call paths · %%run of thread time %s%s%s", n,
                  pt_fmt_dur(thread_time, tt, sizeof tt),
                  o->depth > 0 ? " · depth limited (--depth)" : "",
                  !isnan(o->min_share) ? " · small nodes hidden (--min-share)" : "");
    pt_out_meta(c->out, "thread_time_ns", cJSON_CreateNumber(thread_time));

    pt_table *t = pt_table_new("tree");
    struct tree_cols tc;
    tc.total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    tc.share = pt_table_add_col(t, "total_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    tc.self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    tc.sshare = pt_table_add_col(t, "self_share", "%self", PT_COL_SHARE, PT_COL_MACHINE);
    tc.calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    tc.min = pt_table_add_col(t, "min_dur", "min", PT_COL_DUR, PT_COL_MACHINE);
    tc.max = pt_table_add_col(t, "max_dur", "max", PT_COL_DUR, PT_COL_MACHINE);
    tc.id = pt_table_add_col(t, "callpath_id", "id", PT_COL_INT, PT_COL_MACHINE);
    tc.pid = pt_table_add_col(t, "parent_id", "parent", PT_COL_INT, PT_COL_MACHINE);
    tc.depth = pt_table_add_col(t, "depth", "depth", PT_COL_INT, PT_COL_MACHINE);
    tc.fid = pt_table_add_col(t, "function_id", "function id", PT_COL_INT, PT_COL_MACHINE);
    tc.name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    tc.file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    tc.line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    tc.label = pt_table_add_col(t, "function", "function", PT_COL_TEXT, PT_COL_HUMAN);

    /* Iterative depth-first walk (paths can be thousands deep). Each line is the parent's
     * children prefix + a connector + the label; the prefix grows by "│  " or "   ". */
    struct tree_view v = {nodes, thread_time, o->min_share};
    struct frame *stack = pt_xmalloc(n * sizeof *stack);
    sbuf_t prefix = {0};
    int64_t limit = row_limit(o, INT64_MAX), shown = 0;
    for (size_t r = 0; r < nroots && shown < limit; r++) {
        size_t root = roots[r];
        int anc = nodes[root].match;
        if (!tree_visible(&v, root, anc))
            continue;
        char *lab = pt_func_label(nodes[root].name, nodes[root].file, nodes[root].line);
        tree_row(t, &tc, &nodes[root], thread_time, lab);
        free(lab);
        shown++;
        size_t sp = 0;
        stack[sp++] = (struct frame){root, next_visible(&v, &nodes[root], 0, anc), anc, 0};
        prefix_trunc(&prefix, 0);
        while (sp > 0 && shown < limit) {
            struct frame *f = &stack[sp - 1];
            const struct node *d = &nodes[f->node];
            if (f->pos >= d->nkids) {
                sp--;
                continue;
            }
            size_t k = d->kids[f->pos];
            size_t after = next_visible(&v, d, f->pos + 1, f->anc);
            int last = after >= d->nkids;
            f->pos = after;
            int kanc = f->anc || nodes[k].match;
            prefix_trunc(&prefix, f->plen);
            lab = pt_func_label(nodes[k].name, nodes[k].file, nodes[k].line);
            /* Beyond TREE_MAX_INDENT levels the indentation stops growing (a 20,000-deep
             * recursion would otherwise print quadratic amounts of box drawing); the
             * depth is then written out. */
            int deep = sp > TREE_MAX_INDENT;
            char *line = deep ? pt_xasprintf("%s┄ [depth %lld] %s", prefix.s ? prefix.s : "",
                                             (long long)nodes[k].depth, lab)
                              : pt_xasprintf("%s%s%s", prefix.s ? prefix.s : "",
                                             last ? "└─ " : "├─ ", lab);
            free(lab);
            tree_row(t, &tc, &nodes[k], thread_time, line);
            free(line);
            shown++;
            if (!deep)
                prefix_add(&prefix, last ? "   " : "│  ");
            stack[sp++] = (struct frame){k, next_visible(&v, &nodes[k], 0, kanc), kanc, prefix.len};
        }
    }
    free(prefix.s);
    free(stack);
    emit(c, t);
    if (shown == 0)
        pt_out_note(c->out, "no call path matches the filter");
    else if (shown >= limit)
        pt_out_note(c->out, "output limited to %lld rows (--top)", (long long)limit);
    for (size_t i = 0; i < n; i++) {
        free(nodes[i].name);
        free(nodes[i].file);
        free(nodes[i].kids);
    }
    free(nodes);
    free(roots);
    return 0;
}

/* ---- callers / callees ---------------------------------------------------------------- */

static int mode_edges(struct ctx *c, int callers)
{
    struct options *o = c->opt;
    sqlite3_stmt *st = prepare(c, "stats_function_find");
    pt_sql_bind_text(st, ":name", o->function);
    int found = 0;
    int64_t fcalls = 0;
    double ftotal = 0, fself = 0;
    char *flabel = NULL;
    while (step(c, st)) {
        if (!found)
            flabel = pt_func_label(pt_sql_col_text(st, 1), pt_sql_col_text(st, 2), col_int(st, 3));
        found++;
        fcalls += col_int(st, 4);
        ftotal += pt_sql_col_real(st, 5);
        fself += pt_sql_col_real(st, 6);
    }
    sqlite3_finalize(st);
    if (!found)
        pt_die(PT_EXIT_DATA, "%s: run %lld has no function named '%s' (names are exact; see "
               "the function table)", c->db_path, (long long)c->run.id, o->function);

    /* a cProfile import has caller edges (function_caller) instead of call paths */
    int edges = c->run.source && strcmp(c->run.source, "cprofile") == 0;
    st = prepare(c, callers ? (edges ? "stats_callers_edges" : "stats_callers")
                            : (edges ? "stats_callees_edges" : "stats_callees"));
    pt_sql_bind_text(st, ":name", o->function);
    pt_table *t = pt_table_new(callers ? "callers" : "callees");
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_cshare = pt_table_add_col(t, "calls_share", "%calls", PT_COL_SHARE,
                                    callers ? PT_COL_BOTH : PT_COL_MACHINE);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_paths = pt_table_add_col(t, "paths", "paths", PT_COL_INT, PT_COL_MACHINE);
    int c_id = pt_table_add_col(t, callers ? "caller_id" : "callee_id", "id", PT_COL_INT,
                                PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "function", callers ? "caller" : "callee", PT_COL_TEXT,
                                   PT_COL_HUMAN);
    int64_t limit = row_limit(o, INT64_MAX), shown = 0, matching = 0;
    int recursive = 0;
    while (step(c, st)) {
        const char *name = pt_sql_col_text(st, 1);
        const char *file = pt_sql_col_text(st, 2);
        int64_t line = col_int(st, 3);
        int root = sqlite3_column_type(st, 0) == SQLITE_NULL;
        if (name && strcmp(name, o->function) == 0)
            recursive = 1;
        if (!root && !pt_filter_match(o->filter, name, file, line))
            continue;
        matching++;
        if (shown >= limit)
            continue;
        shown++;
        pt_table_add_row(t);
        int64_t calls = col_int(st, 4);
        pt_table_set_int(t, c_calls, calls);
        pt_table_set_real(t, c_cshare, fcalls > 0 ? (double)calls / (double)fcalls : NAN);
        pt_table_set_real(t, c_total, pt_sql_col_real(st, 5));
        pt_table_set_real(t, c_self, pt_sql_col_real(st, 6));
        pt_table_set_int(t, c_paths, col_int(st, 7));
        if (!root)
            pt_table_set_int(t, c_id, col_int(st, 0));
        pt_table_set_text(t, c_name, root ? "<thread start>" : name);
        pt_table_set_text(t, c_file, file);
        if (file)
            pt_table_set_int(t, c_line, line);
        char *label = root ? pt_xstrdup("<thread start>") : pt_func_label(name, file, line);
        pt_table_set_text(t, c_label, label);
        free(label);
    }
    sqlite3_finalize(st);
    run_header(c);
    char tot[PT_DUR_BUFSZ], slf[PT_DUR_BUFSZ];
    pt_out_header(c->out, "%s %s%s · %lld calls · total %s · self %s", callers ? "callers of" :
                  "callees of", flabel, found > 1 ? " (several functions of that name)" : "",
                  (long long)fcalls, pt_fmt_dur(ftotal, tot, sizeof tot),
                  pt_fmt_dur(fself, slf, sizeof slf));
    cJSON *target = cJSON_CreateObject();
    cJSON_AddItemToObject(target, "name", cJSON_CreateString(o->function));
    cJSON_AddItemToObject(target, "functions", cJSON_CreateNumber(found));
    cJSON_AddItemToObject(target, "calls", cJSON_CreateNumber((double)fcalls));
    cJSON_AddItemToObject(target, "total_dur", cJSON_CreateNumber(ftotal));
    cJSON_AddItemToObject(target, "self_dur", cJSON_CreateNumber(fself));
    pt_out_meta(c->out, "target", target);
    emit(c, t);
    if (matching == 0 && callers)
        pt_out_note(c->out, "no caller matches the filter");
    else if (matching == 0)
        pt_out_note(c->out, "%s calls no instrumented function%s", flabel,
                    o->filter ? " matching the filter" : "");
    else if (shown < matching)
        pt_out_note(c->out, "showing %lld of %lld (--top)", (long long)shown, (long long)matching);
    if (recursive)
        pt_out_note(c->out, "%s is recursive: the inclusive time of its edge to itself counts "
                    "nested calls once per level; self times are exact",
                    o->function);
    pt_out_meta(c->out, "recursive", cJSON_CreateBool(recursive));
    free(flabel);
    return 0;
}

/* ---- threads ----------------------------------------------------------------------------- */

static int mode_threads(struct ctx *c)
{
    struct options *o = c->opt;
    sqlite3_stmt *st = prepare(c, "stats_threads");
    pt_table *t = pt_table_new("threads");
    int c_thread = pt_table_add_col(t, "thread", "thread", PT_COL_TEXT, PT_COL_HUMAN);
    int c_tid_id = pt_table_add_col(t, "thread_id", "thread id", PT_COL_INT, PT_COL_MACHINE);
    int c_tid = pt_table_add_col(t, "tid", "tid", PT_COL_INT, PT_COL_MACHINE);
    int c_tname = pt_table_add_col(t, "thread_name", "thread name", PT_COL_TEXT, PT_COL_MACHINE);
    int c_main = pt_table_add_col(t, "is_main", "main", PT_COL_INT, PT_COL_MACHINE);
    int c_busy = pt_table_add_col(t, "busy", "busy", PT_COL_TEXT, PT_COL_HUMAN | PT_COL_RIGHT);
    int c_busy_m = pt_table_add_col(t, "busy_dur", "busy", PT_COL_DUR, PT_COL_MACHINE);
    int c_span = pt_table_add_col(t, "span_dur", "span", PT_COL_DUR, PT_COL_MACHINE);
    int c_calls = pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_self = pt_table_add_col(t, "self_dur", "self", PT_COL_DUR, PT_COL_BOTH);
    int c_total = pt_table_add_col(t, "total_dur", "total", PT_COL_DUR, PT_COL_BOTH);
    int c_tshare = pt_table_add_col(t, "thread_share", "%thread", PT_COL_SHARE, PT_COL_BOTH);
    int c_rshare = pt_table_add_col(t, "run_share", "%run", PT_COL_SHARE, PT_COL_BOTH);
    int c_fid = pt_table_add_col(t, "function_id", "function id", PT_COL_INT, PT_COL_MACHINE);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "function", "function (file:line)", PT_COL_TEXT, PT_COL_HUMAN);
    int64_t limit = row_limit(o, INT64_MAX);
    int64_t cur = INT64_MIN, in_thread = 0, nthreads = 0;
    while (step(c, st)) {
        int64_t tid_id = col_int(st, 0);
        int first = tid_id != cur;
        if (first) {
            cur = tid_id;
            in_thread = 0;
            nthreads++;
        }
        int has_fn = sqlite3_column_type(st, 8) != SQLITE_NULL;
        const char *name = pt_sql_col_text(st, 9);
        const char *file = pt_sql_col_text(st, 10);
        int64_t line = col_int(st, 11);
        if (has_fn && !pt_filter_match(o->filter, name, file, line))
            continue;
        if (has_fn && !isnan(o->min_share) && !(pt_sql_col_real(st, 16) >= o->min_share - 1e-12))
            continue;
        if (in_thread >= limit)
            continue;
        int show_thread = in_thread == 0;
        in_thread++;
        pt_table_add_row(t);
        if (show_thread) {
            const char *tn = pt_sql_col_text(st, 2);
            char *th = pt_xasprintf("%lld%s%s%s", (long long)col_int(st, 1), tn ? " " : "",
                                    tn ? tn : "", col_int(st, 3) ? " (main)" : "");
            pt_table_set_text(t, c_thread, th);
            free(th);
            char busy[PT_DUR_BUFSZ];
            pt_table_set_text(t, c_busy, pt_fmt_dur(pt_sql_col_real(st, 7), busy, sizeof busy));
        } else {
            pt_table_set_text(t, c_thread, "");
            pt_table_set_text(t, c_busy, "");
        }
        pt_table_set_int(t, c_tid_id, tid_id);
        pt_table_set_int(t, c_tid, col_int(st, 1));
        pt_table_set_text(t, c_tname, pt_sql_col_text(st, 2));
        pt_table_set_int(t, c_main, col_int(st, 3));
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            pt_table_set_real(t, c_span, (double)(col_int(st, 5) - col_int(st, 4)));
        pt_table_set_real(t, c_busy_m, pt_sql_col_real(st, 7));
        if (has_fn) {
            pt_table_set_int(t, c_calls, col_int(st, 12));
            pt_table_set_real(t, c_total, pt_sql_col_real(st, 13));
            pt_table_set_real(t, c_self, pt_sql_col_real(st, 14));
            pt_table_set_real(t, c_tshare, pt_sql_col_real(st, 15));
            pt_table_set_real(t, c_rshare, pt_sql_col_real(st, 16));
            pt_table_set_int(t, c_fid, col_int(st, 8));
            pt_table_set_text(t, c_name, name);
            pt_table_set_text(t, c_file, file);
            if (file)
                pt_table_set_int(t, c_line, line);
            char *label = pt_func_label(name, file, line);
            pt_table_set_text(t, c_label, label);
            free(label);
        } else {
            pt_table_set_text(t, c_label, "(no completed call)");
        }
    }
    sqlite3_finalize(st);
    if (nthreads == 0) {
        pt_table_free(t);
        pt_die(PT_EXIT_DATA, "%s: run %lld has no threads recorded", c->db_path,
               (long long)c->run.id);
    }
    run_header(c);
    pt_out_header(c->out, "%lld thread%s · per thread, functions by self time", (long long)nthreads,
                  nthreads == 1 ? "" : "s");
    emit(c, t);
    return 0;
}

/* ---- stages / resources ------------------------------------------------------------------ */

static void counts(struct ctx *c, int64_t *stages, int64_t *samples)
{
    sqlite3_stmt *st = prepare(c, "stats_counts");
    *stages = *samples = 0;
    if (step(c, st)) {
        *stages = col_int(st, 0);
        *samples = col_int(st, 1);
    }
    sqlite3_finalize(st);
}

static int mode_stages(struct ctx *c)
{
    struct options *o = c->opt;
    int64_t nst, nsamp;
    counts(c, &nst, &nsamp);
    run_header(c);
    pt_table *t = pt_table_new("stages");
    int c_name = pt_table_add_col(t, "name", "stage", PT_COL_TEXT, PT_COL_BOTH | PT_COL_KEY);
    int c_spans = pt_table_add_col(t, "spans", "spans", PT_COL_INT, PT_COL_BOTH);
    int c_open = pt_table_add_col(t, "open_spans", "open", PT_COL_INT, PT_COL_MACHINE);
    int c_total = pt_table_add_col(t, "total_dur", "time", PT_COL_DUR, PT_COL_BOTH);
    int c_in = pt_table_add_col(t, "records_in", "in", PT_COL_INT, PT_COL_BOTH);
    int c_out = pt_table_add_col(t, "records_out", "out", PT_COL_INT, PT_COL_BOTH);
    int c_pass = pt_table_add_col(t, "pass_ratio", "pass", PT_COL_SHARE, PT_COL_BOTH);
    int c_thr = pt_table_add_col(t, "throughput", "in/s", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_thr, 0);
    int c_marks = pt_table_add_col(t, "record_marks", "marks", PT_COL_INT, PT_COL_MACHINE);
    int c_cpu = pt_table_add_col(t, "cpu_ns", "cpu", PT_COL_DUR, PT_COL_BOTH);
    int c_util = pt_table_add_col(t, "cpu_util", "cpu%", PT_COL_SHARE, PT_COL_BOTH);
    int c_rss = pt_table_add_col(t, "rss_growth", "rss+", PT_COL_BYTES, PT_COL_BOTH);
    int c_minf = pt_table_add_col(t, "minflt", "minflt", PT_COL_INT, PT_COL_MACHINE);
    int c_majf = pt_table_add_col(t, "majflt", "majflt", PT_COL_INT, PT_COL_MACHINE);
    int c_lat = pt_table_add_col(t, "latency_samples", "records timed", PT_COL_INT, PT_COL_MACHINE);
    int c_p50 = pt_table_add_col(t, "p50", "p50", PT_COL_DUR, PT_COL_BOTH);
    int c_p95 = pt_table_add_col(t, "p95", "p95", PT_COL_DUR, PT_COL_BOTH);
    int c_p99 = pt_table_add_col(t, "p99", "p99", PT_COL_DUR, PT_COL_BOTH);
    if (nst == 0) {
        pt_out_meta(c->out, "stages_recorded", cJSON_CreateBool(0));
        if (o->format == PT_FMT_TABLE || o->format == PT_FMT_MD)
            pt_table_free(t); /* nothing to align: the note says it plainly */
        else
            emit(c, t);       /* machine readers get an empty table with its columns */
        pt_out_note(c->out, "run %lld recorded no stages: the program never called "
                    "pscope_stage_begin() or PSCOPE_STAGE()", (long long)c->run.id);
        return 0;
    }
    pt_out_header(c->out, "%lld stage spans · latency percentiles per record from histograms "
                  "(≤1%%)", (long long)nst);
    sqlite3_stmt *st = prepare(c, "stats_stages");
    int64_t limit = row_limit(o, INT64_MAX), shown = 0;
    while (step(c, st) && shown < limit) {
        const char *name = pt_sql_col_text(st, 0);
        if (!pt_filter_match(o->filter, name, NULL, 0))
            continue;
        shown++;
        pt_table_add_row(t);
        pt_table_set_text(t, c_name, name);
        pt_table_set_int(t, c_spans, col_int(st, 1));
        pt_table_set_int(t, c_open, col_int(st, 2));
        pt_table_set_real(t, c_total, pt_sql_col_real(st, 4));
        pt_table_set_real(t, c_in, pt_sql_col_real(st, 5));
        pt_table_set_real(t, c_out, pt_sql_col_real(st, 6));
        pt_table_set_real(t, c_pass, pt_sql_col_real(st, 7));
        pt_table_set_real(t, c_thr, pt_sql_col_real(st, 8));
        pt_table_set_int(t, c_marks, col_int(st, 9));
        pt_table_set_real(t, c_cpu, pt_sql_col_real(st, 10));
        pt_table_set_real(t, c_util, pt_sql_col_real(st, 11));
        pt_table_set_real(t, c_rss, pt_sql_col_real(st, 12));
        pt_table_set_real(t, c_minf, pt_sql_col_real(st, 13));
        pt_table_set_real(t, c_majf, pt_sql_col_real(st, 14));
        pt_table_set_real(t, c_lat, pt_sql_col_real(st, 15));
        pt_table_set_real(t, c_p50, pt_sql_col_real(st, 16));
        pt_table_set_real(t, c_p95, pt_sql_col_real(st, 17));
        pt_table_set_real(t, c_p99, pt_sql_col_real(st, 18));
        if (col_int(st, 2) > 0)
            pt_table_set_mark(t, PT_MARK_BAD, "stage never ended");
    }
    sqlite3_finalize(st);
    pt_out_meta(c->out, "stages_recorded", cJSON_CreateBool(1));
    emit(c, t);
    return 0;
}

static int mode_resources(struct ctx *c)
{
    struct options *o = c->opt;
    int64_t nst, nsamp;
    counts(c, &nst, &nsamp);
    run_header(c);
    pt_table *t = pt_table_new("resources");
    int c_kind = pt_table_add_col(t, "kind", "kind", PT_COL_TEXT, PT_COL_BOTH);
    int c_samples = pt_table_add_col(t, "samples", "samples", PT_COL_INT, PT_COL_BOTH);
    int c_cpu = pt_table_add_col(t, "cpu_ns", "cpu", PT_COL_DUR, PT_COL_BOTH);
    int c_share = pt_table_add_col(t, "cpu_share", "%cpu", PT_COL_SHARE, PT_COL_BOTH);
    int c_user = pt_table_add_col(t, "cpu_user_ns", "user", PT_COL_DUR, PT_COL_BOTH);
    int c_sys = pt_table_add_col(t, "cpu_sys_ns", "sys", PT_COL_DUR, PT_COL_BOTH);
    int c_rss = pt_table_add_col(t, "rss_max", "rss max", PT_COL_BYTES, PT_COL_BOTH);
    int c_grow = pt_table_add_col(t, "rss_growth", "rss+", PT_COL_BYTES, PT_COL_BOTH);
    int c_minf = pt_table_add_col(t, "minflt", "minflt", PT_COL_INT, PT_COL_BOTH);
    int c_majf = pt_table_add_col(t, "majflt", "majflt", PT_COL_INT, PT_COL_BOTH);
    int c_gpu = pt_table_add_col(t, "gpu_util", "gpu%", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_gpu, 1);
    int c_gmem = pt_table_add_col(t, "gpu_mem_max", "gpu mem", PT_COL_BYTES, PT_COL_BOTH);
    int c_name = pt_table_add_col(t, "name", "name", PT_COL_TEXT, PT_COL_MACHINE | PT_COL_KEY);
    int c_file = pt_table_add_col(t, "file", "file", PT_COL_TEXT, PT_COL_MACHINE);
    int c_line = pt_table_add_col(t, "line", "line", PT_COL_INT, PT_COL_MACHINE);
    int c_label = pt_table_add_col(t, "what", "function / stage", PT_COL_TEXT, PT_COL_HUMAN);
    if (nsamp == 0) {
        pt_out_meta(c->out, "resources_recorded", cJSON_CreateBool(0));
        if (o->format == PT_FMT_TABLE || o->format == PT_FMT_MD)
            pt_table_free(t);
        else
            emit(c, t);
        pt_out_note(c->out, "run %lld has no resource samples: the sampler was off or the run "
                    "was shorter than one sampling interval", (long long)c->run.id);
        return 0;
    }
    pt_out_header(c->out, "%lld resource samples · CPU and memory attributed to the function "
                  "on top of the sampled thread's stack and its innermost stage",
                  (long long)nsamp);
    sqlite3_stmt *st = prepare(c, "stats_resources");
    int64_t limit = row_limit(o, INT64_MAX), shown = 0;
    while (step(c, st)) {
        const char *kind = pt_sql_col_text(st, 0);
        const char *name = pt_sql_col_text(st, 1);
        const char *file = pt_sql_col_text(st, 2);
        int64_t line = col_int(st, 3);
        int process = kind && strcmp(kind, "process") == 0;
        if (!process && !pt_filter_match(o->filter, name, file, line))
            continue;
        if (!process && !isnan(o->min_share) && !(pt_sql_col_real(st, 8) >= o->min_share - 1e-12))
            continue;
        if (!process && shown >= limit)
            continue;
        if (!process)
            shown++;
        pt_table_add_row(t);
        pt_table_set_text(t, c_kind, kind);
        pt_table_set_int(t, c_samples, col_int(st, 4));
        pt_table_set_real(t, c_user, pt_sql_col_real(st, 5));
        pt_table_set_real(t, c_sys, pt_sql_col_real(st, 6));
        pt_table_set_real(t, c_cpu, pt_sql_col_real(st, 7));
        pt_table_set_real(t, c_share, process ? NAN : pt_sql_col_real(st, 8));
        pt_table_set_real(t, c_rss, pt_sql_col_real(st, 9));
        pt_table_set_real(t, c_grow, pt_sql_col_real(st, 10));
        pt_table_set_real(t, c_minf, pt_sql_col_real(st, 11));
        pt_table_set_real(t, c_majf, pt_sql_col_real(st, 12));
        pt_table_set_real(t, c_gpu, pt_sql_col_real(st, 13));
        pt_table_set_real(t, c_gmem, pt_sql_col_real(st, 14));
        pt_table_set_text(t, c_name, name);
        pt_table_set_text(t, c_file, file);
        if (file)
            pt_table_set_int(t, c_line, line);
        char *label = process ? pt_xstrdup("(whole process)")
                              : pt_func_label(name ? name : "", file, line);
        pt_table_set_text(t, c_label, label);
        free(label);
    }
    sqlite3_finalize(st);
    pt_out_meta(c->out, "resources_recorded", cJSON_CreateBool(1));
    emit(c, t);
    return 0;
}

/* ---- list runs --------------------------------------------------------------------------- */

static int mode_list_runs(struct ctx *c)
{
    pt_run *runs = NULL;
    size_t n = 0;
    int rc = pt_runs_list(c->db, &runs, &n);
    if (rc)
        pt_die(rc, NULL);
    pt_out_header(c->out, "%s · %zu run%s", c->db_path, n, n == 1 ? "" : "s");
    pt_out_meta(c->out, "database", cJSON_CreateString(c->db_path));
    pt_table *t = pt_table_new("runs");
    int c_id = pt_table_add_col(t, "id", "id", PT_COL_INT, PT_COL_BOTH | PT_COL_KEY);
    int c_label = pt_table_add_col(t, "label", "label", PT_COL_TEXT, PT_COL_BOTH);
    int c_started = pt_table_add_col(t, "started", "started (UTC)", PT_COL_TEXT, PT_COL_BOTH);
    int c_sw = pt_table_add_col(t, "started_wall", "started ns", PT_COL_INT, PT_COL_MACHINE);
    int c_wall = pt_table_add_col(t, "wall_ns", "wall", PT_COL_DUR, PT_COL_BOTH);
    int c_seen = pt_table_add_col(t, "calls_seen", "calls", PT_COL_INT, PT_COL_BOTH);
    int c_stored = pt_table_add_col(t, "calls_stored", "stored", PT_COL_INT, PT_COL_BOTH);
    int c_complete = pt_table_add_col(t, "complete", "complete", PT_COL_INT, PT_COL_MACHINE);
    int c_state = pt_table_add_col(t, "state", "state", PT_COL_TEXT, PT_COL_HUMAN);
    int c_scale = pt_table_add_col(t, "scale", "scale", PT_COL_REAL, PT_COL_BOTH);
    pt_table_set_decimals(t, c_scale, 0);
    int c_pid = pt_table_add_col(t, "pid", "pid", PT_COL_INT, PT_COL_MACHINE);
    int c_parent = pt_table_add_col(t, "parent_run_id", "parent run", PT_COL_INT, PT_COL_MACHINE);
    int c_host = pt_table_add_col(t, "host", "host", PT_COL_TEXT, PT_COL_MACHINE);
    int c_cmd = pt_table_add_col(t, "command", "command", PT_COL_TEXT, PT_COL_BOTH);
    for (size_t i = 0; i < n; i++) {
        const pt_run *r = &runs[i];
        pt_table_add_row(t);
        pt_table_set_int(t, c_id, r->id);
        pt_table_set_text(t, c_label, r->label);
        char when[64] = "";
        time_t secs = (time_t)(r->started_wall / 1000000000);
        struct tm tm;
        if (gmtime_r(&secs, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        pt_table_set_text(t, c_started, when);
        pt_table_set_int(t, c_sw, r->started_wall);
        pt_table_set_real(t, c_wall, (double)r->dur);
        pt_table_set_int(t, c_seen, r->calls_seen);
        pt_table_set_int(t, c_stored, r->calls_stored);
        pt_table_set_int(t, c_complete, r->complete);
        pt_table_set_text(t, c_state, r->complete ? "complete" : "INCOMPLETE");
        pt_table_set_real(t, c_scale, r->scale);
        pt_table_set_int(t, c_pid, r->pid);
        if (r->parent_run_id)
            pt_table_set_int(t, c_parent, r->parent_run_id);
        pt_table_set_text(t, c_host, r->host);
        pt_table_set_text(t, c_cmd, r->command);
        if (!r->complete)
            pt_table_set_mark(t, PT_MARK_BAD, "incomplete run");
    }
    pt_runs_free(runs, n);
    emit(c, t);
    if (n == 0)
        pt_out_note(c->out, "no runs recorded yet");
    return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    pt_init("pscope-stats");
    struct options o = {
        .mode = M_TABLE, .format = PT_FMT_TABLE, .top = -1, .min_share = NAN, .factor = NAN,
        .depth = -1,
    };
    parse_args(argc, argv, &o);

    struct ctx c = {.opt = &o};
    char *default_db = o.db_arg ? NULL : pt_default_db();
    const char *arg = o.db_arg ? o.db_arg : default_db;
    char *run_part = NULL;
    pt_spec_split(arg, &c.db_path, &run_part);
    if (run_part && o.run)
        pt_die(PT_EXIT_USAGE, "give the run either as DB:RUN or with --run, not both");
    const char *run_spec = run_part ? run_part : o.run;

    int rc = pt_db_open(c.db_path, &c.db);
    if (rc)
        pt_die(rc, NULL);
    if (o.mode != M_LIST_RUNS && (rc = pt_run_resolve(c.db, run_spec, &c.run)))
        pt_die(rc, NULL);
    if ((rc = pt_out_open(o.output, o.format, &c.out)))
        pt_die(rc, NULL);

    switch (o.mode) {
    case M_TABLE: rc = mode_table(&c); break;
    case M_HOTSPOTS: rc = mode_hotspots(&c); break;
    case M_TREE: rc = mode_tree(&c); break;
    case M_CALLERS: rc = mode_edges(&c, 1); break;
    case M_CALLEES: rc = mode_edges(&c, 0); break;
    case M_THREADS: rc = mode_threads(&c); break;
    case M_STAGES: rc = mode_stages(&c); break;
    case M_RESOURCES: rc = mode_resources(&c); break;
    case M_LIST_RUNS: rc = mode_list_runs(&c); break;
    }
    if (rc) {
        pt_out_abort(c.out);
    } else {
        rc = pt_out_close(c.out);
    }
    pt_run_clear(&c.run);
    pt_db_close(c.db);
    pt_filter_free(o.filter);
    free(c.db_path);
    free(default_db);
    free(run_part);
    return rc;
}
