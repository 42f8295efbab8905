/* libcollect/trace.h: the writer's side of the full trace (config `trace: full`): it
 * appends each thread's completed calls to that thread's current block, encodes a block
 * when it holds PSC_TRACE_BLOCK_CALLS calls (common/traceblk.h, with the writer's local
 * call-path and function indices), and at each flush inserts the encoded blocks with
 * their final database ids, one INSERT per block, inside the writer's transaction — so a
 * block is committed whole or not at all. It also keeps the run's trace columns
 * (trace_bytes, trace_calls, trace_truncated) and enforces trace_max_bytes.
 *
 * Writer thread only (no locking). Memory per thread: the open block (PSC_TRACE_BLOCK_CALLS
 * calls of 56 bytes) plus the encoded blocks waiting for the next flush (~2-7 B/call).
 */
#ifndef PSC_TRACE_H
#define PSC_TRACE_H

#include <sqlite3.h>
#include <stdint.h>

#include "traceblk.h"

#define PSC_TRACE_BLOCK_CALLS 16384u /* calls per block: ~40 kB blobs on call-heavy code */
#define PSC_TRACE_ZSTD_LEVEL 1       /* measured best speed/size (docs/schema.md) */

typedef struct psc_trace psc_trace; /* one thread's open block and pending blocks */

/* Start a run's trace state: full = config trace is 'full', max_bytes = trace_max_bytes
 * (0 = no cap). Forgets any previous run's state without touching its SQLite objects
 * (which may belong to the parent's connection after fork). */
__attribute__((no_instrument_function)) void psc_trace_start(int full, uint64_t max_bytes);

/* Is the full trace on and not yet truncated by the cap? */
__attribute__((no_instrument_function)) int psc_trace_on(void);

/* Append one completed call of a thread (completion order) to *tp (allocated on first
 * use; freed with psc_trace_free). cp and func are the writer's local indices, resolved
 * to database ids at write time through the map of psc_trace_write. No-op when the
 * trace is off or truncated. */
__attribute__((no_instrument_function)) void psc_trace_add(psc_trace **tp, uint64_t seq,
                                                            uint64_t parent_seq, uint32_t cp,
                                                            uint32_t func, uint32_t depth,
                                                            uint64_t ts, uint64_t dur,
                                                            uint64_t self);

/* Insert t's encoded blocks (and, when final, its partly filled block) into call_block
 * of db for run_id / thread_db_id, mapping local ids through map (arg: (cp, func) in,
 * database ids out). Call inside the writer's transaction, after the thread, function
 * and call-path rows are written. A block that would exceed the cap is dropped, and so
 * is everything after it (run.trace_truncated = 1). Returns 0, or -1 on an SQLite error
 * (the caller rolls back). t may be NULL. */
__attribute__((no_instrument_function)) int psc_trace_write(sqlite3 *db, psc_trace *t,
                                                             int64_t run_id, int64_t thread_db_id,
                                                             int final, pscope_tb_map_fn map,
                                                             void *arg);

/* Update the run row's trace columns when they changed since the last call (always when
 * force), in the same transaction as the blocks, so run.trace_calls always equals the
 * calls of the committed blocks. Returns 0 or -1 on an SQLite error. */
__attribute__((no_instrument_function)) int psc_trace_write_run(sqlite3 *db, int64_t run_id,
                                                                 int force);

/* Free a thread's trace state (NULL is fine). */
__attribute__((no_instrument_function)) void psc_trace_free(psc_trace *t);

/* End of the run: release the prepared statement (on this process's connection). */
__attribute__((no_instrument_function)) void psc_trace_stop(void);

#endif
