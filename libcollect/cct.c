/* libcollect/cct.c: one thread's shadow stack and calling-context tree (contract in cct.h).
 *
 * Hot path: cct_enter finds the child node of the caller's node through a one-entry cache
 * per node (most calls repeat the previous child), falling back to an open-addressing
 * hash table (parent node, address) -> node; cct_exit pops the frame and adds the call to
 * its node under the node's sequence lock, then to the function's two histograms. Nothing
 * on this path calls malloc, takes a lock or touches memory another thread writes.
 *
 * Publication: nodes and functions live in segmented arrays (segment k holds 64 << k
 * elements, mapped on first use, never moved); a new element is fully written before the
 * element count is stored with release semantics, and a histogram block is zeroed before
 * its pointer is stored with release semantics. Counters are _Atomic 64-bit values
 * written with relaxed stores by the owner only, so a reader never sees a torn value;
 * the per-node sequence lock makes one node's figures consistent with each other.
 *
 * Excluded functions get a node flagged excluded (their callees hang below it, so the
 * cache works for them too); such a node never collects figures, its frame adds nothing,
 * and the time of its frame stays in the nearest non-excluded frame below ("owner"),
 * exactly as if the function were inlined there. Readers fold excluded nodes into their
 * parent.
 *
 * Invariants (checked with assert() when built with PSCOPE_CHECKS or AddressSanitizer):
 *  - a node's parent has a smaller index; node 0 is the root (address 0, never a frame);
 *  - every open frame's owner is -1 or the index of a lower non-excluded frame;
 *  - a frame's child time never exceeds what its callees' inclusive times add up to, and
 *    self = dur - child is clamped at 0 only for clocks that go backwards.
 */
#include "cct.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "hist.h"

#if defined(PSCOPE_CHECKS) || defined(__SANITIZE_ADDRESS__)
#include <assert.h>
#define CCT_ASSERT(x) assert(x)
#else
#define CCT_ASSERT(x) ((void)0)
#endif

#define CCT_LIKELY(x) __builtin_expect(!!(x), 1)
#define CCT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CCT_SEG0_BITS 6u
#define CCT_NSEG 26u                  /* 64 * (2^26 - 1) elements at most */
#define CCT_STACK_HARD_CAP (1u << 24) /* frames: 16 Mi (~900 MiB of stack), then overflow */
#define CCT_UNWIND_SEARCH 256u        /* frames searched for the match of a stray exit */
#define CCT_ARENA_CHUNK (64u * 1024u)
/* A new frame's stack position above the top frame's, but at most this far above the
 * outermost frame's, means the frames at or below it were abandoned (longjmp); further
 * up it is another stack (sigaltstack, a coroutine), not an unwinding. */
#define CCT_STACK_SLACK ((uintptr_t)64u * 1024u)

typedef _Atomic uint64_t cct_u64;

typedef struct cct_func {
    uint64_t addr;
    uint32_t index;
    uint32_t excluded;
    cct_u64 calls;
    cct_u64 *_Atomic block[2][PSCOPE_HIST_BLOCKS]; /* [0] inclusive, [1] self */
} cct_func;

typedef struct cct_node {
    uint64_t addr;
    struct cct_node *parent;
    struct cct_node *cache; /* the child found last (owner only) */
    cct_func *fn;
    uint32_t index;
    uint32_t excluded;
    _Atomic uint32_t seq; /* odd while the owner updates the figures below */
    uint32_t pad;
    cct_u64 calls, total, self, min, max, sum_sq_bits; /* sum_sq: a double's bits */
} cct_node;

typedef struct cct_frame {
    uint64_t addr;
    uint64_t start; /* ns */
    uint64_t child; /* inclusive ns of callees closed so far (non-excluded, through excluded ones) */
    uint64_t id;    /* call id when rows were on at entry, else 0 */
    cct_node *node;
    uintptr_t sp;   /* stack position at entry */
    int32_t owner;  /* nearest non-excluded frame below, -1 if none */
    uint32_t pad;
} cct_frame;

