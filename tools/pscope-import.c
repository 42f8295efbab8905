/* tools/pscope-import.c: turn profiles recorded by other tools into pscope runs — uftrace
 * data directories, Chrome Trace Event JSON, cProfile/pstats files — so pscope-stats,
 * pscope-diff and the other tools work on them unchanged. A thin main: options, input
 * detection, one reader per format (tools/lib/import_*.c) into the run builder
 * (import_run.c), one writer (import_store.c) into a database opened by the collector's
 * own store (libcollect/store.c: creates the schema, upgrades older versions, refuses
 * foreign files). Each input is one run, written in one transaction. docs/export.md is
 * the manual.
 *
 * Exit codes: 0 ok; 2 usage; 3 bad or unsupported input or database (one line naming the
 * file, the offset or record, and the problem; the failing input leaves nothing in the
 * database, inputs before it stay imported).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "ptool.h"
#include "store.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: pscope-import [options] -o DB INPUT...\n"
        "\n"
        "Import profiles recorded by other tools as runs of the pscope database DB (created\n"
        "if missing). Each INPUT becomes one run with run.source saying where it came from.\n"
        "\n"
        "  -o, --output DB   the database to add the runs to (required)\n"
        "  --from F          auto|uftrace|chrome|cprofile (default auto: a directory is a\n"
        "                    uftrace recording, a marshal dict a cProfile file, '{' or '['\n"
        "                    Chrome Trace Event JSON)\n"
        "  --label L         label of the imported runs\n"
        "  --scale N         problem size of the imported runs (for extrapolation)\n"
        "  --max-calls N     raw call rows kept per run (default %d, as the collector;\n"
        "                    0: every call, needed for a full Chrome re-export)\n"
        "  --format F        summary format: table|csv|json|md (default table)\n"
        "  -h, --help        this help\n"
        "  --version         print the version\n"
        "\n"
        "Exit: 0 ok, 2 usage error, 3 bad or unsupported input or database.\n",
        IMP_DEFAULT_MAX_CALLS);
}

enum { FROM_AUTO, FROM_UFTRACE, FROM_CHROME, FROM_CPROFILE };
static const char *const from_names[] = { "auto", "uftrace", "chrome", "cprofile" };

/* Read a whole file into memory (caller frees). Returns 0 or PT_EXIT_DATA. */
static int slurp(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pt_error("%s: cannot open: %s", path, strerror(errno));
        return PT_EXIT_DATA;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = pt_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = pt_xrealloc(buf, cap *= 2);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        pt_error("%s: read error", path);
        return PT_EXIT_DATA;
    }
    *data = buf;
    *size = n;
    return 0;
}

/* Which reader takes `path`: by --from, else by what the input looks like. */
static int detect(const char *path, int from, int *out)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        pt_error("%s: %s", path, strerror(errno));
        return PT_EXIT_DATA;
    }
    if (from != FROM_AUTO) {
        *out = from;
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        *out = FROM_UFTRACE;
        return 0;
    }
    unsigned char head[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, 2, f) : 0;
    if (f)
        fclose(f);
    /* marshal: '{' (0x7b, | 0x80 with a reference flag) then a tuple key */
    if (n == 2 && (head[0] & 0x7f) == '{' && ((head[1] & 0x7f) == ')' || (head[1] & 0x7f) == '(')) {
        *out = FROM_CPROFILE;
        return 0;
    }
    if (n >= 1 && (head[0] == '{' || head[0] == '[' || head[0] == ' ' || head[0] == '\n' ||
                   head[0] == '\t' || head[0] == '\r' || head[0] == 0xEF)) {
        *out = FROM_CHROME;
        return 0;
    }
    pt_error("%s: unknown input format (not a uftrace data directory, cProfile file or Chrome "
             "Trace Event JSON); name it with --from", path);
    return PT_EXIT_DATA;
}

typedef struct opts {
    const char *label;
    double scale;
    uint64_t max_calls;
    int from;
} opts;

