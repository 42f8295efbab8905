/* tools/pscope-diff.c: compare a baseline with a current run (or repeated runs of each) and
 * give every function a verdict — a CI regression gate with significance, magnitude and a
 * noise floor. A thin main: options, run resolution and loading (ptool + diff_core),
 * comparison (diff_core), output and exit code (diff_report). docs/diff.md is the manual.
 *
 * Exit codes: 0 no trigger; 1 --fail-on triggered (default: a regression); 2 usage;
 * 3 bad data (not a pscope database, newer schema, run not found, empty run).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_core.h"
#include "diff_report.h"
#include "ptool.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: pscope-diff [options] BASE CURRENT\n"
        "       pscope-diff [options] --base SPEC... --current SPEC...\n"
        "\n"
        "Compare the functions of a baseline and a current run and flag significant\n"
        "regressions. SPEC is a database (its latest complete run with calls) or DB:RUN,\n"
        "RUN a run id or a label; a label shared by several runs takes them all (repeated\n"
        "runs).\n"
        "--base/--current take every following argument up to the next option.\n"
        "\n"
        "  --metric M        self|total|mean|p50|p95 (default self: exclusive time, which\n"
        "                    pins a change on the function that changed)\n"
        "  --method M        robust|classic (default robust: runs compared on a robust\n"
        "                    per-call location, calls vs time per call, Benjamini-Hochberg;\n"
        "                    classic: the earlier per-call/per-run Mann-Whitney gate)\n"
        "  --test T          welch|mw: robust test of the runs' time per call (default welch)\n"
        "  --location L      trimmed|median: per-run location of per-call times (default\n"
        "                    trimmed, the 10%% trimmed mean)\n"
        "  --share-basis B   thread|all: the noise floor is a share of the busiest thread's\n"
        "                    own time (default thread) or of all threads' time together\n"
        "  --single-threshold PCT  one run per side: minimum time-per-call change judged\n"
        "                    on magnitude alone (default 50)\n"
        "  --runs-needed     show, per function, the runs per side that detect a change of\n"
        "                    --threshold at 80%% power (from the observed run-to-run spread)\n"
        "  --alpha A         significance level (default 0.05)\n"
        "  --threshold PCT   minimum |change| in percent for a verdict (default 5)\n"
        "  --min-share PCT   noise floor: minimum share of run time in percent (default 1)\n"
        "  --fail-on WHEN    regression|any-change|never: exit 1 when triggered\n"
        "                    (default regression)\n"
        "  --format F        table|md|json|junit|csv (default table)\n"
        "  -o, --output FILE write to FILE atomically instead of standard output\n"
        "  --filter REGEX    only functions whose name matches (PCRE2; repeatable)\n"
        "  --exclude REGEX   leave out functions whose name matches (repeatable)\n"
        "  --sort KEY        impact|delta|share|p|name (default impact: |time change|)\n"
        "  --top N           show at most N matched functions (default: all)\n"
        "  --raw-limit N     use raw call rows for the per-call test up to N stored calls\n"
        "                    per run (default %u; 0: always the histograms)\n"
        "  -h, --help        this help\n"
        "  --version         print the version\n"
        "\n"
        "Exit: 0 ok, 1 --fail-on triggered, 2 usage error, 3 bad or unsupported data.\n",
        DIFF_RAW_LIMIT_DEFAULT);
}

/* A growable list of run specs. */
typedef struct spec_list {
    const char **v;
    size_t n, cap;
} spec_list;

static void spec_push(spec_list *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = pt_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

/* Free what the option parsing allocated and return rc (for main's early exits). */
static int args_free(int rc, pt_filter *filter, spec_list *a, spec_list *b, spec_list *c)
{
    pt_filter_free(filter);
    free(a->v);
    free(b->v);
    free(c->v);
    return rc;
}

/* Open databases, shared by specs naming the same path. */
typedef struct db_cache {
    pt_db **db;
    size_t n;
} db_cache;

static int cache_open(db_cache *c, const char *path, pt_db **out)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->db[i]->path, path) == 0) {
            *out = c->db[i];
            return 0;
        }
    pt_db *db = NULL;
    int rc = pt_db_open(path, &db);
    if (rc)
        return rc;
    c->db = pt_xrealloc(c->db, (c->n + 1) * sizeof *c->db);
    c->db[c->n++] = db;
    *out = db;
    return 0;
}

