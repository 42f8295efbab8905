/* tests/unit/test_diff_db.h: builds constructed pscope databases for the pscope-diff tests.
 *
 * A database is created by applying the embedded schema (sql/schema.sql) and filled with
 * bound-parameter INSERTs: runs, and functions given by their exact per-call durations, from
 * which function_stat and function_hist are derived exactly as the collector would (leaf
 * functions: self = inclusive, so function_self_hist = function_hist). Optionally every
 * call is also stored as a raw `call` row.
 * Durations are drawn from a deterministic generator, so every expected verdict is exact.
 * Header-only (static functions) because each tests/unit/test_*.c is its own program.
 */
#ifndef PSCOPE_TEST_DIFF_DB_H
#define PSCOPE_TEST_DIFF_DB_H

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "sql_embed.h"

typedef struct tdb {
    sqlite3 *db;
    int64_t next_function_id;
    int64_t next_call_seq;
    uint64_t rng;
} tdb;

static void tdb_check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "test db: %s: %s\n", what, sqlite3_errmsg(db));
        exit(99);
    }
}

/* Create (truncate) the database file `path` with the pscope schema. */
static void tdb_create(tdb *t, const char *path)
{
    memset(t, 0, sizeof *t);
    unlink(path);
    tdb_check(sqlite3_open(path, &t->db), t->db, "open");
    tdb_check(sqlite3_exec(t->db, pscope_sql_text("schema"), NULL, NULL, NULL), t->db, "schema");
    tdb_check(sqlite3_exec(t->db, "BEGIN", NULL, NULL, NULL), t->db, "begin");
    t->next_function_id = 1;
    t->rng = 88172645463325252ull;
}

static void tdb_close(tdb *t)
{
    tdb_check(sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL), t->db, "commit");
    sqlite3_close(t->db);
    t->db = NULL;
}

/* Seed the generator (each run of an A/A pair gets its own seed). */
static void tdb_seed(tdb *t, uint64_t seed)
{
    t->rng = seed * 2654435761u + 88172645463325252ull;
}

/* Uniform in [0, 1) from xorshift64. */
static double tdb_uniform(tdb *t)
{
    t->rng ^= t->rng << 13;
    t->rng ^= t->rng >> 7;
    t->rng ^= t->rng << 17;
    return (double)(t->rng >> 11) / 9007199254740992.0;
}

/* Add a run; scale NAN stores NULL. Returns its id. */
static int64_t tdb_run(tdb *t, int64_t id, const char *label, double scale, int64_t dur,
                       int complete)
{
    sqlite3_stmt *st;
    tdb_check(sqlite3_prepare_v2(t->db,
                                 "INSERT INTO run (id, label, command, pid, started_wall, dur, "
                                 "scale, clock, pscope_version, complete, ended_wall) "
                                 "VALUES (:id, :label, :command, :pid, :started, :dur, :scale, "
                                 "'monotonic', 'test', :complete, :ended)",
                                 -1, &st, NULL),
              t->db, "prepare run");
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), id);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":label"), label, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":command"), "./prog 32", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":pid"), 1000 + id);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":started"),
                       1700000000000000000ll + id * 1000000000ll);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":dur"), dur);
    if (isnan(scale))
        sqlite3_bind_null(st, sqlite3_bind_parameter_index(st, ":scale"));
    else
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":scale"), scale);
    sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":complete"), complete);
    if (complete)
        sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":ended"),
                           1700000000000000000ll + id * 1000000000ll + dur);
    tdb_check(sqlite3_step(st), t->db, "insert run");
    sqlite3_finalize(st);
    return id;
}

/* Add a leaf function to run `run` with the given per-call durations (ns). If `raw`, every
 * call is also stored as a `call` row. Updates run.calls_seen (and calls_stored). */
