/* tools/lib/import.h: pscope-import's library — a run builder that turns foreign profiles
 * into the figures the collector stores, one writer that inserts a built run into a pscope
 * database in one transaction, and one reader per input format (uftrace data directory,
 * Chrome Trace Event JSON, cProfile/pstats marshal file). docs/export.md is the manual.
 *
 * Flow: a reader creates functions and threads in an imp_builder and feeds it either
 * per-call events (imp_enter/imp_exit: the builder keeps a shadow stack per thread and
 * derives exactly what the collector derives — function_stat with recursion counted once,
 * both histograms, the calling-context tree, thread_stat and raw call rows up to a budget)
 * or, for aggregate-only inputs (cProfile), finished per-function figures
 * (imp_set_function_stat, imp_add_caller). imp_write then stores the run.
 *
 * Errors: readers print one line "FILE: offset N: problem" (or "record N") with pt_error
 * and return PT_EXIT_DATA; nothing is written for an input that fails.
 */
#ifndef PSCOPE_IMPORT_H
#define PSCOPE_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#define IMP_ANY_FUNCTION UINT32_MAX  /* imp_exit: close the innermost open frame */
#define IMP_DEFAULT_MAX_CALLS 100000 /* raw call rows kept, as the collector's max_calls */
#define IMP_MAX_TIME_NS 2000000000000000000LL /* |timestamps| and durations accepted: 2e18 ns
                                               * (63 years), so sums of two stay in int64 */

typedef struct imp_builder imp_builder;

/* Run metadata the reader knows; NULL/0 fields are stored as NULL/unknown. */
typedef struct imp_meta {
    const char *source;     /* run.source: "uftrace", "chrome", "cprofile" (required) */
    const char *label;      /* --label */
    double scale;           /* --scale; NAN when not given */
    const char *command;    /* command line of the profiled program, if the input has it */
    const char *executable; /* program path, if known */
    const char *host;       /* host name, if known */
    const char *clock;      /* run.clock: the input's clock ("monotonic", "trace", "none") */
    int64_t pid;            /* process id; 0 when unknown */
    int64_t started_wall;   /* ns since the epoch; 0: the input file's modification time */
} imp_meta;

/* A new empty builder keeping at most max_calls raw call rows (0: every call). */
imp_builder *imp_new(uint64_t max_calls);

/* Free; NULL is a no-op. */
void imp_free(imp_builder *b);

/* The function (name, module, file, line), created on first use; returns its index.
 * module/file may be NULL, line 0 when unknown. address/offset are stored with a new
 * function (0 when unknown). */
uint32_t imp_function(imp_builder *b, const char *name, const char *module, const char *file,
                      int64_t line, uint64_t address, uint64_t offset);

/* The thread with OS id `tid`, created on first use; returns its index. A non-NULL name
 * replaces the stored one. The first thread created is the run's main thread. */
uint32_t imp_thread(imp_builder *b, int64_t tid, const char *name);

/* Number of functions / threads so far. */
uint32_t imp_nfunctions(const imp_builder *b);
uint32_t imp_nthreads(const imp_builder *b);

/* A call of function `fn` on thread `th` begins at `ts` (ns, any origin shared by the
 * whole input; per thread non-decreasing). Frames deeper than 65536 are counted as
 * depth overflow and ignored with their exits. */
void imp_enter(imp_builder *b, uint32_t th, uint32_t fn, int64_t ts);

/* The innermost open call of `fn` on thread `th` ends at `ts` (IMP_ANY_FUNCTION: the
 * innermost open call, whatever its function). Frames above a matching one (up to 256
 * down) are closed at the same instant, as the collector does; an exit matching nothing
 * is counted in run.unmatched_exits and ignored. A ts before the call's start counts as
 * a zero duration. Returns 0, or 1 when unmatched. */
int imp_exit(imp_builder *b, uint32_t th, int64_t ts, uint32_t fn);

/* Close every frame still open at its thread's last timestamp (counted: see
 * imp_unclosed). Called by imp_write; idempotent. */
