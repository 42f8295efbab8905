/* tools/pscope-export.c: write a pscope run in a format other viewers read — FlameGraph
 * folded stacks, Chrome Trace Event JSON (Perfetto, chrome://tracing, speedscope) or
 * pprof's gzipped profile.proto. A thin main: options, run resolution (ptool), loading
 * (export_data.c) and one writer per format (export_folded.c, export_chrome.c,
 * export_pprof.c). docs/export.md is the manual.
 *
 * Exit codes: 0 ok; 2 usage (bad option, output not writable); 3 bad data (not a pscope
 * database, run not found, a run without what the format needs: no call paths for
 * folded/pprof, no stored calls for chrome).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "ptool.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: pscope-export [options] [SPEC]\n"
        "\n"
        "Write a run in another profiler's format. SPEC is a database (its latest complete\n"
        "run) or DB:RUN, RUN a run id or a label (default: the database the collector\n"
        "writes, $PSCOPE_OUTPUT or pscope.db).\n"
        "\n"
        "  --format F        folded|chrome|pprof (default folded)\n"
        "                      folded  FlameGraph folded stacks from the exact call paths\n"
        "                              (flamegraph.pl, speedscope, inferno)\n"
        "                      chrome  Chrome Trace Event JSON of the stored calls\n"
        "                              (Perfetto UI, chrome://tracing, speedscope)\n"
        "                      pprof   gzipped profile.proto: samples per call path with\n"
        "                              values calls, self ns, total ns (pprof -top, -http)\n"
        "  --weight W        folded: self|calls (default self: self time in ns)\n"
        "  --run RUN         run id or label (instead of DB:RUN)\n"
        "  -o, --output FILE write to FILE atomically instead of standard output\n"
        "  --filter REGEX    only functions whose name matches (PCRE2; repeatable): folded\n"
        "                    and pprof keep the call paths ending in one, chrome its calls\n"
        "  --exclude REGEX   leave such functions out (repeatable)\n"
        "  -h, --help        this help\n"
        "  --version         print the version\n"
        "\n"
        "Exit: 0 ok, 2 usage error, 3 bad or unsupported data.\n");
}

enum { FMT_FOLDED, FMT_CHROME, FMT_PPROF };
enum { OPT_FORMAT = 256, OPT_WEIGHT, OPT_RUN, OPT_FILTER, OPT_EXCLUDE, OPT_VERSION };

/* Write run r of db in format fmt to out. */
static int export_run(pt_db *db, const pt_run *r, int fmt, int weight_calls,
                      const pt_filter *filter, pt_out *out)
{
    exp_profile p;
    int rc = exp_load(db, r->id, filter, &p);
    if (rc)
        return rc;
    FILE *f = pt_out_stream(out);
    if (fmt != FMT_CHROME && p.npaths == 0) {
        pt_error("%s: run %lld has no call paths%s: nothing to export as %s", db->path,
                 (long long)r->id,
                 r->source && strcmp(r->source, "cprofile") == 0
                     ? " (imported from cProfile, which records callers, not call paths)"
                     : "",
                 fmt == FMT_PPROF ? "pprof" : "folded stacks");
        rc = PT_EXIT_DATA;
    } else if (fmt == FMT_FOLDED) {
        exp_write_folded(f, &p, weight_calls);
    } else if (fmt == FMT_PPROF) {
        rc = exp_write_pprof(f, r, &p);
    } else {
        if (r->calls_stored == 0) {
            pt_error("%s: run %lld has no stored calls%s: nothing to export as a trace", db->path,
                     (long long)r->id,
                     r->source && strcmp(r->source, "cprofile") == 0
                         ? " (imported from cProfile, which has aggregates only)"
                         : "");
            rc = PT_EXIT_DATA;
        } else {
            if (r->calls_stored < r->calls_seen)
                pt_warn("%s: run %lld stored %lld of %lld calls (raw-row budget max_calls): the "
                        "trace lacks %lld calls; profile with max_calls: 0 for a full trace",
                        db->path, (long long)r->id, (long long)r->calls_stored,
                        (long long)r->calls_seen, (long long)(r->calls_seen - r->calls_stored));
            uint64_t events = 0;
            rc = exp_write_chrome(f, db, r, &p, &events);
        }
    }
    exp_profile_free(&p);
    return rc;
}

int main(int argc, char **argv)
{
    pt_init("pscope-export");
    static const struct option longopts[] = {
        { "format", required_argument, NULL, OPT_FORMAT },
        { "weight", required_argument, NULL, OPT_WEIGHT },
        { "run", required_argument, NULL, OPT_RUN },
        { "output", required_argument, NULL, 'o' },
        { "filter", required_argument, NULL, OPT_FILTER },
        { "exclude", required_argument, NULL, OPT_EXCLUDE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    static const char *const formats[] = { "folded", "chrome", "pprof" };
    static const char *const weights[] = { "self", "calls" };
    int fmt = FMT_FOLDED, weight = 0;
    const char *output = NULL, *run_opt = NULL;
    pt_filter *filter = NULL;
    int rc = 0, c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        size_t nk = 0;
        switch (c) {
        case OPT_FORMAT:
            rc = pt_keys_parse("--format", optarg, formats, 3, &fmt, 1, &nk);
            break;
        case OPT_WEIGHT:
            rc = pt_keys_parse("--weight", optarg, weights, 2, &weight, 1, &nk);
            break;
        case OPT_RUN:
            run_opt = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_FILTER:
        case OPT_EXCLUDE:
            rc = pt_filter_add(&filter, c == OPT_FILTER ? "--filter" : "--exclude", optarg,
                               c == OPT_EXCLUDE);
            break;
        case 'h':
            usage(stdout);
            pt_filter_free(filter);
            return 0;
        case OPT_VERSION:
            printf("pscope-export %s\n", pt_version());
            pt_filter_free(filter);
            return 0;
        default:
            usage(stderr);
            pt_filter_free(filter);
            return PT_EXIT_USAGE;
        }
        if (rc) {
            pt_filter_free(filter);
            return rc;
        }
    }
    if (argc - optind > 1) {
        pt_error("expected at most one SPEC, got %d arguments (see --help)", argc - optind);
        pt_filter_free(filter);
        return PT_EXIT_USAGE;
    }
    char *path = NULL, *run_spec = NULL;
    if (optind < argc)
        pt_spec_split(argv[optind], &path, &run_spec);
    else
        path = pt_default_db();
    if (run_opt) {
        free(run_spec);
        run_spec = pt_xstrdup(run_opt);
    }
    pt_out *out = NULL;
    rc = pt_out_open(output, PT_FMT_CSV, &out);
    pt_db *db = NULL;
    pt_run r;
    memset(&r, 0, sizeof r);
    if (!rc)
        rc = pt_db_open(path, &db);
    if (!rc)
        rc = pt_run_resolve(db, run_spec, &r);
    if (!rc)
        rc = export_run(db, &r, fmt, weight == 1, filter, out);
    if (out) {
        if (rc)
            pt_out_abort(out);
        else
            rc = pt_out_close(out);
    }
    pt_run_clear(&r);
    pt_db_close(db);
    pt_filter_free(filter);
    free(path);
    free(run_spec);
    return rc;
}
