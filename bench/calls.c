/* bench/calls.c: flat call-heavy benchmark for `make bench` — a loop of small calls.
 *
 * Each of ITER iterations (default 2,500,000) calls four small noinline functions, giving
 * 4*ITER instrumented calls (10,000,000 by default) plus main, all at depth 1. Built by
 * scripts/bench.sh with -finstrument-functions -O2 -fno-optimize-sibling-calls. Prints a
 * checksum (so the loop is not optimised away) and the exact instrumented call count.
 * Usage: calls [ITER]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint64_t mix(uint64_t x) { return x * 0x9E3779B97F4A7C15ull; }
__attribute__((noinline)) static uint64_t rot(uint64_t x) { return (x << 13) | (x >> 51); }
__attribute__((noinline)) static uint64_t add(uint64_t x, uint64_t y) { return x + y; }
__attribute__((noinline)) static uint64_t fold(uint64_t x) { return x ^ (x >> 29); }

int main(int argc, char **argv) {
    long iter = argc > 1 ? atol(argv[1]) : 2500000L;
    if (iter < 0) {
        fprintf(stderr, "usage: calls [ITER], ITER >= 0\n");
        return 2;
    }
    uint64_t acc = 1;
    for (long i = 0; i < iter; i++)
        acc = fold(add(rot(mix(acc)), (uint64_t)i));
    printf("checksum = %llu\ncalls=%ld\n", (unsigned long long)acc, 4 * iter + 1);
    return 0;
}