static void tdb_func(tdb *t, int64_t run, const char *name, const char *module,
                     const uint64_t *dur, size_t n, int raw)
{
    int64_t fid = t->next_function_id++;
    sqlite3_stmt *st;
    tdb_check(sqlite3_prepare_v2(t->db,
                                 "INSERT INTO function (id, run_id, name, module, address, offset) "
                                 "VALUES (:id, :run, :name, :module, :addr, :off)",
                                 -1, &st, NULL),
              t->db, "prepare function");
    sqlite3_bind_int64(st, 1, fid);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
    if (module)
        sqlite3_bind_text(st, 4, module, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, 0x400000 + fid * 64 + run * 4096); /* differs per run */
    sqlite3_bind_int64(st, 6, fid * 64);
    tdb_check(sqlite3_step(st), t->db, "insert function");
    sqlite3_finalize(st);

    uint64_t sum = 0, mn = UINT64_MAX, mx = 0;
    double sq = 0;
    pscope_hist h;
    memset(&h, 0, sizeof h);
    for (size_t i = 0; i < n; i++) {
        sum += dur[i];
        sq += (double)dur[i] * (double)dur[i];
        if (dur[i] < mn)
            mn = dur[i];
        if (dur[i] > mx)
            mx = dur[i];
        pscope_hist_add(&h, dur[i]);
    }
    tdb_check(sqlite3_prepare_v2(t->db,
                                 "INSERT INTO function_stat (function_id, run_id, calls, "
                                 "primitive_calls, total_dur, self_dur, sum_dur, sum_sq_dur, "
                                 "min_dur, max_dur) VALUES (?1, ?2, ?3, ?3, ?4, ?4, ?4, ?5, ?6, ?7)",
                                 -1, &st, NULL),
              t->db, "prepare stat");
    sqlite3_bind_int64(st, 1, fid);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_int64(st, 3, (int64_t)n);
    sqlite3_bind_int64(st, 4, (int64_t)sum);
    sqlite3_bind_double(st, 5, sq);
    sqlite3_bind_int64(st, 6, n ? (int64_t)mn : 0);
    sqlite3_bind_int64(st, 7, (int64_t)mx);
    tdb_check(sqlite3_step(st), t->db, "insert stat");
    sqlite3_finalize(st);

    /* Leaf functions: the self-time histogram equals the duration histogram. */
    for (int table = 0; table < 2; table++) {
        tdb_check(sqlite3_prepare_v2(t->db,
                                     table ? "INSERT INTO function_self_hist (function_id, "
                                             "bucket, lo, hi, count) VALUES (?1, ?2, ?3, ?4, ?5)"
                                           : "INSERT INTO function_hist (function_id, bucket, "
                                             "lo, hi, count) VALUES (?1, ?2, ?3, ?4, ?5)",
                                     -1, &st, NULL),
                  t->db, "prepare hist");
        for (uint32_t b = 0; b < PSCOPE_HIST_BUCKETS; b++) {
            uint64_t c = pscope_hist_get(&h, b);
            if (!c)
                continue;
            sqlite3_bind_int64(st, 1, fid);
            sqlite3_bind_int64(st, 2, b);
            sqlite3_bind_int64(st, 3, (int64_t)pscope_hist_bucket_lo(b));
            sqlite3_bind_int64(st, 4, (int64_t)pscope_hist_bucket_hi(b));
            sqlite3_bind_int64(st, 5, (int64_t)c);
            tdb_check(sqlite3_step(st), t->db, "insert hist");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    pscope_hist_clear(&h);

    if (raw) {
        tdb_check(sqlite3_prepare_v2(t->db,
                                     "INSERT INTO call (id, run_id, thread_id, callpath_id, "
                                     "function_id, depth, ts, dur, self_dur) "
                                     "VALUES (?1, ?2, 1, 1, ?3, 0, ?4, ?5, ?5)",
                                     -1, &st, NULL),
                  t->db, "prepare call");
        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_int64(st, 1, run * (1ll << 40) + t->next_call_seq++);
            sqlite3_bind_int64(st, 2, run);
            sqlite3_bind_int64(st, 3, fid);
            sqlite3_bind_int64(st, 4, (int64_t)i * 1000);
            sqlite3_bind_int64(st, 5, (int64_t)dur[i]);
            tdb_check(sqlite3_step(st), t->db, "insert call");
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE run SET calls_seen = calls_seen + %zu, calls_stored = calls_stored + %zu "
             "WHERE id = %lld",
             n, raw ? n : (size_t)0, (long long)run);
    tdb_check(sqlite3_exec(t->db, sql, NULL, NULL, NULL), t->db, "update run");
}

/* Add a function whose n calls take mean * factor * (1 + spread * u), u uniform in
 * [-1, 1), from the generator's current state. */
static void tdb_func_gen(tdb *t, int64_t run, const char *name, const char *module, size_t n,
                         double mean, double spread, double factor, int raw)
{
    uint64_t *d = malloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; i < n; i++) {
        double u = 2.0 * tdb_uniform(t) - 1.0;
        d[i] = (uint64_t)llround(mean * factor * (1.0 + spread * u));
    }
    tdb_func(t, run, name, module, d, n, raw);
    free(d);
}

#endif
