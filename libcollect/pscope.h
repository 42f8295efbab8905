/* pscope.h: public API of libpscope, the pscope collector.
 *
 * A program built with -finstrument-functions is profiled either by linking -lpscope
 * (pkg-config --libs pscope) or by running it under pscope-run, which LD_PRELOADs
 * libpscope.so. Profiling starts when the library loads if PSCOPE_OUTPUT is set or a
 * .pscope.yaml says `enabled: true`, or when the program calls pscope_start(); it ends at
 * exit or pscope_stop(). Everything is written to one SQLite database (sql/schema.sql).
 *
 * Every function here is safe to call from any thread, at any time, whether profiling is
 * on or off (then it does nothing), and never aborts or blocks the calling program for
 * long: errors are reported once on stderr and profiling is switched off.
 */
#ifndef PSCOPE_H
#define PSCOPE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSCOPE_VERSION "0.1.0"

#if defined(__GNUC__)
#define PSCOPE_NOINSTR __attribute__((no_instrument_function))
#else
#define PSCOPE_NOINSTR
#endif

/* Start a run writing to db_path (NULL: PSCOPE_OUTPUT, the config's `output`, or
 * ./pscope.db). Returns 0 when profiling is on afterwards (also if it already was),
 * -1 when it could not start (reason printed once on stderr). */
PSCOPE_NOINSTR int pscope_start(const char *db_path);

/* End the current run: open frames are closed at this instant, aggregates written, the
 * run marked complete. Returns 0, or -1 if no run was active. A later pscope_start()
 * appends a new run to the database. */
PSCOPE_NOINSTR int pscope_stop(void);

/* Set the run's problem size n, used by pscope-extrapolate. May be called any time
 * during the run; the last value wins. */
PSCOPE_NOINSTR void pscope_set_scale(double n);

/* Set the run's label (copied; NULL clears it). Last call wins. */
PSCOPE_NOINSTR void pscope_set_label(const char *label);

/* Make everything recorded so far durable: waits (at most ~2 s) until the writer has
 * consumed every event recorded before the call and committed it. Returns 0 on success,
 * -1 if not profiling or the wait timed out. */
PSCOPE_NOINSTR int pscope_flush(void);

/* Non-zero while a run is active. */
PSCOPE_NOINSTR int pscope_active(void);

/* ---- Stages: explicit spans with record counts (usable without instrumentation) ---- */

typedef struct pscope_stage pscope_stage;

/* Begin a stage span named `name` (copied) on the calling thread; stages nest per
 * thread. Returns a handle to pass to the functions below, or NULL when not profiling
 * (every function below accepts NULL and then does nothing). */
PSCOPE_NOINSTR pscope_stage *pscope_stage_begin(const char *name);

/* End the span; the handle is invalid afterwards. */
PSCOPE_NOINSTR void pscope_stage_end(pscope_stage *stage);

/* Add in/out record counts to the span (cumulative over calls). */
PSCOPE_NOINSTR void pscope_stage_records(pscope_stage *stage, uint64_t in, uint64_t out);

/* Mark the end of one record's processing: the time since the previous mark (or the
 * span's begin) goes into the span's per-record latency histogram (bounded memory). */
PSCOPE_NOINSTR void pscope_stage_record(pscope_stage *stage);

/* Add v to the counter `name` (running total stored with a timestamp). */
PSCOPE_NOINSTR void pscope_counter_add(const char *name, double v);

/* Set the gauge `name` to v (stored with a timestamp). */
PSCOPE_NOINSTR void pscope_gauge_set(const char *name, double v);

/* Scoped stage: PSCOPE_STAGE("normalize") { ... } ends the span however the block is
 * left (return, break, goto), through the cleanup attribute. */
PSCOPE_NOINSTR void pscope__stage_cleanup(pscope_stage **stage);
#define PSCOPE__CAT2(a, b) a##b
#define PSCOPE__CAT(a, b) PSCOPE__CAT2(a, b)
#define PSCOPE_STAGE(name)                                                              \
    for (pscope_stage *PSCOPE__CAT(pscope__st_, __LINE__)                               \
             __attribute__((cleanup(pscope__stage_cleanup), unused)) = pscope_stage_begin(name), \
             *PSCOPE__CAT(pscope__once_, __LINE__) = (pscope_stage *)1;                  \
         PSCOPE__CAT(pscope__once_, __LINE__);                                          \
         PSCOPE__CAT(pscope__once_, __LINE__) = (pscope_stage *)0)

/* The handle of the innermost PSCOPE_STAGE block is not named; use pscope_stage_current()
 * to reach it from inside the block. Returns NULL when no stage is open on this thread. */
PSCOPE_NOINSTR pscope_stage *pscope_stage_current(void);

#ifdef __cplusplus
}
#endif
#endif /* PSCOPE_H */
