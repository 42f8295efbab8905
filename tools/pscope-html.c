/* tools/pscope-html.c: self-contained HTML reports of pscope runs — the report most users
 * look at: one file that works offline, with tables readable without JavaScript, an
 * icicle graph, gnuplot charts inlined as SVG, and small plain-JS interactions.
 *
 *   pscope-html [SPEC] -o report.html          one run (default: the latest complete run)
 *   pscope-html --diff BASE CURRENT -o d.html  a comparison with pscope-diff's verdict
 *   pscope-html --batch -o DIR SPEC...         one report per run + DIR/index.html
 *   pscope-html --extrapolate --target N SPEC...  scaling models projected to n = N
 *
 * A thin main: options, run selection (ptool), then the report builders of the library
 * (html.h) and an atomic write of each file (ptool's pt_out). docs/html.md is the manual.
 * Exit codes: 0 ok; 1 --diff: pscope-diff's gate failed (a regression, as pscope-diff
 * exits 1); 2 usage; 3 bad or unsupported data.
 */
#include "html.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
"Usage: pscope-html [OPTIONS] [SPEC] [-o report.html]\n"
"       pscope-html [OPTIONS] --diff BASE CURRENT [-o diff.html]\n"
"       pscope-html [OPTIONS] --batch -o DIR SPEC...\n"
"       pscope-html [OPTIONS] --extrapolate --target N SPEC... [-o scaling.html]\n"
"Self-contained HTML reports (inline SVG charts and icicle graph, no network) of pscope\n"
"runs. SPEC is DB or DB:RUN (RUN an id or a label), as for the other tools (default\n"
"database: $PSCOPE_OUTPUT, the nearest .pscope.yaml's output, or ./pscope.db).\n"
"\n"
"Modes (default: the report of one run):\n"
"      --diff BASE CURRENT   compare two specs (a label shared by several runs takes them\n"
"                            all, as pscope-diff does); exit 1 when pscope-diff would\n"
"      --batch               one report per run of each SPEC (a DB alone: all its runs)\n"
"                            plus DIR/index.html with a trend chart; needs -o DIR\n"
"      --extrapolate         scaling models of the functions over runs at several\n"
"                            scales (pscope-extrapolate's), projected to --target N\n"
"\n"
"Options:\n"
"  -o, --output PATH       report file (default: standard output), the directory with --batch\n"
"      --template-dir DIR  read the page templates from DIR instead of the built-in ones\n"
"      --timestamp         write the generation time (reports are otherwise byte-identical\n"
"                          for the same database)\n"
"  -n, --top N             functions in the hotspot table and charts (default 15)\n"
"      --min-width PCT     icicle: merge call paths under PCT%% of the total (default 0.1)\n"
"      --factor K          Amdahl speedup factor k (default 2)\n"
"  -q, --quiet             no progress line with --batch\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"gnuplot >= 5.0 on PATH draws the charts; without it the report says so where each chart\n"
"would be and everything else is there.\n"
"Exit status: 0 ok, 1 --diff found a regression, 2 usage error, 3 bad or unsupported data.\n"
"Documentation: docs/html.md\n");
}


