/* tests/progs/many_threads.c: short-lived threads and a thread pool, for the collector's
 * thread-lifecycle tests.
 *
 * Usage: many_threads [SHORT [POOL [TASKS]]]  defaults 16, 4, 1000.
 * Behaviour: main starts SHORT threads one after another (each runs short_job once and
 * exits; main joins it before starting the next, so OS thread ids may be reused), then a
 * pool of POOL threads that together run TASKS tasks (pool_worker calls task() for each
 * task it takes from a shared counter). Prints "many_threads: short=S pool=P tasks=T".
 *
 * Expected profile (exact): short_job SHORT calls, pool_worker POOL calls, task TASKS
 * calls; threads: 1 + SHORT + POOL rows, each short thread with 1 call, and the pool
 * threads' calls summing to POOL + TASKS.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long many_sink;
static pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_task, total_tasks;

__attribute__((noinline)) static void *short_job(void *arg)
{
    many_sink += (unsigned long)(size_t)arg;
    return NULL;
}

__attribute__((noinline)) static void task(unsigned long i)
{
    for (unsigned k = 0; k < 50; k++)
        many_sink += i + k;
}

__attribute__((noinline)) static void *pool_worker(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&task_lock);
        unsigned long i = next_task < total_tasks ? next_task++ : total_tasks;
        pthread_mutex_unlock(&task_lock);
        if (i >= total_tasks)
            return NULL;
        task(i);
    }
}

static unsigned long arg_or(int argc, char **argv, int i, unsigned long def, unsigned long max)
{
    if (argc <= i)
        return def;
    char *end;
    errno = 0;
    unsigned long v = strtoul(argv[i], &end, 10);
    if (errno || *end || v > max) {
        fprintf(stderr, "many_threads: bad argument '%s' (expected 0..%lu)\n", argv[i], max);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    unsigned long shorts = arg_or(argc, argv, 1, 16, 100000);
    unsigned long pool = arg_or(argc, argv, 2, 4, 256);
    total_tasks = arg_or(argc, argv, 3, 1000, 100000000);
    for (unsigned long i = 0; i < shorts; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_job, (void *)(size_t)i) != 0)
            return 1;
        pthread_join(t, NULL);
    }
    pthread_t *workers = calloc(pool ? pool : 1, sizeof *workers);
    for (unsigned long i = 0; i < pool; i++)
        if (pthread_create(&workers[i], NULL, pool_worker, NULL) != 0)
            return 1;
    for (unsigned long i = 0; i < pool; i++)
        pthread_join(workers[i], NULL);
    free(workers);
    printf("many_threads: short=%lu pool=%lu tasks=%lu\n", shorts, pool, total_tasks);
    return 0;
}
