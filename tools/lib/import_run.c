/* tools/lib/import_run.c: the run builder of pscope-import (import.h). Readers hand it
 * functions, threads and per-call enter/exit events; it keeps a shadow stack per thread
 * and derives the figures the collector derives (docs/schema.md invariants):
 *
 *  - function_stat: calls, primitive calls (not made while the function was already on
 *    the same thread's stack), inclusive time of outermost frames only (recursion counted
 *    once), self time, sum and sum of squares of per-call durations, min/max, and the
 *    duration and self-time histograms (common/hist.h buckets);
 *  - the calling-context tree merged over threads (callpath), per node exact calls,
 *    inclusive and self time, min/max;
 *  - thread_stat per thread and function; thread first/last timestamps and calls;
 *  - raw call rows for the first max_calls completed calls (completion order), ids from
 *    the entry sequence so a parent id is known before the parent completes.
 *
 * Aggregate-only inputs (cProfile) set per-function figures directly instead.
 * Memory: per function ~ a few hundred bytes plus its histogram blocks; per tree node 64
 * bytes; per stored call row 56 bytes; nothing per event otherwise.
 */
#include "import.h"
#include "import_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ptool.h"

#define IMP_MAX_DEPTH 65536u   /* frames kept per thread; deeper ones are counted only */
#define IMP_EXIT_SEARCH 256u   /* frames searched for a matching exit, as the collector */

/* ---- hashing ------------------------------------------------------------------------ */

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t fnv_str(const char *s, uint64_t h)
{
    return fnv(s ? s : "", s ? strlen(s) + 1 : 1, h ^ (s ? 0 : 0x5a));
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static void slots_grow(imp_slots *t, uint64_t (*hash_of)(const imp_builder *, uint32_t),
                       const imp_builder *b)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    uint32_t *ns = pt_xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slot[i])
            continue;
        size_t j = (size_t)hash_of(b, t->slot[i] - 1) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slot[i];
    }
    free(t->slot);
    t->slot = ns;
    t->cap = ncap;
}

static int streq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static uint64_t func_hash_parts(const char *name, const char *module, const char *file, int64_t line)
{
    uint64_t h = fnv_str(name, 14695981039346656037ull);
    h = fnv_str(module, h);
    h = fnv_str(file, h);
    return fnv(&line, sizeof line, h);
}

static uint64_t func_hash(const imp_builder *b, uint32_t i)
{
    const imp_func *f = &b->funcs[i];
    return func_hash_parts(f->name, f->module, f->file, f->line);
}

static uint64_t node_hash_parts(uint32_t parent, uint32_t fn)
{
    return mix64(((uint64_t)parent << 32) | fn);
}

static uint64_t node_hash(const imp_builder *b, uint32_t i)
{
    return node_hash_parts(b->nodes[i].parent, b->nodes[i].func);
}

/* ---- builder -------------------------------------------------------------------------- */

imp_builder *imp_new(uint64_t max_calls)
{
    imp_builder *b = pt_xcalloc(1, sizeof *b);
    b->max_calls = max_calls ? max_calls : UINT64_MAX;
    b->min_ts = INT64_MAX;
    return b;
}

static void fstat_free(imp_fstat *s)
{
    pscope_hist_clear(&s->hist);
    pscope_hist_clear(&s->self_hist);
}

void imp_free(imp_builder *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->nfuncs; i++) {
        free(b->funcs[i].name);
        free(b->funcs[i].module);
        free(b->funcs[i].file);
        fstat_free(&b->funcs[i].st);
    }
    for (uint32_t i = 0; i < b->nthreads; i++) {
        free(b->threads[i].name);
        free(b->threads[i].stack);
        free(b->threads[i].active);
        free(b->threads[i].stats);
    }
    free(b->funcs);
    free(b->threads);
    free(b->nodes);
    free(b->rows);
    free(b->callers);
    free(b->func_slots.slot);
    free(b->node_slots.slot);
    for (size_t i = 0; i < b->nstrings; i++)
        free(b->strings[i]);
    free(b->strings);
    free(b);
}

