/* tests/fuzz/targets.c: the fuzz entry points declared in targets.h, over the real parsers
 * of pscope (common/config.c, tools/lib/). Compiled twice: with libFuzzer and
 * ASan/UBSan by `make fuzz` (mk/hardening.mk) and without libFuzzer into the replay
 * program that tests/e2e/fuzz_regress.sh runs on the corpus and every saved crash.
 *
 * Invariants: an entry point never exits or aborts on any input, frees everything it
 * allocates, and bounds its own work (row limits on queries), so that libFuzzer's leak and
 * timeout detection point at the code under test. The database target owns one temporary
 * file per process, removed at exit.
 */
#include "targets.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "config.h"
#include "diff_core.h"
#include "diff_report.h"
#include "ptool.h"
#include "traceblk.h"

/* A NUL-terminated copy of the input (caller frees). */
static char *cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return NULL;
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* ---- config ------------------------------------------------------------------------ */

static void ignore_warning(const char *line)
{
    (void)line;
}

int pscope_fuzz_config(const uint8_t *data, size_t size)
{
    psc_config c;
    char err[512];
    psc_config_defaults(&c);
    if (psc_config_load_buffer(&c, "fuzz.yaml", (const char *)data, size, ignore_warning, err,
                               sizeof err) == 0) {
        char *json = psc_config_to_json(&c);
        free(json);
    }
    psc_config_free(&c);
    return 0;
}

/* ---- database ---------------------------------------------------------------------- */

static char db_path[64];

static void db_unlink_all(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[96];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
        unlink(p);
    }
}

/* Write the input to the process's temporary database file; 0 on success. */
static int db_write(const uint8_t *data, size_t size)
{
    if (!db_path[0]) {
        snprintf(db_path, sizeof db_path, "/tmp/pscope-fuzz-db-XXXXXX");
        int fd = mkstemp(db_path);
        if (fd < 0) {
            db_path[0] = '\0';
            return -1;
        }
        close(fd);
        atexit(db_unlink_all);
    }
    db_unlink_all(); /* no -wal/-shm of a previous input may be taken for this one's */
    int fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    close(fd);
    return 0;
}

/* Run one embedded query of the run, reading every column of at most 10,000 rows. */
static void db_query(pt_db *db, const char *name, int64_t run_id)
{
    sqlite3_stmt *st = pt_sql_prepare(db, name);
    if (!st)
        return;
    pt_sql_bind_int(st, ":run_id", run_id);
    pt_sql_bind_real(st, ":factor", 2.0);
    pt_sql_bind_int(st, ":max_depth", 64);
    pt_sql_bind_text(st, ":name", "main");
    for (int rows = 0; rows < 10000 && pt_sql_step(db, st) == 1; rows++) {
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            (void)pt_sql_col_text(st, i);
            (void)pt_sql_col_real(st, i);
        }
    }
    sqlite3_finalize(st);
}

int pscope_fuzz_db(const uint8_t *data, size_t size)
{
    if (db_write(data, size) != 0)
        return 0;
    pt_db *db = NULL;
    if (pt_db_open(db_path, &db) != 0)
        return 0;
    pt_run *runs = NULL;
    size_t nruns = 0;
    if (pt_runs_list(db, &runs, &nruns) == 0) {
        char line[512];
        for (size_t i = 0; i < nruns; i++) {
            pt_run_describe(&runs[i], line, sizeof line);
            cJSON_Delete(pt_run_json(&runs[i]));
        }
        pt_runs_free(runs, nruns);
    }
    pt_run run;
    if (pt_run_resolve(db, NULL, &run) == 0) {
        static const char *const queries[] = {
            "stats_functions", "stats_hotspots", "stats_tree",     "stats_threads",
            "stats_stages",    "stats_resources", "stats_counts",  "stats_exact",
            "stats_callers",   "stats_callees",  "stats_function_find",
        };
        for (size_t i = 0; i < sizeof queries / sizeof *queries; i++)
            db_query(db, queries[i], run.id);
        /* pscope-diff's loading (histograms, raw rows) and comparison of the run with itself */
        diff_run dr;
        if (diff_run_load(db, &run, "fuzz", 2000, &dr) == 0) {
            if (dr.nfunc > 0) {
                diff_opts o = {DIFF_METRIC_P95, 0.05, 0.05, 0.01, NULL};
                diff_result res;
                diff_compare(&dr, 1, &dr, 1, &o, &res);
                diff_sort_rows(&res, DIFF_SORT_NAME);
                char *line = diff_summary_line(&res);
                free(line);
                diff_result_free(&res);
            }
            diff_run_free(&dr);
        }
        pt_run_clear(&run);
    }
    pt_db_close(db);
    return 0;
}

/* ---- small parsers ----------------------------------------------------------------- */

