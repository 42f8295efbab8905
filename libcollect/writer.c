/* libcollect/writer.c: the writer thread. The program's threads aggregate their own calls
 * (hooks.c, cct.c); the writer only reads. It wakes every flush interval (sooner when raw
 * rows are flowing, a flush is requested or a thread ends) and
 *   - maps every thread's new tree nodes onto one merged calling-context tree (W.cps),
 *     resolving the symbols of functions seen for the first time;
 *   - snapshots each thread's tree: the figures of each node and the histogram counts of
 *     each function, adding to the merged tree, the functions and the per-thread function
 *     figures what grew since the previous snapshot (figures only grow, so this is exact;
 *     the consistency rule of one snapshot is in cct.h);
 *   - drains the threads' raw call rows (while the budget lasts; run.calls_stored says
 *     how many were kept);
 *   - writes what changed to SQLite in one short transaction (writer_db.c), so a crash
 *     loses at most about one flush interval (default 200 ms).
 * A thread that ends has closed its own open frames (hooks.c) and marked its record
 * closed: the writer takes its final snapshot and rows, then unmaps the record. At run
 * end recording is switched off, the writer waits until no thread is inside a hook, closes
 * the open frames of threads still running at the end instant, and writes everything.
 *
 * Excluded functions have tree nodes flagged excluded in each thread (cct.c): they map to
 * their nearest non-excluded ancestor's merged node and add nothing, so their callees
 * attach to, and their time stays in, that ancestor. Frames deeper than max_depth are
 * counted by the thread (run.depth_overflow) and folded likewise.
 */
#include "writer_internal.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "stage_internal.h"

/* Raw rows wait in memory and are inserted in slices between snapshots; past the backlog
 * limit the writer inserts without waiting for the next flush. */
#define PSC_ROW_SLICE 4096u
#define PSC_ROW_BACKLOG (1u << 20)
#define PSC_ROW_POLL_NS 2000000ull /* while rows flow, the writer looks every 2 ms */

static _Atomic int writer_tid;

writer W;

PSC_NOINSTR void psc_warn(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "pscope: %s\n", buf);
}

PSC_NOINSTR void *psc_wgrow(void *p, size_t elem, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return p;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, (size_t)n * elem);
    if (!q) {
        psc_warn("out of memory in the writer; aborting the profile of this process");
        abort();
    }
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
    *cap = n;
    return q;
}

/* ---- functions and merged call paths -------------------------------------------------- */

PSC_NOINSTR static uint32_t func_for(uint64_t addr)
{
    if ((W.fnt_used + 1) * 2 > W.fnt_cap) {
        uint64_t ncap = W.fnt_cap ? W.fnt_cap * 2 : 1024;
        fnslot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            abort();
        for (uint64_t i = 0; i < W.fnt_cap; i++)
            if (W.fnt[i].used) {
                uint64_t j = cct_mix64(W.fnt[i].addr) & (ncap - 1);
                while (nt[j].used)
                    j = (j + 1) & (ncap - 1);
                nt[j] = W.fnt[i];
            }
        free(W.fnt);
        W.fnt = nt;
        W.fnt_cap = ncap;
    }
    uint64_t j = cct_mix64(addr) & (W.fnt_cap - 1);
    while (W.fnt[j].used) {
        if (W.fnt[j].addr == addr)
            return W.fnt[j].val;
        j = (j + 1) & (W.fnt_cap - 1);
    }
    uint32_t idx = W.nfuncs++;
    W.funcs = psc_wgrow(W.funcs, sizeof *W.funcs, &W.funcs_cap, W.nfuncs);
    wfunc *f = &W.funcs[idx];
    memset(f, 0, sizeof *f);
    f->addr = addr;
    f->min = UINT64_MAX;
    pthread_mutex_lock(&psc_io_lock);
    psc_symbols_resolve(W.syms, addr, &f->sym);
    pthread_mutex_unlock(&psc_io_lock);
    W.fnt[j].addr = addr;
    W.fnt[j].val = idx;
    W.fnt[j].used = 1;
    W.fnt_used++;
    return idx;
}

