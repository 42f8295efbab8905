/* tools/lib/import_internal.h: the run builder's data structures, shared by the files of
 * pscope-import's library (import_run.c builds them, import_store.c writes them). Not for
 * tools: they use import.h. */
#ifndef PSCOPE_IMPORT_INTERNAL_H
#define PSCOPE_IMPORT_INTERNAL_H

#include <stdint.h>

#include "hist.h"
#include "import.h"

typedef struct imp_fstat {
    int64_t calls, primitive, total, self, sum, min, max;
    double sum_sq;
    pscope_hist hist, self_hist;
} imp_fstat;

typedef struct imp_func {
    char *name, *module, *file;
    int64_t line;
    uint64_t address, offset;
    imp_fstat st;
} imp_func;

typedef struct imp_node {
    uint32_t parent; /* UINT32_MAX for a root */
    uint32_t func, depth;
    int64_t calls, total, self, min, max;
} imp_node;

typedef struct imp_frame {
    uint32_t func, node;
    int64_t ts, child; /* entry time; inclusive time of the completed callees */
    uint64_t seq;      /* entry sequence number within the run */
    int outer;         /* 1 when the function was not already open on this thread */
} imp_frame;

typedef struct imp_tstat {
    int64_t calls, total, self;
} imp_tstat;

typedef struct imp_thread_t {
    int64_t tid;
    char *name;
    imp_frame *stack;
    uint32_t depth, cap;
    uint64_t overflow;   /* open frames past the depth limit */
    uint32_t *active;    /* per function: open frames of it on this thread */
    imp_tstat *stats;    /* per function: thread_stat figures */
    uint32_t nfunc_cap;  /* length of active[] and stats[] */
    int64_t first_ts, last_ts, calls;
} imp_thread_t;

typedef struct imp_row {
    uint64_t seq, parent_seq; /* parent_seq UINT64_MAX at depth 0 */
    uint32_t thread, node, func, depth;
    int64_t ts, dur, self;
} imp_row;

/* Open-addressing table of indexes + 1 (0 = empty); callers compare candidates. */
typedef struct imp_slots {
    uint32_t *slot;
    size_t cap; /* power of two */
    size_t used;
} imp_slots;

typedef struct imp_caller {
    uint32_t callee, caller;
    int64_t calls, primitive, total, self;
} imp_caller;

struct imp_builder {
    imp_func *funcs;
    uint32_t nfuncs, capfuncs;
    imp_thread_t *threads;
    uint32_t nthreads, capthreads;
    imp_node *nodes;
    uint32_t nnodes, capnodes;
    imp_row *rows;
    uint64_t nrows, caprows, max_calls;
    imp_caller *callers;
    size_t ncallers;
    imp_slots func_slots, node_slots;
    uint64_t seq, calls, unmatched, unclosed, depth_overflow;
    uint64_t events_lost; /* events the input says it lost (uftrace "lost" records) */
    uint32_t max_depth;
    int64_t min_ts; /* earliest timestamp of the input: the run's time origin */
    int aggregate_only;
    char **strings; /* strings kept until imp_free (imp_keep_string) */
    size_t nstrings;
};

/* Keep a malloc'd string until imp_free; returns it. */
const char *imp_keep_string(imp_builder *b, char *s);

#endif