typedef struct child_slot { uint64_t addr; uint32_t parent; uint32_t child; } child_slot; /* addr 0 = empty */
typedef struct func_slot { uint64_t addr; uint32_t func; uint32_t used; } func_slot;

typedef struct arena_chunk { struct arena_chunk *next; size_t bytes; } arena_chunk;

/* A suspended user context's shadow stack (cct_switch). key 0 = free slot. */
typedef struct saved_stack {
    uintptr_t key;
    cct_frame *stack;
    uint32_t depth, cap;
    uint64_t overflow_open;
} saved_stack;

#define CCT_MAX_CONTEXTS 64u

struct cct_ctx {
    /* owner, hot */
    cct_frame *stack;
    _Atomic uint32_t depth;
    uint32_t cap;          /* frames mapped */
    uint32_t limit;        /* frames allowed (max_depth or the hard cap) */
    uint32_t rows_on;
    uint64_t overflow_open;/* open frames beyond the limit */
    uint64_t mds;          /* owner copy of max_depth_seen */
    uint64_t ncalls;       /* owner copy of calls */
    uint64_t id_next, id_end;
    cct_node *root;
    cct_params p;
    /* published to readers */
    _Atomic uint32_t nnodes, nfuncs, top;
    cct_u64 calls, unmatched, unwound, overflow, max_depth_seen, last_ts;
    void *_Atomic nseg[CCT_NSEG]; /* cct_node segments */
    void *_Atomic fseg[CCT_NSEG]; /* cct_func segments */
    /* owner, cold */
    child_slot *ct; uint64_t ct_cap, ct_used;
    func_slot *ft; uint64_t ft_cap, ft_used;
    char *arena_cur; size_t arena_left;
    arena_chunk *chunks;
    saved_stack saved[CCT_MAX_CONTEXTS]; /* suspended user contexts of this thread */
    _Atomic size_t mapped;
};

/* ---- memory ------------------------------------------------------------------------ */

CCT_NOINSTR static void *map_bytes(cct_ctx *c, size_t bytes)
{
    int saved = errno;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = saved;
    if (p == MAP_FAILED)
        return NULL;
    if (c)
        atomic_fetch_add_explicit(&c->mapped, bytes, memory_order_relaxed);
    return p;
}

CCT_NOINSTR static void unmap_bytes(cct_ctx *c, void *p, size_t bytes)
{
    if (!p)
        return;
    int saved = errno;
    munmap(p, bytes);
    errno = saved;
    if (c)
        atomic_fetch_sub_explicit(&c->mapped, bytes, memory_order_relaxed);
}

/* Zeroed memory from the context's arena (mmap'd chunks, freed with the context). */
CCT_NOINSTR static void *arena_zalloc(cct_ctx *c, size_t bytes)
{
    bytes = (bytes + 63) & ~(size_t)63;
    if (bytes > c->arena_left) {
        size_t chunk = bytes + 64 > CCT_ARENA_CHUNK ? bytes + 64 : CCT_ARENA_CHUNK;
        arena_chunk *ch = map_bytes(c, chunk);
        if (!ch)
            return NULL;
        ch->bytes = chunk;
        ch->next = c->chunks;
        c->chunks = ch;
        c->arena_cur = (char *)ch + 64;
        c->arena_left = chunk - 64;
    }
    void *p = c->arena_cur; /* fresh anonymous pages are zero */
    c->arena_cur += bytes;
    c->arena_left -= bytes;
    return p;
}

CCT_NOINSTR static inline size_t seg_len(uint32_t k)
{
    return (size_t)1 << (CCT_SEG0_BITS + k);
}

/* Segment and offset of element i. */
CCT_NOINSTR static inline uint32_t seg_of(uint32_t i, uint32_t *off)
{
    uint64_t j = (uint64_t)i + (1u << CCT_SEG0_BITS);
    uint32_t k = (uint32_t)(63 - __builtin_clzll(j)) - CCT_SEG0_BITS;
    *off = (uint32_t)(j - ((uint64_t)1 << (CCT_SEG0_BITS + k)));
    return k;
}

