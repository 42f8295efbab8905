/* samples/scaling.c: functions of known cost growth, for pscope-extrapolate's tests and
 * demos.
 *
 * Usage: scaling [N] [--help]    N: problem size, 2..1048576, default 128 (a power of
 *                                two keeps the n·log2(n) call count exact).
 * The run's scale is N (pscope_set_scale). Instrumented functions and their exact call
 * counts (the classes pscope-extrapolate --metric calls must find):
 *   startup        1 call, a fixed ~5 ms of arithmetic           O(1)
 *   fixed_cost     1 call, sleeps 50 ms                          O(1)  (time flat too)
 *   linear_item    N calls, ~90 µs each                          O(n)
 *   nlogn_step     N·ceil(log2 N) calls (N per level), ~9 µs     O(n log n)
 *   quad_pair      N² calls, ~2.3 µs each                        O(n²)
 *   run_scaling, main: 1 call each.
 * Each call's work is a dependent chain of arithmetic on registers (no memory traffic),
 * so its time per call does not depend on N; each call's work is large next to the
 * collector's per-call cost. Prints one line: N, a checksum (deterministic), cpu_share,
 * the main thread's CPU time over wall time while it computed (below ~0.9 it waited for a
 * core), and speed=A,B, the thread CPU time in ns per spin iteration measured before and
 * after the work (a busy sibling hyper-thread or a clock change shows as a different
 * speed): times of runs are comparable only when all of these agree.
 * Bad arguments: one line on stderr, exit 2.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "pscope.h"
#include "sample_cli.h"

#define DEFAULT_N 128ul
#define MAX_N 1048576ul

/* A dependent chain of `iters` multiply-adds; the result depends on every step. Not
 * instrumented: its time is its caller's own. */
PSCOPE_NOINSTR static inline uint64_t spin(uint64_t seed, unsigned iters)
{
    uint64_t x = seed | 1;
    for (unsigned k = 0; k < iters; k++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

__attribute__((noinline)) static uint64_t startup(void)
{
    return spin(1, 4000000);
}

__attribute__((noinline)) static void fixed_cost(void)
{
    struct timespec ts = { 0, 50000000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

__attribute__((noinline)) static uint64_t linear_item(uint64_t i)
{
    return spin(i, 80000);
}

__attribute__((noinline)) static uint64_t nlogn_step(uint64_t i)
{
    return spin(i, 8000);
}

__attribute__((noinline)) static uint64_t quad_pair(uint64_t i, uint64_t j)
{
    return spin(i ^ (j << 20), 2000);
}

/* Seconds of a clock. */
PSCOPE_NOINSTR static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU ns per spin iteration, over 2 million iterations (not instrumented). */
PSCOPE_NOINSTR static double calibrate(uint64_t *sink)
{
    double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    *sink ^= spin(*sink, 2000000);
    return (clock_s(CLOCK_THREAD_CPUTIME_ID) - t0) * 1e9 / 2e6;
}

/* Runs the workload; *cpu_share is the main thread's CPU time over the wall time of the
 * computing part (everything but the 50 ms sleep): about 1 when the thread had a core to
 * itself, lower when it waited for one (a busy machine). */
__attribute__((noinline)) static uint64_t run_scaling(uint64_t n, double *cpu_share)
{
    uint64_t sum = startup();
    fixed_cost();
    double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC);
    for (uint64_t i = 0; i < n; i++)
        sum += linear_item(i);
    unsigned levels = 0;
    while ((1ull << levels) < n)
        levels++;
    for (unsigned level = 0; level < levels; level++)
        for (uint64_t i = 0; i < n; i++)
            sum ^= nlogn_step(i + level);
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++)
            sum += quad_pair(i, j);
    double wall = clock_s(CLOCK_MONOTONIC) - wall0;
    *cpu_share = wall > 0 ? (clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0) / wall : 1;
    return sum;
}

PSCOPE_NOINSTR static void print_usage(FILE *to)
{
    fprintf(to,
            "usage: scaling [N]\n"
            "  N  problem size, 2..%lu, default %lu: startup and fixed_cost (50 ms) once,\n"
            "     linear_item N times, nlogn_step N*ceil(log2 N) times, quad_pair N*N times\n"
            "Prints a checksum; the run's scale is N.\n",
            MAX_N, DEFAULT_N);
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (c == 'h') {
            print_usage(stdout);
            return 0;
        }
        sample_unknown_option("scaling", argv);
        return 2;
    }
    unsigned long n = DEFAULT_N;
    if (sample_positional_n("scaling", argc, argv, 2, MAX_N, &n) != 0)
        return 2;
    pscope_set_scale((double)n);
    double share = 1;
    uint64_t sink = 7;
    double speed0 = calibrate(&sink);
    uint64_t sum = run_scaling(n, &share);
    double speed1 = calibrate(&sink);
    printf("n=%lu checksum=%016llx cpu_share=%.3f speed=%.3f,%.3f\n", n,
           (unsigned long long)(sum ^ sink), share, speed0, speed1);
    return 0;
}
