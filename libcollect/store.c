/* libcollect/store.c: open, validate and prepare the run database (see store.h).
 * Validation happens with read-only queries before anything is written, so a file that
 * is not ours is never modified. WAL mode: readers (the tools) never block the writer,
 * and a process that dies leaves the last committed transaction intact. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_embed.h"

#define NOINSTR __attribute__((no_instrument_function))

NOINSTR int psc_store_exec(psc_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

NOINSTR static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

NOINSTR psc_store *psc_store_open(const char *path, char *err, size_t errlen)
{
    psc_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open for writing: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    int64_t version = 0, tables = 0;
    if ((rc = query_int(s->db, "PRAGMA user_version", &version)) != SQLITE_OK ||
        (rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &tables)) != SQLITE_OK) {
        snprintf(err, errlen, "%s: not a pscope database (%s)", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    if (version > PSC_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %lld is newer than this pscope (%d); not writing",
                 path, (long long)version, PSC_SCHEMA_VERSION);
        goto fail;
    }
    if (version == 0 && tables > 0) {
        snprintf(err, errlen, "%s: an SQLite database without the pscope schema; not writing", path);
        goto fail;
    }
    if (version > 0) {
        int64_t has_run = 0;
        if (query_int(s->db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='run'",
                      &has_run) != SQLITE_OK || !has_run) {
            snprintf(err, errlen, "%s: user_version %lld but no run table: not a pscope database",
                     path, (long long)version);
            goto fail;
        }
    }
    if (psc_store_exec(s, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
        psc_store_exec(s, "PRAGMA synchronous=NORMAL") != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot set WAL mode: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    psc_store_exec(s, "PRAGMA cache_size=-32768");
    if (version < PSC_SCHEMA_VERSION) {
        const char *schema = pscope_sql_text("schema");
        if (!schema || psc_store_exec(s, "BEGIN IMMEDIATE") != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(s->db));
            goto fail;
        }
        /* Another process may have created or upgraded the schema between the first
         * look and the write lock: decide again under the lock. */
        if (query_int(s->db, "PRAGMA user_version", &version) != SQLITE_OK) version = 0;
        /* Older pscope databases: their ALTERs first (sql/migrate_v<N>.sql), then the
         * schema's CREATE ... IF NOT EXISTS adds new tables and sets the version. */
        for (int64_t next = version + 1; version > 0 && next <= PSC_SCHEMA_VERSION; next++) {
            char name[32];
            snprintf(name, sizeof name, "migrate_v%lld", (long long)next);
            const char *migration = pscope_sql_text(name);
            if (migration && sqlite3_exec(s->db, migration, NULL, NULL, NULL) != SQLITE_OK) {
                snprintf(err, errlen, "%s: cannot upgrade the schema to version %lld: %s", path,
                         (long long)next, sqlite3_errmsg(s->db));
                psc_store_exec(s, "ROLLBACK");
                goto fail;
            }
        }
        if (version < PSC_SCHEMA_VERSION && sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(s->db));
            psc_store_exec(s, "ROLLBACK");
            goto fail;
        }
        if (psc_store_exec(s, "COMMIT") != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(s->db));
            goto fail;
        }
    }
    return s;
fail:
    psc_store_close(s);
    return NULL;
}