CCT_NOINSTR static cct_node *node_at(const cct_ctx *c, uint32_t i)
{
    uint32_t off, k = seg_of(i, &off);
    cct_node *seg = atomic_load_explicit(&((cct_ctx *)c)->nseg[k], memory_order_acquire);
    return seg + off;
}

CCT_NOINSTR static cct_func *func_at(const cct_ctx *c, uint32_t i)
{
    uint32_t off, k = seg_of(i, &off);
    cct_func *seg = atomic_load_explicit(&((cct_ctx *)c)->fseg[k], memory_order_acquire);
    return seg + off;
}

/* Slot for element i of a segmented array, mapping its segment if needed; NULL when out
 * of memory or past the last segment. */
CCT_NOINSTR static void *seg_slot(cct_ctx *c, void *_Atomic *segs, uint32_t i, size_t elem)
{
    uint32_t off, k = seg_of(i, &off);
    if (k >= CCT_NSEG)
        return NULL;
    char *seg = atomic_load_explicit(&segs[k], memory_order_relaxed);
    if (!seg) {
        seg = map_bytes(c, seg_len(k) * elem);
        if (!seg)
            return NULL;
        atomic_store_explicit(&segs[k], seg, memory_order_release);
    }
    return seg + (size_t)off * elem;
}

uint64_t cct_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* ---- functions and nodes (cold) ------------------------------------------------------ */

CCT_NOINSTR static int grow_func_table(cct_ctx *c)
{
    uint64_t ncap = c->ft_cap ? c->ft_cap * 2 : 256;
    func_slot *nt = map_bytes(c, ncap * sizeof *nt);
    if (!nt)
        return -1;
    for (uint64_t i = 0; i < c->ft_cap; i++)
        if (c->ft[i].used) {
            uint64_t j = cct_mix64(c->ft[i].addr) & (ncap - 1);
            while (nt[j].used)
                j = (j + 1) & (ncap - 1);
            nt[j] = c->ft[i];
        }
    unmap_bytes(c, c->ft, c->ft_cap * sizeof *c->ft);
    c->ft = nt;
    c->ft_cap = ncap;
    return 0;
}

CCT_NOINSTR static cct_func *func_for(cct_ctx *c, uint64_t addr)
{
    if ((c->ft_used + 1) * 2 > c->ft_cap && grow_func_table(c))
        return NULL;
    uint64_t j = cct_mix64(addr) & (c->ft_cap - 1);
    while (c->ft[j].used) {
        if (c->ft[j].addr == addr)
            return func_at(c, c->ft[j].func);
        j = (j + 1) & (c->ft_cap - 1);
    }
    uint32_t idx = atomic_load_explicit(&c->nfuncs, memory_order_relaxed);
    cct_func *f = seg_slot(c, c->fseg, idx, sizeof *f);
    if (!f)
        return NULL;
    f->addr = addr;
    f->index = idx;
    f->excluded = c->p.classify ? (c->p.classify(c->p.classify_arg, addr) != 0) : 0;
    c->ft[j].addr = addr;
    c->ft[j].func = idx;
    c->ft[j].used = 1;
    c->ft_used++;
    atomic_store_explicit(&c->nfuncs, idx + 1, memory_order_release);
    return f;
}

CCT_NOINSTR static int grow_child_table(cct_ctx *c)
{
    uint64_t ncap = c->ct_cap ? c->ct_cap * 2 : 512;
    child_slot *nt = map_bytes(c, ncap * sizeof *nt);
    if (!nt)
        return -1;
    for (uint64_t i = 0; i < c->ct_cap; i++)
        if (c->ct[i].addr) {
            uint64_t j = cct_mix64(c->ct[i].addr ^ ((uint64_t)c->ct[i].parent << 40)) & (ncap - 1);
            while (nt[j].addr)
                j = (j + 1) & (ncap - 1);
            nt[j] = c->ct[i];
        }
    unmap_bytes(c, c->ct, c->ct_cap * sizeof *c->ct);
    c->ct = nt;
    c->ct_cap = ncap;
    return 0;
}