/* Merged child of call path `parent` for function address addr (created on first sight). */
PSC_NOINSTR static uint32_t cp_child(uint32_t parent, uint64_t addr)
{
    if ((W.cpt_used + 1) * 2 > W.cpt_cap) {
        uint64_t ncap = W.cpt_cap ? W.cpt_cap * 2 : 4096;
        cpslot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            abort();
        for (uint64_t i = 0; i < W.cpt_cap; i++)
            if (W.cpt[i].addr) {
                uint64_t j = cct_mix64(W.cpt[i].addr ^ ((uint64_t)W.cpt[i].parent << 40)) & (ncap - 1);
                while (nt[j].addr)
                    j = (j + 1) & (ncap - 1);
                nt[j] = W.cpt[i];
            }
        free(W.cpt);
        W.cpt = nt;
        W.cpt_cap = ncap;
    }
    uint64_t key = addr ? addr : 1;
    uint64_t j = cct_mix64(key ^ ((uint64_t)parent << 40)) & (W.cpt_cap - 1);
    while (W.cpt[j].addr) {
        if (W.cpt[j].addr == key && W.cpt[j].parent == parent)
            return W.cpt[j].val;
        j = (j + 1) & (W.cpt_cap - 1);
    }
    uint32_t fidx = func_for(addr);
    uint32_t val = W.ncps++;
    W.cps = psc_wgrow(W.cps, sizeof *W.cps, &W.cps_cap, W.ncps);
    wcp *c = &W.cps[val];
    memset(c, 0, sizeof *c);
    c->parent = parent;
    c->func = fidx;
    c->depth = parent ? W.cps[parent].depth + 1 : 0;
    c->min = UINT64_MAX;
    /* A call on this path is recursive iff its function is already on the path: a static
     * property of the path, so primitive calls and inclusive time with recursion counted
     * once are sums over the non-recursive paths. */
    for (uint32_t a = parent; a; a = W.cps[a].parent)
        if (W.cps[a].func == fidx) {
            c->recursive = 1;
            break;
        }
    W.cpt[j].addr = key;
    W.cpt[j].parent = parent;
    W.cpt[j].val = val;
    W.cpt_used++;
    return val;
}

PSC_NOINSTR void psc_wmark_dirty_func(uint32_t idx)
{
    if (!W.funcs[idx].dirty) {
        W.funcs[idx].dirty = 1;
        W.dirty_funcs = psc_wgrow(W.dirty_funcs, sizeof *W.dirty_funcs, &W.dirty_funcs_cap, W.ndirty_funcs + 1);
        W.dirty_funcs[W.ndirty_funcs++] = idx;
    }
}

PSC_NOINSTR static void mark_dirty_cp(uint32_t cp)
{
    if (!W.cps[cp].dirty) {
        W.cps[cp].dirty = 1;
        W.dirty_cps = psc_wgrow(W.dirty_cps, sizeof *W.dirty_cps, &W.dirty_cps_cap, W.ndirty_cps + 1);
        W.dirty_cps[W.ndirty_cps++] = cp;
    }
}

/* ---- snapshots of the threads' trees -------------------------------------------------- */