NOINSTR int psc_store_prepare(psc_store *s, char *err, size_t errlen)
{
    static const struct { size_t off; const char *sql; } stmts[] = {
        {offsetof(psc_store, ins_thread),
         "INSERT INTO thread(run_id, tid, name, is_main, ts, end_ts, calls) VALUES(?,?,?,?,?,?,?)"},
        {offsetof(psc_store, upd_thread), "UPDATE thread SET name=?, end_ts=?, calls=? WHERE id=?"},
        {offsetof(psc_store, ins_function),
         "INSERT INTO function(run_id, name, module, file, line, address, offset) VALUES(?,?,?,?,?,?,?)"},
        {offsetof(psc_store, ups_fstat),
         "INSERT OR REPLACE INTO function_stat(function_id, run_id, calls, primitive_calls, total_dur,"
         " self_dur, sum_dur, sum_sq_dur, min_dur, max_dur) VALUES(?,?,?,?,?,?,?,?,?,?)"},
        {offsetof(psc_store, ups_fhist),
         "INSERT OR REPLACE INTO function_hist(function_id, bucket, lo, hi, count) VALUES(?,?,?,?,?)"},
        {offsetof(psc_store, ups_fselfhist),
         "INSERT OR REPLACE INTO function_self_hist(function_id, bucket, lo, hi, count) VALUES(?,?,?,?,?)"},
        {offsetof(psc_store, ins_callpath),
         "INSERT INTO callpath(run_id, parent_id, function_id, depth) VALUES(?,?,?,?)"},
        {offsetof(psc_store, upd_callpath),
         "UPDATE callpath SET calls=?, total_dur=?, self_dur=?, min_dur=?, max_dur=? WHERE id=?"},
        {offsetof(psc_store, ups_tstat),
         "INSERT OR REPLACE INTO thread_stat(thread_id, function_id, calls, total_dur, self_dur)"
         " VALUES(?,?,?,?,?)"},
        {offsetof(psc_store, ins_call),
         "INSERT INTO call(id, run_id, thread_id, callpath_id, function_id, parent_id, depth, ts, dur,"
         " self_dur) VALUES(?,?,?,?,?,?,?,?,?,?)"},
        {offsetof(psc_store, upd_run),
         "UPDATE run SET dur=?, calls_seen=?, calls_stored=?, rows_dropped=?, events_lost=?,"
         " depth_overflow=?, unmatched_exits=?, max_depth_seen=?, label=COALESCE(?, label),"
         " scale=COALESCE(?, scale), tsc_hz=?, frames_unwound=? WHERE id=?"},
        {offsetof(psc_store, end_run), "UPDATE run SET ended_wall=?, complete=1 WHERE id=?"},
        {offsetof(psc_store, ins_stage),
         "INSERT INTO stage(run_id, parent_id, thread_id, name, ts) VALUES(?,?,?,?,?)"},
        {offsetof(psc_store, upd_stage),
         "UPDATE stage SET dur=?, records_in=?, records_out=?, record_marks=?, cpu_ns=?, rss_begin=?,"
         " rss_end=?, minflt=?, majflt=? WHERE id=?"},
        {offsetof(psc_store, ups_shist),
         "INSERT OR REPLACE INTO stage_hist(stage_id, bucket, lo, hi, count) VALUES(?,?,?,?,?)"},
        {offsetof(psc_store, ins_counter),
         "INSERT INTO counter(run_id, thread_id, name, kind, ts, value) VALUES(?,?,?,?,?,?)"},
        {offsetof(psc_store, ins_sample),
         "INSERT INTO resource_sample(run_id, ts, thread_id, cpu_user_ns, cpu_sys_ns, rss, rss_delta,"
         " minflt, majflt, function_id, callpath_id, stage_id, gpu_index, gpu_util, gpu_mem)"
         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
    };
    char many[8192];
    int len = snprintf(many, sizeof many,
                       "INSERT INTO call(id, run_id, thread_id, callpath_id, function_id, parent_id,"
                       " depth, ts, dur, self_dur) VALUES");
    for (int i = 0; i < PSC_ROWS_PER_INSERT; i++)
        len += snprintf(many + len, sizeof many - (size_t)len, "%s(?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
    if (sqlite3_prepare_v3(s->db, many, -1, SQLITE_PREPARE_PERSISTENT, &s->ins_call_many, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot prepare statement: %s", s->path, sqlite3_errmsg(s->db));
        return -1;
    }
    for (size_t i = 0; i < sizeof stmts / sizeof *stmts; i++) {
        sqlite3_stmt **slot = (sqlite3_stmt **)((char *)s + stmts[i].off);
        if (sqlite3_prepare_v3(s->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: cannot prepare statement: %s", s->path, sqlite3_errmsg(s->db));
            return -1;
        }
    }
    return 0;
}

NOINSTR void psc_store_close(psc_store *s)
{
    if (!s)
        return;
    sqlite3_stmt **first = &s->ins_thread, **last = &s->ins_sample;
    for (sqlite3_stmt **p = first; p <= last; p++)
        sqlite3_finalize(*p);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}
