/* libcollect/writer.c: the writer thread. It drains every thread's ring, rebuilds each
 * thread's call stack and keeps EXACT aggregates:
 *   - per function: calls, primitive (non-recursive) calls, inclusive time counting
 *     recursion once (only when the function's last frame on that thread closes), self
 *     time, sum/sum of squares/min/max of per-call durations, duration histogram;
 *   - per call path (merged calling-context tree): calls, inclusive, self, min, max;
 *   - per thread and function: calls, inclusive, self;
 * and raw call rows while the budget lasts (max_calls rows, only calls of at least
 * min_duration; once the budget is spent no more rows are kept: the first calls of the
 * run are complete, later ones exist only in the aggregates; run.calls_stored says how
 * many). Every flush interval (default 200 ms) it writes what changed in one short
 * transaction, so a crash loses at most about one interval.
 *
 * Excluded functions (config include/exclude) behave as if inlined into their caller:
 * their frame is kept on the rebuilt stack (so enter/exit pairs still match), but it
 * adds nothing and its callees attach to, and its time stays in, the nearest
 * non-excluded ancestor. Frames deeper than max_depth are counted (run.depth_overflow)
 * and likewise folded into the deepest tracked frame.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"
#include "stage_internal.h"
#include "store.h"
#include "symbols.h"
#include "trace.h"

/* ---- data --------------------------------------------------------------------------- */

typedef struct wfunc {
    uint64_t addr;
    int64_t db_id;          /* 0 until inserted */
    uint64_t calls, primitive, total, self, sum, min, max;
    double sum_sq;
    pscope_hist hist;       /* per-call inclusive durations */
    pscope_hist self_hist;  /* per-call self durations */
    psc_syminfo sym;        /* resolved at first sight */
    int excluded;
    int dirty;
} wfunc;

typedef struct wcp {
    uint64_t cache_addr;    /* last child looked up from this node ... */
    uint32_t cache_val;     /* ... and its cp_child() result */
    uint32_t parent;        /* 0 = root (index 0 is a sentinel) */
    uint32_t func;
    uint32_t depth;
    uint8_t dirty;
    uint8_t recursive;      /* the function also appears among the path's ancestors */
    int64_t db_id;
    uint64_t calls, total, self, min, max;
    double sum_sq;          /* sum of squared durations of the calls on this path */
} wcp;

#define CP_TRANSPARENT 0x80000000u /* cp-table value flag: the function is excluded */

/* Raw rows wait in memory and are inserted in slices while the rings are idle, so
 * inserting never stalls the program; past the backlog limit the writer inserts
 * without waiting for idleness (back-pressure, unlimited budgets only in practice). */
#define PSC_ROW_SLICE 1024u
#define PSC_WRITER_BATCH 4096u /* records per drain below which the writer naps first */
#define PSC_ROW_BACKLOG (1u << 20)

typedef struct wframe {
    uint64_t start;         /* ns since run start */
    uint64_t child;         /* inclusive ns of direct (non-excluded) callees */
    uint64_t seq;           /* entry sequence number within the run */
    uint64_t addr;
    uint32_t cp;            /* call path of this frame (the owner's for an excluded frame) */
    uint32_t func;
    int32_t owner;          /* index of the nearest non-excluded frame below, -1 if none */
    uint32_t excluded;
} wframe;

typedef struct tstat { uint64_t calls, total, self; } tstat;

struct psc_wthread {
    psc_ring *ring;
    int64_t db_id;
    wframe *frames;
    uint32_t depth, cap;
    uint64_t overflow;      /* open frames beyond max_depth */
    tstat *ts;              /* per function */
    uint32_t nfunc_cap;
    uint32_t *touched;      /* function indices with changed tstat */
    uint32_t ntouched, touched_cap;
    uint8_t *touched_flag;
    uint64_t calls;
    uint64_t first_ns, last_ns;
    int dirty;
    int closed;
    pid_t tid;
    int is_main;
    char name[32];
    uint32_t *pending_samples;  /* indices into W.samples waiting for this thread's events */
    uint32_t npending, pending_cap;
    uint64_t next_sample_ts;    /* smallest ts among them, UINT64_MAX if none */
    psc_trace *trace;           /* full trace: open and waiting blocks (trace.c) */
    struct psc_wthread *next;
};