/* Map the thread's nodes published since the last call onto W.cps. */
PSC_NOINSTR static void map_nodes(struct psc_wthread *t)
{
    const cct_ctx *c = t->rec->cct;
    uint32_t n = cct_node_count(c);
    if (n <= t->nmapped)
        return;
    uint32_t cap = t->map_cap;
    t->map = psc_wgrow(t->map, sizeof *t->map, &cap, n);
    cap = t->map_cap;
    t->seen = psc_wgrow(t->seen, sizeof *t->seen, &cap, n);
    t->map_cap = cap;
    for (uint32_t i = t->nmapped; i < n; i++) {
        uint64_t addr;
        uint32_t parent, func;
        int excluded;
        cct_node_info(c, i, &addr, &parent, &func, &excluded);
        if (i == 0) {
            t->map[0] = 0;
            continue;
        }
        uint32_t pcp = t->map[parent] & ~CP_TRANSPARENT;
        t->map[i] = excluded ? pcp | CP_TRANSPARENT : cp_child(pcp, addr);
        if (func >= t->nfmapped) {
            uint32_t fcap = t->fseen_cap;
            t->fseen = psc_wgrow(t->fseen, sizeof *t->fseen, &fcap, func + 1);
            t->fseen_cap = fcap;
            for (uint32_t k = t->nfmapped; k <= func; k++)
                t->fseen[k].func = WF_NONE;
            t->nfmapped = func + 1;
        }
        if (!excluded)
            t->fseen[func].func = W.cps[t->map[i]].func;
    }
    t->nmapped = n;
}

PSC_NOINSTR static void touch_tstat(struct psc_wthread *t, uint32_t fi)
{
    if (fi >= t->nfunc_cap) {
        uint32_t c2 = t->nfunc_cap, c3 = t->nfunc_cap;
        t->ts = psc_wgrow(t->ts, sizeof *t->ts, &c2, W.nfuncs);
        t->touched_flag = psc_wgrow(t->touched_flag, 1, &c3, W.nfuncs);
        t->nfunc_cap = c2;
    }
    if (!t->touched_flag[fi]) {
        t->touched_flag[fi] = 1;
        t->touched = psc_wgrow(t->touched, sizeof *t->touched, &t->touched_cap, t->ntouched + 1);
        t->touched[t->ntouched++] = fi;
    }
}

/* Add what grew in one function's histogram block since the last snapshot. */
PSC_NOINSTR static void merge_hist_block(pscope_hist *seen, pscope_hist *merged, uint32_t blk,
                                         const uint64_t *now)
{
    for (uint32_t j = 0; j < PSCOPE_HIST_SUB; j++) {
        uint32_t b = blk * PSCOPE_HIST_SUB + j;
        uint64_t before = pscope_hist_get(seen, b);
        if (now[j] > before) {
            pscope_hist_add_count(seen, b, now[j] - before);
            pscope_hist_add_count(merged, b, now[j] - before);
        }
    }
}

/* Add to the merged model what the thread completed since its last snapshot. */
PSC_NOINSTR static void snapshot_thread(struct psc_wthread *t)
{
    const cct_ctx *c = t->rec->cct;
    map_nodes(t);
    for (uint32_t i = 1; i < t->nmapped; i++) {
        uint32_t cpi = t->map[i];
        if (cpi & CP_TRANSPARENT)
            continue;
        cct_figures f;
        cct_node_read(c, i, &f);
        wseen *s = &t->seen[i];
        if (f.calls == s->calls)
            continue;
        uint64_t dcalls = f.calls - s->calls, dtotal = f.total - s->total, dself = f.self - s->self;
        wcp *cp = &W.cps[cpi];
        cp->calls += dcalls;
        cp->total += dtotal;
        cp->self += dself;
        cp->sum_sq += f.sum_sq - s->sum_sq;
        if (f.min < cp->min)
            cp->min = f.min;
        if (f.max > cp->max)
            cp->max = f.max;
        mark_dirty_cp(cpi);
        touch_tstat(t, cp->func);
        tstat *ts = &t->ts[cp->func];
        ts->calls += dcalls;
        ts->self += dself;
        if (!cp->recursive)
            ts->total += dtotal;
        *s = (wseen){f.calls, f.total, f.self, f.sum_sq};
    }
    uint32_t nf = cct_func_count(c);
    if (nf > t->nfmapped)
        nf = t->nfmapped; /* functions whose nodes are not mapped yet have no calls yet */
    uint64_t blk[PSCOPE_HIST_SUB];
    for (uint32_t fi = 0; fi < nf; fi++) {
        wfseen *fs = &t->fseen[fi];
        if (fs->func == WF_NONE)
            continue;
        uint64_t calls = cct_func_calls(c, fi);
        if (calls == fs->calls)
            continue;
        fs->calls = calls;
        wfunc *wf = &W.funcs[fs->func];
        for (int which = 0; which < 2; which++)
            for (uint32_t k = 0; k < PSCOPE_HIST_BLOCKS; k++)
                if (cct_func_hist_block(c, fi, which, k, blk))
                    merge_hist_block(&fs->hist[which], which ? &wf->self_hist : &wf->hist, k, blk);
        psc_wmark_dirty_func(fs->func);
    }
    cct_read_counters(c, &t->k);
    t->lost = atomic_load_explicit(&t->rec->lost, memory_order_relaxed);
    t->rows_dropped = atomic_load_explicit(&t->rec->rows_dropped, memory_order_relaxed);
    if (t->k.last_ts > t->last_ns)
        t->last_ns = t->k.last_ts;
    t->dirty = 1;
}