const char *imp_keep_string(imp_builder *b, char *s)
{
    b->strings = pt_xrealloc(b->strings, (b->nstrings + 1) * sizeof *b->strings);
    b->strings[b->nstrings++] = s;
    return s;
}

uint32_t imp_function(imp_builder *b, const char *name, const char *module, const char *file,
                      int64_t line, uint64_t address, uint64_t offset)
{
    if (!name)
        name = "";
    uint64_t h = func_hash_parts(name, module, file, line);
    if (b->func_slots.cap) {
        for (size_t j = (size_t)h & (b->func_slots.cap - 1); b->func_slots.slot[j];
             j = (j + 1) & (b->func_slots.cap - 1)) {
            const imp_func *f = &b->funcs[b->func_slots.slot[j] - 1];
            if (f->line == line && strcmp(f->name, name) == 0 && streq(f->module, module) &&
                streq(f->file, file))
                return b->func_slots.slot[j] - 1;
        }
    }
    if (b->nfuncs == b->capfuncs) {
        b->capfuncs = b->capfuncs ? b->capfuncs * 2 : 64;
        b->funcs = pt_xrealloc(b->funcs, b->capfuncs * sizeof *b->funcs);
    }
    uint32_t idx = b->nfuncs++;
    imp_func *f = &b->funcs[idx];
    memset(f, 0, sizeof *f);
    f->name = pt_xstrdup(name);
    f->module = pt_xstrdup(module);
    f->file = pt_xstrdup(file);
    f->line = line;
    f->address = address;
    f->offset = offset;
    if ((b->func_slots.used + 1) * 2 > b->func_slots.cap)
        slots_grow(&b->func_slots, func_hash, b);
    size_t j = (size_t)h & (b->func_slots.cap - 1);
    while (b->func_slots.slot[j])
        j = (j + 1) & (b->func_slots.cap - 1);
    b->func_slots.slot[j] = idx + 1;
    b->func_slots.used++;
    return idx;
}

uint32_t imp_thread(imp_builder *b, int64_t tid, const char *name)
{
    uint32_t i;
    for (i = 0; i < b->nthreads; i++) /* few threads: a scan is enough */
        if (b->threads[i].tid == tid)
            break;
    if (i == b->nthreads) {
        if (b->nthreads == b->capthreads) {
            b->capthreads = b->capthreads ? b->capthreads * 2 : 8;
            b->threads = pt_xrealloc(b->threads, b->capthreads * sizeof *b->threads);
        }
        memset(&b->threads[i], 0, sizeof b->threads[i]);
        b->threads[i].tid = tid;
        b->threads[i].first_ts = INT64_MAX;
        b->threads[i].last_ts = INT64_MIN;
        b->nthreads++;
    }
    if (name) {
        free(b->threads[i].name);
        b->threads[i].name = pt_xstrdup(name);
    }
    return i;
}

uint32_t imp_nfunctions(const imp_builder *b)
{
    return b->nfuncs;
}

uint32_t imp_nthreads(const imp_builder *b)
{
    return b->nthreads;
}

uint64_t imp_unmatched(const imp_builder *b)
{
    return b->unmatched;
}

uint64_t imp_unclosed(const imp_builder *b)
{
    return b->unclosed;
}

uint64_t imp_calls(const imp_builder *b)
{
    return b->calls;
}

/* The per-thread arrays indexed by function cover function fn. */
static void thread_cover(imp_thread_t *t, uint32_t fn)
{
    if (fn < t->nfunc_cap)
        return;
    uint32_t ncap = t->nfunc_cap ? t->nfunc_cap : 64;
    while (ncap <= fn)
        ncap *= 2;
    t->active = pt_xrealloc(t->active, ncap * sizeof *t->active);
    t->stats = pt_xrealloc(t->stats, ncap * sizeof *t->stats);
    memset(t->active + t->nfunc_cap, 0, (ncap - t->nfunc_cap) * sizeof *t->active);
    memset(t->stats + t->nfunc_cap, 0, (ncap - t->nfunc_cap) * sizeof *t->stats);
    t->nfunc_cap = ncap;
}