typedef struct wrow {
    uint64_t seq, parent_seq, ts, dur, self;
    struct psc_wthread *th;
    uint32_t cp, func, depth;
} wrow;

/* open addressing hash: key (parent cp, addr) -> cp index | CP_TRANSPARENT */
typedef struct cpslot { uint64_t addr; uint32_t parent; uint32_t val; } cpslot;
/* addr -> function index */
typedef struct fnslot { uint64_t addr; uint32_t val; uint32_t used; } fnslot;

typedef struct writer {
    psc_symbols *syms;
    pcre2_code **inc, **exc;
    size_t ninc, nexc;
    wfunc *funcs; uint32_t nfuncs, funcs_cap;
    wcp *cps; uint32_t ncps, cps_cap;
    uint32_t cps_inserted;         /* cps[1..cps_inserted) have db ids */
    uint32_t funcs_inserted;
    cpslot *cpt; uint64_t cpt_cap, cpt_used;
    fnslot *fnt; uint64_t fnt_cap, fnt_used;
    uint32_t *dirty_funcs; uint32_t ndirty_funcs, dirty_funcs_cap;
    uint32_t *dirty_cps; uint32_t ndirty_cps, dirty_cps_cap;
    struct psc_wthread *threads;
    wrow *rows; size_t nrows, rows_cap; /* FIFO of rows not yet inserted: [rows_head, nrows) */
    size_t rows_head;
    uint64_t rows_kept;            /* rows accepted under the budget so far */
    uint64_t seq;
    uint64_t calls_seen, calls_stored, rows_dropped, lost, depth_overflow, unmatched, max_depth_seen;
    uint64_t last_ns;
    int db_failed;
    int fds_protected;
    psc_sample *samples; size_t nsamples, samples_cap; /* attributed, not yet inserted */
} writer;

static _Atomic int writer_tid;

static writer W;

PSC_NOINSTR void psc_warn(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "pscope: %s\n", buf);
}

PSC_NOINSTR static void *grow(void *p, size_t elem, uint32_t *cap, uint32_t need)
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

PSC_NOINSTR static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* ---- functions and call paths ------------------------------------------------------- */

