/* tests/progs/chain.c: the simplest call tree, for the collector's CUnit tests.
 *
 * Behaviour: main -> a -> b -> c, each function called exactly once, on the main thread
 * only. No arguments; prints nothing; exit status 0.
 *
 * Expected profile (exact):
 *   calls: main 1, a 1, b 1, c 1            (4 calls seen)
 *   call paths: main (depth 0) -> main/a (1) -> main/a/b (2) -> main/a/b/c (3)
 *   threads: 1
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <stdlib.h>

static volatile unsigned long chain_sink;

__attribute__((noinline)) static void c(void)
{
    for (unsigned i = 0; i < 1000; i++)
        chain_sink += i;
}

__attribute__((noinline)) static void b(void)
{
    chain_sink += 2;
    c();
    chain_sink += 2;
}

__attribute__((noinline)) static void a(void)
{
    chain_sink += 1;
    b();
    chain_sink += 1;
}

int main(void)
{
    a();
    return EXIT_SUCCESS;
}
