/* libcollect/trace.c: the writer's side of the full trace (contract in trace.h; block
 * format in common/traceblk.h and docs/schema.md "Trace blocks").
 *
 * Each thread's completed calls fill an open block of PSC_TRACE_BLOCK_CALLS calls; a full
 * block is encoded at once with the writer's local indices (the database ids of new call
 * paths exist only after the next flush), so what waits in memory is the compact form.
 * At a flush, every waiting block is rewritten with the database ids (pscope_tb_remap:
 * the dictionary only, the columns are copied) and inserted with one statement. The
 * partly filled block is written only at the end of the thread or run (final), so blocks
 * stay large; after a crash the calls of the open block are missing from the trace and
 * run.trace_calls < run.calls_seen says so.
 */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct pending { uint8_t *data; size_t len; uint32_t calls; uint64_t ts_min, ts_max; } pending;

struct psc_trace {
    pscope_tcall *open;       /* the open block, local ids */
    uint32_t nopen;
    pending *wait;            /* encoded blocks waiting for the next write */
    uint32_t nwait, wait_cap;
};

static struct {
    int full, truncated;
    uint64_t max_bytes, bytes, calls;
    sqlite3_stmt *ins;
    pscope_tb_buf enc, remap;
    int warned;
    int dirty;                /* the run row's trace columns changed since last written */
} T;

PSC_NOINSTR void psc_trace_start(int full, uint64_t max_bytes)
{
    memset(&T, 0, sizeof T); /* after fork, the parent's statement is not ours to finalize */
    T.full = full;
    T.max_bytes = max_bytes;
    T.dirty = 1;
}

PSC_NOINSTR int psc_trace_on(void)
{
    return T.full && !T.truncated;
}

/* Encode the open block into the waiting list. On failure the calls are dropped (counted
 * as missing from the trace: trace_calls stays below calls_seen) and warned about once. */
PSC_NOINSTR static void seal(psc_trace *t)
{
    if (!t->nopen)
        return;
    char err[256];
    uint32_t n = t->nopen;
    t->nopen = 0;
    if (t->nwait == t->wait_cap) {
        uint32_t cap = t->wait_cap ? t->wait_cap * 2 : 8;
        pending *w = realloc(t->wait, cap * sizeof *w);
        if (!w)
            return;
        t->wait = w;
        t->wait_cap = cap;
    }
    if (pscope_tb_encode(t->open, n, 0, 0, PSC_TRACE_ZSTD_LEVEL, &T.enc, err, sizeof err)) {
        if (!T.warned++)
            psc_warn("trace: %s; those calls are not in the trace", err);
        return;
    }
    pending *p = &t->wait[t->nwait];
    p->data = malloc(T.enc.len);
    if (!p->data)
        return;
    memcpy(p->data, T.enc.data, T.enc.len);
    p->len = T.enc.len;
    p->calls = n;
    p->ts_min = UINT64_MAX;
    p->ts_max = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (t->open[i].ts < p->ts_min)
            p->ts_min = t->open[i].ts;
        if (t->open[i].ts > p->ts_max)
            p->ts_max = t->open[i].ts;
    }
    t->nwait++;
}

PSC_NOINSTR void psc_trace_add(psc_trace **tp, uint64_t seq, uint64_t parent_seq, uint32_t cp,
                               uint32_t func, uint32_t depth, uint64_t ts, uint64_t dur,
                               uint64_t self)
{
    if (!T.full || T.truncated)
        return;
    psc_trace *t = *tp;
    if (!t) {
        t = calloc(1, sizeof *t);
        if (t)
            t->open = malloc(PSC_TRACE_BLOCK_CALLS * sizeof *t->open);
        if (!t || !t->open) {
            free(t);
            return;
        }
        *tp = t;
    }
    pscope_tcall *c = &t->open[t->nopen++];
    c->seq = seq;
    c->parent_seq = parent_seq;
    c->callpath_id = cp;
    c->function_id = func;
    c->depth = depth;
    c->ts = ts;
    c->dur = dur;
    c->self_dur = self;
    if (t->nopen == PSC_TRACE_BLOCK_CALLS)
        seal(t);
}