/* Import one input as a new run of db; adds a summary row to t. */
static int import_one(psc_store *store, const char *path, const opts *o, pt_table *t)
{
    int kind;
    int rc = detect(path, o->from, &kind);
    if (rc)
        return rc;
    imp_builder *b = imp_new(o->max_calls);
    imp_meta meta = {0};
    meta.source = from_names[kind];
    meta.label = o->label;
    meta.scale = o->scale;
    uint64_t skipped = 0;
    if (kind == FROM_UFTRACE) {
        meta.clock = "monotonic";
        rc = imp_read_uftrace(b, path, &meta);
    } else if (kind == FROM_CHROME) {
        meta.clock = "trace";
        FILE *f = fopen(path, "rb");
        if (!f) {
            pt_error("%s: cannot open: %s", path, strerror(errno));
            rc = PT_EXIT_DATA;
        } else {
            rc = imp_read_chrome(b, f, path, &skipped);
            fclose(f);
        }
    } else {
        meta.clock = "none";
        uint8_t *data = NULL;
        size_t size = 0;
        rc = slurp(path, &data, &size);
        if (!rc)
            rc = imp_read_cprofile(b, data, size, path);
        free(data);
    }
    if (!rc && imp_calls(b) == 0) {
        pt_error("%s: no calls in the input (nothing to import)", path);
        rc = PT_EXIT_DATA;
    }
    int64_t run_id = 0;
    if (!rc)
        rc = imp_write(b, store->db, &meta, path, &run_id);
    if (!rc) {
        if (imp_unmatched(b) || imp_unclosed(b))
            pt_warn("%s: %llu exits/ends without a matching entry, %llu calls never ended "
                    "(closed at their thread's last event)",
                    path, (unsigned long long)imp_unmatched(b), (unsigned long long)imp_unclosed(b));
        if (skipped)
            pt_warn("%s: %llu events of other kinds skipped (instant, counter, async, flow, ...)",
                    path, (unsigned long long)skipped);
        pt_table_add_row(t);
        pt_table_set_text(t, 0, path);
        pt_table_set_text(t, 1, meta.source);
        pt_table_set_int(t, 2, run_id);
        pt_table_set_int(t, 3, (int64_t)imp_calls(b));
        pt_table_set_int(t, 4, (int64_t)imp_nfunctions(b));
        pt_table_set_int(t, 5, (int64_t)imp_nthreads(b));
        pt_table_set_int(t, 6, (int64_t)(imp_unmatched(b) + imp_unclosed(b)));
    }
    imp_free(b);
    return rc;
}

enum { OPT_FROM = 256, OPT_LABEL, OPT_SCALE, OPT_MAX_CALLS, OPT_FORMAT, OPT_VERSION };

int main(int argc, char **argv)
{
    pt_init("pscope-import");
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "from", required_argument, NULL, OPT_FROM },
        { "label", required_argument, NULL, OPT_LABEL },
        { "scale", required_argument, NULL, OPT_SCALE },
        { "max-calls", required_argument, NULL, OPT_MAX_CALLS },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    opts o = { NULL, NAN, IMP_DEFAULT_MAX_CALLS, FROM_AUTO };
    const char *dbpath = NULL;
    pt_format fmt = PT_FMT_TABLE;
    int rc = 0, c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        int64_t v;
        size_t nk = 0;
        switch (c) {
        case 'o':
            dbpath = optarg;
            break;
        case OPT_FROM:
            rc = pt_keys_parse("--from", optarg, from_names, 4, &o.from, 1, &nk);
            break;
        case OPT_LABEL:
            o.label = optarg;
            break;
        case OPT_SCALE:
            rc = pt_parse_real("--scale", optarg, -1e300, 1e300, &o.scale);
            break;
        case OPT_MAX_CALLS:
            rc = pt_parse_int("--max-calls", optarg, 0, INT64_MAX, &v);
            if (!rc)
                o.max_calls = (uint64_t)v;
            break;
        case OPT_FORMAT:
            rc = pt_format_parse(optarg, 0, &fmt);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("pscope-import %s\n", pt_version());
            return 0;
        default:
            usage(stderr);
            return PT_EXIT_USAGE;
        }
        if (rc)
            return rc;
    }
    if (!dbpath) {
        pt_error("-o DB is required: the database to import into (see --help)");
        return PT_EXIT_USAGE;
    }
    if (optind == argc) {
        pt_error("no input given (see --help)");
        return PT_EXIT_USAGE;
    }
    pt_out *out = NULL;
    rc = pt_out_open(NULL, fmt, &out);
    if (rc)
        return rc;
    char err[1024];
    psc_store *store = psc_store_open(dbpath, err, sizeof err);
    if (!store) {
        pt_error("%s", err);
        pt_out_abort(out);
        return PT_EXIT_DATA;
    }
    pt_table *t = pt_table_new("imported");
    pt_table_add_col(t, "input", "input", PT_COL_TEXT, PT_COL_BOTH);
    pt_table_add_col(t, "source", "source", PT_COL_TEXT, PT_COL_BOTH);
    pt_table_add_col(t, "run_id", "run", PT_COL_INT, PT_COL_BOTH);
    pt_table_add_col(t, "calls", "calls", PT_COL_INT, PT_COL_BOTH);
    pt_table_add_col(t, "functions", "functions", PT_COL_INT, PT_COL_BOTH);
    pt_table_add_col(t, "threads", "threads", PT_COL_INT, PT_COL_BOTH);
    pt_table_add_col(t, "unmatched", "unmatched", PT_COL_INT, PT_COL_BOTH);
    for (int i = optind; i < argc && !rc; i++)
        rc = import_one(store, argv[i], &o, t);
    psc_store_close(store);
    if (pt_table_rows(t) == 0) { /* the first input failed: its message says it all */
        pt_table_free(t);
        pt_out_abort(out);
        return rc;
    }
    pt_out_header(out, "pscope-import → %s", dbpath);
    int orc = pt_out_table(out, t);
    pt_table_free(t);
    if (orc) {
        pt_out_abort(out);
        return rc ? rc : orc;
    }
    orc = pt_out_close(out);
    return rc ? rc : orc;
}
