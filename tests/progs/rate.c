/* tests/progs/rate.c: calls a function at a known rate, then dies; for crash-safety tests.
 *
 * Usage: rate MS MODE [STATUS]
 *   MS      1..3600000: run time in milliseconds;
 *   MODE    how the process ends: segv (store through a NULL pointer: killed by SIGSEGV),
 *           abort (abort(): killed by SIGABRT), _exit (_exit(STATUS): no atexit handlers),
 *           exit (exit(STATUS): atexit handlers run, a normal end);
 *   STATUS  0..255, exit status for _exit/exit, default 0.
 *   Prints nothing on stdout. Bad arguments: one line on stderr, exit 2.
 *
 * Behaviour: main calls tick() exactly MS times, the i-th call (i = 0..MS-1) at i ms after
 * start (absolute CLOCK_MONOTONIC deadlines, so delays never accumulate), sleeps until MS ms
 * after start, then calls die(MODE), which ends the process without returning.
 *
 * Expected profile: tick MS calls in total, ~1 per ms; sleep_until MS + 1 calls;
 * parse_bounded 1 call (2 with STATUS); main and die are open frames when the process ends.
 * A crash-safe collector that commits every ~200 ms keeps at least MS - 250 tick calls;
 * the run is marked incomplete for segv, abort and _exit, complete for exit.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long rate_sink;

enum death_mode { DEATH_SEGV, DEATH_ABORT, DEATH__EXIT, DEATH_EXIT };

__attribute__((noinline)) static void tick(void)
{
    for (unsigned i = 0; i < 100; i++)
        rate_sink += i;
}

__attribute__((noinline, noreturn)) static void die(enum death_mode mode, int status)
{
    switch (mode) {
    case DEATH_SEGV: {
        volatile int *volatile nowhere = NULL;
        *nowhere = 1;
        break;
    }
    case DEATH_ABORT:
        abort();
    case DEATH__EXIT:
        _exit(status);
    case DEATH_EXIT:
        exit(status);
    }
    /* Reached only if the SIGSEGV above was caught and ignored: still never return. */
    raise(SIGKILL);
    _exit(127);
}

/* Sleep until start + offset_ms on CLOCK_MONOTONIC (absolute deadline, EINTR-safe). */
__attribute__((noinline)) static void sleep_until(const struct timespec *start, uint64_t offset_ms)
{
    uint64_t ns = (uint64_t)start->tv_nsec + offset_ms * 1000000u;
    struct timespec deadline = {
        .tv_sec = start->tv_sec + (time_t)(ns / 1000000000u),
        .tv_nsec = (long)(ns % 1000000000u),
    };
    int rc;
    do
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
    while (rc == EINTR);
}

__attribute__((noinline)) static int parse_bounded(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value > max)
        return -1;
    *out = value;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long run_ms = 0, status = 0;
    enum death_mode mode;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "rate: usage: rate MS segv|abort|_exit|exit [STATUS]\n");
        return 2;
    }
    if (parse_bounded(argv[1], 3600000, &run_ms) != 0 || run_ms == 0) {
        fprintf(stderr, "rate: bad MS '%s' (expected an integer in 1..3600000)\n", argv[1]);
        return 2;
    }
    if (strcmp(argv[2], "segv") == 0)
        mode = DEATH_SEGV;
    else if (strcmp(argv[2], "abort") == 0)
        mode = DEATH_ABORT;
    else if (strcmp(argv[2], "_exit") == 0)
        mode = DEATH__EXIT;
    else if (strcmp(argv[2], "exit") == 0)
        mode = DEATH_EXIT;
    else {
        fprintf(stderr, "rate: bad MODE '%s' (expected segv, abort, _exit or exit)\n", argv[2]);
        return 2;
    }
    if (argc == 4 && parse_bounded(argv[3], 255, &status) != 0) {
        fprintf(stderr, "rate: bad STATUS '%s' (expected an integer in 0..255)\n", argv[3]);
        return 2;
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (uint64_t i = 0; i < run_ms; i++) {
        sleep_until(&start, i);
        tick();
    }
    sleep_until(&start, run_ms);
    die(mode, (int)status);
}
