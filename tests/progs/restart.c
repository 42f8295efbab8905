/* tests/progs/restart.c: a program that stops and restarts profiling through the API,
 * for the collector's run-lifecycle test.
 *
 * Behaviour: work() once; pscope_stop(); work() once (not profiled); pscope_set_label
 * ("second"); pscope_start(NULL); work() twice; pscope_set_scale(42); exit 0. Prints
 * "restart: start=R" with R the return value of pscope_start (0 when it started).
 * Without libpscope (plain build, not preloaded) the API is absent and only work() runs.
 * Expected: two runs in the database: run 1 with work 1 call (complete, ended at the
 * stop), run 2 labelled "second" with work 2 calls and scale 42 (complete at exit).
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <stdio.h>

#include "pscope.h"

#pragma weak pscope_stop
#pragma weak pscope_start
#pragma weak pscope_set_label
#pragma weak pscope_set_scale

static volatile unsigned long restart_sink;

__attribute__((noinline)) static void work(void)
{
    for (unsigned i = 0; i < 1000; i++)
        restart_sink += i;
}

int main(void)
{
    int started = -1;
    work();
    if (pscope_stop)
        pscope_stop();
    work();
    if (pscope_set_label)
        pscope_set_label("second");
    if (pscope_start)
        started = pscope_start(NULL);
    work();
    work();
    if (pscope_set_scale)
        pscope_set_scale(42);
    printf("restart: start=%d\n", started);
    return 0;
}
