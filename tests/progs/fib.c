/* tests/progs/fib.c: naive recursion, for exact recursion accounting and the overhead bench.
 *
 * Usage: fib [N]        N in 1..45, default 8. Prints "fib(N) = F" on stdout; exit 0.
 *   Bad argument: one line on stderr, exit 2.
 *
 * fib(n) returns 1 for n <= 2 and fib(n-1) + fib(n-2) otherwise, so fib(N) makes
 * 2*F(N) - 1 calls of fib, where F is the Fibonacci number with F(1) = F(2) = 1.
 * Expected profile (exact):
 *   N = 8:  fib 41 calls, F = 21; main 1. Recursion depth: main + 7 fib frames
 *           (deepest path main/fib/fib/.../fib with 7 fib).
 *           Inclusive time of fib (outermost frames only) equals the sum of fib's self
 *           time: recursion is not double counted.
 *   N = 32: fib 4,356,617 calls;  N = 33: fib 7,049,155 calls (the "~7 M calls" bench).
 *   threads: 1
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long fib_sink;

__attribute__((noinline)) static unsigned long fib(unsigned n)
{
    fib_sink++;
    if (n <= 2)
        return 1;
    unsigned long left = fib(n - 1);
    unsigned long right = fib(n - 2);
    return left + right;
}

int main(int argc, char **argv)
{
    unsigned long n = 8;
    if (argc > 2) {
        fprintf(stderr, "fib: too many arguments (usage: fib [N], N in 1..45)\n");
        return 2;
    }
    if (argc == 2) {
        char *end = NULL;
        errno = 0;
        n = strtoul(argv[1], &end, 10);
        if (errno != 0 || end == argv[1] || *end != '\0' || n < 1 || n > 45) {
            fprintf(stderr, "fib: bad N '%s' (expected an integer in 1..45)\n", argv[1]);
            return 2;
        }
    }
    unsigned long result = fib((unsigned)n);
    printf("fib(%lu) = %lu\n", n, result);
    return EXIT_SUCCESS;
}
