/* bench/trace_codec.c: measures the trace block codec (common/traceblk.c) on real calls.
 *
 * Reads every row of the `call` table of one run of a pscope database (a run recorded with
 * max_calls: 0 keeps them all), puts each thread's calls in completion order (end time,
 * then deeper first: the order the collector completes them), encodes them in blocks of
 * BLOCK calls at zstd level LEVEL (0 = plain varints), decodes every block back, checks
 * that every column round-trips, and prints one line:
 *   calls=<n> blocks=<n> bytes=<n> bytes_per_call=<x> encode_mcalls_s=<x> decode_mcalls_s=<x>
 * Speeds are in million calls per second of CPU time of this process (best of REPS
 * repetitions), so a busy machine inflates them less than wall time would.
 * Used by scripts/bench_trace.sh (never by make test).
 * Usage: trace_codec DB RUN_ID [LEVEL [BLOCK [REPS]]]; exit 0 ok, 1 mismatch, 2 usage/DB error.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traceblk.h"

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: trace_codec DB RUN_ID [LEVEL [BLOCK [REPS]]]\n");
        return 2;
    }
    long long run = atoll(argv[2]);
    int level = argc > 3 ? atoi(argv[3]) : 0;
    unsigned block = argc > 4 ? (unsigned)atoi(argv[4]) : 16384;
    int reps = argc > 5 ? atoi(argv[5]) : 3;
    if (block == 0 || block > PSCOPE_TB_MAX_CALLS || reps < 1) {
        fprintf(stderr, "trace_codec: bad BLOCK or REPS\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "trace_codec: %s: %s\n", argv[1], sqlite3_errmsg(db));
        return 2;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT thread_id, id - (run_id << 40), COALESCE(parent_id - (run_id << 40), 0),"
                           " callpath_id, function_id, depth, ts, dur, self_dur FROM call"
                           " WHERE run_id = ?1 ORDER BY thread_id, ts + dur, depth DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "trace_codec: %s\n", sqlite3_errmsg(db));
        return 2;
    }
    sqlite3_bind_int64(st, 1, run);
    size_t n = 0, cap = 1 << 16;
    pscope_tcall *c = malloc(cap * sizeof *c);
    long long *thr = malloc(cap * sizeof *thr);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            c = realloc(c, cap * sizeof *c);
            thr = realloc(thr, cap * sizeof *thr);
        }
        thr[n] = sqlite3_column_int64(st, 0);
        c[n] = (pscope_tcall){(uint64_t)sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2),
                              sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                              (uint32_t)sqlite3_column_int(st, 5), (uint64_t)sqlite3_column_int64(st, 6),
                              (uint64_t)sqlite3_column_int64(st, 7), (uint64_t)sqlite3_column_int64(st, 8)};
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (n == 0) {
        fprintf(stderr, "trace_codec: run %lld has no call rows\n", run);
        return 2;
    }
    /* block boundaries: BLOCK calls, never across threads */
    size_t nb = 0, *start = malloc((n + 1) * sizeof *start);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && j - i < block && thr[j] == thr[i])
            j++;
        start[nb++] = i;
        i = j;
    }
    start[nb] = n;
    pscope_tb_buf buf = {0};
    uint8_t **blobs = calloc(nb, sizeof *blobs);
    size_t *lens = calloc(nb, sizeof *lens), bytes = 0;
    char err[256];
    double best_enc = 1e30, best_dec = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_s();
        bytes = 0;
        for (size_t b = 0; b < nb; b++) {
            if (pscope_tb_encode(c + start[b], (uint32_t)(start[b + 1] - start[b]), run, thr[start[b]],
                                 level, &buf, err, sizeof err)) {
                fprintf(stderr, "trace_codec: encode: %s\n", err);
                return 1;
            }
            if (r == 0) {
                blobs[b] = malloc(buf.len);
                memcpy(blobs[b], buf.data, buf.len);
                lens[b] = buf.len;
            }
            bytes += buf.len;
        }
        double t1 = cpu_s();
        if (t1 - t0 < best_enc)
            best_enc = t1 - t0;
    }
    pscope_tb_block blk = {0};
    uint64_t check = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_s();
        for (size_t b = 0; b < nb; b++) {
            if (pscope_tb_decode(blobs[b], lens[b], &blk, err, sizeof err)) {
                fprintf(stderr, "trace_codec: decode block %zu: %s\n", b, err);
                return 1;
            }
            check += blk.calls[blk.info.ncalls - 1].dur;
        }
        double t1 = cpu_s();
        if (t1 - t0 < best_dec)
            best_dec = t1 - t0;
    }
    for (size_t b = 0; b < nb; b++) { /* exact round trip, every column */
        pscope_tb_decode(blobs[b], lens[b], &blk, err, sizeof err);
        int same = blk.info.ncalls == start[b + 1] - start[b];
        for (uint32_t i = 0; same && i < blk.info.ncalls; i++) {
            const pscope_tcall *x = &blk.calls[i], *y = &c[start[b] + i];
            same = x->seq == y->seq && x->parent_seq == y->parent_seq &&
                   x->callpath_id == y->callpath_id && x->function_id == y->function_id &&
                   x->depth == y->depth && x->ts == y->ts && x->dur == y->dur &&
                   x->self_dur == y->self_dur;
        }
        if (!same) {
            fprintf(stderr, "trace_codec: block %zu does not round-trip\n", b);
            return 1;
        }
    }
    printf("calls=%zu blocks=%zu bytes=%zu bytes_per_call=%.2f encode_mcalls_s=%.1f decode_mcalls_s=%.1f check=%llu\n",
           n, nb, bytes, (double)bytes / (double)n, (double)n / best_enc / 1e6,
           (double)n / best_dec / 1e6, (unsigned long long)(check & 1));
    return 0;
}
