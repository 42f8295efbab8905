/* tests/progs/deep.c: deep recursion, for the collector's stack-depth overflow tests.
 *
 * Usage: deep [DEPTH [THREADS]]   DEPTH in 1..10000000, default 20000; THREADS in 1..64,
 *   default 1. Prints "deep: depth=D threads=T" on stdout; exit 0. Bad arguments: one line
 *   on stderr, exit 2; a thread that cannot start: exit 1.
 *
 * Behaviour: main starts THREADS threads (even for THREADS = 1; main itself only waits),
 * each with a stack sized for DEPTH frames. Each thread's start routine deep_worker calls
 * descend(1), which recurses until descend(DEPTH) and then unwinds (work after the
 * recursive call keeps every frame real; no tail calls).
 *
 * Expected profile (exact):
 *   calls: main 1, parse_bounded 1 per argument given (0..2), deep_worker THREADS,
 *          descend DEPTH * THREADS
 *   stack depth per worker thread: DEPTH + 1 frames (deep_worker + DEPTH descend)
 *   threads: THREADS + 1
 * With a collector max_depth below DEPTH + 1 the excess calls are not recorded and are
 * counted as depth overflow (DEPTH + 1 - max_depth per thread with the default layout).
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_DEPTH 10000000ul
#define MAX_THREADS 64ul
/* Generous stack budget per frame: instrumented frames here are ~48 bytes, sanitizers
 * and valgrind make them larger. */
#define STACK_BYTES_PER_FRAME 512ul
#define STACK_BYTES_BASE (1ul << 20)

static volatile unsigned long deep_sink;
static unsigned long target_depth;

__attribute__((noinline)) static unsigned long descend(unsigned long level)
{
    unsigned long below = 0;
    if (level < target_depth)
        below = descend(level + 1);
    deep_sink += level;
    return below + 1;
}

__attribute__((noinline)) static void *deep_worker(void *arg)
{
    unsigned long *frames = arg;
    *frames = descend(1);
    return NULL;
}

__attribute__((noinline)) static int parse_bounded(const char *text, unsigned long min,
                                                   unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long depth = 20000, thread_count = 1;
    if (argc > 3) {
        fprintf(stderr, "deep: too many arguments (usage: deep [DEPTH [THREADS]])\n");
        return 2;
    }
    if (argc >= 2 && parse_bounded(argv[1], 1, MAX_DEPTH, &depth) != 0) {
        fprintf(stderr, "deep: bad DEPTH '%s' (expected an integer in 1..%lu)\n", argv[1],
                MAX_DEPTH);
        return 2;
    }
    if (argc == 3 && parse_bounded(argv[2], 1, MAX_THREADS, &thread_count) != 0) {
        fprintf(stderr, "deep: bad THREADS '%s' (expected an integer in 1..%lu)\n", argv[2],
                MAX_THREADS);
        return 2;
    }
    target_depth = depth;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (pthread_attr_setstacksize(&attr, STACK_BYTES_BASE + depth * STACK_BYTES_PER_FRAME) != 0) {
        fprintf(stderr, "deep: cannot set a stack of %lu bytes\n",
                STACK_BYTES_BASE + depth * STACK_BYTES_PER_FRAME);
        return 1;
    }
    pthread_t workers[MAX_THREADS];
    unsigned long frames[MAX_THREADS];
    for (unsigned long k = 0; k < thread_count; k++) {
        if (pthread_create(&workers[k], &attr, deep_worker, &frames[k]) != 0) {
            fprintf(stderr, "deep: pthread_create failed\n");
            return 1;
        }
    }
    for (unsigned long k = 0; k < thread_count; k++) {
        pthread_join(workers[k], NULL);
        if (frames[k] != depth) {
            fprintf(stderr, "deep: thread %lu reached depth %lu, expected %lu\n", k, frames[k],
                    depth);
            return 1;
        }
    }
    pthread_attr_destroy(&attr);
    printf("deep: depth=%lu threads=%lu\n", depth, thread_count);
    return EXIT_SUCCESS;
}
