/* bench/threads.c: thread-scaling benchmark for `make bench` — N call-heavy threads.
 *
 * Each of NTHREADS threads (default 1) runs ITER iterations (default 1,000,000) of a loop
 * calling two small noinline functions, so the program makes 2*ITER*NTHREADS + NTHREADS +
 * 1 instrumented calls (the loops, each thread's body and main). With the per-thread work
 * fixed, CPU time per call should not depend on NTHREADS when the collector scales (each
 * thread aggregates its own calls). Built by scripts/bench.sh like bench/calls.c. Prints a
 * checksum and the exact call count. Usage: threads [NTHREADS [ITER]]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long iterations = 1000000L;

__attribute__((noinline)) static uint64_t step(uint64_t x) { return x * 0x9E3779B97F4A7C15ull + 1; }
__attribute__((noinline)) static uint64_t fold(uint64_t x) { return x ^ (x >> 31); }

__attribute__((noinline)) static void *body(void *arg)
{
    uint64_t acc = (uint64_t)(uintptr_t)arg;
    for (long i = 0; i < iterations; i++)
        acc = fold(step(acc));
    return (void *)(uintptr_t)acc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1;
    if (argc > 2)
        iterations = atol(argv[2]);
    if (n < 1 || n > 256 || iterations < 0) {
        fprintf(stderr, "usage: threads [NTHREADS 1..256 [ITER >= 0]]\n");
        return 2;
    }
    pthread_t th[256];
    for (long k = 0; k < n; k++)
        if (pthread_create(&th[k], NULL, body, (void *)(uintptr_t)(k + 1)) != 0) {
            fprintf(stderr, "threads: pthread_create failed\n");
            return 1;
        }
    uint64_t sum = 0;
    for (long k = 0; k < n; k++) {
        void *ret;
        pthread_join(th[k], &ret);
        sum += (uint64_t)(uintptr_t)ret;
    }
    printf("checksum = %llu\ncalls=%ld\n", (unsigned long long)sum, 2 * iterations * n + n + 1);
    return 0;
}