CCT_NOINSTR static cct_node *new_node(cct_ctx *c, cct_node *parent, uint64_t addr, cct_func *fn)
{
    uint32_t idx = atomic_load_explicit(&c->nnodes, memory_order_relaxed);
    cct_node *n = seg_slot(c, c->nseg, idx, sizeof *n);
    if (!n)
        return NULL;
    n->addr = addr;
    n->parent = parent;
    n->fn = fn;
    n->index = idx;
    n->excluded = fn ? fn->excluded : 0;
    atomic_store_explicit(&n->min, UINT64_MAX, memory_order_relaxed);
    CCT_ASSERT(!parent || parent->index < idx);
    atomic_store_explicit(&c->nnodes, idx + 1, memory_order_release);
    return n;
}

/* The child of parent for addr, created on first sight; NULL when out of memory. */
CCT_NOINSTR __attribute__((noinline)) static cct_node *child_slow(cct_ctx *c, cct_node *parent,
                                                                  uint64_t addr)
{
    if ((c->ct_used + 1) * 2 > c->ct_cap && grow_child_table(c))
        return NULL;
    uint64_t key = addr ? addr : 1; /* 0 marks an empty slot */
    uint64_t j = cct_mix64(key ^ ((uint64_t)parent->index << 40)) & (c->ct_cap - 1);
    while (c->ct[j].addr) {
        if (c->ct[j].addr == key && c->ct[j].parent == parent->index)
            return node_at(c, c->ct[j].child);
        j = (j + 1) & (c->ct_cap - 1);
    }
    cct_func *fn = func_for(c, addr);
    if (!fn)
        return NULL;
    cct_node *n = new_node(c, parent, addr, fn);
    if (!n)
        return NULL;
    c->ct[j].addr = key;
    c->ct[j].parent = parent->index;
    c->ct[j].child = n->index;
    c->ct_used++;
    return n;
}

CCT_NOINSTR static int grow_stack(cct_ctx *c)
{
    uint32_t ncap = c->cap * 2;
    if (ncap > CCT_STACK_HARD_CAP)
        ncap = CCT_STACK_HARD_CAP;
    if (ncap <= c->cap)
        return -1;
    cct_frame *ns = map_bytes(c, (size_t)ncap * sizeof *ns);
    if (!ns)
        return -1;
    memcpy(ns, c->stack, (size_t)c->cap * sizeof *ns);
    cct_frame *old = c->stack;
    uint32_t old_cap = c->cap;
    c->stack = ns;
    c->cap = ncap;
    unmap_bytes(c, old, (size_t)old_cap * sizeof *old);
    return 0;
}

/* ---- create / destroy ---------------------------------------------------------------- */

cct_ctx *cct_create(const cct_params *p)
{
    cct_ctx *c = map_bytes(NULL, sizeof(cct_ctx));
    if (!c)
        return NULL;
    atomic_store_explicit(&c->mapped, sizeof(cct_ctx), memory_order_relaxed);
    c->p = *p;
    c->limit = p->max_depth && p->max_depth < CCT_STACK_HARD_CAP ? p->max_depth : CCT_STACK_HARD_CAP;
    c->cap = c->limit < 256 ? c->limit : 256;
    c->stack = map_bytes(c, (size_t)c->cap * sizeof *c->stack);
    c->root = c->stack ? new_node(c, NULL, 0, NULL) : NULL;
    if (!c->root || grow_child_table(c) || grow_func_table(c)) {
        cct_destroy(c);
        return NULL;
    }
    return c;
}

