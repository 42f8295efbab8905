/* tools/pscope-stats.c: where does the time go in one run, and what is worth optimizing.
 *
 * A thin main: it parses the options, opens the run database read-only, resolves the run
 * and the output, and calls one view of libpscope_tools (stats_view.h), which loads the
 * run's data through the data layer (rundata.h: embedded sql/stats_*.sql with bound
 * parameters, into C structures) and renders it. Modes (one at a time):
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
#include "stats_view.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum mode {
    M_TABLE, M_HOTSPOTS, M_TREE, M_CALLERS, M_CALLEES, M_THREADS, M_STAGES, M_RESOURCES,
    M_LIST_RUNS
};

static const char *const mode_opt[] = {
    "", "--hotspots", "--tree", "--callers", "--callees", "--threads", "--stages",
    "--resources", "--list-runs",
};

struct options {
    enum mode mode;
    const char *db_arg;
    const char *run;
    const char *output;
    stats_opts view;      /* what the views read */
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
"  -s, --sort KEY[,KEY]    calls, self, total, mean, p50, p95, p99, max, name, file,\n"
"                          oncpu (on-CPU time; functions without an estimate last)\n"
"                          (unambiguous prefixes accepted; default: self)\n"
"  -n, --top N             show at most N rows (0: all; --hotspots default 10)\n"
"      --filter REGEX      keep functions whose name or file:line(name) matches (PCRE2)\n"
"      --exclude REGEX     drop functions whose name or file:line(name) matches\n"
"      --min-share PCT     hide functions under PCT%% of run time (tree: inclusive)\n"
"      --factor K          --hotspots: speedup factor k (default 2)\n"
"      --depth D           --tree: show D levels (roots are level 1)\n"
"      --exact             percentiles from raw call rows (type 7) instead of the\n"
"                          histogram; needs a run that stored every call\n"
"      --raw               measured times: no hook-cost compensation (default:\n"
"                          compensated when the run holds a calibration)\n"
"      --basis B           what shares are of: oncpu (on-CPU time, the default when\n"
"                          the run has CPU samples) or thread (all threads' time,\n"
"                          waiting included)\n"
"      --exclude-from-basis  functions removed by --filter/--exclude also leave the\n"
"                          share basis\n"
"  -f, --format FMT        table, csv, json, md (default: table)\n"
"  -o, --output FILE       write to FILE (atomically) instead of standard output\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Exit status: 0 ok, 2 usage error, 3 bad or unsupported data.\n"
"Documentation: docs/stats.md\n");
}


static void set_mode(struct options *o, enum mode m)
{
    if (o->mode != M_TABLE && o->mode != m) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s and %s cannot be combined", mode_opt[o->mode], mode_opt[m]);
        pt_die_usage("%s", msg);
    }
    o->mode = m;
}