/* The tree node for fn under parent (UINT32_MAX: a root), created on first use. */
static uint32_t node_get(imp_builder *b, uint32_t parent, uint32_t fn, uint32_t depth)
{
    uint64_t h = node_hash_parts(parent, fn);
    if (b->node_slots.cap) {
        for (size_t j = (size_t)h & (b->node_slots.cap - 1); b->node_slots.slot[j];
             j = (j + 1) & (b->node_slots.cap - 1)) {
            const imp_node *n = &b->nodes[b->node_slots.slot[j] - 1];
            if (n->parent == parent && n->func == fn)
                return b->node_slots.slot[j] - 1;
        }
    }
    if (b->nnodes == b->capnodes) {
        b->capnodes = b->capnodes ? b->capnodes * 2 : 256;
        b->nodes = pt_xrealloc(b->nodes, b->capnodes * sizeof *b->nodes);
    }
    uint32_t idx = b->nnodes++;
    imp_node *n = &b->nodes[idx];
    memset(n, 0, sizeof *n);
    n->parent = parent;
    n->func = fn;
    n->depth = depth;
    n->min = INT64_MAX;
    if ((b->node_slots.used + 1) * 2 > b->node_slots.cap)
        slots_grow(&b->node_slots, node_hash, b);
    size_t j = (size_t)h & (b->node_slots.cap - 1);
    while (b->node_slots.slot[j])
        j = (j + 1) & (b->node_slots.cap - 1);
    b->node_slots.slot[j] = idx + 1;
    b->node_slots.used++;
    return idx;
}

/* a + b, saturated at INT64_MAX (hostile inputs: sums of huge durations). */
static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}

static void thread_seen(imp_builder *b, imp_thread_t *t, int64_t ts)
{
    if (ts < t->first_ts)
        t->first_ts = ts;
    if (ts > t->last_ts)
        t->last_ts = ts;
    if (ts < b->min_ts)
        b->min_ts = ts;
}

void imp_enter(imp_builder *b, uint32_t th, uint32_t fn, int64_t ts)
{
    if (th >= b->nthreads || fn >= b->nfuncs)
        return;
    imp_thread_t *t = &b->threads[th];
    thread_seen(b, t, ts);
    if (t->depth >= IMP_MAX_DEPTH || t->overflow) {
        t->overflow++;
        b->depth_overflow++;
        return;
    }
    if (t->depth == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->stack = pt_xrealloc(t->stack, t->cap * sizeof *t->stack);
    }
    thread_cover(t, fn);
    imp_frame *parent = t->depth ? &t->stack[t->depth - 1] : NULL;
    imp_frame *f = &t->stack[t->depth];
    f->func = fn;
    f->node = node_get(b, parent ? parent->node : UINT32_MAX, fn, t->depth);
    f->ts = ts;
    f->child = 0;
    f->seq = b->seq++;
    f->outer = t->active[fn] == 0;
    t->active[fn]++;
    t->depth++;
    if (t->depth > b->max_depth)
        b->max_depth = t->depth;
}

/* Close the innermost frame of thread t at ts and account for it everywhere. */
static void frame_pop(imp_builder *b, uint32_t th, int64_t ts)
{
    imp_thread_t *t = &b->threads[th];
    imp_frame *f = &t->stack[--t->depth];
    int64_t dur = ts > f->ts ? ts - f->ts : 0;
    int64_t self = dur > f->child ? dur - f->child : 0;
    if (t->depth)
        t->stack[t->depth - 1].child = sat_add(t->stack[t->depth - 1].child, dur);
    t->active[f->func]--;
    t->calls++;
    b->calls++;

    imp_fstat *s = &b->funcs[f->func].st;
    if (s->calls == 0 || dur < s->min)
        s->min = dur;
    if (dur > s->max)
        s->max = dur;
    s->calls++;
    s->primitive += f->outer;
    if (f->outer)
        s->total = sat_add(s->total, dur);
    s->self = sat_add(s->self, self);
    s->sum = sat_add(s->sum, dur);
    s->sum_sq += (double)dur * (double)dur;
    pscope_hist_add(&s->hist, (uint64_t)dur);
    pscope_hist_add(&s->self_hist, (uint64_t)self);

    imp_tstat *ts_ = &t->stats[f->func];
    ts_->calls++;
    ts_->self = sat_add(ts_->self, self);
    if (f->outer)
        ts_->total = sat_add(ts_->total, dur);

    imp_node *n = &b->nodes[f->node];
    n->calls++;
    n->total = sat_add(n->total, dur);
    n->self = sat_add(n->self, self);
    if (dur < n->min)
        n->min = dur;
    if (dur > n->max)
        n->max = dur;

    if (b->nrows < b->max_calls) {
        if (b->nrows == b->caprows) {
            b->caprows = b->caprows ? b->caprows * 2 : 1024;
            b->rows = pt_xrealloc(b->rows, b->caprows * sizeof *b->rows);
        }
        imp_row *r = &b->rows[b->nrows++];
        r->seq = f->seq;
        r->parent_seq = t->depth ? t->stack[t->depth - 1].seq : UINT64_MAX;
        r->thread = th;
        r->node = f->node;
        r->func = f->func;
        r->depth = t->depth;
        r->ts = f->ts;
        r->dur = dur;
        r->self = self;
    }
}