void cct_destroy(cct_ctx *c)
{
    if (!c)
        return;
    for (uint32_t k = 0; k < CCT_NSEG; k++) {
        unmap_bytes(NULL, atomic_load_explicit(&c->nseg[k], memory_order_relaxed), seg_len(k) * sizeof(cct_node));
        unmap_bytes(NULL, atomic_load_explicit(&c->fseg[k], memory_order_relaxed), seg_len(k) * sizeof(cct_func));
    }
    unmap_bytes(NULL, c->ct, c->ct_cap * sizeof *c->ct);
    unmap_bytes(NULL, c->ft, c->ft_cap * sizeof *c->ft);
    unmap_bytes(NULL, c->stack, (size_t)c->cap * sizeof *c->stack);
    for (uint32_t k = 0; k < CCT_MAX_CONTEXTS; k++)
        if (c->saved[k].key)
            unmap_bytes(NULL, c->saved[k].stack, (size_t)c->saved[k].cap * sizeof(cct_frame));
    arena_chunk *ch = c->chunks;
    while (ch) {
        arena_chunk *next = ch->next;
        unmap_bytes(NULL, ch, ch->bytes);
        ch = next;
    }
    unmap_bytes(NULL, c, sizeof *c);
}

/* ---- hot path ------------------------------------------------------------------------ */

