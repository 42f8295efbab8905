/* libcollect/writer_db.c: the writer's SQLite side. Every flush writes, in one short
 * transaction, what changed in the writer's model (writer_internal.h) since the last one:
 * new thread, function and call-path rows, the changed aggregates (function_stat with
 * both histograms, callpath, thread_stat), a slice of the pending raw call rows, resource
 * samples, stage rows and the run row's counters; the final flush also marks the run
 * complete. Function figures are sums over the function's call paths (exact: a path's
 * calls are all the function's calls there, and "recursion counted once" means summing
 * inclusive time over the paths where the function is not its own ancestor).
 */
#include "writer_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "stage_internal.h"

PSC_NOINSTR static int64_t i64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

PSC_NOINSTR static void bind_i64_opt(sqlite3_stmt *st, int i, int64_t v, int present)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

PSC_NOINSTR static int write_samples(psc_store *s, int64_t run_id)
{
    for (size_t i = 0; i < W.nsamples; i++) {
        const psc_sample *p = &W.samples[i];
        sqlite3_stmt *st = s->ins_sample;
        int64_t tdb = 0;
        if (p->tid) {
            for (struct psc_wthread *t = W.threads; t; t = t->next)
                if (t->tid == p->tid && t->db_id) {
                    tdb = t->db_id;
                    break;
                }
            if (!tdb)
                continue; /* a thread that never recorded an event: not in the profile */
        }
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, i64(p->ts));
        bind_i64_opt(st, 3, tdb, tdb != 0);
        sqlite3_bind_int64(st, 4, p->cpu_user_ns);
        sqlite3_bind_int64(st, 5, p->cpu_sys_ns);
        bind_i64_opt(st, 6, p->rss, p->tid == 0 && p->rss >= 0);
        bind_i64_opt(st, 7, p->rss_delta, p->tid == 0 && p->rss >= 0);
        sqlite3_bind_int64(st, 8, p->minflt);
        sqlite3_bind_int64(st, 9, p->majflt);
        int has_cp = p->cp != UINT32_MAX && W.cps[p->cp].db_id;
        bind_i64_opt(st, 10, has_cp ? W.funcs[p->func].db_id : 0, has_cp);
        bind_i64_opt(st, 11, has_cp ? W.cps[p->cp].db_id : 0, has_cp);
        sqlite3_bind_null(st, 12); /* stage: derived from stage spans at the end */
        bind_i64_opt(st, 13, p->gpu_index, p->gpu_index >= 0);
        if (!isnan(p->gpu_util))
            sqlite3_bind_double(st, 14, p->gpu_util);
        else
            sqlite3_bind_null(st, 14);
        bind_i64_opt(st, 15, p->gpu_mem, p->gpu_mem >= 0);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    W.nsamples = 0;
    return 0;
}

/* At the end: each sample's innermost open stage on its thread, by time. */
PSC_NOINSTR static int tag_sample_stages(psc_store *s, int64_t run_id)
{
    sqlite3_stmt *st;
    const char *sql =
        "UPDATE resource_sample SET stage_id = (SELECT g.id FROM stage g"
        " WHERE g.run_id = resource_sample.run_id AND g.thread_id = resource_sample.thread_id"
        " AND g.ts <= resource_sample.ts AND (g.dur IS NULL OR g.ts + g.dur >= resource_sample.ts)"
        " ORDER BY g.ts DESC LIMIT 1)"
        " WHERE run_id = ? AND thread_id IS NOT NULL";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- flushing to SQLite ------------------------------------------------------------- */

PSC_NOINSTR static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

PSC_NOINSTR static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}