static void parse_args(int argc, char **argv, struct options *o)
{
    enum {
        O_HOTSPOTS = 256, O_TREE, O_CALLERS, O_CALLEES, O_THREADS, O_STAGES, O_RESOURCES,
        O_LIST_RUNS, O_FILTER, O_EXCLUDE, O_MIN_SHARE, O_FACTOR, O_DEPTH, O_EXACT, O_RAW,
        O_BASIS, O_EXCLUDE_FROM_BASIS
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
        {"raw", no_argument, NULL, O_RAW},
        {"basis", required_argument, NULL, O_BASIS},
        {"exclude-from-basis", no_argument, NULL, O_EXCLUDE_FROM_BASIS},
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
        case O_CALLERS: set_mode(o, M_CALLERS); o->view.function = optarg; break;
        case O_CALLEES: set_mode(o, M_CALLEES); o->view.function = optarg; break;
        case O_THREADS: set_mode(o, M_THREADS); break;
        case O_STAGES: set_mode(o, M_STAGES); break;
        case O_RESOURCES: set_mode(o, M_RESOURCES); break;
        case O_LIST_RUNS: set_mode(o, M_LIST_RUNS); break;
        case 'r': o->run = optarg; break;
        case 's': sort_arg = optarg; break;
        case 'n':
            if ((rc = pt_parse_int("--top", optarg, 0, INT64_MAX, &o->view.top)))
                pt_die(rc, NULL);
            break;
        case O_FILTER:
        case O_EXCLUDE:
            if ((rc = pt_filter_add(&o->view.filter, c == O_FILTER ? "--filter" : "--exclude", optarg,
                                    c == O_EXCLUDE)))
                pt_die(rc, NULL);
            break;
        case O_MIN_SHARE: {
            double pct;
            if ((rc = pt_parse_real("--min-share", optarg, 0, 100, &pct)))
                pt_die(rc, NULL);
            o->view.min_share = pct / 100.0;
            break;
        }
        case O_FACTOR:
            if ((rc = pt_parse_real("--factor", optarg, 1e-9, 1e12, &o->view.factor)))
                pt_die(rc, NULL);
            break;
        case O_DEPTH:
            if ((rc = pt_parse_int("--depth", optarg, 1, INT32_MAX, &o->view.depth)))
                pt_die(rc, NULL);
            break;
        case O_EXACT: o->view.exact = 1; break;
        case O_RAW: o->view.raw = 1; break;
        case O_BASIS:
            if (strcmp(optarg, "oncpu") == 0)
                o->view.basis = STATS_BASIS_ONCPU;
            else if (strcmp(optarg, "thread") == 0)
                o->view.basis = STATS_BASIS_THREAD;
            else
                pt_die_usage("--basis: '%s' is not oncpu or thread", optarg);
            break;
        case O_EXCLUDE_FROM_BASIS: o->view.exclude_from_basis = 1; break;
        case 'f':
            if ((rc = pt_format_parse(optarg, 0, &o->view.format)))
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
            pt_die_usage("option '%s' needs a value", argv[optind - 1]);
        case '?':
        default:
            pt_die_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        o->db_arg = argv[optind++];
    if (optind < argc)
        pt_die_usage("unexpected argument '%s' (one database at a time)", argv[optind]);
    if (sort_arg) {
        if (o->mode != M_TABLE)
            pt_die_usage("--sort applies to the function table, not %s", mode_opt[o->mode]);
        if ((rc = pt_keys_parse("--sort", sort_arg, pt_fn_sort_names, PT_FK_COUNT, o->view.sort,
                                STATS_MAX_SORT_KEYS, &o->view.nsort)))
            pt_die(rc, NULL);
    }
    if (o->view.exact && o->mode != M_TABLE)
        pt_die_usage("--exact applies to the function table, not %s", mode_opt[o->mode]);
    int honest_mode = o->mode == M_TABLE || o->mode == M_HOTSPOTS || o->mode == M_TREE;
    if (o->view.raw && !honest_mode)
        pt_die_usage("--raw applies to the function table, --hotspots and --tree, not %s",
                     mode_opt[o->mode]);
    if ((o->view.basis != STATS_BASIS_AUTO || o->view.exclude_from_basis) &&
        o->mode != M_TABLE && o->mode != M_HOTSPOTS)
        pt_die_usage("--basis and --exclude-from-basis apply to the function table and "
                     "--hotspots, not %s", o->mode == M_TREE ? "--tree" : mode_opt[o->mode]);
    if (!isnan(o->view.factor) && o->mode != M_HOTSPOTS)
        pt_die_usage("%s", "--factor applies to --hotspots");
    if (o->view.depth >= 0 && o->mode != M_TREE)
        pt_die_usage("%s", "--depth applies to --tree");
    if ((o->mode == M_CALLERS || o->mode == M_CALLEES) && (!o->view.function || !*o->view.function))
        pt_die_usage("%s needs a function name", mode_opt[o->mode]);
}


/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    pt_init("pscope-stats");
    struct options o = {
        .mode = M_TABLE,
        .view = {.format = PT_FMT_TABLE, .top = -1, .min_share = NAN, .factor = NAN, .depth = -1},
    };
    parse_args(argc, argv, &o);

    stats_ctx c = {.opt = &o.view};
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
    if ((rc = pt_out_open(o.output, o.view.format, &c.out)))
        pt_die(rc, NULL);

    switch (o.mode) {
    case M_TABLE: rc = stats_view_table(&c); break;
    case M_HOTSPOTS: rc = stats_view_hotspots(&c); break;
    case M_TREE: rc = stats_view_tree(&c); break;
    case M_CALLERS: rc = stats_view_edges(&c, 1); break;
    case M_CALLEES: rc = stats_view_edges(&c, 0); break;
    case M_THREADS: rc = stats_view_threads(&c); break;
    case M_STAGES: rc = stats_view_stages(&c); break;
    case M_RESOURCES: rc = stats_view_resources(&c); break;
    case M_LIST_RUNS: rc = stats_view_runs(&c); break;
    }
    if (rc) {
        pt_out_abort(c.out);
    } else {
        rc = pt_out_close(c.out);
    }
    pt_run_clear(&c.run);
    pt_db_close(c.db);
    pt_filter_free(o.view.filter);
    free(c.db_path);
    free(default_db);
    free(run_part);
    return rc;
}
