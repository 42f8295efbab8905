/* tools/sqlext/pscope_sqlite.c: SQLite loadable extension (build/lib/pscope_sqlite.so).
 *
 *   $ sqlite3 pscope.db
 *   sqlite> .load build/lib/pscope_sqlite
 *   sqlite> SELECT f.name, median(c.dur), percentile(c.dur, 99) FROM call c
 *      ...>   JOIN function f ON f.id = c.function_id GROUP BY f.id;
 *
 * adds percentile(x, p), median(x), hist_percentile(bucket, count, p), amdahl(p[, k]) and
 * pscope_dur(ns); see pscope_sqlfuncs.h for their exact contracts. The pscope views
 * (function_summary, hotspot, callpath_summary, stage_summary, run_time) are part of
 * every pscope database already. The functions are the same code the tools register on
 * their own connections, so `sqlite3` and pscope-stats --exact agree to the last bit. */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "../sqlext/pscope_sqlfuncs.h"

/* Entry point SQLite derives from the file name pscope_sqlite.so. Registers the functions
 * on db; returns SQLITE_OK or an error code with *pzErrMsg set (sqlite3_malloc'd). */
#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_pscopesqlite_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi)
{
    SQLITE_EXTENSION_INIT2(pApi);
    int rc = pscope_sqlfuncs_register(db);
    if (rc != SQLITE_OK && pzErrMsg)
        *pzErrMsg = sqlite3_mprintf("pscope_sqlite: cannot register functions: %s",
                                    sqlite3_errstr(rc));
    return rc;
}

/* Generic entry point, for `.load pscope_sqlite sqlite3_extension_init` and hosts that
 * look for it. Same contract as above. */
int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi)
{
    return sqlite3_pscopesqlite_init(db, pzErrMsg, pApi);
}
