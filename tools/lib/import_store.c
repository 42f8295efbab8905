/* tools/lib/import_store.c: the one writer of pscope-import (imp_write in import.h):
 * inserts a built run into a pscope database in a single transaction, so an input that
 * fails leaves nothing behind. Ids come from SQLite (unique across the runs of the
 * database, as the collector's); callpath rows are inserted parents first (the builder
 * creates a node after its parent), raw call ids are run_id * 2^40 + entry sequence.
 */
#include "import.h"
#include "import_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ptool.h"

/* A statement of the writer; NULL after an error (printed by the caller). */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

/* Bind values 1..n in order: 'i' int64, 'I' int64 or NULL when < 0 (ids), 't' text or
 * NULL, 'r' real or NULL when NAN. Then step and reset. Returns SQLITE_DONE on success. */
static int run_stmt(sqlite3_stmt *st, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        int col = i + 1;
        switch (types[i]) {
        case 'i':
            sqlite3_bind_int64(st, col, va_arg(ap, int64_t));
            break;
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            if (v < 0)
                sqlite3_bind_null(st, col);
            else
                sqlite3_bind_int64(st, col, v);
            break;
        }
        case 't':
            sqlite3_bind_text(st, col, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
            break;
        case 'r': {
            double v = va_arg(ap, double);
            if (isnan(v))
                sqlite3_bind_null(st, col);
            else
                sqlite3_bind_double(st, col, v);
            break;
        }
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int64_t clamp_i64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* Insert the non-empty buckets of h for function id fid through st. */
static int write_hist(sqlite3_stmt *st, int64_t fid, const pscope_hist *h)
{
    for (uint32_t k = 0; k < PSCOPE_HIST_BLOCKS; k++) {
        if (!h->block[k])
            continue;
        for (uint32_t i = 0; i < PSCOPE_HIST_SUB; i++) {
            uint64_t c = h->block[k][i];
            if (!c)
                continue;
            uint32_t bucket = k * PSCOPE_HIST_SUB + i;
            if (run_stmt(st, "iiiii", fid, (int64_t)bucket, clamp_i64(pscope_hist_bucket_lo(bucket)),
                         clamp_i64(pscope_hist_bucket_hi(bucket)), clamp_i64(c)) != SQLITE_DONE)
                return -1;
        }
    }
    return 0;
}

/* The config_json of an imported run: where it came from and what did not fit. */
static char *import_json(const imp_builder *b, const char *what)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *imp = cJSON_AddObjectToObject(o, "import");
    cJSON_AddStringToObject(imp, "input", what);
    cJSON_AddNumberToObject(imp, "unclosed_frames", (double)b->unclosed);
    cJSON_AddNumberToObject(imp, "unmatched_exits", (double)b->unmatched);
    cJSON_AddBoolToObject(imp, "aggregate_only", b->aggregate_only);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

int imp_write(imp_builder *b, sqlite3 *db, const imp_meta *meta, const char *what,
              int64_t *run_id)
{
    imp_close_all(b);
    int64_t base = b->min_ts == INT64_MAX ? 0 : b->min_ts;
    int64_t end = base;
    for (uint32_t i = 0; i < b->nthreads; i++)
        if (b->threads[i].last_ts != INT64_MIN && b->threads[i].last_ts > end)
            end = b->threads[i].last_ts;
    int64_t started = meta->started_wall;
    if (!started) {
        struct stat sb;
        time_t sec = stat(what, &sb) == 0 ? sb.st_mtim.tv_sec : time(NULL);
        long nsec = stat(what, &sb) == 0 ? sb.st_mtim.tv_nsec : 0;
        started = sec > 0 && sec < 4000000000 ? (int64_t)sec * 1000000000 + nsec : 0;
    }
    int64_t ended;
    if (__builtin_add_overflow(started, end - base, &ended))
        ended = INT64_MAX;

    int64_t *tids = pt_xcalloc(b->nthreads + 1, sizeof *tids);
    int64_t *fids = pt_xcalloc(b->nfuncs + 1, sizeof *fids);
    int64_t *nids = pt_xcalloc(b->nnodes + 1, sizeof *nids);
    char *cfg = import_json(b, what);
    sqlite3_stmt *st = NULL;
    const char *step = "begin";
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;

    step = "run";
    st = prep(db, "INSERT INTO run(label, command, executable, pid, host, started_wall, ended_wall,"
                  " dur, scale, clock, pscope_version, config_json, calls_seen, calls_stored,"
                  " unmatched_exits, depth_overflow, max_depth_seen, events_lost, complete, source)"
                  " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)");
    if (!st || run_stmt(st, "tttitiiirtttiiiiiit", meta->label, meta->command, meta->executable,
                        meta->pid, meta->host, started, ended, end - base,
                        meta->scale, meta->clock ? meta->clock : "none", pt_version(), cfg,
                        clamp_i64(b->calls), clamp_i64(b->nrows), clamp_i64(b->unmatched),
                        clamp_i64(b->depth_overflow), (int64_t)b->max_depth,
                        clamp_i64(b->events_lost), meta->source) != SQLITE_DONE)
        goto fail;
    *run_id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(st);

    step = "thread";
    st = prep(db, "INSERT INTO thread(run_id, tid, name, is_main, ts, end_ts, calls) VALUES(?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    for (uint32_t i = 0; i < b->nthreads; i++) {
        const imp_thread_t *t = &b->threads[i];
        int64_t ts = t->first_ts == INT64_MAX ? 0 : t->first_ts - base;
        int64_t ets = t->last_ts == INT64_MIN ? 0 : t->last_ts - base;
        if (run_stmt(st, "iitiiii", *run_id, t->tid, t->name, (int64_t)(i == 0), ts, ets,
                     t->calls) != SQLITE_DONE)
            goto fail;
        tids[i] = sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(st);

    step = "function";
    st = prep(db, "INSERT INTO function(run_id, name, module, file, line, address, offset) VALUES(?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    for (uint32_t i = 0; i < b->nfuncs; i++) {
        const imp_func *f = &b->funcs[i];
        if (run_stmt(st, "itttIii", *run_id, f->name, f->module, f->file,
                     f->line > 0 ? f->line : (int64_t)-1, clamp_i64(f->address),
                     clamp_i64(f->offset)) != SQLITE_DONE)
            goto fail;
        fids[i] = sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(st);

    step = "function_stat";
    st = prep(db, "INSERT INTO function_stat(function_id, run_id, calls, primitive_calls, total_dur,"
                  " self_dur, sum_dur, sum_sq_dur, min_dur, max_dur) VALUES(?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    for (uint32_t i = 0; i < b->nfuncs; i++) {
        const imp_fstat *s = &b->funcs[i].st;
        if (s->calls == 0 && !b->aggregate_only)
            continue;
        if (run_stmt(st, "iiiiiiirii", fids[i], *run_id, s->calls, s->primitive, s->total, s->self,
                     s->sum, s->sum_sq, s->min, s->max) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(st);

    step = "function_hist";
    st = prep(db, "INSERT INTO function_hist(function_id, bucket, lo, hi, count) VALUES(?,?,?,?,?)");
    for (uint32_t i = 0; st && i < b->nfuncs; i++)
        if (write_hist(st, fids[i], &b->funcs[i].st.hist))
            goto fail;
    if (!st)
        goto fail;
    sqlite3_finalize(st);
    step = "function_self_hist";
    st = prep(db, "INSERT INTO function_self_hist(function_id, bucket, lo, hi, count) VALUES(?,?,?,?,?)");
    for (uint32_t i = 0; st && i < b->nfuncs; i++)
        if (write_hist(st, fids[i], &b->funcs[i].st.self_hist))
            goto fail;
    if (!st)
        goto fail;
    sqlite3_finalize(st);

    step = "callpath";
    st = prep(db, "INSERT INTO callpath(run_id, parent_id, function_id, depth, calls, total_dur,"
                  " self_dur, min_dur, max_dur) VALUES(?,?,?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    for (uint32_t i = 0; i < b->nnodes; i++) {
        const imp_node *n = &b->nodes[i];
        int64_t parent = n->parent == UINT32_MAX ? -1 : nids[n->parent];
        if (run_stmt(st, "iIiiiiiII", *run_id, parent, fids[n->func], (int64_t)n->depth, n->calls,
                     n->total, n->self, n->calls ? n->min : (int64_t)-1,
                     n->calls ? n->max : (int64_t)-1) != SQLITE_DONE)
            goto fail;
        nids[i] = sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(st);

    step = "thread_stat";
    st = prep(db, "INSERT INTO thread_stat(thread_id, function_id, calls, total_dur, self_dur) VALUES(?,?,?,?,?)");
    if (!st)
        goto fail;
    for (uint32_t i = 0; i < b->nthreads; i++) {
        const imp_thread_t *t = &b->threads[i];
        for (uint32_t f = 0; f < t->nfunc_cap && f < b->nfuncs; f++)
            if (t->stats[f].calls &&
                run_stmt(st, "iiiii", tids[i], fids[f], t->stats[f].calls, t->stats[f].total,
                         t->stats[f].self) != SQLITE_DONE)
                goto fail;
    }
    sqlite3_finalize(st);

    step = "call";
    st = prep(db, "INSERT INTO call(id, run_id, thread_id, callpath_id, function_id, parent_id, depth,"
                  " ts, dur, self_dur) VALUES(?,?,?,?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    int64_t id_base = *run_id * ((int64_t)1 << 40);
    for (uint64_t i = 0; i < b->nrows; i++) {
        const imp_row *r = &b->rows[i];
        int64_t parent = r->parent_seq == UINT64_MAX ? -1 : id_base + (int64_t)r->parent_seq;
        if (run_stmt(st, "iiiiiIiiii", id_base + (int64_t)r->seq, *run_id, tids[r->thread],
                     nids[r->node], fids[r->func], parent, (int64_t)r->depth, r->ts - base, r->dur,
                     r->self) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(st);

    step = "function_caller";
    st = prep(db, "INSERT OR REPLACE INTO function_caller(function_id, caller_id, calls, primitive_calls,"
                  " total_dur, self_dur) VALUES(?,?,?,?,?,?)");
    if (!st)
        goto fail;
    for (size_t i = 0; i < b->ncallers; i++) {
        const imp_caller *c = &b->callers[i];
        if (run_stmt(st, "iiiiii", fids[c->callee], fids[c->caller], c->calls, c->primitive,
                     c->total, c->self) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;

    step = "commit";
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    free(tids);
    free(fids);
    free(nids);
    free(cfg);
    return 0;
fail:
    pt_error("%s: cannot store the run (%s): %s", what, step, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    free(tids);
    free(fids);
    free(nids);
    free(cfg);
    return PT_EXIT_DATA;
}
