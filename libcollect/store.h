/* libcollect/store.h: the collector's SQLite side: opening and validating the run
 * database, applying the embedded schema, and the prepared statements the writer uses.
 * A store is used by one thread at a time (the writer; the opener before it starts, the
 * stopper after it ends), so the connection is opened without SQLite's own mutexes. */
#ifndef PSCOPE_STORE_H
#define PSCOPE_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "schema_version.h"

#define PSC_SCHEMA_VERSION PSCOPE_SCHEMA_VERSION /* from sql/schema.sql at build time */
#define PSC_ROWS_PER_INSERT 64 /* raw call rows per multi-row INSERT (640 parameters) */

typedef struct psc_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins_thread, *upd_thread, *ins_function, *ups_fstat, *ups_fhist, *ups_fselfhist, *ins_callpath,
        *upd_callpath, *ups_tstat, *ins_call, *ins_call_many, *upd_run, *end_run, *ins_stage, *upd_stage,
        *ups_shist, *ins_counter, *ins_sample;
} psc_store;

/* Open (creating if missing) the database at path and make sure it is a pscope database
 * this library can write: an empty file gets the schema; a file that is not SQLite, has
 * foreign tables, or has a newer user_version is refused untouched. Returns the store, or
 * NULL with err set to "PATH: problem". */
__attribute__((no_instrument_function)) psc_store *psc_store_open(const char *path, char *err,
                                                                   size_t errlen);

/* Prepare the writer's statements. Returns 0, or -1 with err set. */
__attribute__((no_instrument_function)) int psc_store_prepare(psc_store *s, char *err, size_t errlen);

/* Run one SQL statement without results; returns the sqlite3 result code. */
__attribute__((no_instrument_function)) int psc_store_exec(psc_store *s, const char *sql);

/* Finalize statements and close. NULL is accepted. */
__attribute__((no_instrument_function)) void psc_store_close(psc_store *s);

#endif