void imp_close_all(imp_builder *b);

/* Aggregate-only inputs: the exact figures of function `fn` (times in ns). The run then
 * has no call paths, histograms or call rows; per-call spread is unknown, so sum_dur is
 * the inclusive time, min/max the mean and the variance 0 (docs/export.md). */
void imp_set_function_stat(imp_builder *b, uint32_t fn, int64_t calls, int64_t primitive_calls,
                           int64_t total_dur, int64_t self_dur);

/* Aggregate-only inputs: `callee` called from `caller` with these figures (pstats'
 * callers entries), stored in function_caller. */
void imp_add_caller(imp_builder *b, uint32_t callee, uint32_t caller, int64_t calls,
                    int64_t primitive_calls, int64_t total_dur, int64_t self_dur);

/* Counters of what did not fit the model: exits without an open frame, frames still open
 * at the end (closed by imp_close_all), frames past the depth limit. */
uint64_t imp_unmatched(const imp_builder *b);
uint64_t imp_unclosed(const imp_builder *b);
uint64_t imp_calls(const imp_builder *b);

/* Store the built run into `db` (a pscope database of this schema version, open for
 * writing) in one transaction: run (complete = 1, run.source = meta->source), thread,
 * function, function_stat, function_hist, function_self_hist, callpath, thread_stat,
 * call rows (ids run_id * 2^40 + entry sequence) and function_caller. Timestamps are
 * stored relative to the earliest call. On any SQLite error the transaction is rolled
 * back, "<what>: <sqlite message>" printed and PT_EXIT_DATA returned. *run_id gets the
 * new run's id. `what` names the input in messages. */
int imp_write(imp_builder *b, sqlite3 *db, const imp_meta *meta, const char *what,
              int64_t *run_id);

/* ---- readers: each fills an empty builder; 0 or PT_EXIT_DATA after one message ---- */

/* Chrome Trace Event JSON from `f` (object form with "traceEvents" or the bare array
 * form, whose closing ']' may be missing), read as a stream: one event object in memory
 * at a time, plus 24 bytes per complete ("X") event until the end. B/E pairs are matched
 * per (pid, tid) in file order, X events nested by time; "M" thread_name events name
 * threads; other phases are counted in *skipped. `path` names the input in messages.
 * Unmatched B/E events are counted (imp_unmatched / imp_unclosed). */
int imp_read_chrome(imp_builder *b, FILE *f, const char *path, uint64_t *skipped);

/* A cProfile/pstats file: the marshal serialisation of pstats' dict
 * {(file, line, name): (primitive calls, calls, tottime, cumtime, {caller: (pc, nc, tt, ct)})}
 * in data[0..size). Functions with file "~" (built-ins) get no file. */
int imp_read_cprofile(imp_builder *b, const uint8_t *data, size_t size, const char *path);

/* A uftrace data directory (`uftrace record` output): info, task.txt, sid-*.map, *.sym
 * and every <tid>.dat. Fills meta-> command/executable/pid/started_wall when known
 * (strings live until imp_free). */
int imp_read_uftrace(imp_builder *b, const char *dir, imp_meta *meta);

/* Pieces of the uftrace reader, on buffers (also the fuzz entry points):
 * the per-task record stream of thread `tid` (16-byte records), with symbols resolved
 * through the maps and symbol files loaded so far (unresolved addresses become "0x..."). */
typedef struct imp_uftrace imp_uftrace;
imp_uftrace *imp_uftrace_new(void);
void imp_uftrace_free(imp_uftrace *u);
/* A sid-*.map file's text: module load ranges. */
int imp_uftrace_parse_map(imp_uftrace *u, const char *text, size_t len, const char *path);
/* A <module>.sym file's text: symbols of the module whose path it names ("# path name:"). */
int imp_uftrace_parse_sym(imp_uftrace *u, const char *text, size_t len, const char *path);
/* The record stream of one task. */
int imp_uftrace_parse_dat(imp_uftrace *u, imp_builder *b, int64_t tid, const uint8_t *data,
                          size_t size, const char *path);

#endif
