/* tools/lib/rundata_honest.h: the "honest times" part of the data layer (rundata.h) —
 * what of a run's measured time is not the program's own work:
 *
 *   - the hooks' cost per call (run.hook_ns, run.hook_inner_ns), removed from self and
 *     inclusive times exactly from the calling-context tree and its call counts;
 *   - the time program threads waited for the collector (run/thread.collector_wait_ns);
 *   - per function and call path, the share of its self time its thread was on a CPU,
 *     estimated from the sampler's per-thread CPU readings (resource_sample).
 *
 * The formulas and their limits are in docs/stats.md ("Hook cost compensation", "On CPU
 * or waiting"). The pure cores (pt_comp_tree, pt_oncpu_share) take plain arrays, so the
 * unit tests feed them synthetic trees; pt_honest_load reads a run through
 * sql/stats_run_columns.sql, stats_run_honest.sql, stats_comp_callpaths.sql and
 * stats_oncpu.sql and tolerates version-1 databases (no calibration: NAN).
 */
#ifndef PSCOPE_RUNDATA_HONEST_H
#define PSCOPE_RUNDATA_HONEST_H

#include <stddef.h>
#include <stdint.h>

#include "ptool.h"

/* Fewer thread samples than this behind a function or call path: no on-CPU estimate. */
#define PT_ONCPU_MIN_SAMPLES 3

/* One node of the calling-context tree as the compensation needs it. */
typedef struct pt_cp_in {
    int64_t id, parent_id, function_id; /* parent_id -1 for roots */
    int64_t calls;
} pt_cp_in;

/* Per node results of pt_comp_tree. sub_outer is what compensation removes from the
 * node's inclusive time: calls * inner + desc_calls * hook. */
typedef struct pt_cp_comp {
    int64_t id, function_id;
    double child_calls;  /* calls of the node's children (calls it made) */
    double desc_calls;   /* calls of every node below it */
    int outermost;       /* no ancestor runs the same function */
    double self_sub;     /* to subtract from the node's self time */
    double total_sub;    /* to subtract from the node's inclusive time */
    int64_t samples;     /* on-CPU: thread samples with this node on top */
    double cpu_ns, window_ns;
    int64_t runq_samples; /* of those, samples recording run-queue waits (runq_ns) */
    double runq_ns;
} pt_cp_comp;

/* Per function totals over its nodes. */
typedef struct pt_fn_comp {
    int64_t function_id;
    double child_calls;  /* calls made from the function (all its nodes) */
    double outer_sub;    /* inclusive-time correction over its outermost nodes */
    double all_sub;      /* correction of the sum of all its calls' durations */
    int64_t samples;     /* on-CPU: thread samples with the function on top */
    double cpu_ns, window_ns;
    int64_t runq_samples;
    double runq_ns;
} pt_fn_comp;

/* Everything the views need about one run; NAN for a value the run does not record. */
typedef struct pt_honest {
    double hook_ns, hook_inner_ns;  /* hook_inner_ns is 0 when only hook_ns is known */
    double collector_wait_ns;       /* run's total; NAN when not measured */
    pt_cp_comp *cp;                 /* ascending id */
    size_t ncp;
    pt_fn_comp *fn;                 /* ascending function_id */
    size_t nfn;
    int64_t cpu_samples;            /* thread samples with a window and a call path */
} pt_honest;

/* Count, for nodes[0..n) in an order where every parent precedes its children (depth,
 * then id), each node's child and descendant calls and whether it is its function's
 * outermost frame, and the corrections for hook cost `hook` per call of which `inner`
 * falls inside the callee's own measured duration (0 <= inner <= hook; with hook 0 every
 * correction is 0). Fills out[0..n) in ascending id; a node whose parent is not among the
 * nodes counts as a root. Returns 0, or -1 when an id repeats. */
int pt_comp_tree(const pt_cp_in *nodes, size_t n, double hook, double inner,
                 pt_cp_comp *out);

/* Sum the nodes cp[0..n) (ascending id) into per-function totals: a new array *fn
 * ascending function_id (caller frees), *nfn entries. */
void pt_comp_functions(const pt_cp_comp *cp, size_t n, pt_fn_comp **fn, size_t *nfn);

/* On-CPU share from `samples` windows holding cpu_ns of CPU in window_ns: cpu/window
 * clamped to [0, 1]; NAN below PT_ONCPU_MIN_SAMPLES samples or without window time. */
double pt_oncpu_share(int64_t samples, double cpu_ns, double window_ns);

/* Blocked share (sleeping: locks, I/O, condition variables): 1 - (cpu + runq)/window when
 * every sample recorded its run-queue wait (runq_samples == samples), else 1 - on-CPU
 * share (not running, for whatever reason); NAN when the on-CPU share is. Clamped to
 * [0, 1]. */
double pt_blocked_share(int64_t samples, double cpu_ns, double window_ns, int64_t runq_samples,
                        double runq_ns);

/* Read run `run_id`: calibration and waits (version-1 databases: NAN), the tree with its
 * corrections (zero without a calibration) and the sampler's CPU per node and function.
 * 0, or PT_EXIT_DATA after a message. Free with pt_honest_free. */
int pt_honest_load(pt_db *db, int64_t run_id, pt_honest *out);
void pt_honest_free(pt_honest *h);

/* Lookups by id (binary search); NULL when absent. */
const pt_fn_comp *pt_honest_fn(const pt_honest *h, int64_t function_id);
const pt_cp_comp *pt_honest_cp(const pt_honest *h, int64_t callpath_id);

/* 1 when the run has a hook calibration to compensate with. */
int pt_honest_calibrated(const pt_honest *h);

#endif
