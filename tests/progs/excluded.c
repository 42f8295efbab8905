/* tests/progs/excluded.c: a function excluded by the config, for the collector's tests.
 *
 * Usage: excluded [SPIN_US]   SPIN_US in 0..10000000, default 2000 (2 ms). Prints nothing;
 *   exit 0. Bad argument: one line on stderr, exit 2.
 *
 * Behaviour: main -> outer -> helper_excluded -> inner (3 calls). helper_excluded busy-waits
 * SPIN_US microseconds of CLOCK_MONOTONIC time itself (a spin loop on clock_gettime, no
 * sleep), then calls inner 3 times. outer, inner and main do only a few microseconds of
 * work of their own.
 *
 * The test config excludes the pattern `helper_excluded`. Expected profile with it (exact
 * counts, times as bounds):
 *   calls: main 1, outer 1, inner 3; helper_excluded absent    (5 calls seen)
 *   call paths: main -> main/outer -> main/outer/inner (3 calls): inner attaches to outer
 *   self time of outer >= SPIN_US (the excluded helper's spin lands in its caller);
 *   inclusive time of outer >= SPIN_US; stack intact afterwards (main closes normally).
 * Without the exclusion: main 1, outer 1, helper_excluded 1, inner 3, and the spin is
 * helper_excluded's self time.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long excluded_sink;

__attribute__((noinline)) static void inner(void)
{
    for (unsigned i = 0; i < 100; i++)
        excluded_sink += i;
}

__attribute__((noinline)) static void helper_excluded(uint64_t spin_ns)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t start = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    uint64_t elapsed = 0;
    while (elapsed < spin_ns) {
        excluded_sink++;
        clock_gettime(CLOCK_MONOTONIC, &now);
        elapsed = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec - start;
    }
    for (int k = 0; k < 3; k++)
        inner();
}

__attribute__((noinline)) static void outer(uint64_t spin_ns)
{
    excluded_sink += 1;
    helper_excluded(spin_ns);
    excluded_sink += 1;
}

int main(int argc, char **argv)
{
    unsigned long spin_us = 2000;
    if (argc > 2) {
        fprintf(stderr, "excluded: too many arguments (usage: excluded [SPIN_US])\n");
        return 2;
    }
    if (argc == 2) {
        char *end = NULL;
        errno = 0;
        spin_us = strtoul(argv[1], &end, 10);
        if (errno != 0 || end == argv[1] || *end != '\0' || spin_us > 10000000) {
            fprintf(stderr, "excluded: bad SPIN_US '%s' (expected an integer in 0..10000000)\n",
                    argv[1]);
            return 2;
        }
    }
    outer((uint64_t)spin_us * 1000u);
    return EXIT_SUCCESS;
}