CCT_NOINSTR static inline uint64_t load_own(const cct_u64 *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

CCT_NOINSTR static inline void store_pub(cct_u64 *v, uint64_t x)
{
    atomic_store_explicit(v, x, memory_order_relaxed);
}

CCT_NOINSTR __attribute__((noinline, cold)) static uint64_t refill_ids(cct_ctx *c)
{
    if (!c->p.id_block)
        return 0;
    c->id_next = c->p.id_block(c->p.id_arg);
    c->id_end = c->id_next + CCT_ID_BLOCK;
    return c->id_next++;
}

CCT_NOINSTR static inline uint64_t next_id(cct_ctx *c)
{
    if (CCT_UNLIKELY(c->id_next == c->id_end))
        return refill_ids(c);
    return c->id_next++;
}

CCT_NOINSTR static inline void hist_add(cct_ctx *c, cct_func *f, int which, uint64_t v)
{
    uint32_t b = pscope_hist_bucket(v);
    uint32_t k = b / PSCOPE_HIST_SUB;
    cct_u64 *blk = atomic_load_explicit(&f->block[which][k], memory_order_relaxed);
    if (CCT_UNLIKELY(!blk)) {
        blk = arena_zalloc(c, PSCOPE_HIST_SUB * sizeof *blk);
        if (!blk)
            return; /* out of memory: the node still counts the call */
        atomic_store_explicit(&f->block[which][k], blk, memory_order_release);
    }
    cct_u64 *cell = &blk[b % PSCOPE_HIST_SUB];
    store_pub(cell, load_own(cell) + 1);
}

CCT_NOINSTR static inline void pop(cct_ctx *c, uint64_t now);

/* The frames at or below sp were abandoned: close them at now (see cct_enter). */
CCT_NOINSTR __attribute__((noinline, cold)) static void drop_abandoned(cct_ctx *c, uintptr_t sp, uint64_t now)
{
    if (sp > c->stack[0].sp + CCT_STACK_SLACK)
        return; /* another stack */
    uint64_t n = 0;
    if (c->overflow_open) {
        n += c->overflow_open; /* deeper than the top frame: abandoned with it */
        c->overflow_open = 0;
    }
    uint32_t d;
    while ((d = atomic_load_explicit(&c->depth, memory_order_relaxed)) && c->stack[d - 1].sp &&
           c->stack[d - 1].sp <= sp) {
        pop(c, now);
        n++;
    }
    store_pub(&c->unwound, load_own(&c->unwound) + n);
}

void cct_enter(cct_ctx *c, uint64_t addr, uint64_t now, uintptr_t sp)
{
    store_pub(&c->last_ts, now);
    uint32_t d = atomic_load_explicit(&c->depth, memory_order_relaxed);
    if (CCT_UNLIKELY(d && c->stack[d - 1].sp <= sp) && sp && c->stack[d - 1].sp) {
        drop_abandoned(c, sp, now);
        d = atomic_load_explicit(&c->depth, memory_order_relaxed);
    }
    if (CCT_UNLIKELY(d >= c->cap) && (d >= c->limit || grow_stack(c)))
        goto overflow;
    cct_frame *top = d ? &c->stack[d - 1] : NULL;
    cct_node *parent = top ? top->node : c->root;
    cct_node *n = parent->cache;
    if (CCT_UNLIKELY(!n || n->addr != addr)) {
        n = child_slow(c, parent, addr);
        if (!n)
            goto overflow;
        parent->cache = n;
    }
    cct_frame *f = &c->stack[d];
    f->addr = addr;
    f->start = now;
    f->child = 0;
    f->node = n;
    f->sp = sp;
    f->owner = !top ? -1 : top->node->excluded ? top->owner : (int32_t)(d - 1);
    f->id = c->rows_on ? next_id(c) : 0;
    CCT_ASSERT(f->owner < (int32_t)d && (f->owner < 0 || !c->stack[f->owner].node->excluded));
    atomic_store_explicit(&c->depth, d + 1, memory_order_relaxed);
    atomic_store_explicit(&c->top, n->index, memory_order_relaxed);
    if (CCT_UNLIKELY(d + 1 > c->mds)) {
        c->mds = d + 1;
        store_pub(&c->max_depth_seen, c->mds);
    }
    return;
overflow:
    c->overflow_open++;
    store_pub(&c->overflow, load_own(&c->overflow) + 1);
}

/* Pop the top frame, closing it at now. */
CCT_NOINSTR static inline void pop(cct_ctx *c, uint64_t now)
{
    uint32_t d = atomic_load_explicit(&c->depth, memory_order_relaxed) - 1;
    cct_frame *f = &c->stack[d];
    atomic_store_explicit(&c->depth, d, memory_order_relaxed);
    atomic_store_explicit(&c->top, d ? c->stack[d - 1].node->index : 0, memory_order_relaxed);
    cct_node *n = f->node;
    if (CCT_UNLIKELY(n->excluded))
        return;
    uint64_t dur = now > f->start ? now - f->start : 0;
    uint64_t self = dur > f->child ? dur - f->child : 0;
    if (f->owner >= 0)
        c->stack[f->owner].child += dur;
    /* sequence lock: odd while the figures change */
    uint32_t s = atomic_load_explicit(&n->seq, memory_order_relaxed);
    atomic_store_explicit(&n->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    store_pub(&n->calls, load_own(&n->calls) + 1);
    store_pub(&n->total, load_own(&n->total) + dur);
    store_pub(&n->self, load_own(&n->self) + self);
    if (dur < load_own(&n->min))
        store_pub(&n->min, dur);
    if (dur > load_own(&n->max))
        store_pub(&n->max, dur);
    uint64_t bits = load_own(&n->sum_sq_bits);
    double sq;
    memcpy(&sq, &bits, sizeof sq);
    sq += (double)dur * (double)dur;
    memcpy(&bits, &sq, sizeof bits);
    store_pub(&n->sum_sq_bits, bits);
    atomic_store_explicit(&n->seq, s + 2, memory_order_release);

    cct_func *fn = n->fn;
    hist_add(c, fn, 0, dur);
    hist_add(c, fn, 1, self);
    store_pub(&fn->calls, load_own(&fn->calls) + 1);
    store_pub(&c->calls, ++c->ncalls);
    if (f->id && c->p.on_row) {
        cct_row r = {.id = f->id, .parent_id = f->owner >= 0 ? c->stack[f->owner].id : 0,
                     .ts = f->start, .dur = dur, .self = self, .node = n->index};
        c->p.on_row(c->p.row_arg, &r);
    }
}

/* A stray exit: close the frames above the nearest frame of addr (searching at most
 * CCT_UNWIND_SEARCH frames). Returns 1 when found (the match is then on top), else 0. */
CCT_NOINSTR __attribute__((noinline, cold)) static int unwind_to(cct_ctx *c, uint64_t addr, uint64_t now)
{
    uint32_t d = atomic_load_explicit(&c->depth, memory_order_relaxed);
    uint32_t i = d - 1, lim = d > CCT_UNWIND_SEARCH ? d - CCT_UNWIND_SEARCH : 0;
    while (i > lim && c->stack[i].addr != addr)
        i--;
    if (c->stack[i].addr != addr)
        return 0;
    uint64_t n = 0;
    while (atomic_load_explicit(&c->depth, memory_order_relaxed) > i + 1) {
        pop(c, now);
        n++;
    }
    store_pub(&c->unwound, load_own(&c->unwound) + n);
    return 1;
}

void cct_exit(cct_ctx *c, uint64_t addr, uint64_t now)
{
    store_pub(&c->last_ts, now);
    if (CCT_UNLIKELY(c->overflow_open)) {
        c->overflow_open--;
        return;
    }
    uint32_t d = atomic_load_explicit(&c->depth, memory_order_relaxed);
    if (CCT_UNLIKELY(!d || (c->stack[d - 1].addr != addr && !unwind_to(c, addr, now)))) {
        store_pub(&c->unmatched, load_own(&c->unmatched) + 1);
        return;
    }
    pop(c, now);
}

/* Make the stack of slot k current, saving nothing (the caller saved the current one). */
CCT_NOINSTR static void load_saved(cct_ctx *c, uint32_t k)
{
    c->stack = c->saved[k].stack;
    c->cap = c->saved[k].cap;
    c->overflow_open = c->saved[k].overflow_open;
    uint32_t d = c->saved[k].depth;
    c->saved[k].key = 0;
    atomic_store_explicit(&c->depth, d, memory_order_relaxed);
    atomic_store_explicit(&c->top, d ? c->stack[d - 1].node->index : 0, memory_order_relaxed);
}

void cct_close_all(cct_ctx *c, uint64_t now)
{
    if (now > load_own(&c->last_ts))
        store_pub(&c->last_ts, now);
    for (uint32_t k = 0;; k++) {
        c->overflow_open = 0;
        while (atomic_load_explicit(&c->depth, memory_order_relaxed))
            pop(c, now);
        while (k < CCT_MAX_CONTEXTS && !c->saved[k].key)
            k++;
        if (k == CCT_MAX_CONTEXTS)
            return;
        /* a suspended context's frames close too; its stack replaces the empty one */
        unmap_bytes(c, c->stack, (size_t)c->cap * sizeof *c->stack);
        load_saved(c, k);
    }
}

int cct_switch(cct_ctx *c, uintptr_t from, uintptr_t to)
{
    if (!from || !to || from == to)
        return -1;
    uint32_t free_slot = CCT_MAX_CONTEXTS, to_slot = CCT_MAX_CONTEXTS;
    for (uint32_t k = 0; k < CCT_MAX_CONTEXTS; k++) {
        if (c->saved[k].key == to)
            to_slot = k;
        else if (!c->saved[k].key && free_slot == CCT_MAX_CONTEXTS)
            free_slot = k;
    }
    cct_frame *fresh = NULL;
    uint32_t fresh_cap = c->limit < 256 ? c->limit : 256;
    if (to_slot == CCT_MAX_CONTEXTS) {
        /* a context never seen: it starts with an empty stack of its own */
        fresh = map_bytes(c, (size_t)fresh_cap * sizeof *fresh);
        if (!fresh)
            return -1;
    }
    if (free_slot == CCT_MAX_CONTEXTS) {
        unmap_bytes(c, fresh, (size_t)fresh_cap * sizeof *fresh);
        return -1; /* too many suspended contexts: keep one stack, as without switching */
    }
    c->saved[free_slot] = (saved_stack){from, c->stack, atomic_load_explicit(&c->depth, memory_order_relaxed),
                                        c->cap, c->overflow_open};
    if (fresh) {
        c->stack = fresh;
        c->cap = fresh_cap;
        c->overflow_open = 0;
        atomic_store_explicit(&c->depth, 0, memory_order_relaxed);
        atomic_store_explicit(&c->top, 0, memory_order_relaxed);
    } else {
        load_saved(c, to_slot);
    }
    return 0;
}

void cct_copy_stack(cct_ctx *c, const cct_ctx *src, uint64_t now)
{
    uint32_t d = atomic_load_explicit(&((cct_ctx *)src)->depth, memory_order_relaxed);
    for (uint32_t i = 0; i < d; i++)
        cct_enter(c, src->stack[i].addr, now, src->stack[i].sp);
    c->overflow_open += src->overflow_open;
}

void cct_set_rows(cct_ctx *c, int on)
{
    c->rows_on = on ? 1u : 0u;
}

/* ---- readers ------------------------------------------------------------------------- */

uint32_t cct_node_count(const cct_ctx *c)
{
    return atomic_load_explicit(&((cct_ctx *)c)->nnodes, memory_order_acquire);
}

void cct_node_info(const cct_ctx *c, uint32_t i, uint64_t *addr, uint32_t *parent, uint32_t *func,
                   int *excluded)
{
    const cct_node *n = node_at(c, i);
    *addr = n->addr;
    *parent = n->parent ? n->parent->index : 0;
    *func = n->fn ? n->fn->index : 0;
    *excluded = (int)n->excluded;
}

void cct_node_read(const cct_ctx *c, uint32_t i, cct_figures *out)
{
    cct_node *n = node_at(c, i);
    for (;;) {
        uint32_t s1 = atomic_load_explicit(&n->seq, memory_order_acquire);
        if (s1 & 1u) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause(); /* the owner is inside its few stores */
#endif
            continue;
        }
        out->calls = atomic_load_explicit(&n->calls, memory_order_relaxed);
        out->total = atomic_load_explicit(&n->total, memory_order_relaxed);
        out->self = atomic_load_explicit(&n->self, memory_order_relaxed);
        out->min = atomic_load_explicit(&n->min, memory_order_relaxed);
        out->max = atomic_load_explicit(&n->max, memory_order_relaxed);
        uint64_t bits = atomic_load_explicit(&n->sum_sq_bits, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&n->seq, memory_order_relaxed) == s1) {
            memcpy(&out->sum_sq, &bits, sizeof bits);
            return;
        }
    }
}