/* Resolve every spec of one side into loaded runs (appended to *runs). */
static int load_side(db_cache *cache, const spec_list *specs, uint64_t raw_limit,
                     diff_run **runs, size_t *nruns)
{
    for (size_t i = 0; i < specs->n; i++) {
        char *path = NULL, *run = NULL;
        pt_spec_split(specs->v[i], &path, &run);
        pt_db *db = NULL;
        int rc = cache_open(cache, path, &db);
        pt_run *found = NULL;
        size_t nfound = 0;
        if (!rc)
            rc = pt_run_resolve_all(db, run, &found, &nfound);
        for (size_t j = 0; !rc && j < nfound; j++) {
            char *source = pt_xasprintf("%s:%lld", path, (long long)found[j].id);
            *runs = pt_xrealloc(*runs, (*nruns + 1) * sizeof **runs);
            rc = diff_run_load(db, &found[j], source, raw_limit, &(*runs)[*nruns]);
            if (!rc) {
                if ((*runs)[*nruns].nfunc == 0) {
                    pt_error("%s: run %lld has no function data (empty run)", path,
                             (long long)(*runs)[*nruns].info.id);
                    diff_run_free(&(*runs)[*nruns]);
                    rc = PT_EXIT_DATA;
                } else {
                    (*nruns)++;
                }
            }
            free(source);
        }
        pt_runs_free(found, nfound);
        free(path);
        free(run);
        if (rc)
            return rc;
    }
    return 0;
}

/* Parse a percentage ("5", "5%", "2.5") into a fraction. */
static int parse_percent(const char *opt, const char *s, double *out)
{
    char buf[64];
    size_t len = strlen(s);
    if (len > 0 && len < sizeof buf && s[len - 1] == '%') {
        memcpy(buf, s, len - 1);
        buf[len - 1] = '\0';
        s = buf;
    }
    double v;
    int rc = pt_parse_real(opt, s, 0.0, 1000.0, &v);
    if (!rc)
        *out = v / 100.0;
    return rc;
}

enum {
    OPT_METRIC = 256, OPT_ALPHA, OPT_THRESHOLD, OPT_MIN_SHARE, OPT_FAIL_ON, OPT_FORMAT,
    OPT_FILTER, OPT_EXCLUDE, OPT_SORT, OPT_TOP, OPT_RAW_LIMIT, OPT_BASE, OPT_CURRENT,
    OPT_VERSION, OPT_METHOD, OPT_TEST, OPT_LOCATION, OPT_SHARE_BASIS, OPT_SINGLE_THRESHOLD,
    OPT_RUNS_NEEDED
};

/* Parse `s` as one of names[0..n) into *out (the enum value is the index); 0, or
 * PT_EXIT_USAGE after a message naming the option and the choices. */