/* ---- raw rows -------------------------------------------------------------------------- */

PSC_NOINSTR static void keep_row(struct psc_wthread *t, const cct_row *row)
{
    if (row->node >= t->nmapped)
        map_nodes(t);
    uint32_t cpi = row->node < t->nmapped ? t->map[row->node] : CP_TRANSPARENT;
    if (cpi & CP_TRANSPARENT)
        return;
    /* full trace (config trace: full): every completed call, in blocks (trace.c) */
    psc_trace_add(&t->trace, row->id, row->parent_id, cpi, W.cps[cpi].func, W.cps[cpi].depth, row->ts,
                  row->dur, row->self);
    if (!(row->flags & PSC_ROW_TABLE))
        return;
    if (W.nrows == W.rows_cap && W.rows_head > W.rows_cap / 2) {
        memmove(W.rows, W.rows + W.rows_head, (W.nrows - W.rows_head) * sizeof *W.rows);
        W.nrows -= W.rows_head;
        W.rows_head = 0;
    }
    if (W.nrows == W.rows_cap) {
        size_t ncap = W.rows_cap ? W.rows_cap * 2 : 4096;
        wrow *nr = realloc(W.rows, ncap * sizeof *nr);
        if (!nr) {
            W.rows_dropped++;
            return;
        }
        W.rows = nr;
        W.rows_cap = ncap;
    }
    wrow *r = &W.rows[W.nrows++];
    r->seq = row->id;
    r->parent_seq = row->parent_id;
    r->ts = row->ts;
    r->dur = row->dur;
    r->self = row->self;
    r->th = t;
    r->cp = cpi;
    r->func = W.cps[cpi].func;
    r->depth = W.cps[cpi].depth;
}

/* Take every row the thread has published; unmap the blocks it has moved past. Returns
 * the number of rows taken. */
PSC_NOINSTR static uint64_t drain_rows(struct psc_wthread *t)
{
    psc_thread_rec *r = t->rec;
    uint64_t taken = 0;
    if (!r->row_read) {
        r->row_read = atomic_load_explicit(&r->row_first, memory_order_acquire);
        r->row_read_pos = 0;
    }
    while (r->row_read) {
        psc_rowblock *b = r->row_read;
        psc_rowblock *next = atomic_load_explicit(&b->next, memory_order_acquire);
        uint32_t n = atomic_load_explicit(&b->count, memory_order_acquire);
        for (uint32_t i = r->row_read_pos; i < n; i++)
            keep_row(t, &b->row[i]);
        taken += n - r->row_read_pos;
        r->row_read_pos = n;
        if (!next)
            break;
        /* the thread moved on: b is final (its count was stored before the link) */
        n = atomic_load_explicit(&b->count, memory_order_acquire);
        for (uint32_t i = r->row_read_pos; i < n; i++)
            keep_row(t, &b->row[i]);
        taken += n - r->row_read_pos;
        r->row_read = next;
        r->row_read_pos = 0;
        if (atomic_load_explicit(&r->row_nfree, memory_order_relaxed) < PSC_ROWBLOCK_KEEP) {
            /* back to the thread for reuse (internal.h: row_free) */
            atomic_fetch_add_explicit(&r->row_nfree, 1, memory_order_relaxed);
            psc_rowblock *head = atomic_load_explicit(&r->row_free, memory_order_relaxed);
            do
                atomic_store_explicit(&b->next, head, memory_order_relaxed);
            while (!atomic_compare_exchange_weak_explicit(&r->row_free, &head, b, memory_order_release,
                                                          memory_order_relaxed));
        } else {
            munmap(b, sizeof(psc_rowblock) + PSC_ROWBLOCK_ROWS * sizeof(cct_row));
        }
        atomic_fetch_sub_explicit(&r->row_blocks, 1, memory_order_release);
    }
    return taken;
}

