/* tools/pscope-extrapolate.c: fit scaling models to runs measured at several problem
 * sizes n and project every function (and the run) to a target n, with intervals, the
 * Amdahl ranking at the target, crossovers and CI checks. A thin main: options, loading
 * (extrap_data), analysis (extrap_core over model.h), output (extrap_report, extrap_plot).
 * docs/extrapolate.md is the manual.
 *
 * Exit codes: 0 ok; 1 an --expect or --budget check failed; 2 usage; 3 bad data (not a
 * pscope database, run not found, no run with a scale, fewer than 2 scales for the
 * checks, --plot could not run gnuplot).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extrap_core.h"
#include "extrap_data.h"
#include "extrap_report.h"
#include "ptool.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: pscope-extrapolate [options] --target N [SPEC...]\n"
        "\n"
        "Fit a scaling model t(n) = c0 + c1·n^i·log2(n)^j to every function over runs made\n"
        "at several problem sizes n (the runs' scale), and project them to n = N with an\n"
        "interval. SPEC is DB (all its runs), DB:RUN (a run id) or DB:LABEL (every run with\n"
        "that label); default: the database the collector writes. Several runs at one scale\n"
        "are repetitions. 5 or more scales are recommended.\n"
        "\n"
        "  --target N         the n to project to (default: expected_size in .pscope.yaml)\n"
        "  --metric M         self|total|calls (default self: exclusive time)\n"
        "  --aggregate A      mean|median|min: what is fitted of the repetitions at one\n"
        "                     scale (default mean; min resists a busy machine)\n"
        "  --expect RE=CLASS  fail (exit 1) when a function matching RE grows faster than\n"
        "                     CLASS, e.g. 'sort_.*=O(n log n)' (repeatable)\n"
        "  --budget TIME      fail (exit 1) when the projected run wall time exceeds TIME\n"
        "                     (e.g. 30s, 500ms, 2m, 1h)\n"
        "  --plot PATH        log-log charts: PATH.svg (one chart) or a directory (one per\n"
        "                     function), of the --top functions (default 8)\n"
        "  --format F         table|md|json|csv (default table)\n"
        "  -o, --output FILE  write to FILE atomically instead of standard output\n"
        "  --filter REGEX     only functions whose name matches (PCRE2; repeatable)\n"
        "  --exclude REGEX    leave out functions whose name matches (repeatable)\n"
        "  --top N            show at most N functions (default: all)\n"
        "  -h, --help         this help\n"
        "  --version          print the version\n"
        "\n"
        "Exit: 0 ok, 1 a check failed, 2 usage error, 3 bad or unsupported data.\n");
}

enum {
    OPT_TARGET = 256, OPT_METRIC, OPT_AGGREGATE, OPT_EXPECT, OPT_BUDGET, OPT_PLOT, OPT_FORMAT, OPT_FILTER,
    OPT_EXCLUDE, OPT_TOP, OPT_VERSION
};

typedef struct args {
    const char **specs;
    size_t nspecs;
    ex_expect *expect;
    size_t nexpect;
    pt_filter *filter;
} args;

static int args_free(int rc, args *a)
{
    free(a->specs);
    for (size_t i = 0; i < a->nexpect; i++)
        ex_expect_free(&a->expect[i]);
    free(a->expect);
    pt_filter_free(a->filter);
    return rc;
}

int main(int argc, char **argv)
{
    pt_init("pscope-extrapolate");
    static const struct option longopts[] = {
        { "target", required_argument, NULL, OPT_TARGET },
        { "metric", required_argument, NULL, OPT_METRIC },
        { "aggregate", required_argument, NULL, OPT_AGGREGATE },
        { "expect", required_argument, NULL, OPT_EXPECT },
        { "budget", required_argument, NULL, OPT_BUDGET },
        { "plot", required_argument, NULL, OPT_PLOT },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "output", required_argument, NULL, 'o' },
        { "filter", required_argument, NULL, OPT_FILTER },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "top", required_argument, NULL, OPT_TOP },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    args a = { 0 };
    ex_opts opts = { EX_METRIC_SELF, MODEL_AGG_MEAN, NAN, NULL, NULL, 0, NAN };
    pt_format fmt = PT_FMT_TABLE;
    const char *output = NULL, *plot = NULL;
    int64_t top = 0;
    int rc = 0, c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_TARGET:
            rc = pt_parse_real("--target", optarg, 1e-300, 1e300, &opts.target);
            break;
        case OPT_METRIC:
            if (ex_metric_parse(optarg, &opts.metric) != 0) {
                pt_error("--metric: unknown metric '%s' (one of: self, total, calls)", optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_AGGREGATE: {
            static const char *const names[] = { "mean", "median", "min" };
            size_t nk = 0;
            int k = 0;
            rc = pt_keys_parse("--aggregate", optarg, names, 3, &k, 1, &nk);
            opts.agg = (model_agg)k; /* same order as model_agg */
            break;
        }
        case OPT_EXPECT:
            a.expect = pt_xrealloc(a.expect, (a.nexpect + 1) * sizeof *a.expect);
            rc = ex_expect_parse(optarg, &a.expect[a.nexpect]);
            if (!rc)
                a.nexpect++;
            break;
        case OPT_BUDGET:
            if (ex_parse_time(optarg, &opts.budget) != 0) {
                pt_error("--budget: expected a positive time such as 30s, 500ms, 2m, 1h, got '%s'",
                         optarg);
                rc = PT_EXIT_USAGE;
            }
            break;
        case OPT_PLOT:
            plot = optarg;
            break;
        case OPT_FORMAT:
            rc = pt_format_parse(optarg, 0, &fmt);
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_FILTER:
        case OPT_EXCLUDE:
            rc = pt_filter_add(&a.filter, c == OPT_FILTER ? "--filter" : "--exclude", optarg,
                               c == OPT_EXCLUDE);
            break;
        case OPT_TOP:
            rc = pt_parse_int("--top", optarg, 0, INT64_MAX, &top);
            break;
        case 'h':
            usage(stdout);
            return args_free(PT_EXIT_OK, &a);
        case OPT_VERSION:
            printf("pscope-extrapolate %s\n", pt_version());
            return args_free(PT_EXIT_OK, &a);
        default:
            usage(stderr);
            return args_free(PT_EXIT_USAGE, &a);
        }
        if (rc)
            return args_free(rc, &a);
    }
    a.specs = pt_xcalloc((size_t)(argc - optind) + 1, sizeof *a.specs);
    for (int i = optind; i < argc; i++)
        a.specs[a.nspecs++] = argv[i];
    char *default_db = NULL;
    if (!a.nspecs)
        a.specs[a.nspecs++] = default_db = pt_default_db();
    if (isnan(opts.target) && !ex_config_expected_size(&opts.target)) {
        pt_error("no target: give --target N or set expected_size in .pscope.yaml");
        free(default_db);
        return args_free(PT_EXIT_USAGE, &a);
    }

    /* Open the output first: an unwritable -o is a usage error before any work. */
    pt_out *out = NULL;
    ex_data data = { 0 };
    rc = pt_out_open(output, fmt, &out);
    if (!rc)
        rc = ex_data_load(a.specs, a.nspecs, &data);
    if (!rc && data.nrun == 0) {
        for (size_t k = 0; k < data.nskipped; k++)
            pt_warn("skipped run %s", data.skipped[k]);
        pt_error("no complete run with a scale in %s%s (runs need pscope-run --scale N, "
                 "PSCOPE_SCALE or pscope_set_scale)", a.specs[0], a.nspecs > 1 ? " ..." : "");
        rc = PT_EXIT_DATA;
    }
    if (!rc && data.nrun > 0 && (a.nexpect || isfinite(opts.budget))) {
        double n0 = data.run[0].info.scale;
        int one = 1;
        for (size_t r = 1; r < data.nrun; r++)
            if (data.run[r].info.scale != n0)
                one = 0;
        if (one) {
            pt_error("fewer than 2 scales (all runs at n=%g): --expect and --budget need a "
                     "model fitted over at least 2 scales", n0);
            rc = PT_EXIT_DATA;
        }
    }
    if (rc) {
        pt_out_abort(out);
        ex_data_free(&data);
        free(default_db);
        return args_free(rc, &a);
    }
    opts.filter = a.filter;
    opts.expect = a.expect;
    opts.nexpect = a.nexpect;
    ex_result res;
    ex_analyse(&data, &opts, &res);
    rc = ex_report(out, &data, &res, (size_t)top);
    if (rc)
        pt_out_abort(out);
    else
        rc = pt_out_close(out);
    if (!rc && plot)
        rc = ex_plot(&res, plot, (size_t)top);
    if (!rc || rc == PT_EXIT_DATA)
        rc = res.failed ? PT_EXIT_REGRESSION : rc;
    ex_result_free(&res);
    ex_data_free(&data);
    free(default_db);
    return args_free(rc, &a);
}