PSC_NOINSTR static int write_threads(psc_store *s, int64_t run_id)
{
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        if (!t->db_id) {
            sqlite3_stmt *st = s->ins_thread;
            sqlite3_bind_int64(st, 1, run_id);
            sqlite3_bind_int64(st, 2, t->tid);
            bind_text_or_null(st, 3, t->name[0] ? t->name : NULL);
            sqlite3_bind_int(st, 4, t->is_main);
            sqlite3_bind_int64(st, 5, i64(t->first_ns));
            sqlite3_bind_int64(st, 6, i64(t->last_ns));
            sqlite3_bind_int64(st, 7, i64(t->k.calls));
            if (step_reset(st))
                return -1;
            t->db_id = sqlite3_last_insert_rowid(s->db);
            t->dirty = 0;
        } else if (t->dirty) {
            sqlite3_stmt *st = s->upd_thread;
            bind_text_or_null(st, 1, t->name[0] ? t->name : NULL);
            sqlite3_bind_int64(st, 2, i64(t->last_ns));
            sqlite3_bind_int64(st, 3, i64(t->k.calls));
            sqlite3_bind_int64(st, 4, t->db_id);
            if (step_reset(st))
                return -1;
            t->dirty = 0;
        }
    }
    return 0;
}

/* Function and call-path rows first seen since the last flush. */
PSC_NOINSTR static int write_new_functions(psc_store *s, int64_t run_id)
{
    for (uint32_t i = W.funcs_inserted; i < W.nfuncs; i++) {
        wfunc *f = &W.funcs[i];
        sqlite3_stmt *st = s->ins_function;
        sqlite3_bind_int64(st, 1, run_id);
        bind_text_or_null(st, 2, f->sym.name);
        bind_text_or_null(st, 3, f->sym.module);
        bind_text_or_null(st, 4, f->sym.file);
        if (f->sym.line > 0)
            sqlite3_bind_int(st, 5, f->sym.line);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, i64(f->addr));
        sqlite3_bind_int64(st, 7, i64(f->sym.offset));
        if (step_reset(st))
            return -1;
        f->db_id = sqlite3_last_insert_rowid(s->db);
    }
    W.funcs_inserted = W.nfuncs;
    for (uint32_t i = W.cps_inserted ? W.cps_inserted : 1; i < W.ncps; i++) {
        wcp *c = &W.cps[i];
        sqlite3_stmt *st = s->ins_callpath;
        sqlite3_bind_int64(st, 1, run_id);
        if (c->parent)
            sqlite3_bind_int64(st, 2, W.cps[c->parent].db_id);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, W.funcs[c->func].db_id);
        sqlite3_bind_int(st, 4, (int)c->depth);
        if (step_reset(st))
            return -1;
        c->db_id = sqlite3_last_insert_rowid(s->db);
    }
    W.cps_inserted = W.ncps;
    return 0;
}

/* Function figures as sums over the function's call paths, for every function that has
 * a path changed since the last full flush (W.dirty_cps, not yet cleared). */
PSC_NOINSTR static void derive_function_stats(void)
{
    for (uint32_t k = 0; k < W.ndirty_cps; k++)
        psc_wmark_dirty_func(W.cps[W.dirty_cps[k]].func);
    for (uint32_t k = 0; k < W.ndirty_funcs; k++) {
        wfunc *f = &W.funcs[W.dirty_funcs[k]];
        f->calls = f->primitive = f->total = f->self = f->sum = f->max = 0;
        f->sum_sq = 0;
        f->min = UINT64_MAX;
    }
    for (uint32_t i = 1; i < W.ncps; i++) {
        const wcp *c = &W.cps[i];
        wfunc *f = &W.funcs[c->func];
        if (!f->dirty || !c->calls)
            continue;
        f->calls += c->calls;
        f->self += c->self;
        f->sum += c->total;
        f->sum_sq += c->sum_sq;
        if (c->min < f->min)
            f->min = c->min;
        if (c->max > f->max)
            f->max = c->max;
        if (!c->recursive) {
            f->primitive += c->calls;
            f->total += c->total;
        }
    }
}