/* ---- threads ---------------------------------------------------------------------------- */

PSC_NOINSTR static struct psc_wthread *adopt(psc_thread_rec *r)
{
    struct psc_wthread *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->rec = r;
    t->rec_id = r;
    t->tid = r->tid;
    t->is_main = r->is_main;
    memcpy(t->name, r->name, sizeof t->name);
    t->first_ns = r->first_ns;
    t->last_ns = t->first_ns;
    t->dirty = 1;
    t->next = W.threads;
    W.threads = t;
    r->adopted = 1;
    return t;
}

PSC_NOINSTR static void adopt_new(void)
{
    pthread_mutex_lock(&psc_state.reg_lock);
    for (psc_thread_rec *r = psc_state.threads; r; r = r->next)
        if (!r->adopted)
            adopt(r);
    pthread_mutex_unlock(&psc_state.reg_lock);
}

/* The thread is gone: last snapshot and rows, then unmap its record. */
PSC_NOINSTR static void retire(struct psc_wthread *t)
{
    psc_thread_rec *r = t->rec;
    snapshot_thread(t);
    drain_rows(t);
    memcpy(t->name, r->name, sizeof t->name);
    pthread_mutex_lock(&psc_state.reg_lock);
    for (psc_thread_rec **pp = &psc_state.threads; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    pthread_mutex_unlock(&psc_state.reg_lock);
    psc_thread_rec_free(r);
    t->rec = NULL;
    t->closed = 1;
    t->dirty = 1;
}

PSC_NOINSTR static void take_samples(void);

/* One pass over the threads: new ones adopted, the sampler's samples attributed (after
 * adoption, so a new thread's samples find it, and before retirement, so an ended thread's
 * last samples still can read its tree), rows drained, ended ones retired, and (snap)
 * every tree snapshotted. Returns the number of rows taken. */
PSC_NOINSTR static uint64_t visit_threads(int snap)
{
    adopt_new();
    take_samples();
    uint64_t rows = 0;
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        if (!t->rec)
            continue;
        if (atomic_load_explicit(&t->rec->closed, memory_order_acquire)) {
            retire(t);
            continue;
        }
        rows += drain_rows(t);
        if (snap)
            snapshot_thread(t);
    }
    return rows;
}

/* ---- resource samples ------------------------------------------------------------------ */

PSC_NOINSTR int psc_writer_is_internal_tid(int tid)
{
    return tid == atomic_load(&writer_tid);
}

/* Tag a sample with the merged call path of the frame its thread was running. */
PSC_NOINSTR static void attribute(psc_sample *s)
{
    s->cp = s->func = UINT32_MAX;
    if (!s->top_rec || !s->top_node)
        return;
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        if (t->rec_id != s->top_rec || t->closed != (t->rec == NULL) || !t->rec)
            continue;
        if (s->top_node >= t->nmapped)
            map_nodes(t);
        if (s->top_node < t->nmapped) {
            uint32_t cp = t->map[s->top_node] & ~CP_TRANSPARENT;
            if (cp) {
                s->cp = cp;
                s->func = W.cps[cp].func;
            }
        }
        return;
    }
}