PSC_NOINSTR static int name_matches(pcre2_code **pats, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(pats[i], NULL);
        if (!md)
            continue;
        int rc = pcre2_match(pats[i], (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
        pcre2_match_data_free(md);
        if (rc >= 0)
            return 1;
    }
    return 0;
}

PSC_NOINSTR static uint32_t func_for(uint64_t addr)
{
    if ((W.fnt_used + 1) * 2 > W.fnt_cap) {
        uint64_t ncap = W.fnt_cap ? W.fnt_cap * 2 : 1024;
        fnslot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            abort();
        for (uint64_t i = 0; i < W.fnt_cap; i++)
            if (W.fnt[i].used) {
                uint64_t j = mix(W.fnt[i].addr) & (ncap - 1);
                while (nt[j].used)
                    j = (j + 1) & (ncap - 1);
                nt[j] = W.fnt[i];
            }
        free(W.fnt);
        W.fnt = nt;
        W.fnt_cap = ncap;
    }
    uint64_t j = mix(addr) & (W.fnt_cap - 1);
    while (W.fnt[j].used) {
        if (W.fnt[j].addr == addr)
            return W.fnt[j].val;
        j = (j + 1) & (W.fnt_cap - 1);
    }
    uint32_t idx = W.nfuncs++;
    W.funcs = grow(W.funcs, sizeof *W.funcs, &W.funcs_cap, W.nfuncs);
    wfunc *f = &W.funcs[idx];
    memset(f, 0, sizeof *f);
    f->addr = addr;
    f->min = UINT64_MAX;
    pthread_mutex_lock(&psc_io_lock);
    psc_symbols_resolve(W.syms, addr, &f->sym);
    pthread_mutex_unlock(&psc_io_lock);
    if ((W.ninc && !name_matches(W.inc, W.ninc, f->sym.name)) ||
        name_matches(W.exc, W.nexc, f->sym.name))
        f->excluded = 1;
    W.fnt[j].addr = addr;
    W.fnt[j].val = idx;
    W.fnt[j].used = 1;
    W.fnt_used++;
    return idx;
}

/* Child of call path `parent` for function address addr: cp index, or parent |
 * CP_TRANSPARENT when the function is excluded. */
PSC_NOINSTR static uint32_t cp_child(uint32_t parent, uint64_t addr)
{
    if ((W.cpt_used + 1) * 2 > W.cpt_cap) {
        uint64_t ncap = W.cpt_cap ? W.cpt_cap * 2 : 4096;
        cpslot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            abort();
        for (uint64_t i = 0; i < W.cpt_cap; i++)
            if (W.cpt[i].addr) {
                uint64_t j = mix(W.cpt[i].addr ^ ((uint64_t)W.cpt[i].parent << 40)) & (ncap - 1);
                while (nt[j].addr)
                    j = (j + 1) & (ncap - 1);
                nt[j] = W.cpt[i];
            }
        free(W.cpt);
        W.cpt = nt;
        W.cpt_cap = ncap;
    }
    uint64_t j = mix(addr ^ ((uint64_t)parent << 40)) & (W.cpt_cap - 1);
    while (W.cpt[j].addr) {
        if (W.cpt[j].addr == addr && W.cpt[j].parent == parent)
            return W.cpt[j].val;
        j = (j + 1) & (W.cpt_cap - 1);
    }
    uint32_t fidx = func_for(addr);
    uint32_t val;
    if (W.funcs[fidx].excluded) {
        val = parent | CP_TRANSPARENT;
    } else {
        val = W.ncps++;
        W.cps = grow(W.cps, sizeof *W.cps, &W.cps_cap, W.ncps);
        wcp *c = &W.cps[val];
        memset(c, 0, sizeof *c);
        c->parent = parent;
        c->func = fidx;
        c->depth = parent ? W.cps[parent].depth + 1 : 0;
        c->min = UINT64_MAX;
        /* A call on this path is recursive iff its function is already on the path: a
         * static property of the path, so primitive calls and inclusive time with
         * recursion counted once are sums over the non-recursive paths. */
        for (uint32_t a = parent; a; a = W.cps[a].parent)
            if (W.cps[a].func == fidx) {
                c->recursive = 1;
                break;
            }
    }
    W.cpt[j].addr = addr ? addr : 1;
    W.cpt[j].parent = parent;
    W.cpt[j].val = val;
    W.cpt_used++;
    return val;
}

/* ---- stack rebuild ------------------------------------------------------------------ */

PSC_NOINSTR static void thread_grow_funcs(struct psc_wthread *t, uint32_t need)
{
    if (need <= t->nfunc_cap)
        return;
    uint32_t c2 = t->nfunc_cap, c3 = t->nfunc_cap;
    t->ts = grow(t->ts, sizeof *t->ts, &c2, need);
    t->touched_flag = grow(t->touched_flag, 1, &c3, need);
    t->nfunc_cap = c2;
}

PSC_NOINSTR static void on_enter(struct psc_wthread *t, uint64_t addr, uint64_t ts)
{
    if (t->depth >= psc_state.cfg.max_depth) {
        t->overflow++;
        W.depth_overflow++;
        return;
    }
    int32_t owner = -1;
    uint32_t parent_cp = 0;
    if (t->depth) {
        wframe *top = &t->frames[t->depth - 1];
        owner = top->excluded ? top->owner : (int32_t)(t->depth - 1);
        parent_cp = top->cp;
    }
    /* Most calls repeat the previous child of the same node: one compare, no hash. */
    wcp *pc = &W.cps[parent_cp];
    uint32_t v;
    if (pc->cache_addr == addr) {
        v = pc->cache_val;
    } else {
        v = cp_child(parent_cp, addr);
        pc = &W.cps[parent_cp]; /* cp_child may have moved the array */
        pc->cache_addr = addr;
        pc->cache_val = v;
    }
    if (t->depth == t->cap)
        t->frames = grow(t->frames, sizeof *t->frames, &t->cap, t->depth + 1);
    wframe *f = &t->frames[t->depth++];
    if (t->depth > W.max_depth_seen)
        W.max_depth_seen = t->depth;
    f->start = ts;
    f->child = 0;
    f->seq = ++W.seq;
    f->addr = addr;
    f->owner = owner;
    if (v & CP_TRANSPARENT) {
        f->excluded = 1;
        f->cp = v & ~CP_TRANSPARENT;
        f->func = UINT32_MAX;
    } else {
        f->excluded = 0;
        f->cp = v;
        f->func = W.cps[v].func;
    }
}

PSC_NOINSTR static void mark_dirty_func(uint32_t idx)
{
    if (!W.funcs[idx].dirty) {
        W.funcs[idx].dirty = 1;
        W.dirty_funcs = grow(W.dirty_funcs, sizeof *W.dirty_funcs, &W.dirty_funcs_cap, W.ndirty_funcs + 1);
        W.dirty_funcs[W.ndirty_funcs++] = idx;
    }
}

PSC_NOINSTR static void pop_frame(struct psc_wthread *t, uint64_t ts)
{
    wframe *f = &t->frames[--t->depth];
    if (f->excluded)
        return;
    uint64_t dur = ts > f->start ? ts - f->start : 0;
    uint64_t self = dur > f->child ? dur - f->child : 0;
    if (f->owner >= 0)
        t->frames[f->owner].child += dur;
    uint32_t fi = f->func;
    /* Per call: the call path's figures and the function's histogram. The function's
     * other figures are sums over its paths, formed at flush time (write_stats). */
    wcp *c = &W.cps[f->cp];
    int outermost = !c->recursive;
    c->calls++;
    c->total += dur;
    c->self += self;
    c->sum_sq += (double)dur * (double)dur;
    if (dur < c->min)
        c->min = dur;
    if (dur > c->max)
        c->max = dur;
    if (!c->dirty) {
        c->dirty = 1;
        W.dirty_cps = grow(W.dirty_cps, sizeof *W.dirty_cps, &W.dirty_cps_cap, W.ndirty_cps + 1);
        W.dirty_cps[W.ndirty_cps++] = f->cp;
    }
    pscope_hist_add(&W.funcs[fi].hist, dur);
    pscope_hist_add(&W.funcs[fi].self_hist, self);

    if (PSC_UNLIKELY(fi >= t->nfunc_cap))
        thread_grow_funcs(t, W.nfuncs);
    tstat *s = &t->ts[fi];
    s->calls++;
    s->self += self;
    if (outermost)
        s->total += dur;
    if (!t->touched_flag[fi]) {
        t->touched_flag[fi] = 1;
        t->touched = grow(t->touched, sizeof *t->touched, &t->touched_cap, t->ntouched + 1);
        t->touched[t->ntouched++] = fi;
    }
    t->calls++;
    t->dirty = 1;
    W.calls_seen++;
    /* full trace (config trace: full): every completed call, in blocks (trace.c) */
    psc_trace_add(&t->trace, f->seq, f->owner >= 0 ? t->frames[f->owner].seq : 0, f->cp, fi,
                  W.cps[f->cp].depth, f->start, dur, self);

    const psc_config *cfg = &psc_state.cfg;
    if ((cfg->max_calls == 0 || W.rows_kept < (uint64_t)cfg->max_calls) &&
        dur >= cfg->min_duration_ns) {
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
        W.rows_kept++;
        wrow *r = &W.rows[W.nrows++];
        r->seq = f->seq;
        r->parent_seq = f->owner >= 0 ? t->frames[f->owner].seq : 0;
        r->ts = f->start;
        r->dur = dur;
        r->self = self;
        r->th = t;
        r->cp = f->cp;
        r->func = fi;
        r->depth = W.cps[f->cp].depth;
    }
}

PSC_NOINSTR static void on_exit_ev(struct psc_wthread *t, uint64_t addr, uint64_t ts)
{
    if (t->overflow) {
        t->overflow--;
        return;
    }
    if (!t->depth) {
        W.unmatched++;
        return;
    }
    if (t->frames[t->depth - 1].addr != addr) {
        /* longjmp or a lost exit: close the frames above the matching one, if any. */
        uint32_t i = t->depth - 1, lim = t->depth > 256 ? t->depth - 256 : 0;
        while (i > lim && t->frames[i].addr != addr)
            i--;
        if (t->frames[i].addr != addr) {
            W.unmatched++;
            return;
        }
        while (t->depth > i + 1)
            pop_frame(t, ts);
    }
    pop_frame(t, ts);
}

/* ---- draining ----------------------------------------------------------------------- */

PSC_NOINSTR static struct psc_wthread *adopt_ring(psc_ring *r)
{
    struct psc_wthread *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->ring = r;
    t->next_sample_ts = UINT64_MAX;
    t->tid = r->tid;
    t->is_main = r->is_main;
    memcpy(t->name, r->name, sizeof t->name);
    t->first_ns = psc_tick_to_ns(&psc_state.clock, r->first_tick);
    t->last_ns = t->first_ns;
    t->dirty = 1;
    t->next = W.threads;
    W.threads = t;
    return t;
}

PSC_NOINSTR static void adopt_pending(void)
{
    pthread_mutex_lock(&psc_state.reg_lock);
    psc_ring *r = psc_state.pending_rings;
    psc_state.pending_rings = NULL;
    pthread_mutex_unlock(&psc_state.reg_lock);
    while (r) {
        psc_ring *next = r->next;
        adopt_ring(r);
        r = next;
    }
}

PSC_NOINSTR static void attribute_pending(struct psc_wthread *t, uint64_t upto);

/* Process what is in one ring segment. Returns the number of records consumed. */
PSC_NOINSTR static uint64_t drain_segment(struct psc_wthread *t, psc_ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    const psc_clock *clk = &psc_state.clock;
    const uint64_t mask = r->mask;
    for (uint64_t i = tail; i < head; i++) {
        const psc_record *rec = &r->rec[i & mask];
        uint64_t ts = psc_tick_to_ns(clk, rec->tick);
        if (PSC_UNLIKELY(ts >= t->next_sample_ts))
            attribute_pending(t, ts); /* samples taken before this event see the stack as is */
        if (rec->addr_kind & PSC_EXIT_BIT)
            on_exit_ev(t, rec->addr_kind & PSC_ADDR_MASK, ts);
        else
            on_enter(t, rec->addr_kind, ts);
        t->last_ns = ts;
    }
    if (head != tail) {
        atomic_store_explicit(&r->tail, head, memory_order_release);
        t->dirty = 1;
    }
    return head - tail;
}

/* Drain a thread's ring, following the chain to bigger rings the thread moved to (the
 * successor link is stored after the old ring's final head, so once it is seen, one
 * more drain of the old ring gets everything). */
PSC_NOINSTR static uint64_t drain_ring(struct psc_wthread *t)
{
    uint64_t n = 0;
    while (t->ring) {
        psc_ring *r = t->ring;
        psc_ring *next = atomic_load_explicit(&r->successor, memory_order_acquire);
        n += drain_segment(t, r);
        if (!next)
            break;
        W.lost += atomic_load_explicit(&r->lost, memory_order_relaxed);
        t->ring = next;
        free(r);
    }
    return n;
}

PSC_NOINSTR static uint64_t drain_all(void)
{
    adopt_pending();
    uint64_t n = 0;
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        if (!t->ring)
            continue;
        n += drain_ring(t);
        if (atomic_load_explicit(&t->ring->closed, memory_order_acquire)) {
            /* The thread is gone: what it recorded before closing is visible now. */
            n += drain_ring(t);
            uint64_t lost = atomic_load_explicit(&t->ring->lost, memory_order_relaxed);
            W.lost += lost;
            attribute_pending(t, UINT64_MAX);
            while (t->depth)
                pop_frame(t, t->last_ns);
            t->overflow = 0;
            memcpy(t->name, t->ring->name, sizeof t->name);
            t->closed = 1;
            t->dirty = 1;
            free(t->ring);
            t->ring = NULL;
        }
    }
    return n;
}

