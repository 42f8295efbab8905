/* samples/threads.c: N blocks of work shared by T worker threads (pthread).
 *
 * Usage: threads [N] [--threads T] [--help]
 *   N   4 KiB blocks to generate and hash, 1..10000000, default 50000;
 *   T   worker threads, 1..256, default 4.
 * Prints one line: n, threads, and a digest of all block hashes. The digest combines the
 * hashes with order-independent operations, so it is the same for every T. Deterministic.
 * Bad arguments: one line on stderr, exit 2; a thread that cannot start: exit 1.
 *
 * Work split (static, so every run has the same per-thread counts): worker K (K = 0..T-1,
 * thread named "worker-K") processes blocks K, K+T, K+2T, ..., i.e. ceil((N - K) / T)
 * blocks. Each block i: process_block -> fill_block (512 words of a xorshift64 stream
 * seeded by i) -> hash_block (a 64-bit multiply-xorshift hash of the words).
 * Calls per run (exact): main 1, run_workers 1, worker_main T (one per worker thread, the
 * root of its stack), process_block, fill_block and hash_block N each (command-line
 * handling is not instrumented); 1 + T threads.
 * The run is O(N) in CPU time and spread over T threads. The run's scale is N
 * (pscope_set_scale).
 *
 * Stages: one "hash_blocks" stage per worker thread (records in = out = that worker's
 * blocks, one record mark per block); counter "blocks_hashed" gets one add per worker.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscope.h"
#include "sample_cli.h"

#define DEFAULT_N 50000ul
#define MAX_N 10000000ul
#define DEFAULT_THREADS 4ul
#define MAX_THREADS 256ul
#define BLOCK_WORDS 512u /* 4 KiB blocks */

/* One worker's share of the job and its partial result. */
struct worker_job {
    unsigned index;         /* K: this worker processes blocks K, K+T, ... */
    unsigned thread_count;  /* T */
    uint64_t block_count;   /* N */
    uint64_t blocks_done;
    uint64_t hash_xor;      /* XOR of this worker's block hashes */
    uint64_t hash_sum;      /* their sum, modulo 2^64 */
};

/* Fills block with the xorshift64 stream seeded by the block number. */
__attribute__((noinline)) static void fill_block(uint64_t block_number, uint64_t *block)
{
    uint64_t x = (block_number + 1) * 0x9E3779B97F4A7C15ull;
    for (unsigned w = 0; w < BLOCK_WORDS; w++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        block[w] = x;
    }
}

/* 64-bit hash of the block's words (multiply, then xor-shift, per word). */
__attribute__((noinline)) static uint64_t hash_block(const uint64_t *block)
{
    uint64_t h = 0x6A09E667F3BCC908ull;
    for (unsigned w = 0; w < BLOCK_WORDS; w++) {
        h = (h ^ block[w]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

__attribute__((noinline)) static uint64_t process_block(uint64_t block_number, uint64_t *buffer)
{
    fill_block(block_number, buffer);
    return hash_block(buffer);
}

/* Thread start routine: processes this worker's blocks into its job. */
__attribute__((noinline)) static void *worker_main(void *arg)
{
    struct worker_job *job = arg;
    char name[16];
    snprintf(name, sizeof name, "worker-%u", job->index);
    pthread_setname_np(pthread_self(), name);

    uint64_t buffer[BLOCK_WORDS];
    PSCOPE_STAGE("hash_blocks")
    {
        pscope_stage *stage = pscope_stage_current();
        for (uint64_t i = job->index; i < job->block_count; i += job->thread_count) {
            uint64_t hash = process_block(i, buffer);
            job->hash_xor ^= hash;
            job->hash_sum += hash;
            job->blocks_done++;
            pscope_stage_record(stage);
        }
        pscope_stage_records(stage, job->blocks_done, job->blocks_done);
        pscope_counter_add("blocks_hashed", (double)job->blocks_done);
    }
    return NULL;
}

/* Starts the workers, joins them, and combines their results. Returns 0, or -1 when a
 * thread cannot start (message printed; the started ones are still joined). */
__attribute__((noinline)) static int run_workers(uint64_t n, unsigned thread_count,
                                                 uint64_t *digest_xor, uint64_t *digest_sum)
{
    pthread_t threads[MAX_THREADS];
    struct worker_job jobs[MAX_THREADS];
    unsigned started = 0;
    int rc = 0;
    for (unsigned k = 0; k < thread_count; k++) {
        jobs[k] = (struct worker_job){ .index = k, .thread_count = thread_count,
                                       .block_count = n };
        if (pthread_create(&threads[k], NULL, worker_main, &jobs[k]) != 0) {
            fprintf(stderr, "threads: cannot start worker %u\n", k);
            rc = -1;
            break;
        }
        started++;
    }
    *digest_xor = 0;
    *digest_sum = 0;
    for (unsigned k = 0; k < started; k++) {
        pthread_join(threads[k], NULL);
        *digest_xor ^= jobs[k].hash_xor;
        *digest_sum += jobs[k].hash_sum;
    }
    return rc;
}

/* Prints the --help text. Command-line handling is not instrumented: it is no part of
 * the workload being profiled. */
PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: threads [N] [--threads T]\n"
            "  N                4 KiB blocks to generate and hash, 1..%lu, default %lu\n"
            "  -t, --threads T  worker threads, 1..%lu, default %lu\n"
            "  -h, --help       show this help\n"
            "Splits the blocks statically over T threads; prints a digest that does not\n"
            "depend on T. Deterministic.\n",
            MAX_N, DEFAULT_N, MAX_THREADS, DEFAULT_THREADS);
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "threads", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long n = DEFAULT_N, thread_count = DEFAULT_THREADS;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":t:h", long_options, NULL)) != -1) {
        switch (c) {
        case 't':
            if (parse_count(optarg, 1, MAX_THREADS, &thread_count) != 0) {
                fprintf(stderr, "threads: bad --threads '%s' (expected 1..%lu)\n", optarg,
                        MAX_THREADS);
                return 2;
            }
            break;
        case 'h':
            print_usage(stdout);
            return EXIT_SUCCESS;
        case ':':
            fprintf(stderr, "threads: option '%s' needs a value; try --help\n",
                    argv[optind - 1]);
            return 2;
        default:
            sample_unknown_option("threads", argv);
            return 2;
        }
    }
    if (sample_positional_n("threads", argc, argv, 1, MAX_N, &n) != 0)
        return 2;
    pscope_set_scale((double)n);

    uint64_t digest_xor = 0, digest_sum = 0;
    if (run_workers(n, (unsigned)thread_count, &digest_xor, &digest_sum) != 0)
        return EXIT_FAILURE;
    printf("threads: n=%lu threads=%lu digest=%016" PRIx64 "%016" PRIx64 "\n", n, thread_count,
           digest_xor, digest_sum);
    return EXIT_SUCCESS;
}
