/* libcollect/cct.h: one thread's shadow stack and calling-context tree (cct.c).
 *
 * A cct_ctx belongs to one program thread (the owner), which feeds it enter/exit events
 * with timestamps in ns. At each completed call the owner updates, in the tree node of
 * the call's path, exact figures (calls, inclusive, self, min, max, sum of squares) and,
 * per function, two log-linear histograms (inclusive and self duration, common/hist.h
 * buckets). Any other thread (the writer) may read the tree at any time while it changes.
 * The context has no hidden globals: everything it needs comes through cct_params, so
 * unit tests feed it synthetic sequences (tests/unit/test_cct.c).
 *
 * Memory: the context, its stack, its nodes, functions and histogram blocks come from
 * mmap (never malloc), in segments that never move once published; cct_destroy returns
 * everything.
 *
 * Snapshot consistency rule (readers): a node's figures are read under a per-node
 * sequence lock, so the figures of one node always describe the same set of completed
 * calls, and only completed calls (open frames count nothing until they close). Nodes are
 * read one after another, so a snapshot of a busy thread is, node by node, the state at
 * some instant during the read; the histograms of a function may be one call ahead or
 * behind its nodes. Every figure only grows (min only shrinks), so the next snapshot
 * includes whatever the previous one missed, and the snapshot taken after the owner has
 * stopped (thread exit, run end) is exact.
 */
#ifndef PSCOPE_CCT_H
#define PSCOPE_CCT_H

#include <stddef.h>
#include <stdint.h>

#define CCT_NOINSTR __attribute__((no_instrument_function))

typedef struct cct_ctx cct_ctx;

/* Row of one completed call, given to params.on_row while rows are on. */
typedef struct cct_row {
    uint64_t id;        /* call id (from params.id_block), unique in the run */
    uint64_t parent_id; /* id of the nearest non-excluded caller, 0 for a root */
    uint64_t ts;        /* entry time, ns */
    uint64_t dur;       /* inclusive duration, ns */
    uint64_t self;      /* self duration, ns */
    uint32_t node;      /* tree node of the call */
    uint32_t flags;     /* 0 from cct; free for the row's consumer (hooks.c: PSC_ROW_*) */
} cct_row;

#define CCT_ID_BLOCK 4096u /* ids taken from params.id_block at a time */

typedef struct cct_params {
    /* Frames deeper than this are counted (overflow) and folded into the deepest
     * tracked frame; 0 means no limit but the stack memory cap. */
    uint32_t max_depth;
    /* Called on the first sight of a function address in this context: returns 1 when
     * the function is excluded (it then behaves as if inlined into its caller). NULL:
     * nothing is excluded. Called on the owner thread. */
    int (*classify)(void *arg, uint64_t addr);
    void *classify_arg;
    /* Called at each completed non-excluded call while rows are on (cct_set_rows). */
    void (*on_row)(void *arg, const cct_row *row);
    void *row_arg;
    /* Returns the first of CCT_ID_BLOCK consecutive call ids reserved for the caller. */
    uint64_t (*id_block)(void *arg);
    void *id_arg;
} cct_params;

/* Figures of one node (or of a function) over its completed calls. */
typedef struct cct_figures {
    uint64_t calls, total, self, min, max; /* min is UINT64_MAX while calls == 0 */
    double sum_sq;                         /* sum of squared inclusive durations, ns^2 */
} cct_figures;

/* Thread-level counters (cct_read_counters). */
typedef struct cct_counters {
    uint64_t calls;          /* completed non-excluded calls */
    uint64_t unmatched;      /* exits with no matching open frame */
    uint64_t unwound;        /* open frames found abandoned (non-local exit) and closed */
    uint64_t overflow;       /* frames that went beyond max_depth (or the stack cap) */
    uint64_t max_depth_seen; /* deepest stack, frames */
    uint64_t last_ts;        /* timestamp of the last event, ns */
    uint32_t depth;          /* open frames now (tracked ones) */
} cct_counters;

/* ---- owner side ---------------------------------------------------------------------- */

/* New empty context (only the virtual root node 0), or NULL if memory cannot be mapped.
 * errno is preserved. The caller destroys it with cct_destroy. */
CCT_NOINSTR cct_ctx *cct_create(const cct_params *p);

/* Unmap everything of c (NULL is fine). No thread may use c any more. */
CCT_NOINSTR void cct_destroy(cct_ctx *c);

