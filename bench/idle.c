/* bench/idle.c: near-idle program for measuring the collector's sampler CPU cost.
 *
 * Sleeps for MS milliseconds (default 2000) in 10 ms steps inside an instrumented
 * function, so a profiled run has a stack for the sampler to tag but almost no CPU work
 * of its own: the CPU time of a run with the sampler on minus one with it off, over the
 * wall time, is the sampler's share of one core. Prints the number of sleeps done.
 * Usage: idle [MS]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) static void nap(void) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int main(int argc, char **argv) {
    long ms = argc > 1 ? atol(argv[1]) : 2000;
    long naps = 0;
    for (long t = 0; t < ms; t += 10, naps++)
        nap();
    printf("naps=%ld\ncalls=%ld\n", naps, naps + 1);
    return 0;
}
