/* tests/progs/jumps.c: non-local exits out of instrumented calls, for the collector's
 * longjmp test.
 *
 * Usage: jumps [N [M]] (defaults 1000 and 1000).
 * Behaviour: main repeats N times: setjmp, then c1() -> c2() -> c3(), and c3 longjmp()s
 * back into main. Then M times: sigsetjmp, then s1() -> s2(), s2 raise()s SIGUSR1 whose
 * handler on_sig() siglongjmp()s back into main. Prints "jumps=N+M".
 * Expected profile (exact): c1, c2, c3 N calls each; s1, s2, on_sig M calls each (on_sig
 * below s2: the handler runs on s2's stack); main 1; call paths main, main/c1,
 * main/c1/c2, main/c1/c2/c3, main/s1, main/s1/s2, main/s1/s2/on_sig (those with calls);
 * max depth 4; frames_unwound 3N + 3M (every frame left by a jump), no unmatched exits.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;
static sigjmp_buf senv;
static volatile unsigned long jumps_sink;

__attribute__((noinline)) static void c3(void)
{
    jumps_sink++;
    longjmp(env, 1);
}

__attribute__((noinline)) static void c2(void)
{
    jumps_sink++;
    c3();
}

__attribute__((noinline)) static void c1(void)
{
    jumps_sink++;
    c2();
}

__attribute__((noinline)) static void on_sig(int sig)
{
    jumps_sink += (unsigned long)sig;
    siglongjmp(senv, 1);
}

__attribute__((noinline)) static void s2(void)
{
    raise(SIGUSR1);
}

__attribute__((noinline)) static void s1(void)
{
    s2();
}

int main(int argc, char **argv)
{
    volatile long n = argc > 1 ? atol(argv[1]) : 1000;
    volatile long m = argc > 2 ? atol(argv[2]) : 1000;
    struct sigaction sa = {0};
    sa.sa_handler = on_sig;
    sigaction(SIGUSR1, &sa, NULL);
    for (volatile long i = 0; i < n; i++)
        if (setjmp(env) == 0)
            c1();
    for (volatile long i = 0; i < m; i++)
        if (sigsetjmp(senv, 1) == 0)
            s1();
    printf("jumps=%ld\n", (long)(n + m));
    return 0;
}
