/* bench/fib.c: call-heavy benchmark for `make bench` — recursive fib(N) (default 32).
 *
 * Built by scripts/bench.sh with -finstrument-functions -O2 -fno-optimize-sibling-calls
 * and fib() noinline, so every one of the 2*F(N+1)-1 calls (7,049,155 for N = 32) goes
 * through __cyg_profile_func_enter/exit; main adds one more call. Prints the result (so
 * the work is not optimised away) and the exact instrumented call count, computed here
 * from the Fibonacci identity rather than typed into the harness.
 * Usage: fib [N]
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static unsigned long fib(int n) {
    if (n < 2)
        return (unsigned long)n;
    return fib(n - 1) + fib(n - 2);
}

/* F(n) iteratively; not instrumented so it does not change the call count. */
__attribute__((no_instrument_function)) static unsigned long fib_iter(int n) {
    unsigned long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        unsigned long t = a + b;
        a = b;
        b = t;
    }
    return a;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 32;
    if (n < 0 || n > 60) {
        fprintf(stderr, "usage: fib [N], 0 <= N <= 60\n");
        return 2;
    }
    unsigned long r = fib(n);
    /* calls of fib(n) = 2*F(n+1) - 1, plus main itself */
    unsigned long calls = 2 * fib_iter(n + 1) - 1 + 1;
    printf("fib(%d) = %lu\ncalls=%lu\n", n, r, calls);
    return 0;
}
