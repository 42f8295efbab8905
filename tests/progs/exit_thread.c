/* tests/progs/exit_thread.c: exit() called from a thread other than main, for the
 * collector's shutdown test.
 *
 * Behaviour: main calls before() once and starts a thread running quitter(), then blocks
 * in pthread_join; quitter calls leaf() 3 times and then exit(0) — atexit handlers run on
 * that thread while main is still inside pthread_join. Prints nothing.
 * Expected profile: before 1, quitter 1 (closed at exit), leaf 3; the run complete; main
 * and quitter are open frames closed at the end instant.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <pthread.h>
#include <stdlib.h>

static volatile unsigned long exit_thread_sink;

__attribute__((noinline)) static void before(void)
{
    exit_thread_sink++;
}

__attribute__((noinline)) static void leaf(void)
{
    exit_thread_sink += 2;
}

__attribute__((noinline)) static void *quitter(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        leaf();
    exit(0);
}

int main(void)
{
    before();
    pthread_t t;
    if (pthread_create(&t, NULL, quitter, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    return 1; /* not reached */
}
