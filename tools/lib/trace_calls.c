/* tools/lib/trace_calls.c: the tools' reader of the full trace (contract in trace_calls.h).
 * Queries are sql/trace_has.sql, sql/trace_state.sql and sql/trace_blocks.sql; decoding
 * is common/traceblk.c. A block is checked against its row (run, thread) before use.
 */
#include "trace_calls.h"

#include <string.h>

/* 1 when the database has call_block and the trace columns, 0 when not, -1 on error. */
static int trace_has(pt_db *db)
{
    sqlite3_stmt *st = pt_sql_prepare(db, "trace_has");
    if (!st)
        return -1;
    int rc = pt_sql_step(db, st);
    int has = rc == 1 ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return has;
}

int pt_trace_state_get(pt_db *db, int64_t run_id, pt_trace_state *out)
{
    memset(out, 0, sizeof *out);
    strcpy(out->call_rule, "first");
    int has = trace_has(db);
    if (has < 0)
        return PT_EXIT_DATA;
    if (!has)
        return 0;
    sqlite3_stmt *st = pt_sql_prepare(db, "trace_state");
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_int(st, ":run", run_id);
    int rc = pt_sql_step(db, st);
    if (rc != 1) {
        if (rc == 0)
            pt_error("%s: no run %lld", db->path, (long long)run_id);
        sqlite3_finalize(st);
        return PT_EXIT_DATA;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    out->available = 1;
    out->full = mode && strcmp(mode, "full") == 0;
    out->trace_max_bytes = sqlite3_column_int64(st, 1);
    out->trace_bytes = sqlite3_column_int64(st, 2);
    out->trace_calls = sqlite3_column_int64(st, 3);
    out->truncated = sqlite3_column_int(st, 4) != 0;
    const char *rule = (const char *)sqlite3_column_text(st, 5);
    if (rule)
        snprintf(out->call_rule, sizeof out->call_rule, "%s", rule);
    out->calls_seen = sqlite3_column_int64(st, 6);
    out->calls_stored = sqlite3_column_int64(st, 7);
    out->complete = out->full && !out->truncated && out->trace_calls == out->calls_seen;
    sqlite3_finalize(st);
    return 0;
}

void pt_trace_filter_all(pt_trace_filter *f)
{
    f->thread_id = 0;
    f->function_id = 0;
    f->ts_lo = 0;
    f->ts_hi = UINT64_MAX;
}

int pt_trace_each(pt_db *db, int64_t run_id, const pt_trace_filter *f, pt_trace_fn fn, void *arg)
{
    pt_trace_filter all;
    if (!f) {
        pt_trace_filter_all(&all);
        f = &all;
    }
    int has = trace_has(db);
    if (has <= 0)
        return has < 0 ? PT_EXIT_DATA : 0;
    sqlite3_stmt *st = pt_sql_prepare(db, "trace_blocks");
    if (!st)
        return PT_EXIT_DATA;
    pt_sql_bind_int(st, ":run", run_id);
    if (f->thread_id)
        pt_sql_bind_int(st, ":thread", f->thread_id);
    if (f->ts_lo > 0)
        pt_sql_bind_int(st, ":ts_lo", f->ts_lo > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)f->ts_lo);
    if (f->ts_hi < (uint64_t)INT64_MAX)
        pt_sql_bind_int(st, ":ts_hi", (int64_t)f->ts_hi);
    pscope_tb_block b = {0};
    char err[256];
    int result = 0, rc;
    while ((rc = pt_sql_step(db, st)) == 1) {
        int64_t id = sqlite3_column_int64(st, 0), thread = sqlite3_column_int64(st, 1);
        const uint8_t *data = sqlite3_column_blob(st, 2);
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        int got = pscope_tb_decode_if(data, len, run_id, thread, f->ts_lo, f->ts_hi,
                                      f->function_id != 0, f->function_id, &b, err, sizeof err);
        if (got == 0)
            continue;
        if (got < 0) {
            pt_error("%s: call_block %lld: %s", db->path, (long long)id, err);
            result = PT_EXIT_DATA;
            break;
        }
        for (uint32_t i = 0; i < b.info.ncalls && !result; i++) {
            const pscope_tcall *c = &b.calls[i];
            if (c->ts < f->ts_lo || c->ts > f->ts_hi || (f->function_id && c->function_id != f->function_id))
                continue;
            if (fn(arg, thread, c))
                result = 1;
        }
        if (result)
            break;
    }
    if (rc < 0)
        result = PT_EXIT_DATA;
    sqlite3_finalize(st);
    pscope_tb_block_free(&b);
    return result;
}