/* Every aggregate changed since the last full flush. */
/* Upsert every non-empty bucket of h for the function db_id through st (a statement of
 * the shape (function_id, bucket, lo, hi, count)). Returns 0, or -1 on an SQLite error. */
PSC_NOINSTR static int write_hist(const pscope_hist *h, sqlite3_stmt *st, int64_t db_id)
{
    for (uint32_t blk = 0; blk < PSCOPE_HIST_BLOCKS; blk++) {
        const uint64_t *counts = h->block[blk];
        if (!counts)
            continue;
        for (uint32_t j = 0; j < PSCOPE_HIST_SUB; j++) {
            if (!counts[j])
                continue;
            uint32_t b = blk * PSCOPE_HIST_SUB + j;
            sqlite3_bind_int64(st, 1, db_id);
            sqlite3_bind_int(st, 2, (int)b);
            sqlite3_bind_int64(st, 3, i64(pscope_hist_bucket_lo(b)));
            sqlite3_bind_int64(st, 4, i64(pscope_hist_bucket_hi(b)));
            sqlite3_bind_int64(st, 5, i64(counts[j]));
            if (step_reset(st))
                return -1;
        }
    }
    return 0;
}

PSC_NOINSTR static int write_stats(psc_store *s, int64_t run_id)
{
    derive_function_stats();
    for (uint32_t k = 0; k < W.ndirty_funcs; k++) {
        wfunc *f = &W.funcs[W.dirty_funcs[k]];
        f->dirty = 0;
        sqlite3_stmt *st = s->ups_fstat;
        sqlite3_bind_int64(st, 1, f->db_id);
        sqlite3_bind_int64(st, 2, run_id);
        sqlite3_bind_int64(st, 3, i64(f->calls));
        sqlite3_bind_int64(st, 4, i64(f->primitive));
        sqlite3_bind_int64(st, 5, i64(f->total));
        sqlite3_bind_int64(st, 6, i64(f->self));
        sqlite3_bind_int64(st, 7, i64(f->sum));
        sqlite3_bind_double(st, 8, f->sum_sq);
        sqlite3_bind_int64(st, 9, i64(f->calls ? f->min : 0));
        sqlite3_bind_int64(st, 10, i64(f->max));
        if (step_reset(st))
            return -1;
        if (write_hist(&f->hist, s->ups_fhist, f->db_id) || write_hist(&f->self_hist, s->ups_fselfhist, f->db_id))
            return -1;
    }
    W.ndirty_funcs = 0;
    for (uint32_t k = 0; k < W.ndirty_cps; k++) {
        wcp *c = &W.cps[W.dirty_cps[k]];
        c->dirty = 0;
        sqlite3_stmt *st = s->upd_callpath;
        sqlite3_bind_int64(st, 1, i64(c->calls));
        sqlite3_bind_int64(st, 2, i64(c->total));
        sqlite3_bind_int64(st, 3, i64(c->self));
        sqlite3_bind_int64(st, 4, i64(c->calls ? c->min : 0));
        sqlite3_bind_int64(st, 5, i64(c->max));
        sqlite3_bind_int64(st, 6, c->db_id);
        if (step_reset(st))
            return -1;
    }
    W.ndirty_cps = 0;
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        for (uint32_t k = 0; k < t->ntouched; k++) {
            uint32_t fi = t->touched[k];
            t->touched_flag[fi] = 0;
            sqlite3_stmt *st = s->ups_tstat;
            sqlite3_bind_int64(st, 1, t->db_id);
            sqlite3_bind_int64(st, 2, W.funcs[fi].db_id);
            sqlite3_bind_int64(st, 3, i64(t->ts[fi].calls));
            sqlite3_bind_int64(st, 4, i64(t->ts[fi].total));
            sqlite3_bind_int64(st, 5, i64(t->ts[fi].self));
            if (step_reset(st))
                return -1;
        }
        t->ntouched = 0;
    }
    return 0;
}

