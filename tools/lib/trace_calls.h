/* tools/lib/trace_calls.h: the tools' reader of the full trace (call_block, format in
 * docs/schema.md "Trace blocks"): a run's trace state, and every call of a run — or of a
 * thread, a function, an entry-time range — decoded straight from the blocks (no SQL per
 * call), skipping blocks by thread and time in SQL and by function through each block's
 * call-path dictionary. The SQL view of the same data is the pscope_calls(run)
 * table-valued function (tools/sqlext/pscope_calls_vtab.h), registered on every pt_db.
 */
#ifndef PT_TRACE_CALLS_H
#define PT_TRACE_CALLS_H

#include <stdint.h>

#include "ptool.h"
#include "traceblk.h"

/* A run's full-trace state (all zero when the database predates the trace). */
typedef struct pt_trace_state {
    int available;           /* the database has call_block and the run's trace columns */
    int full;                /* run.trace = 'full' */
    int complete;            /* full and every call seen is in the trace */
    int truncated;           /* run.trace_truncated: the cap was hit */
    int64_t calls_seen, calls_stored, trace_calls, trace_bytes, trace_max_bytes;
    char call_rule[16];      /* run.call_rule ('first' when absent) */
} pt_trace_state;

/* Fill *st for run_id. Returns 0, or PT_EXIT_DATA after pt_error on an SQL failure or an
 * unknown run. A database without the trace columns gives available = 0 and returns 0. */
int pt_trace_state_get(pt_db *db, int64_t run_id, pt_trace_state *st);

/* Which calls pt_trace_each passes on: 0 = any thread/function; ts bounds inclusive. */
typedef struct pt_trace_filter {
    int64_t thread_id;
    int64_t function_id;
    uint64_t ts_lo, ts_hi;
} pt_trace_filter;

/* A filter passing everything. */
void pt_trace_filter_all(pt_trace_filter *f);

/* Called for each call (completion order within a block, blocks in id order); thread_id
 * is the block's thread. Return 0 to go on, non-zero to stop. */
typedef int (*pt_trace_fn)(void *arg, int64_t thread_id, const pscope_tcall *call);

/* Call fn for every call of run_id in call_block that passes f (NULL = all). Returns 0
 * when done, 1 when fn stopped it, PT_EXIT_DATA after pt_error("DB: call_block ID:
 * problem") on a block that does not decode or belongs elsewhere, or after an SQL error.
 * A database without call_block has no calls (returns 0). */
int pt_trace_each(pt_db *db, int64_t run_id, const pt_trace_filter *f, pt_trace_fn fn, void *arg);

#endif
