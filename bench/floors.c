/* bench/floors.c: the machine's floors under pscope's targets, measured, for
 * BENCHMARKS.md: what one timestamp costs (rdtsc, clock_gettime) — a profiled call needs
 * two — and how fast SQLite alone can insert raw call rows shaped like pscope's `call`
 * table (same DDL, 64-row INSERT statements, one transaction per 64 Ki rows, WAL), with
 * no profiling around it.
 *
 * Usage: floors DB   (DB: a fresh database already holding sql/schema.sql)
 * Prints key=value lines: rdtsc_ns, clock_gettime_ns, sqlite_rows_per_s. Exit 1 on error.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Median of 7 timings of n iterations of fn, in ns per iteration. */
static double per_op(uint64_t (*fn)(unsigned), unsigned n)
{
    double t[7];
    for (int r = 0; r < 7; r++) {
        uint64_t t0 = mono_ns();
        volatile uint64_t sink = fn(n);
        (void)sink;
        t[r] = (double)(mono_ns() - t0) / n;
    }
    for (int i = 1; i < 7; i++)
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            double x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return t[3];
}

static uint64_t loop_rdtsc(unsigned n)
{
    uint64_t s = 0;
#if defined(__x86_64__) || defined(__i386__)
    for (unsigned i = 0; i < n; i++)
        s += __rdtsc();
#endif
    return s;
}

static uint64_t loop_clock(unsigned n)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += mono_ns();
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: floors DB\n");
        return 1;
    }
    printf("rdtsc_ns=%.2f\n", per_op(loop_rdtsc, 2000000));
    printf("clock_gettime_ns=%.2f\n", per_op(loop_clock, 2000000));

    sqlite3 *db;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return 1;
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;", 0, 0, 0);
    enum { PER = 64, ROWS = 1 << 20 };
    char sql[8192];
    int len = snprintf(sql, sizeof sql, "INSERT INTO call(id, run_id, thread_id, callpath_id, function_id,"
                                        " parent_id, depth, ts, dur, self_dur) VALUES");
    for (int i = 0; i < PER; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s(?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "floors: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    int64_t base = (int64_t)1 << 40, ts = 1000;
    uint64_t t0 = mono_ns();
    for (int done = 0; done < ROWS;) {
        sqlite3_exec(db, "BEGIN", 0, 0, 0);
        for (int b = 0; b < 65536 && done < ROWS; b += PER, done += PER) {
            for (int i = 0; i < PER; i++) {
                int64_t id = base + done + i, k = i * 10;
                ts += 37;
                sqlite3_bind_int64(st, (int)k + 1, id);
                sqlite3_bind_int64(st, (int)k + 2, 1);
                sqlite3_bind_int64(st, (int)k + 3, 1);
                sqlite3_bind_int64(st, (int)k + 4, (id % 33) + 1);
                sqlite3_bind_int64(st, (int)k + 5, 1);
                sqlite3_bind_int64(st, (int)k + 6, id - 1);
                sqlite3_bind_int64(st, (int)k + 7, id % 33);
                sqlite3_bind_int64(st, (int)k + 8, ts);
                sqlite3_bind_int64(st, (int)k + 9, 40 + id % 700);
                sqlite3_bind_int64(st, (int)k + 10, 40);
            }
            if (sqlite3_step(st) != SQLITE_DONE) {
                fprintf(stderr, "floors: %s\n", sqlite3_errmsg(db));
                return 1;
            }
            sqlite3_reset(st);
        }
        sqlite3_exec(db, "COMMIT", 0, 0, 0);
    }
    double secs = (double)(mono_ns() - t0) / 1e9;
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("sqlite_rows_per_s=%.0f\n", ROWS / secs);
    return 0;
}