int pscope_fuzz_spec(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *s = cstr(data + 1, size - 1);
    if (!s)
        return 0;
    switch (data[0] % 8) {
    case 0: {
        char *path = NULL, *run = NULL;
        pt_spec_split(s, &path, &run);
        free(path);
        free(run);
        break;
    }
    case 1: {
        static const char *const keys[] = {"calls", "self", "total", "mean", "p50",
                                           "p95",   "p99",  "max",   "name", "file"};
        int out[8];
        size_t n = 0;
        (void)pt_keys_parse("--sort", s, keys, 10, out, 8, &n);
        break;
    }
    case 2: {
        int64_t v;
        (void)pt_parse_int("--top", s, 0, INT64_MAX, &v);
        break;
    }
    case 3: {
        double v;
        (void)pt_parse_real("--alpha", s, 1e-12, 0.5, &v);
        break;
    }
    case 4: {
        pt_format f;
        (void)pt_format_parse(s, 1, &f);
        break;
    }
    case 5: {
        uint64_t ns;
        (void)psc_parse_duration(s, &ns);
        break;
    }
    case 6: {
        diff_metric m;
        (void)diff_metric_parse(s, &m);
        break;
    }
    default: {
        diff_fail_on f;
        (void)diff_fail_on_parse(s, &f);
        break;
    }
    }
    free(s);
    return 0;
}

int pscope_fuzz_regex(const uint8_t *data, size_t size)
{
    char *pattern = cstr(data, size);
    if (!pattern)
        return 0;
    pt_filter *f = NULL;
    if (pt_filter_add(&f, "--filter", pattern, 0) == 0 &&
        pt_filter_add(&f, "--exclude", "^never$", 1) == 0) {
        static const char *const names[] = {
            "main", "std::vector<int>::push_back", "\xff\xfe invalid \xc3", "a\nb",
            "<script>alert(1)</script>", "",
        };
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            (void)pt_filter_match(f, names[i], "src/x.c", 42);
            (void)pt_filter_match(f, names[i], NULL, 0);
        }
        /* the pattern is also a name */
        (void)pt_filter_match(f, pattern, pattern, 1);
    }
    pt_filter_free(f);
    free(pattern);
    return 0;
}

/* ---- registry ---------------------------------------------------------------------- */

/* ---- trace blocks ------------------------------------------------------------------ */

/* Decode one block; what decodes must satisfy the call contract and encode again. */
static void traceblk_one(const uint8_t *data, size_t size)
{
    pscope_tb_block b = {0};
    char err[256];
    if (pscope_tb_info_parse(data, size, &b.info, err, sizeof err) == 0 &&
        pscope_tb_paths(&b, err, sizeof err) == 0)
        (void)pscope_tb_has_function(&b, 1);
    if (pscope_tb_decode(data, size, &b, err, sizeof err) == 0) {
        /* what decodes must satisfy the call contract and re-encode to the same calls */
        pscope_tb_buf buf = {0};
        for (uint32_t i = 0; i < b.info.ncalls; i++) {
            const pscope_tcall *c = &b.calls[i];
            if (c->seq == 0 || c->parent_seq >= c->seq || c->self_dur > c->dur ||
                c->ts < b.info.ts_min || c->ts > b.info.ts_max)
                abort();
        }
        if (pscope_tb_encode(b.calls, b.info.ncalls, b.info.run_id, b.info.thread_id, 0, &buf,
                             err, sizeof err) != 0)
            abort();
        pscope_tb_buf_free(&buf);
    }
    pscope_tb_block_free(&b);
}

int pscope_fuzz_traceblk(const uint8_t *data, size_t size)
{
    traceblk_one(data, size);
    /* The same bytes with a correct checksum, so that the content checks behind it are
     * reached too (a mutated block almost never has a valid CRC-32 by chance). */
    if (size >= PSCOPE_TB_HEADER) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        uLong crc = crc32(crc32(0L, Z_NULL, 0), copy, 20);
        crc = crc32(crc, copy + PSCOPE_TB_HEADER, (uInt)(size - PSCOPE_TB_HEADER));
        for (int k = 0; k < 4; k++)
            copy[20 + k] = (uint8_t)(crc >> (8 * k));
        traceblk_one(copy, size);
        free(copy);
    }
    return 0;
}

const struct pscope_fuzz_target pscope_fuzz_targets[] = {
    {"config", pscope_fuzz_config},
    {"db", pscope_fuzz_db},
    {"spec", pscope_fuzz_spec},
    {"regex", pscope_fuzz_regex},
    {"chrome", pscope_fuzz_chrome},     /* targets_import.c */
    {"cprofile", pscope_fuzz_cprofile},
    {"uftrace", pscope_fuzz_uftrace},
    {"traceblk", pscope_fuzz_traceblk},
    {NULL, NULL},
};

pscope_fuzz_fn pscope_fuzz_find(const char *name)
{
    for (const struct pscope_fuzz_target *t = pscope_fuzz_targets; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->fn;
    return NULL;
}
