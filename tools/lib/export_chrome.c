/* tools/lib/export_chrome.c: Chrome Trace Event JSON from a run's stored calls
 * (exp_write_chrome in export.h), streamed row by row from sql/export_calls.sql so a
 * full-trace run of millions of calls never sits in memory as a document. Loads in
 * Perfetto UI, chrome://tracing and speedscope; pscope-import reads it back.
 *
 * Escaping: names are JSON-escaped once per function by cJSON, after invalid UTF-8 is
 * replaced by U+FFFD (JSON must be UTF-8); numbers are written directly. Timestamps are
 * microseconds with three decimals, i.e. exact nanoseconds. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "ptool_internal.h"

/* The JSON string literal (quotes included) of s; caller frees. */
static char *json_literal(const char *s)
{
    char *clean = pt__utf8_sanitize(s ? s : "");
    cJSON *item = cJSON_CreateString(clean);
    char *out = item ? cJSON_PrintUnformatted(item) : NULL;
    cJSON_Delete(item);
    free(clean);
    if (!out)
        pt_die(PT_EXIT_DATA, "out of memory");
    return out;
}

/* ns as microseconds with exactly three decimals ("12.345"). */
static void put_us(FILE *f, int64_t ns)
{
    if (ns < 0) {
        putc('-', f);
        ns = -ns;
    }
    fprintf(f, "%lld.%03d", (long long)(ns / 1000), (int)(ns % 1000));
}

typedef struct tid_map {
    int64_t id, tid;
} tid_map;

int exp_write_chrome(FILE *f, pt_db *db, const pt_run *run, const exp_profile *p,
                     uint64_t *events)
{
    *events = 0;
    tid_map *tm = NULL;
    size_t ntm = 0;
    sqlite3_stmt *st = pt_sql_prepare(db, "export_threads");
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_int(st, ":run_id", run->id);
    long long pid = (long long)run->pid;
    fputs("{\"traceEvents\":[\n", f);
    char *pname = json_literal(run->command ? run->command : run->executable ? run->executable : "pscope run");
    fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%lld,\"tid\":0,\"args\":{\"name\":%s}}", pid, pname);
    free(pname);
    int rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        tm = pt_xrealloc(tm, (ntm + 1) * sizeof *tm);
        tm[ntm].id = sqlite3_column_int64(st, 0);
        tm[ntm].tid = sqlite3_column_int64(st, 1);
        const char *tname = pt_sql_col_text(st, 2);
        if (tname) {
            char *lit = json_literal(tname);
            fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%lld,\"tid\":%lld,\"args\":{\"name\":%s}}",
                    pid, (long long)tm[ntm].tid, lit);
            free(lit);
        }
        ntm++;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(tm);
        return PT_EXIT_DATA;
    }
    char **lits = pt_xcalloc(p->nfuncs + 1, sizeof *lits);
    st = pt_sql_prepare(db, "export_calls");
    if (!st) {
        free(tm);
        free(lits);
        return PT_EXIT_DATA;
    }
    pt_sql_bind_int(st, ":run_id", run->id);
    size_t ti = 0;
    while ((rc = pt_sql_step(db, st)) == 1) {
        int64_t thread_id = sqlite3_column_int64(st, 0);
        long fi = exp_func_index(p, sqlite3_column_int64(st, 1));
        if (fi < 0 || !p->funcs[fi].keep)
            continue;
        if (ti >= ntm || tm[ti].id != thread_id) /* rows come grouped by thread */
            for (ti = 0; ti < ntm && tm[ti].id != thread_id; ti++)
                ;
        long long tid = ti < ntm ? (long long)tm[ti].tid : (long long)thread_id;
        if (!lits[fi])
            lits[fi] = json_literal(p->funcs[fi].name);
        fprintf(f, ",\n{\"name\":%s,\"cat\":\"function\",\"ph\":\"X\",\"pid\":%lld,\"tid\":%lld,\"ts\":",
                lits[fi], pid, tid);
        put_us(f, sqlite3_column_int64(st, 2));
        fputs(",\"dur\":", f);
        put_us(f, sqlite3_column_int64(st, 3));
        putc('}', f);
        (*events)++;
    }
    sqlite3_finalize(st);
    fprintf(f, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"pscope_run\":%lld,\"calls_seen\":%lld,"
               "\"calls_stored\":%lld,\"pscope_version\":\"%s\"}}\n",
            (long long)run->id, (long long)run->calls_seen, (long long)run->calls_stored, pt_version());
    for (size_t i = 0; i < p->nfuncs; i++)
        free(lits[i]);
    free(lits);
    free(tm);
    return rc < 0 ? PT_EXIT_DATA : 0;
}