/* Function addr entered at time now (ns) at stack position sp (the address of the
 * function's return-address slot: equal for calls from the same place, lower for deeper
 * calls; 0 if unknown). Open frames at or below sp on the same stack were abandoned by a
 * non-local exit (longjmp, siglongjmp): they are closed at now and counted as unwound
 * before the new frame is pushed. Frames of unknown position are never judged so. */
CCT_NOINSTR void cct_enter(cct_ctx *c, uint64_t addr, uint64_t now, uintptr_t sp);

/* Function addr returned at time now. An exit that does not match the top closes the
 * frames above the nearest matching frame (within 256 frames) first, counting them as
 * unwound; with no match it is counted as unmatched and changes nothing. */
CCT_NOINSTR void cct_exit(cct_ctx *c, uint64_t addr, uint64_t now);

/* Close every open frame at time now (thread end, run end), innermost first; now becomes
 * the last event's time if later. Only the owner, or another thread while the owner is
 * known to be outside cct, may call it. */
CCT_NOINSTR void cct_close_all(cct_ctx *c, uint64_t now);

/* The thread switches from the user context `from` to the context `to` (swapcontext;
 * any nonzero keys that name the contexts, e.g. their ucontext_t addresses): the current
 * shadow stack is set aside under `from`, and `to`'s stack, or an empty one for a context
 * not seen before, becomes current. So each coroutine's calls nest only under its own
 * frames; a coroutine's first function is a root of the tree, like a thread's. Returns 0,
 * or -1 when nothing was switched (bad keys, out of memory, 64 contexts already set
 * aside). cct_close_all closes the frames of every context. */
CCT_NOINSTR int cct_switch(cct_ctx *c, uintptr_t from, uintptr_t to);

/* Enter, in c, the open frames of src (bottom first) at time now, so that c starts with
 * src's stack (a forked child). src is not changed. */
CCT_NOINSTR void cct_copy_stack(cct_ctx *c, const cct_ctx *src, uint64_t now);

/* Rows on (1) or off (0) from the next entered frame on. */
CCT_NOINSTR void cct_set_rows(cct_ctx *c, int on);

/* ---- reader side (any thread, while the owner runs) ------------------------------------ */

/* Number of published nodes (node 0 is the virtual root); nodes never go away. */
CCT_NOINSTR uint32_t cct_node_count(const cct_ctx *c);

/* Static facts of published node i (< cct_node_count): function address (0 for the
 * root), parent node (0 for the root's children and the root), function index, and
 * whether the function is excluded (such a node never has figures; its children belong
 * to the nearest non-excluded ancestor). */
CCT_NOINSTR void cct_node_info(const cct_ctx *c, uint32_t i, uint64_t *addr, uint32_t *parent,
                               uint32_t *func, int *excluded);

/* Consistent figures of node i (see the snapshot rule above). */
CCT_NOINSTR void cct_node_read(const cct_ctx *c, uint32_t i, cct_figures *out);

/* Number of published functions, and the address / completed-call count of function i. */
CCT_NOINSTR uint32_t cct_func_count(const cct_ctx *c);
CCT_NOINSTR uint64_t cct_func_addr(const cct_ctx *c, uint32_t i);
CCT_NOINSTR uint64_t cct_func_calls(const cct_ctx *c, uint32_t i);

/* Block `block` (< PSCOPE_HIST_BLOCKS) of function i's histogram (self = 0: inclusive
 * durations, 1: self durations) into out[PSCOPE_HIST_SUB]. Returns 0 when the block is
 * still empty (out untouched), 1 otherwise. */
CCT_NOINSTR int cct_func_hist_block(const cct_ctx *c, uint32_t i, int self, uint32_t block,
                                    uint64_t *out);

/* Thread-level counters. */
CCT_NOINSTR void cct_read_counters(const cct_ctx *c, cct_counters *out);

/* Node of the innermost open frame (0 when none): what the thread is running now. */
CCT_NOINSTR uint32_t cct_top_node(const cct_ctx *c);

/* A 64-bit mixing function for hash tables (murmur3's finalizer): every input bit
 * affects every output bit. Pure. */
CCT_NOINSTR uint64_t cct_mix64(uint64_t x);

/* Bytes mapped by c (context, stack, nodes, tables, histograms). */
CCT_NOINSTR size_t cct_mapped_bytes(const cct_ctx *c);

#endif