PSC_NOINSTR static void bind_row(sqlite3_stmt *st, int k, int64_t run_id, const wrow *r)
{
    int64_t base = run_id << 40;
    sqlite3_bind_int64(st, k + 1, base + i64(r->seq));
    sqlite3_bind_int64(st, k + 2, run_id);
    sqlite3_bind_int64(st, k + 3, r->th->db_id);
    sqlite3_bind_int64(st, k + 4, W.cps[r->cp].db_id);
    sqlite3_bind_int64(st, k + 5, W.funcs[r->func].db_id);
    if (r->parent_seq)
        sqlite3_bind_int64(st, k + 6, base + i64(r->parent_seq));
    else
        sqlite3_bind_null(st, k + 6);
    sqlite3_bind_int(st, k + 7, (int)r->depth);
    sqlite3_bind_int64(st, k + 8, i64(r->ts));
    sqlite3_bind_int64(st, k + 9, i64(r->dur));
    sqlite3_bind_int64(st, k + 10, i64(r->self));
}

/* Insert up to max pending rows, oldest first, PSC_ROWS_PER_INSERT per statement. */
PSC_NOINSTR static int write_rows(psc_store *s, int64_t run_id, size_t max)
{
    size_t count = W.nrows - W.rows_head;
    if (count > max)
        count = max;
    size_t i = W.rows_head, end = W.rows_head + count;
    for (; i + PSC_ROWS_PER_INSERT <= end; i += PSC_ROWS_PER_INSERT) {
        for (int j = 0; j < PSC_ROWS_PER_INSERT; j++)
            bind_row(s->ins_call_many, j * 10, run_id, &W.rows[i + (size_t)j]);
        int rc = sqlite3_step(s->ins_call_many);
        sqlite3_reset(s->ins_call_many);
        if (rc != SQLITE_DONE)
            return -1;
    }
    for (; i < end; i++) {
        bind_row(s->ins_call, 0, run_id, &W.rows[i]);
        int rc = sqlite3_step(s->ins_call);
        sqlite3_reset(s->ins_call);
        if (rc != SQLITE_DONE)
            return -1;
    }
    W.calls_stored += count;
    W.rows_head = end;
    if (W.rows_head == W.nrows)
        W.rows_head = W.nrows = 0;
    return 0;
}

PSC_NOINSTR static int write_run(psc_store *s, int64_t run_id, uint64_t now_ns)
{
    sqlite3_stmt *st = s->upd_run;
    uint64_t lost = 0, calls = 0, overflow = 0, unmatched = 0, max_depth = 0, dropped = W.rows_dropped;
    uint64_t unwound = 0;
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        lost += t->lost;
        dropped += t->rows_dropped;
        calls += t->k.calls;
        overflow += t->k.overflow;
        unmatched += t->k.unmatched;
        unwound += t->k.unwound;
        if (t->k.max_depth_seen > max_depth)
            max_depth = t->k.max_depth_seen;
    }
    sqlite3_bind_int64(st, 1, i64(now_ns));
    sqlite3_bind_int64(st, 2, i64(calls));
    sqlite3_bind_int64(st, 3, i64(W.calls_stored));
    sqlite3_bind_int64(st, 4, i64(dropped));
    sqlite3_bind_int64(st, 5, i64(lost));
    sqlite3_bind_int64(st, 6, i64(overflow));
    sqlite3_bind_int64(st, 7, i64(unmatched));
    sqlite3_bind_int64(st, 8, i64(max_depth));
    pthread_mutex_lock(&psc_state.meta_lock);
    if (psc_state.meta_dirty) {
        bind_text_or_null(st, 9, psc_state.label);
        if (!isnan(psc_state.scale))
            sqlite3_bind_double(st, 10, psc_state.scale);
    }
    psc_state.meta_dirty = 0;
    pthread_mutex_unlock(&psc_state.meta_lock);
    if (psc_state.clock.use_tsc)
        sqlite3_bind_double(st, 11, 1e9 / psc_state.clock.ns_per_tick);
    sqlite3_bind_int64(st, 12, i64(unwound));
    sqlite3_bind_int64(st, 13, run_id);
    return step_reset(st);
}