/* ---- resource samples --------------------------------------------------------------- */

PSC_NOINSTR static int64_t i64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

PSC_NOINSTR int psc_writer_is_internal_tid(int tid)
{
    return tid == atomic_load(&writer_tid);
}

PSC_NOINSTR static struct psc_wthread *thread_by_tid(int tid)
{
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (t->tid == tid && !t->closed)
            return t;
    return NULL;
}

/* Tag every pending sample of t taken at or before `upto` with t's current stack top. */
PSC_NOINSTR static void attribute_pending(struct psc_wthread *t, uint64_t upto)
{
    uint32_t keep = 0;
    uint64_t next = UINT64_MAX;
    for (uint32_t i = 0; i < t->npending; i++) {
        psc_sample *s = &W.samples[t->pending_samples[i]];
        if (s->ts <= upto) {
            uint32_t cp = t->depth ? t->frames[t->depth - 1].cp : 0;
            if (cp) {
                s->cp = cp;
                s->func = W.cps[cp].func;
            }
        } else {
            t->pending_samples[keep++] = t->pending_samples[i];
            if (s->ts < next)
                next = s->ts;
        }
    }
    t->npending = keep;
    t->next_sample_ts = next;
}

/* Queue each new sample on its thread: it is tagged with the stack top the writer has
 * rebuilt when it reaches that thread's first event after the sample's time (or, for an
 * idle thread, at the next flush), not with whatever happens to be published now. */
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
        s->cp = s->func = UINT32_MAX;
        struct psc_wthread *t = thread_by_tid(s->tid ? s->tid : s->attribute_tid);
        if (t) {
            t->pending_samples = grow(t->pending_samples, sizeof *t->pending_samples, &t->pending_cap,
                                      t->npending + 1);
            t->pending_samples[t->npending++] = (uint32_t)(W.nsamples - 1);
            if (s->ts < t->next_sample_ts)
                t->next_sample_ts = s->ts;
        }
    }
    free(in);
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
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        attribute_pending(t, UINT64_MAX); /* idle threads: their stack is as it stands */
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
            sqlite3_bind_int64(st, 7, i64(t->calls));
            if (step_reset(st))
                return -1;
            t->db_id = sqlite3_last_insert_rowid(s->db);
            t->dirty = 0;
        } else if (t->dirty) {
            sqlite3_stmt *st = s->upd_thread;
            bind_text_or_null(st, 1, t->name[0] ? t->name : NULL);
            sqlite3_bind_int64(st, 2, i64(t->last_ns));
            sqlite3_bind_int64(st, 3, i64(t->calls));
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
        if (f->excluded)
            continue; /* excluded functions never appear in the profile */
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
        mark_dirty_func(W.cps[W.dirty_cps[k]].func);
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
    uint64_t lost = W.lost;
    for (struct psc_wthread *t = W.threads; t; t = t->next)
        if (t->ring)
            lost += atomic_load_explicit(&t->ring->lost, memory_order_relaxed);
    sqlite3_bind_int64(st, 1, i64(now_ns));
    sqlite3_bind_int64(st, 2, i64(W.calls_seen));
    sqlite3_bind_int64(st, 3, i64(W.calls_stored));
    sqlite3_bind_int64(st, 4, i64(W.rows_dropped));
    sqlite3_bind_int64(st, 5, i64(lost));
    sqlite3_bind_int64(st, 6, i64(W.depth_overflow));
    sqlite3_bind_int64(st, 7, i64(W.unmatched));
    sqlite3_bind_int64(st, 8, i64(W.max_depth_seen));
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
    sqlite3_bind_int64(st, 12, run_id);
    return step_reset(st);
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
        if (psc_trace_write(s->db, t->trace, run_id, t->db_id, final || t->closed,
                            trace_map_ids, NULL))
            return -1;
    return psc_trace_write_run(s->db, run_id, 1);
}