/* Move the sampler's new samples into W.samples, each tagged with its thread's stack top
 * as the sampler saw it. */
PSC_NOINSTR static void take_samples(void)
{
    psc_sample *in;
    size_t n = psc_sampler_take(&in);
    if (!n) {
        free(in);
        return;
    }
    if (W.nsamples + n > W.samples_cap) {
        size_t ncap = W.samples_cap ? W.samples_cap : 256;
        while (ncap < W.nsamples + n)
            ncap *= 2;
        psc_sample *grown = realloc(W.samples, ncap * sizeof *grown);
        if (!grown) {
            free(in);
            return;
        }
        W.samples = grown;
        W.samples_cap = ncap;
    }
    for (size_t i = 0; i < n; i++) {
        psc_sample *s = &W.samples[W.nsamples++];
        *s = in[i];
        attribute(s);
    }
    free(in);
}

/* ---- run end ------------------------------------------------------------------------------ */

/* Recording is off: wait (bounded) until t's thread is outside the hooks, then close its
 * open frames at `end`. A thread still running after the end leaves its record to itself. */
PSC_NOINSTR static void close_running(struct psc_wthread *t, uint64_t end)
{
    for (int i = 0; i < 100000 && atomic_load_explicit(&t->rec->in_hook, memory_order_acquire); i++)
        sched_yield();
    cct_counters k;
    cct_read_counters(t->rec->cct, &k);
    if (k.depth)
        t->last_ns = end; /* it was inside something until the end */
    cct_close_all(t->rec->cct, end);
}

/* ---- thread body -------------------------------------------------------------------------- */

PSC_NOINSTR void psc_writer_wake(void)
{
    pthread_mutex_lock(&psc_state.wake_lock);
    pthread_cond_signal(&psc_state.wake_cond);
    pthread_mutex_unlock(&psc_state.wake_lock);
}

PSC_NOINSTR static void writer_reset(void)
{
    for (uint32_t i = 0; i < W.nfuncs; i++) {
        pscope_hist_clear(&W.funcs[i].hist);
        pscope_hist_clear(&W.funcs[i].self_hist);
        psc_syminfo_free(&W.funcs[i].sym);
    }
    free(W.funcs);
    free(W.cps);
    free(W.cpt);
    free(W.fnt);
    free(W.dirty_funcs);
    free(W.dirty_cps);
    free(W.rows);
    free(W.samples);
    struct psc_wthread *t = W.threads;
    while (t) {
        struct psc_wthread *next = t->next;
        for (uint32_t k = 0; k < t->nfmapped; k++) {
            pscope_hist_clear(&t->fseen[k].hist[0]);
            pscope_hist_clear(&t->fseen[k].hist[1]);
        }
        free(t->fseen);
        free(t->map);
        free(t->seen);
        free(t->ts);
        free(t->touched);
        free(t->touched_flag);
        psc_trace_free(t->trace);
        free(t);
        t = next;
    }
    psc_symbols_free(W.syms);
    psc_trace_stop();
    memset(&W, 0, sizeof W);
}

/* Sleep until woken or `ns` have passed (never holding psc_busy_lock). */
PSC_NOINSTR static void nap(uint64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t nsec = (uint64_t)ts.tv_nsec + ns;
    ts.tv_sec += (time_t)(nsec / 1000000000ull);
    ts.tv_nsec = (long)(nsec % 1000000000ull);
    pthread_mutex_lock(&psc_state.wake_lock);
    if (!atomic_load(&psc_state.stop_requested))
        pthread_cond_timedwait(&psc_state.wake_cond, &psc_state.wake_lock, &ts);
    pthread_mutex_unlock(&psc_state.wake_lock);
}