PSC_NOINSTR static void flush_db_locked(psc_store *s, enum flush_kind kind, size_t row_slice);

PSC_NOINSTR void psc_wflush(enum flush_kind kind, size_t row_slice)
{
    psc_store *s = psc_state.store;
    if (W.db_failed)
        return;
    flush_db_locked(s, kind, row_slice);
}

/* ---- full trace ----------------------------------------------------------------------- */

/* Local call-path and function indices of a trace block -> database ids. */
PSC_NOINSTR static int trace_map_ids(void *arg, int64_t *cp, int64_t *fn)
{
    (void)arg;
    if (*cp <= 0 || (uint64_t)*cp >= W.ncps || *fn < 0 || (uint64_t)*fn >= W.nfuncs)
        return -1;
    *cp = W.cps[*cp].db_id;
    *fn = W.funcs[*fn].db_id;
    return *cp > 0 && *fn > 0 ? 0 : -1;
}

/* Insert every thread's encoded trace blocks (the open ones too when final or when the
 * thread has ended), after the thread, function and call-path rows exist, and the run's
 * trace columns. Only in the flushes that also write run.calls_seen, so the committed
 * run row always has trace_calls = the committed blocks' calls <= calls_seen. */
PSC_NOINSTR static int write_trace(psc_store *s, int64_t run_id, int final)
{
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (psc_trace_write(s->db, t->trace, run_id, t->db_id, final || t->closed, trace_map_ids, NULL))
            return -1;
    return psc_trace_write_run(s->db, run_id, 1);
}

PSC_NOINSTR static void flush_db_locked(psc_store *s, enum flush_kind kind, size_t row_slice)
{
    int final = kind == FLUSH_FINAL;
    int64_t run_id = psc_state.run_id;
    uint64_t now = psc_now_ns(&psc_state.clock);
    if (psc_store_exec(s, "BEGIN IMMEDIATE") != SQLITE_OK)
        goto fail;
    if (write_threads(s, run_id) || write_new_functions(s, run_id) ||
        write_rows(s, run_id, final ? SIZE_MAX : row_slice) ||
        (kind != FLUSH_ROWS && write_trace(s, run_id, final)))
        goto fail_rollback;
    if (kind != FLUSH_ROWS &&
        (write_stats(s, run_id) || psc_stage_flush(s, run_id) || write_samples(s, run_id) ||
         write_run(s, run_id, now)))
        goto fail_rollback;
    if (final && tag_sample_stages(s, run_id))
        goto fail_rollback;
    if (final) {
        struct timespec wall;
        clock_gettime(CLOCK_REALTIME, &wall);
        sqlite3_bind_int64(s->end_run, 1, (int64_t)wall.tv_sec * 1000000000ll + wall.tv_nsec);
        sqlite3_bind_int64(s->end_run, 2, run_id);
        if (step_reset(s->end_run))
            goto fail_rollback;
    }
    if (psc_store_exec(s, "COMMIT") != SQLITE_OK)
        goto fail_rollback;
    if (!W.fds_protected) {
        /* the -wal and -shm files exist from the first write on */
        psc_protect_db_fds(s->path);
        W.fds_protected = 1;
    }
    return;
fail_rollback:
    psc_warn("%s: write failed: %s; profiling stopped", s->path, sqlite3_errmsg(s->db));
    psc_store_exec(s, "ROLLBACK");
    W.db_failed = 1;
    atomic_store(&psc_state.active, 0);
    return;
fail:
    psc_warn("%s: cannot begin a transaction: %s; profiling stopped", s->path, sqlite3_errmsg(s->db));
    W.db_failed = 1;
    atomic_store(&psc_state.active, 0);
}
