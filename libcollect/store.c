/* libcollect/store.c: open, validate and prepare the run database (see store.h).
 * Validation happens with read-only queries before anything is written, so a file that
 * is not ours is never modified. WAL mode: readers (the tools) never block the writer,
 * and a process that dies leaves the last committed transaction intact. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sql_embed.h"

#define NOINSTR __attribute__((no_instrument_function))
#define PSC_STORE_BUSY_MS 10000 /* how long a locked database is waited for */

NOINSTR int psc_store_exec(psc_store *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

/* Why a database cannot be written, from the file system: fills err with "PATH: ..." and
 * returns 1 when the directory or the file is not writable for this user (or missing), 0
 * when the file system gives no reason (then the caller reports SQLite's own message). */
NOINSTR static int explain_unwritable(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int exists = access(path, F_OK) == 0;
    if (access(dir, F_OK) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            snprintf(err, errlen, "%s: cannot create the database: directory %s does not exist", path, dir);
        else
            snprintf(err, errlen, "%s: cannot create the database: directory %s: %s", path, dir,
                     strerror(errno));
        return 1;
    }
    if (access(dir, W_OK) != 0) {
        const char *why = errno == EROFS ? "is on a read-only file system" : "is not writable";
        if (exists)
            snprintf(err, errlen, "%s: cannot write: directory %s %s (SQLite keeps its -wal and -shm"
                     " files beside the database)", path, dir, why);
        else
            snprintf(err, errlen, "%s: cannot create the database: directory %s %s", path, dir, why);
        return 1;
    }
    if (exists && access(path, W_OK) != 0) {
        snprintf(err, errlen, "%s: cannot write: the file is %s", path,
                 errno == EROFS ? "on a read-only file system" : "read-only for this user");
        return 1;
    }
    return 0;
}

/* Describe a failed SQLite call on the database: unwritable places and locks in words,
 * anything else with SQLite's message after `doing`. */
NOINSTR static void explain_failure(psc_store *s, int rc, const char *doing, char *err, size_t errlen)
{
    int primary = rc & 0xff;
    if ((primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_PERM ||
         primary == SQLITE_IOERR) && explain_unwritable(s->path, err, errlen))
        return;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        snprintf(err, errlen, "%s: %s: the database stayed locked by another connection for %d s",
                 s->path, doing, PSC_STORE_BUSY_MS / 1000);
    else if (primary == SQLITE_NOTADB)
        snprintf(err, errlen, "%s: not a pscope database (not an SQLite file); not writing", s->path);
    else
        snprintf(err, errlen, "%s: %s: %s", s->path, doing, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

/* What is in the file, read in ONE statement (one read transaction), so a schema being
 * created by another process is seen either not at all or whole: user_version, the number
 * of schema objects and whether a run table exists. */
NOINSTR static int read_state(sqlite3 *db, int64_t *version, int64_t *objects, int64_t *has_run)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT (SELECT user_version FROM pragma_user_version),"
                                " (SELECT count(*) FROM sqlite_master),"
                                " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run')",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(st, 0);
        *objects = sqlite3_column_int64(st, 1);
        *has_run = sqlite3_column_int64(st, 2);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Switch the database to WAL. Changing the journal mode needs the file to itself, and
 * SQLite may answer SQLITE_BUSY, or keep the old mode and report it, without waiting in the
 * busy handler (e.g. while other processes open the same new file): retry with a short
 * back-off for up to PSC_STORE_BUSY_MS. Returns SQLITE_OK, SQLITE_BUSY when the lock
 * never came, or the error. */
NOINSTR static int set_wal(sqlite3 *db)
{
    long waited_us = 0, pause_us = 200;
    for (;;) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc != SQLITE_OK)
            return rc;
        rc = sqlite3_step(st);
        int is_wal = rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
                     strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
        sqlite3_finalize(st);
        if (is_wal)
            return SQLITE_OK;
        if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            return rc;
        if (waited_us >= (long)PSC_STORE_BUSY_MS * 1000)
            return SQLITE_BUSY;
        usleep((useconds_t)pause_us);
        waited_us += pause_us;
        if (pause_us < 20000)
            pause_us *= 2;
    }
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
        explain_failure(s, rc, "cannot open for writing", err, errlen);
        goto fail;
    }
    /* SQLite opens a file it may not write read-only without an error: say so now. */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        if (!explain_unwritable(path, err, errlen))
            snprintf(err, errlen, "%s: cannot write: SQLite opened it read-only", path);
        goto fail;
    }
    sqlite3_busy_timeout(s->db, PSC_STORE_BUSY_MS);
    int64_t version = 0, objects = 0, has_run = 0;
    if ((rc = read_state(s->db, &version, &objects, &has_run)) != SQLITE_OK) {
        explain_failure(s, rc, "cannot read", err, errlen);
        goto fail;
    }
    if (version == 0 && objects > 0) {
        /* Foreign tables, or a writer that is not pscope's one-transaction schema
         * creation: look again once the write lock is ours, then decide. */
        if ((rc = psc_store_exec(s, "BEGIN IMMEDIATE")) != SQLITE_OK) {
            explain_failure(s, rc, "cannot lock to check the schema", err, errlen);
            goto fail;
        }
        rc = read_state(s->db, &version, &objects, &has_run);
        psc_store_exec(s, "ROLLBACK");
        if (rc != SQLITE_OK) {
            explain_failure(s, rc, "cannot read", err, errlen);
            goto fail;
        }
    }
    if (version > PSC_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %lld is newer than this pscope (%d); not writing",
                 path, (long long)version, PSC_SCHEMA_VERSION);
        goto fail;
    }
    if (version == 0 && objects > 0) {
        snprintf(err, errlen, "%s: an SQLite database with %lld schema object%s of its own and no"
                 " pscope schema (user_version 0); not writing", path, (long long)objects,
                 objects == 1 ? "" : "s");
        goto fail;
    }
    if (version > 0 && !has_run) {
        snprintf(err, errlen, "%s: user_version %lld but no run table: not a pscope database",
                 path, (long long)version);
        goto fail;
    }
    if ((rc = set_wal(s->db)) != SQLITE_OK ||
        (rc = psc_store_exec(s, "PRAGMA synchronous=NORMAL")) != SQLITE_OK) {
        explain_failure(s, rc, "cannot set WAL mode", err, errlen);
        goto fail;
    }
    psc_store_exec(s, "PRAGMA cache_size=-32768");
    if (version < PSC_SCHEMA_VERSION) {
        const char *schema = pscope_sql_text("schema");
        if (!schema) {
            snprintf(err, errlen, "%s: cannot create the schema: no embedded schema", path);
            goto fail;
        }
        if ((rc = psc_store_exec(s, "BEGIN IMMEDIATE")) != SQLITE_OK) {
            explain_failure(s, rc, "cannot create the schema", err, errlen);
            goto fail;
        }
        /* Another process may have created or upgraded the schema between the first
         * look and the write lock: decide again under the lock. */
        if (read_state(s->db, &version, &objects, &has_run) != SQLITE_OK)
            version = 0;
        /* Older pscope databases: their ALTERs first (sql/migrate_v<N>.sql), then the
         * schema's CREATE ... IF NOT EXISTS adds new tables and sets the version. */
        for (int64_t next = version + 1; version > 0 && next <= PSC_SCHEMA_VERSION; next++) {
            char name[32];
            snprintf(name, sizeof name, "migrate_v%lld", (long long)next);
            const char *migration = pscope_sql_text(name);
            if (migration && (rc = sqlite3_exec(s->db, migration, NULL, NULL, NULL)) != SQLITE_OK) {
                snprintf(err, errlen, "%s: cannot upgrade the schema to version %lld: %s", path,
                         (long long)next, sqlite3_errmsg(s->db));
                psc_store_exec(s, "ROLLBACK");
                goto fail;
            }
        }
        if (version < PSC_SCHEMA_VERSION && (rc = sqlite3_exec(s->db, schema, NULL, NULL, NULL)) != SQLITE_OK) {
            explain_failure(s, rc, "cannot create the schema", err, errlen);
            psc_store_exec(s, "ROLLBACK");
            goto fail;
        }
        if ((rc = psc_store_exec(s, "COMMIT")) != SQLITE_OK) {
            explain_failure(s, rc, "cannot create the schema", err, errlen);
            psc_store_exec(s, "ROLLBACK");
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