int imp_exit(imp_builder *b, uint32_t th, int64_t ts, uint32_t fn)
{
    if (th >= b->nthreads)
        return 1;
    imp_thread_t *t = &b->threads[th];
    thread_seen(b, t, ts);
    if (t->overflow) {
        t->overflow--;
        return 0;
    }
    uint32_t k = t->depth; /* index + 1 of the matching frame */
    if (fn != IMP_ANY_FUNCTION) {
        uint32_t stop = t->depth > IMP_EXIT_SEARCH ? t->depth - IMP_EXIT_SEARCH : 0;
        while (k > stop && t->stack[k - 1].func != fn)
            k--;
        if (k == stop)
            k = 0;
    }
    if (k == 0) {
        b->unmatched++;
        return 1;
    }
    while (t->depth >= k)
        frame_pop(b, th, ts);
    return 0;
}

void imp_close_all(imp_builder *b)
{
    for (uint32_t i = 0; i < b->nthreads; i++) {
        imp_thread_t *t = &b->threads[i];
        b->unclosed += t->depth;
        while (t->depth)
            frame_pop(b, i, t->last_ts);
        t->overflow = 0;
    }
}

void imp_set_function_stat(imp_builder *b, uint32_t fn, int64_t calls, int64_t primitive_calls,
                           int64_t total_dur, int64_t self_dur)
{
    if (fn >= b->nfuncs)
        return;
    b->aggregate_only = 1;
    imp_fstat *s = &b->funcs[fn].st;
    s->calls = calls;
    s->primitive = primitive_calls;
    s->total = total_dur;
    s->self = self_dur;
    s->sum = total_dur;
    int64_t mean = calls > 0 ? total_dur / calls : 0;
    s->min = s->max = mean;
    s->sum_sq = calls > 0 ? (double)total_dur * (double)total_dur / (double)calls : 0.0;
    b->calls += (uint64_t)(calls > 0 ? calls : 0);
    uint32_t th = imp_thread(b, 0, NULL);
    imp_thread_t *t = &b->threads[th];
    thread_cover(t, fn);
    t->stats[fn].calls = calls;
    t->stats[fn].total = total_dur;
    t->stats[fn].self = self_dur;
    t->calls = sat_add(t->calls, calls > 0 ? calls : 0);
    if (t->first_ts == INT64_MAX)
        t->first_ts = t->last_ts = b->min_ts = 0;
    if (total_dur > t->last_ts)
        t->last_ts = total_dur;
}

void imp_add_caller(imp_builder *b, uint32_t callee, uint32_t caller, int64_t calls,
                    int64_t primitive_calls, int64_t total_dur, int64_t self_dur)
{
    if (callee >= b->nfuncs || caller >= b->nfuncs)
        return;
    b->callers = pt_xrealloc(b->callers, (b->ncallers + 1) * sizeof *b->callers);
    imp_caller *c = &b->callers[b->ncallers++];
    c->callee = callee;
    c->caller = caller;
    c->calls = calls;
    c->primitive = primitive_calls;
    c->total = total_dur;
    c->self = self_dur;
}
