/* tests/progs/foo_loop.c: repeated calls under one parent, for the collector's CUnit tests.
 *
 * Behaviour: main calls foo twice; each foo calls loop three times. No arguments; prints
 * nothing; exit status 0.
 *
 * Expected profile (exact):
 *   calls: main 1, foo 2, loop 6             (9 calls seen)
 *   call paths: main (1 call) -> main/foo (2 calls) -> main/foo/loop (6 calls)
 *   threads: 1
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <stdlib.h>

static volatile unsigned long foo_loop_sink;

__attribute__((noinline)) static void loop(unsigned iterations)
{
    for (unsigned i = 0; i < iterations; i++)
        foo_loop_sink += i;
}

__attribute__((noinline)) static void foo(void)
{
    for (unsigned k = 0; k < 3; k++)
        loop(10000);
    foo_loop_sink += 1;
}

int main(void)
{
    foo();
    foo();
    return EXIT_SUCCESS;
}
