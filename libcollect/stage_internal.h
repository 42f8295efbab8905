/* libcollect/stage_internal.h: how the stage/counter API (stage.c) hands its messages
 * to the writer thread (writer.c). */
#ifndef PSCOPE_STAGE_INTERNAL_H
#define PSCOPE_STAGE_INTERNAL_H

#include <stdint.h>

struct psc_store;

/* Write queued stage begins/ends and counter samples (writer thread, inside its open
 * transaction). Returns 0, or -1 on a database error. */
__attribute__((no_instrument_function)) int psc_stage_flush(struct psc_store *s, int64_t run_id);

/* At run end: spans still open are ended at end_ns (their rows get a duration). */
__attribute__((no_instrument_function)) void psc_stage_close_all(uint64_t end_ns);

/* After the final flush: forget the run's counter totals (writer). */
__attribute__((no_instrument_function)) void psc_stage_reset(void);

/* Thread id (thread.id) of the OS thread tid in the current run, 0 if unknown (writer). */
__attribute__((no_instrument_function)) int64_t psc_writer_thread_db_id(int tid);

/* Discard queued messages (fork child: they belong to the parent's run). */
__attribute__((no_instrument_function)) void psc_stage_after_fork_child(void);

#endif
