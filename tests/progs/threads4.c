/* tests/progs/threads4.c: per-thread stacks, for the collector's CUnit tests.
 *
 * Behaviour: main starts 4 threads whose start routine is foo; each runs foo -> a -> b -> c
 * exactly once. The threads wait on a barrier at the top of foo, so all 4 are alive at the
 * same time (5 distinct OS threads with main). Each worker names itself "worker-K"
 * (K = 0..3) with pthread_setname_np at the top of foo, before the barrier. main joins
 * them all. No arguments; prints nothing; exit status 0 (1 if a thread cannot start).
 *
 * Expected profile (exact):
 *   calls: main 1, foo 4, a 4, b 4, c 4      (17 calls seen)
 *   call paths: main (depth 0, main thread); foo (depth 0, a root on each worker)
 *               -> foo/a (4) -> foo/a/b (4) -> foo/a/b/c (4)
 *   threads: 5 (main + worker-0..worker-3), each worker with 4 calls
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKER_COUNT 4

static volatile unsigned long threads4_sink;
static pthread_barrier_t all_workers_started;

__attribute__((noinline)) static void c(void)
{
    for (unsigned i = 0; i < 1000; i++)
        threads4_sink += i;
}

__attribute__((noinline)) static void b(void)
{
    threads4_sink += 2;
    c();
}

__attribute__((noinline)) static void a(void)
{
    threads4_sink += 1;
    b();
}

/* Thread start routine; arg carries the worker number. */
__attribute__((noinline)) static void *foo(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "worker-%u", (unsigned)(uintptr_t)arg);
    pthread_setname_np(pthread_self(), name);
    pthread_barrier_wait(&all_workers_started);
    a();
    return NULL;
}

int main(void)
{
    pthread_t workers[WORKER_COUNT];
    if (pthread_barrier_init(&all_workers_started, NULL, WORKER_COUNT) != 0) {
        fprintf(stderr, "threads4: pthread_barrier_init failed\n");
        return EXIT_FAILURE;
    }
    for (unsigned k = 0; k < WORKER_COUNT; k++) {
        if (pthread_create(&workers[k], NULL, foo, (void *)(uintptr_t)k) != 0) {
            fprintf(stderr, "threads4: pthread_create failed\n");
            return EXIT_FAILURE;
        }
    }
    for (unsigned k = 0; k < WORKER_COUNT; k++)
        pthread_join(workers[k], NULL);
    pthread_barrier_destroy(&all_workers_started);
    return EXIT_SUCCESS;
}
