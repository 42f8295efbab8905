/* tools/lib/export.h: pscope-export's library — the data layer that loads a run's
 * functions and calling-context tree through sql/export_*.sql, and one writer per output
 * format (FlameGraph folded stacks, Chrome Trace Event JSON, pprof profile.proto).
 * docs/export.md is the manual: what each format contains and how values map.
 */
#ifndef PSCOPE_EXPORT_H
#define PSCOPE_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptool.h"

typedef struct exp_func {
    int64_t id;
    char *name, *file, *module; /* file/module NULL when unknown */
    int64_t line;               /* 0 when unknown */
    int keep;                   /* passes the --filter/--exclude patterns */
} exp_func;

typedef struct exp_path {
    int64_t id;
    int64_t parent;  /* index into paths[] of the caller's node; -1 at a root */
    size_t func;     /* index into funcs[] */
    int64_t calls, self_dur, total_dur;
} exp_path;

typedef struct exp_profile {
    exp_func *funcs;  /* ascending id */
    size_t nfuncs;
    exp_path *paths;  /* parents before children */
    size_t npaths;
} exp_profile;

/* Load run `run`'s functions (keep set by `filter`, NULL keeps all) and call paths into
 * *p (free with exp_profile_free). Returns 0 or PT_EXIT_DATA (message printed; also when
 * a call path names a function or parent not in the run: a damaged database). */
int exp_load(pt_db *db, int64_t run, const pt_filter *filter, exp_profile *p);

/* Free what exp_load allocated and zero *p. */
void exp_profile_free(exp_profile *p);

/* Index into p->funcs of function id `id`, or -1. */
long exp_func_index(const exp_profile *p, int64_t id);

/* FlameGraph folded stacks: one line "root;...;leaf WEIGHT" per call path whose leaf
 * passes the filter and whose weight is not 0; weight = self time in ns, or calls when
 * weight_calls. ';' inside a name becomes ':' and control characters '?', so a name can
 * never split a frame or a line; spaces are kept (flamegraph.pl and speedscope take the
 * last space-separated field as the weight). Returns the number of lines written. */
size_t exp_write_folded(FILE *f, const exp_profile *p, int weight_calls);

/* Chrome Trace Event JSON: {"traceEvents": [process_name and thread_name metadata, one
 * complete "X" event per stored call (µs timestamps with ns decimals, pid = run.pid, tid =
 * the thread's OS id)], "displayTimeUnit": "ns", "otherData": {...}}. Calls of functions
 * failing the filter are left out. *events gets the number of X events. Returns 0 or
 * PT_EXIT_DATA (query failed). */
int exp_write_chrome(FILE *f, pt_db *db, const pt_run *run, const exp_profile *p,
                     uint64_t *events);

/* pprof: a gzip-compressed perftools.profiles.Profile with sample types calls/count,
 * self/nanoseconds, total/nanoseconds, one sample per call path whose leaf passes the
 * filter (its stack leaf first), one function and one location per pscope function
 * (file:line when known). Returns 0, or PT_EXIT_DATA after a message (encoding or
 * compression failure). */
int exp_write_pprof(FILE *f, const pt_run *run, const exp_profile *p);

#endif
