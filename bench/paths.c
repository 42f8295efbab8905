/* bench/paths.c: call-path memory benchmark for `make bench` — many distinct call paths.
 *
 * left(d) and right(d) each call left(d-1) then right(d-1) until d is 0: a full binary
 * tree of calls in which every call has a call path of its own (the sequence of
 * left/right choices from main). DEPTH (default 16) gives 2^(DEPTH+2) - 2 calls below
 * main, i.e. 262,142 distinct call paths, each called once, plus main. Peak RSS with the
 * collector minus the baseline's, divided by the paths, bounds the bytes per call path.
 * Built by scripts/bench.sh like bench/calls.c. Prints the call count and the number of
 * distinct paths. Usage: paths [DEPTH]
 */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void right(int d);

__attribute__((noinline)) static void left(int d)
{
    sink++;
    if (d > 0) {
        left(d - 1);
        right(d - 1);
    }
}

__attribute__((noinline)) static void right(int d)
{
    sink += 2;
    if (d > 0) {
        left(d - 1);
        right(d - 1);
    }
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 16;
    if (depth < 0 || depth > 28) {
        fprintf(stderr, "usage: paths [DEPTH 0..28]\n");
        return 2;
    }
    left(depth);
    right(depth);
    long below = (2L << (depth + 1)) - 2;
    printf("calls=%ld\npaths=%ld\n", below + 1, below + 1);
    return 0;
}