PSC_NOINSTR void *psc_writer_main(void *arg)
{
    (void)arg;
    psc_hooks_ignore_thread();
    atomic_store(&writer_tid, (int)syscall(SYS_gettid));
    pthread_mutex_lock(&psc_busy_lock); /* setup allocates: not while a fork is under way */
    memset(&W, 0, sizeof W);
    W.ncps = 1; /* index 0: the virtual root */
    W.cps = psc_wgrow(W.cps, sizeof *W.cps, &W.cps_cap, 1);
    W.cps_inserted = 1;
    psc_trace_start(psc_state.cfg.trace_full, psc_state.cfg.trace_max_bytes);
    pthread_mutex_lock(&psc_io_lock);
    W.syms = psc_symbols_new();
    pthread_mutex_unlock(&psc_io_lock);
    pthread_mutex_unlock(&psc_busy_lock);
    atomic_store_explicit(&psc_state.writer_ready, 1, memory_order_release);

    uint64_t flush_every = psc_state.cfg.flush_interval_ns;
    uint64_t last_flush = psc_now_ns(&psc_state.clock);
    for (;;) {
        /* All work happens with psc_busy_lock held and every sleep without it, so fork()
         * can wait for an instant when this thread holds no lock at all — not even one
         * inside malloc (see before_fork in collector.c). */
        pthread_mutex_lock(&psc_busy_lock);
        int stopping = atomic_load_explicit(&psc_state.stop_requested, memory_order_acquire);
        uint64_t flush_seq = atomic_load_explicit(&psc_state.flush_req, memory_order_acquire);
        int want_flush = flush_seq != atomic_load(&psc_state.flush_done);
        uint64_t now = psc_now_ns(&psc_state.clock);
        int full = want_flush || now - last_flush >= flush_every;
        uint64_t rows = visit_threads(full);
        if (stopping) {
            pthread_mutex_unlock(&psc_busy_lock);
            break;
        }
        size_t pending_rows = W.nrows - W.rows_head;
        if (full) {
            psc_wflush(FLUSH_FULL, want_flush ? SIZE_MAX : PSC_ROW_SLICE);
            last_flush = psc_now_ns(&psc_state.clock);
            atomic_store(&psc_state.flush_done, flush_seq);
        } else if (pending_rows >= PSC_ROW_BACKLOG) {
            psc_wflush(FLUSH_ROWS, pending_rows - PSC_ROW_BACKLOG / 2); /* back-pressure */
        } else if (pending_rows) {
            psc_wflush(FLUSH_ROWS, PSC_ROW_SLICE);
        }
        pthread_mutex_unlock(&psc_busy_lock);
        /* While rows flow, look often enough that the threads' row blocks do not pile
         * up; otherwise sleep until the next flush (a thread far ahead wakes us). */
        now = psc_now_ns(&psc_state.clock);
        uint64_t until_flush = last_flush + flush_every > now ? last_flush + flush_every - now : 0;
        int rows_flow = rows || W.nrows > W.rows_head;
        uint64_t sleep = rows_flow && until_flush > PSC_ROW_POLL_NS ? PSC_ROW_POLL_NS : until_flush;
        if (sleep)
            nap(sleep);
    }
    /* Final: recording is off; threads still running are closed at the end instant. */
    pthread_mutex_lock(&psc_busy_lock);
    uint64_t end = psc_now_ns(&psc_state.clock);
    visit_threads(0);
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (t->rec)
            close_running(t, end);
    visit_threads(1);
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (t->rec)
            memcpy(t->name, t->rec->name, sizeof t->name);
    psc_stage_close_all(end);
    psc_wflush(FLUSH_FINAL, SIZE_MAX);
    psc_stage_reset();
    atomic_store(&psc_state.flush_done, atomic_load(&psc_state.flush_req));
    writer_reset();
    pthread_mutex_unlock(&psc_busy_lock);
    return NULL;
}

PSC_NOINSTR int64_t psc_writer_thread_db_id(int tid)
{
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (t->tid == tid && t->db_id)
            return t->db_id;
    return 0;
}