PSC_NOINSTR static void drop_waiting(psc_trace *t)
{
    for (uint32_t i = 0; i < t->nwait; i++)
        free(t->wait[i].data);
    t->nwait = 0;
}

PSC_NOINSTR int psc_trace_write(sqlite3 *db, psc_trace *t, int64_t run_id, int64_t thread_db_id,
                                int final, pscope_tb_map_fn map, void *arg)
{
    if (!t)
        return 0;
    if (final)
        seal(t);
    if (!t->nwait)
        return 0;
    if (T.truncated) {
        drop_waiting(t);
        return 0;
    }
    if (!T.ins && sqlite3_prepare_v2(db,
                                     "INSERT INTO call_block(run_id, thread_id, ts_min, ts_max,"
                                     " calls, encoding, data) VALUES (?1, ?2, ?3, ?4, ?5, '"
                                     PSCOPE_TB_ENCODING "', ?6)",
                                     -1, &T.ins, NULL) != SQLITE_OK)
        return -1;
    char err[256];
    uint32_t done = 0;
    for (; done < t->nwait; done++) {
        pending *p = &t->wait[done];
        if (pscope_tb_remap(p->data, p->len, run_id, thread_db_id, map, arg, &T.remap, err,
                            sizeof err)) {
            if (!T.warned++)
                psc_warn("trace: %s; those calls are not in the trace", err);
            continue;
        }
        if (T.max_bytes && T.bytes + T.remap.len > T.max_bytes) {
            T.truncated = 1; /* this block and every later call: aggregates only */
            T.dirty = 1;
            break;
        }
        sqlite3_bind_int64(T.ins, 1, run_id);
        sqlite3_bind_int64(T.ins, 2, thread_db_id);
        sqlite3_bind_int64(T.ins, 3, (sqlite3_int64)p->ts_min);
        sqlite3_bind_int64(T.ins, 4, (sqlite3_int64)p->ts_max);
        sqlite3_bind_int64(T.ins, 5, p->calls);
        sqlite3_bind_blob(T.ins, 6, T.remap.data, (int)T.remap.len, SQLITE_STATIC);
        int rc = sqlite3_step(T.ins);
        sqlite3_reset(T.ins);
        sqlite3_clear_bindings(T.ins);
        if (rc != SQLITE_DONE)
            return -1; /* the transaction is rolled back; the blocks stay waiting */
        T.bytes += T.remap.len;
        T.calls += p->calls;
        T.dirty = 1;
    }
    drop_waiting(t);
    return 0;
}

PSC_NOINSTR int psc_trace_write_run(sqlite3 *db, int64_t run_id, int force)
{
    if (!force && !T.dirty)
        return 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "UPDATE run SET trace = ?1, trace_max_bytes = ?2, trace_bytes = ?3,"
                           " trace_calls = ?4, trace_truncated = ?5 WHERE id = ?6",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, T.full ? "full" : "off", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)T.max_bytes);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)T.bytes);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)T.calls);
    sqlite3_bind_int(st, 5, T.truncated);
    sqlite3_bind_int64(st, 6, run_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    T.dirty = 0; /* (if the transaction rolls back, the profile stops anyway) */
    return 0;
}

PSC_NOINSTR void psc_trace_free(psc_trace *t)
{
    if (!t)
        return;
    drop_waiting(t);
    free(t->wait);
    free(t->open);
    free(t);
}

PSC_NOINSTR void psc_trace_stop(void)
{
    sqlite3_finalize(T.ins);
    pscope_tb_buf_free(&T.enc);
    pscope_tb_buf_free(&T.remap);
    memset(&T, 0, sizeof T);
}