static int parse_choice(const char *opt, const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    pt_error("%s: unknown value '%s' (one of: %s, %s)", opt, s, names[0], names[1]);
    return PT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    pt_init("pscope-diff");
    static const struct option longopts[] = {
        { "metric", required_argument, NULL, OPT_METRIC },
        { "alpha", required_argument, NULL, OPT_ALPHA },
        { "threshold", required_argument, NULL, OPT_THRESHOLD },
        { "min-share", required_argument, NULL, OPT_MIN_SHARE },
        { "fail-on", required_argument, NULL, OPT_FAIL_ON },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },
        { "filter", required_argument, NULL, OPT_FILTER },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "sort", required_argument, NULL, OPT_SORT },
        { "top", required_argument, NULL, OPT_TOP },
        { "raw-limit", required_argument, NULL, OPT_RAW_LIMIT },
        { "base", required_argument, NULL, OPT_BASE },
        { "current", required_argument, NULL, OPT_CURRENT },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { "method", required_argument, NULL, OPT_METHOD },
        { "test", required_argument, NULL, OPT_TEST },
        { "location", required_argument, NULL, OPT_LOCATION },
        { "share-basis", required_argument, NULL, OPT_SHARE_BASIS },
        { "single-threshold", required_argument, NULL, OPT_SINGLE_THRESHOLD },
        { "runs-needed", no_argument, NULL, OPT_RUNS_NEEDED },
        { NULL, 0, NULL, 0 },
    };
    diff_opts opts = { DIFF_METRIC_SELF, 0.05, 0.05, 0.01, NULL };
    diff_method_opts mopts = { DIFF_METHOD_ROBUST, DIFF_TEST_WELCH, DIFF_LOC_TRIMMED,
                               DIFF_BASIS_THREAD, DIFF_SINGLE_THRESHOLD_DEFAULT, 0 };
    diff_report_opts ropts = { DIFF_FAIL_REGRESSION, 0 };
    pt_format fmt = PT_FMT_TABLE;
    const char *output = NULL;
    pt_filter *filter = NULL;
    int sort_key = DIFF_SORT_IMPACT;
    int64_t raw_limit = DIFF_RAW_LIMIT_DEFAULT;
    spec_list positional = { 0 }, base_specs = { 0 }, cur_specs = { 0 };
    spec_list *mode = &positional; /* where a non-option argument goes */
    int rc = 0;
    int c;
    /* Leading '-': non-options come back in order as code 1, so that the specs after
     * --base or --current can be collected up to the next option. */
    while ((c = getopt_long(argc, argv, "-ho:", longopts, NULL)) != -1) {
        int64_t v;
        switch (c) {
        case 1:
            spec_push(mode, optarg);
            continue;
        case OPT_BASE:
            mode = &base_specs;
            spec_push(mode, optarg);
            continue;
        case OPT_CURRENT:
            mode = &cur_specs;
            spec_push(mode, optarg);
            continue;
        case OPT_METRIC:
            if (diff_metric_parse(optarg, &opts.metric) != 0) {
                pt_error("--metric: unknown metric '%s' (one of: self, total, mean, p50, p95)",
                         optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_METHOD:
        case OPT_TEST:
        case OPT_LOCATION:
        case OPT_SHARE_BASIS: {
            /* Two-valued choices (consecutive option codes from OPT_METHOD), each an enum
             * whose value is the name's index. */
            static const struct { const char *name, *values[2]; } choices[] = {
                { "--method", { "robust", "classic" } },
                { "--test", { "welch", "mw" } },
                { "--location", { "trimmed", "median" } },
                { "--share-basis", { "thread", "all" } },
            };
            int k = c - OPT_METHOD, v2 = 0;
            rc = parse_choice(choices[k].name, optarg, choices[k].values, 2, &v2);
            if (c == OPT_METHOD)
                mopts.method = (diff_method)v2;
            else if (c == OPT_TEST)
                mopts.test = (diff_test)v2;
            else if (c == OPT_LOCATION)
                mopts.location = (diff_location)v2;
            else
                mopts.basis = (diff_share_basis)v2;
            break;
        }
        case OPT_SINGLE_THRESHOLD:
            rc = parse_percent("--single-threshold", optarg, &mopts.single_threshold);
            if (!rc && mopts.single_threshold <= 0) {
                pt_error("--single-threshold: expected a percentage > 0, got '%s'", optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_RUNS_NEEDED:
            mopts.show_runs_needed = 1;
            break;
        case OPT_ALPHA:
            rc = pt_parse_real("--alpha", optarg, 1e-12, 0.5, &opts.alpha);
            break;
        case OPT_THRESHOLD:
            rc = parse_percent("--threshold", optarg, &opts.threshold);
            break;
        case OPT_MIN_SHARE:
            rc = parse_percent("--min-share", optarg, &opts.min_share);
            if (!rc && opts.min_share > 1.0) {
                pt_error("--min-share: expected a percentage in 0..100, got '%s'", optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_FAIL_ON:
            if (diff_fail_on_parse(optarg, &ropts.fail_on) != 0) {
                pt_error("--fail-on: unknown value '%s' (one of: regression, any-change, never)",
                         optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_FORMAT:
            rc = pt_format_parse(optarg, 1, &fmt);
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_FILTER:
        case OPT_EXCLUDE:
            rc = pt_filter_add(&filter, c == OPT_FILTER ? "--filter" : "--exclude", optarg,
                               c == OPT_EXCLUDE);
            break;
        case OPT_SORT: {
            size_t nk = 0;
            rc = pt_keys_parse("--sort", optarg, diff_sort_keys, 5, &sort_key, 1, &nk);
            break;
        }
        case OPT_TOP:
            rc = pt_parse_int("--top", optarg, 0, INT64_MAX, &v);
            if (!rc)
                ropts.top = (size_t)v;
            break;
        case OPT_RAW_LIMIT:
            rc = pt_parse_int("--raw-limit", optarg, 0, INT64_MAX, &raw_limit);
            break;
        case 'h':
            usage(stdout);
            return args_free(PT_EXIT_OK, filter, &positional, &base_specs, &cur_specs);
        case OPT_VERSION:
            printf("pscope-diff %s\n", pt_version());
            return args_free(PT_EXIT_OK, filter, &positional, &base_specs, &cur_specs);
        default:
            usage(stderr);
            return args_free(PT_EXIT_USAGE, filter, &positional, &base_specs, &cur_specs);
        }
        if (rc)
            return args_free(rc, filter, &positional, &base_specs, &cur_specs);
        mode = &positional; /* an option ends a --base/--current list */
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        spec_push(mode, argv[i]);

    if (base_specs.n || cur_specs.n) {
        if (!base_specs.n || !cur_specs.n || positional.n) {
            pt_error("give --base SPEC... and --current SPEC... together, without BASE "
                     "CURRENT arguments (see --help)");
            return args_free(PT_EXIT_USAGE, filter, &positional, &base_specs, &cur_specs);
        }
    } else if (positional.n != 2) {
        pt_error("expected BASE and CURRENT, got %zu argument%s (see --help)", positional.n,
                 positional.n == 1 ? "" : "s");
        return args_free(PT_EXIT_USAGE, filter, &positional, &base_specs, &cur_specs);
    } else {
        spec_push(&base_specs, positional.v[0]);
        spec_push(&cur_specs, positional.v[1]);
    }

    /* Open the output first: an unwritable -o is a usage error before any work. */
    pt_out *out = NULL;
    rc = pt_out_open(output, fmt, &out);
    if (rc)
        return args_free(rc, filter, &positional, &base_specs, &cur_specs);
    db_cache cache = { 0 };
    diff_run *base = NULL, *cur = NULL;
    size_t nbase = 0, ncur = 0;
    rc = load_side(&cache, &base_specs, (uint64_t)raw_limit, &base, &nbase);
    if (!rc)
        rc = load_side(&cache, &cur_specs, (uint64_t)raw_limit, &cur, &ncur);
    if (rc) {
        pt_out_abort(out);
    } else {
        opts.filter = filter;
        diff_result res;
        diff_compare_ex(base, nbase, cur, ncur, &opts, &mopts, &res);
        diff_sort_rows(&res, (diff_sort)sort_key);
        rc = diff_report(out, &res, base, nbase, cur, ncur, &ropts);
        if (rc) {
            pt_out_abort(out);
        } else {
            rc = pt_out_close(out);
            if (!rc)
                rc = diff_exit_code(&res, ropts.fail_on);
        }
        diff_result_free(&res);
    }
    for (size_t i = 0; i < nbase; i++)
        diff_run_free(&base[i]);
    for (size_t i = 0; i < ncur; i++)
        diff_run_free(&cur[i]);
    free(base);
    free(cur);
    for (size_t i = 0; i < cache.n; i++)
        pt_db_close(cache.db[i]);
    free(cache.db);
    return args_free(rc, filter, &positional, &base_specs, &cur_specs);
}
