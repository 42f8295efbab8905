/* libcollect/clock.c: the run's time base. The hot path stores raw TSC ticks when the
 * CPU's TSC is constant and nonstop and the kernel itself trusts it as clocksource
 * (measured here: rdtsc ~11 ns vs clock_gettime ~26 ns); otherwise CLOCK_MONOTONIC ns.
 * The writer converts ticks to ns with a rate calibrated against CLOCK_MONOTONIC over
 * at least the first 2 ms of the run (or the whole run if shorter), taken on the writer
 * thread so the program is never delayed. Timestamps are converted before any
 * subtraction, so self times add up exactly to inclusive times. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

PSC_NOINSTR static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

PSC_NOINSTR __attribute__((noinline)) uint64_t psc_tick_monotonic(void)
{
    return mono_ns();
}

PSC_NOINSTR static int tsc_usable(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (getenv("PSCOPE_CLOCK") && strcmp(getenv("PSCOPE_CLOCK"), "monotonic") == 0)
        return 0;
    char line[4096];
    int constant = 0, nonstop = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) == 0) {
            constant = strstr(line, " constant_tsc") != NULL;
            nonstop = strstr(line, " nonstop_tsc") != NULL;
            break;
        }
    }
    fclose(f);
    if (!constant || !nonstop)
        return 0;
    f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f)
        return 0;
    int ok = fgets(line, sizeof line, f) && strncmp(line, "tsc", 3) == 0;
    fclose(f);
    return ok;
#else
    return 0;
#endif
}

PSC_NOINSTR void psc_clock_init(psc_clock *c)
{
    memset(c, 0, sizeof *c);
    c->use_tsc = tsc_usable();
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    c->wall0 = (int64_t)wall.tv_sec * 1000000000ll + wall.tv_nsec;
    c->mono0 = mono_ns();
    c->tick0 = psc_tick(c->use_tsc);
    if (!c->use_tsc) {
        c->ns_per_tick = 1.0;
        c->mult32 = 1ull << 32;
    }
}

PSC_NOINSTR void psc_clock_calibrate(psc_clock *c, unsigned min_ms)
{
    if (c->ns_per_tick > 0)
        return;
    uint64_t want = (uint64_t)min_ms * 1000000ull;
    uint64_t mono, tick;
    for (;;) {
        mono = mono_ns();
        tick = psc_tick(1);
        if (mono - c->mono0 >= want)
            break;
        struct timespec ts = {0, (long)(want - (mono - c->mono0))};
        nanosleep(&ts, NULL);
    }
    double rate = 1.0;
    if (tick > c->tick0 && mono > c->mono0)
        rate = (double)(mono - c->mono0) / (double)(tick - c->tick0);
    c->mult32 = (uint64_t)(rate * 4294967296.0 + 0.5);
    /* ns_per_tick is what other threads poll to see that calibration is done: last */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    c->ns_per_tick = rate;
}

PSC_NOINSTR uint64_t psc_now_ns(const psc_clock *c)
{
    return psc_tick_to_ns(c, psc_tick(c->use_tsc));
}
