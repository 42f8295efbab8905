/* tests/progs/cancel.c: threads that end from deep inside instrumented calls, for the
 * collector's thread-end test.
 *
 * Behaviour: main starts two threads.
 *   canceled: outer() -> middle() -> blocker(), which records when it started and then
 *             sleeps in 1 ms nanosleep()s (cancellation points) until main cancels it.
 *   exiting:  ex_outer() -> ex_inner(), which spins for 50 ms (by CLOCK_MONOTONIC) and
 *             calls pthread_exit() from inside both frames.
 * main waits 100 ms after blocker() started, cancels and joins the first thread, joins the
 * second, and prints "blocked_ns=N" (from blocker()'s start to the cancel request).
 * Expected profile: outer, middle, blocker, ex_outer, ex_inner 1 call each; blocker's
 * inclusive time at least blocked_ns (its frame was open until the thread ended), and
 * ex_inner's at least 50 ms; main 1.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic long long blocker_start_ns;

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

__attribute__((noinline)) static void blocker(void)
{
    atomic_store(&blocker_start_ns, mono_ns());
    for (;;) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

__attribute__((noinline)) static void middle(void)
{
    blocker();
}

__attribute__((noinline)) static void outer(void)
{
    middle();
}

__attribute__((noinline)) static void *canceled(void *arg)
{
    (void)arg;
    outer();
    return NULL;
}

__attribute__((noinline)) static void ex_inner(void)
{
    long long until = mono_ns() + 50000000ll;
    while (mono_ns() < until)
        ;
    pthread_exit(NULL);
}

__attribute__((noinline)) static void ex_outer(void)
{
    ex_inner();
}

__attribute__((noinline)) static void *exiting(void *arg)
{
    (void)arg;
    ex_outer();
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    if (pthread_create(&a, NULL, canceled, NULL) || pthread_create(&b, NULL, exiting, NULL))
        return 1;
    while (!atomic_load(&blocker_start_ns)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    struct timespec wait = {0, 100000000};
    nanosleep(&wait, NULL);
    long long blocked = mono_ns() - atomic_load(&blocker_start_ns);
    pthread_cancel(a);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("blocked_ns=%lld\n", blocked);
    return 0;
}