enum flush_kind {
    FLUSH_ROWS,  /* a slice of pending raw rows (plus any new thread/function/path rows) */
    FLUSH_FULL,  /* every changed aggregate, the run row, and a slice of rows */
    FLUSH_FINAL  /* everything, and mark the run complete */
};

PSC_NOINSTR static void flush_db_locked(psc_store *s, enum flush_kind kind, size_t row_slice);

/* Write in one transaction. On a database error the profile is switched off (one
 * warning) and the program goes on. */
PSC_NOINSTR static void flush_db(enum flush_kind kind, size_t row_slice)
{
    psc_store *s = psc_state.store;
    if (W.db_failed)
        return;
    flush_db_locked(s, kind, row_slice);
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

/* ---- thread body -------------------------------------------------------------------- */

PSC_NOINSTR void psc_writer_wake(void)
{
    pthread_mutex_lock(&psc_state.wake_lock);
    pthread_cond_signal(&psc_state.wake_cond);
    pthread_mutex_unlock(&psc_state.wake_lock);
}

PSC_NOINSTR static void compile_patterns(char **src, size_t n, pcre2_code ***out, size_t *nout)
{
    *out = calloc(n ? n : 1, sizeof **out);
    *nout = 0;
    for (size_t i = 0; i < n && *out; i++) {
        int errcode;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)src[i], PCRE2_ZERO_TERMINATED, 0, &errcode, &off, NULL);
        if (re)
            (*out)[(*nout)++] = re; /* validated before the run started */
    }
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
    for (size_t i = 0; i < W.ninc; i++)
        pcre2_code_free(W.inc[i]);
    for (size_t i = 0; i < W.nexc; i++)
        pcre2_code_free(W.exc[i]);
    free(W.inc);
    free(W.exc);
    struct psc_wthread *t = W.threads;
    while (t) {
        struct psc_wthread *next = t->next;
        free(t->frames);
        free(t->ts);
        free(t->touched);
        free(t->touched_flag);
        free(t->pending_samples);
        psc_trace_free(t->trace);
        free(t);
        t = next;
    }
    psc_symbols_free(W.syms);
    psc_trace_stop();
    memset(&W, 0, sizeof W);
}

