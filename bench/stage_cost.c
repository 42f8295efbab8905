/* bench/stage_cost.c: cost of the pscope stage API, for `make bench`.
 *
 * Times, with CLOCK_MONOTONIC around each loop: PAIRS pscope_stage_begin/end pairs
 * (default 100,000), MARKS pscope_stage_record marks inside one open stage (default
 * 2,000,000) and MARKS pscope_counter_add calls, and prints nanoseconds per operation
 * as `key=value` lines for scripts/bench.sh. Linked with -lpscope; run it with
 * PSCOPE_OUTPUT=DB to measure the profiling-on cost, without it for the off cost
 * (`active=` says which). The loops only call the API, so the figures include the loop
 * itself (about a nanosecond).
 * Usage: stage_cost [PAIRS [MARKS]]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pscope.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long pairs = argc > 1 ? atol(argv[1]) : 100000L;
    long marks = argc > 2 ? atol(argv[2]) : 2000000L;
    if (pairs <= 0 || marks <= 0) {
        fprintf(stderr, "usage: stage_cost [PAIRS [MARKS]], both > 0\n");
        return 2;
    }
    int active = pscope_active();

    double t0 = now_ns();
    for (long i = 0; i < pairs; i++) {
        pscope_stage *s = pscope_stage_begin("bench_pair");
        pscope_stage_end(s);
    }
    double t1 = now_ns();

    pscope_stage *outer = pscope_stage_begin("bench_marks");
    double t2 = now_ns();
    for (long i = 0; i < marks; i++)
        pscope_stage_record(outer);
    double t3 = now_ns();
    pscope_stage_records(outer, (uint64_t)marks, (uint64_t)marks);
    pscope_stage_end(outer);

    double t4 = now_ns();
    for (long i = 0; i < marks; i++)
        pscope_counter_add("bench_counter", 1.0);
    double t5 = now_ns();

    printf("active=%d\npairs=%ld\nmarks=%ld\n", active, pairs, marks);
    printf("stage_pair_ns=%.2f\n", (t1 - t0) / (double)pairs);
    printf("stage_record_ns=%.2f\n", (t3 - t2) / (double)marks);
    printf("counter_add_ns=%.2f\n", (t5 - t4) / (double)marks);
    return 0;
}