struct options {
    int diff, batch, extrap, quiet;
    double target;         /* --target; NAN: not given */
    const char *output;
    pt_html_opts html;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    enum { O_DIFF = 256, O_BATCH, O_TEMPLATES, O_TIMESTAMP, O_MIN_WIDTH, O_FACTOR, O_EXTRAP,
           O_TARGET };
    static const struct option longopts[] = {
        {"diff", no_argument, NULL, O_DIFF},
        {"batch", no_argument, NULL, O_BATCH},
        {"extrapolate", no_argument, NULL, O_EXTRAP},
        {"target", required_argument, NULL, O_TARGET},
        {"output", required_argument, NULL, 'o'},
        {"template-dir", required_argument, NULL, O_TEMPLATES},
        {"timestamp", no_argument, NULL, O_TIMESTAMP},
        {"top", required_argument, NULL, 'n'},
        {"min-width", required_argument, NULL, O_MIN_WIDTH},
        {"factor", required_argument, NULL, O_FACTOR},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    int64_t top;
    double pct;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:n:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_DIFF: o->diff = 1; break;
        case O_BATCH: o->batch = 1; break;
        case O_EXTRAP: o->extrap = 1; break;
        case O_TARGET:
            if ((rc = pt_parse_real("--target", optarg, 1e-9, 1e18, &o->target)))
                pt_die(rc, NULL);
            break;
        case 'o': o->output = optarg; break;
        case O_TEMPLATES: o->html.template_dir = optarg; break;
        case O_TIMESTAMP: o->html.timestamp = 1; break;
        case 'n':
            if ((rc = pt_parse_int("--top", optarg, 1, 1000, &top)))
                pt_die(rc, NULL);
            o->html.top = (size_t)top;
            break;
        case O_MIN_WIDTH:
            if ((rc = pt_parse_real("--min-width", optarg, 0, 50, &pct)))
                pt_die(rc, NULL);
            o->html.min_frac = pct / 100.0;
            break;
        case O_FACTOR:
            if ((rc = pt_parse_real("--factor", optarg, 1e-9, 1e12, &o->html.factor)))
                pt_die(rc, NULL);
            break;
        case 'q': o->quiet = 1; break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("pscope-html %s\n", pt_version());
            exit(0);
        case ':':
            pt_die_usage("option '%s' needs a value", argv[optind - 1]);
        case '?':
        default:
            pt_die_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (o->diff + o->batch + o->extrap > 1)
        pt_die_usage("%s", "--diff, --batch and --extrapolate cannot be combined");
    if (o->extrap && isnan(o->target))
        pt_die_usage("%s", "--extrapolate needs --target N (the problem size to project to)");
    if (!o->extrap && !isnan(o->target))
        pt_die_usage("%s", "--target applies to --extrapolate");
    int nargs = argc - optind;
    if (o->diff && nargs != 2)
        pt_die_usage("%s", "--diff needs exactly two specs: BASE CURRENT");
    if (o->batch && nargs < 1)
        pt_die_usage("%s", "--batch needs at least one SPEC");
    if (o->extrap && nargs < 1)
        pt_die_usage("%s", "--extrapolate needs at least one SPEC (runs at several scales)");
    if (o->batch && (!o->output || strcmp(o->output, "-") == 0))
        pt_die_usage("%s", "--batch needs -o DIR (the directory the reports go to)");
    if (!o->diff && !o->batch && !o->extrap && nargs > 1)
        pt_die_usage("unexpected argument '%s' (one run at a time; --batch for several)",
                    argv[optind + 1]);
    return optind;
}

/* The single-run report of SPEC (NULL: the default database). */
static int one_report(const struct options *o, const char *spec)
{
    char *default_db = spec ? NULL : pt_default_db();
    char *db_path = NULL, *run_part = NULL;
    pt_spec_split(spec ? spec : default_db, &db_path, &run_part);
    pt_db *db = NULL;
    pt_run run = {0};
    pt_hbuf page = {0};
    int rc = pt_db_open(db_path, &db);
    if (!rc)
        rc = pt_run_resolve(db, run_part, &run);
    if (!rc)
        rc = pt_html_report(db, &run, db_path, &o->html, &page);
    if (!rc)
        rc = pt_html_write(o->output, &page);
    pt_hb_free(&page);
    pt_run_clear(&run);
    pt_db_close(db);
    free(db_path);
    free(run_part);
    free(default_db);
    return rc;
}

int main(int argc, char **argv)
{
    pt_init("pscope-html");
    struct options o = {.target = NAN, .html = {.top = 15, .min_frac = 0.001, .factor = 2.0}};
    int first = parse_args(argc, argv, &o);
    int rc;
    if (o.diff)
        rc = pt_html_diff_main(argv[first], argv[first + 1], o.output, &o.html);
    else if (o.extrap)
        rc = pt_html_extrap_main((const char *const *)argv + first, (size_t)(argc - first),
                                 o.target, o.output, &o.html);
    else if (o.batch)
        rc = pt_html_batch_main((const char *const *)argv + first, (size_t)(argc - first),
                                o.output, o.quiet, &o.html);
    else
        rc = one_report(&o, first < argc ? argv[first] : NULL);
    return rc;
}
