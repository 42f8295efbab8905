/* tests/progs/stages.c: stage-only profiling (spans, records, marks, counters, gauges).
 *
 * The stage API is called through weak declarations, so the program links and runs both
 * without libpscope (plain build: the API is absent and the same work runs without it) and
 * with it (the -linked build, or the plain build under pscope-run / LD_PRELOAD).
 * Profiling data comes from the stage API only; the instrumentation hooks see just the
 * handful of helper calls listed below. No arguments; prints nothing; exit status 0.
 *
 * Behaviour and expected stage data (exact counts; times as bounds, all on the main thread):
 *   stage "parse" (top level, no parent):
 *     10 iterations i = 1..10: nanosleep i ms, then pscope_stage_records(parse, 10, 6) and
 *     pscope_stage_record(parse). So records_in 100, records_out 60 (pass ratio 0.6, added
 *     in ten calls), and 10 per-record latencies of i ms + sleep overshoot (typically
 *     < 0.2 ms each): exact-sample percentiles (type 7) of 1..10 ms are p50 5.5 ms,
 *     p95 9.55 ms, p99 9.91 ms.
 *     Then, still inside "parse": pscope_counter_add("rows", 1) 5 times (running totals
 *     1, 2, 3, 4, 5; final 5) and pscope_gauge_set("queue_depth", v) for v = 10, 20, 30
 *     (3 samples, last 30).
 *     Then the nested stage "validate" (PSCOPE_STAGE macro, parent "parse"): records 60 in,
 *     54 out (pass ratio 0.9, set through pscope_stage_current()), and 5 ms of busy CPU
 *     (CLOCK_THREAD_CPUTIME_ID), so its thread CPU time is >= 5 ms and its dur >= 5 ms.
 *     "validate" has no record marks.
 *   "parse" dur >= 60 ms (55 ms of sleep + validate), its CPU time >= 5 ms and well below
 *   its dur.
 * Instrumented helper calls: main 1, pscope_api_present 1, sleep_ms 10, spin_cpu_ns 1.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pscope.h"

#pragma weak pscope_stage_begin
#pragma weak pscope_stage_end
#pragma weak pscope_stage_records
#pragma weak pscope_stage_record
#pragma weak pscope_stage_current
#pragma weak pscope__stage_cleanup
#pragma weak pscope_counter_add
#pragma weak pscope_gauge_set

#define MARK_COUNT 10
#define VALIDATE_CPU_NS 5000000ull

static volatile unsigned long stages_sink;

/* Non-zero when every stage function used here resolved (libpscope linked or preloaded). */
__attribute__((noinline)) static int pscope_api_present(void)
{
    return pscope_stage_begin && pscope_stage_end && pscope_stage_records &&
           pscope_stage_record && pscope_stage_current && pscope__stage_cleanup &&
           pscope_counter_add && pscope_gauge_set;
}

/* Sleep `ms` milliseconds (relative nanosleep, resumed after signals). */
__attribute__((noinline)) static void sleep_ms(unsigned ms)
{
    struct timespec left = { .tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L };
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        stages_sink++;
}

/* Busy-loop until this thread has used `cpu_ns` more nanoseconds of CPU time. */
__attribute__((noinline)) static void spin_cpu_ns(uint64_t cpu_ns)
{
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    uint64_t start = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    uint64_t used = 0;
    while (used < cpu_ns) {
        stages_sink++;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
        used = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec - start;
    }
}

int main(void)
{
    const int api = pscope_api_present();
    pscope_stage *parse = api ? pscope_stage_begin("parse") : NULL;

    for (unsigned i = 1; i <= MARK_COUNT; i++) {
        sleep_ms(i);
        if (api) {
            pscope_stage_records(parse, 10, 6);
            pscope_stage_record(parse);
        }
    }

    if (api) {
        for (int k = 0; k < 5; k++)
            pscope_counter_add("rows", 1.0);
        for (int v = 10; v <= 30; v += 10)
            pscope_gauge_set("queue_depth", (double)v);
        PSCOPE_STAGE("validate") {
            pscope_stage_records(pscope_stage_current(), 60, 54);
            spin_cpu_ns(VALIDATE_CPU_NS);
        }
        pscope_stage_end(parse);
    } else {
        spin_cpu_ns(VALIDATE_CPU_NS);
    }
    return EXIT_SUCCESS;
}