PSC_NOINSTR void *psc_writer_main(void *arg)
{
    (void)arg;
    psc_hooks_ignore_thread();
    atomic_store(&writer_tid, (int)syscall(SYS_gettid));
    pthread_mutex_lock(&psc_busy_lock); /* setup allocates: not while a fork is under way */
    memset(&W, 0, sizeof W);
    W.ncps = 1; /* index 0: the virtual root */
    W.cps = grow(W.cps, sizeof *W.cps, &W.cps_cap, 1);
    W.cps_inserted = 1;
    psc_trace_start(psc_state.cfg.trace_full, psc_state.cfg.trace_max_bytes);
    pthread_mutex_lock(&psc_io_lock);
    W.syms = psc_symbols_new();
    pthread_mutex_unlock(&psc_io_lock);
    compile_patterns(psc_state.cfg.include, psc_state.cfg.n_include, &W.inc, &W.ninc);
    compile_patterns(psc_state.cfg.exclude, psc_state.cfg.n_exclude, &W.exc, &W.nexc);

    pthread_mutex_unlock(&psc_busy_lock);
    atomic_store_explicit(&psc_state.writer_ready, 1, memory_order_release);

    /* Calibrate the TSC over the first 2 ms (events wait in the rings meanwhile), or
     * over whatever the run lasted if it stops sooner. */
    while (psc_state.clock.ns_per_tick == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t el = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec - psc_state.clock.mono0;
        if (el >= 2000000ull || atomic_load(&psc_state.stop_requested) ||
            atomic_load(&psc_state.flush_req) != atomic_load(&psc_state.flush_done)) {
            psc_clock_calibrate(&psc_state.clock, 1);
            break;
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }

    uint64_t flush_every = psc_state.cfg.flush_interval_ns;
    uint64_t last_flush = psc_now_ns(&psc_state.clock);
    unsigned idle_rounds = 0;
    for (;;) {
        /* All work happens with psc_busy_lock held and every sleep without it, so fork()
         * can wait for an instant when this thread holds no lock at all — not even one
         * inside malloc (see before_fork in collector.c). */
        pthread_mutex_lock(&psc_busy_lock);
        int stopping = atomic_load_explicit(&psc_state.stop_requested, memory_order_acquire);
        uint64_t flush_seq = atomic_load_explicit(&psc_state.flush_req, memory_order_acquire);
        uint64_t n = drain_all();
        take_samples();
        uint64_t now = psc_now_ns(&psc_state.clock);
        if (stopping) {
            pthread_mutex_unlock(&psc_busy_lock);
            break;
        }
        int want_flush = flush_seq != atomic_load(&psc_state.flush_done);
        size_t pending_rows = W.nrows - W.rows_head;
        int again = 0;
        if (want_flush || now - last_flush >= flush_every) {
            flush_db(FLUSH_FULL, want_flush ? SIZE_MAX : PSC_ROW_SLICE);
            last_flush = psc_now_ns(&psc_state.clock);
            atomic_store(&psc_state.flush_done, flush_seq);
        } else if (pending_rows >= PSC_ROW_BACKLOG) {
            flush_db(FLUSH_ROWS, pending_rows - PSC_ROW_BACKLOG / 2); /* back-pressure */
        } else if (n < PSC_WRITER_BATCH && pending_rows) {
            /* Rings nearly empty: spend the idle time on a slice of raw rows, short
             * enough (~1 ms) that no thread's ring fills meanwhile. */
            flush_db(FLUSH_ROWS, PSC_ROW_SLICE);
            again = 1;
        }
        pthread_mutex_unlock(&psc_busy_lock);
        if (again)
            continue;
        /* Poll again only once a batch has built up: reading a ring's head while its
         * thread is storing it would bounce that cache line between the cores on every
         * record. A ring holds ~2 ms of a call-heavy thread; the sleep is ~50 us. Once
         * everything has been quiet for a while, sleep up to 2 ms (woken early by a
         * thread whose ring is full, a flush request or stop). */
        idle_rounds = n ? 0 : idle_rounds + 1;
        if (n < PSC_WRITER_BATCH && idle_rounds < 200) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        } else if (n == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 2000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_mutex_lock(&psc_state.wake_lock);
            if (!atomic_load(&psc_state.stop_requested))
                pthread_cond_timedwait(&psc_state.wake_cond, &psc_state.wake_lock, &ts);
            pthread_mutex_unlock(&psc_state.wake_lock);
        }
    }
    /* Final: everything recorded is drained; open frames close at the end instant. */
    pthread_mutex_lock(&psc_busy_lock);
    drain_all();
    take_samples();
    uint64_t end = psc_now_ns(&psc_state.clock);
    for (struct psc_wthread *t = W.threads; t; t = t->next) {
        if (t->depth || t->overflow)
            t->last_ns = end;
        while (t->depth)
            pop_frame(t, end);
        t->overflow = 0;
        if (t->ring)
            memcpy(t->name, t->ring->name, sizeof t->name);
    }
    psc_stage_close_all(end);
    flush_db(FLUSH_FINAL, SIZE_MAX);
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