uint32_t cct_func_count(const cct_ctx *c)
{
    return atomic_load_explicit(&((cct_ctx *)c)->nfuncs, memory_order_acquire);
}

uint64_t cct_func_addr(const cct_ctx *c, uint32_t i)
{
    return func_at(c, i)->addr;
}

uint64_t cct_func_calls(const cct_ctx *c, uint32_t i)
{
    return atomic_load_explicit(&func_at(c, i)->calls, memory_order_relaxed);
}

int cct_func_hist_block(const cct_ctx *c, uint32_t i, int self, uint32_t block, uint64_t *out)
{
    cct_u64 *blk = atomic_load_explicit(&func_at(c, i)->block[self ? 1 : 0][block], memory_order_acquire);
    if (!blk)
        return 0;
    for (uint32_t j = 0; j < PSCOPE_HIST_SUB; j++)
        out[j] = atomic_load_explicit(&blk[j], memory_order_relaxed);
    return 1;
}

void cct_read_counters(const cct_ctx *c, cct_counters *out)
{
    cct_ctx *m = (cct_ctx *)c;
    out->calls = atomic_load_explicit(&m->calls, memory_order_relaxed);
    out->unmatched = atomic_load_explicit(&m->unmatched, memory_order_relaxed);
    out->unwound = atomic_load_explicit(&m->unwound, memory_order_relaxed);
    out->overflow = atomic_load_explicit(&m->overflow, memory_order_relaxed);
    out->max_depth_seen = atomic_load_explicit(&m->max_depth_seen, memory_order_relaxed);
    out->last_ts = atomic_load_explicit(&m->last_ts, memory_order_relaxed);
    out->depth = atomic_load_explicit(&m->depth, memory_order_relaxed);
}

uint32_t cct_top_node(const cct_ctx *c)
{
    return atomic_load_explicit(&((cct_ctx *)c)->top, memory_order_relaxed);
}

size_t cct_mapped_bytes(const cct_ctx *c)
{
    return atomic_load_explicit(&((cct_ctx *)c)->mapped, memory_order_relaxed);
}
