/* tests/progs/waiter.c: one thread blocked, one computing, for the on-CPU estimate
 * (tests/e2e/honest.sh, docs/stats.md "On CPU or waiting").
 *
 * Behaviour: main starts two threads. "blocked" runs blocked_thread -> wait_for_release,
 * which waits on a condition variable until main releases it; "compute" runs
 * compute_thread -> compute, which spins until its thread has used 0.2 s of CPU
 * (CLOCK_THREAD_CPUTIME_ID). main joins the compute thread, sleeps until 1 s has passed
 * since the start, releases the blocked thread and joins it. Prints one line,
 * "compute_oncpu R", R = compute's own CPU time / its wall time (what the machine actually
 * gave it: below 1 when other processes competed for the cores). No arguments; exit 0
 * (1 if a thread cannot start).
 *
 * Expected profile: wait_for_release self ~1 s with almost no CPU (blocked), compute self
 * >= 0.2 s on CPU R of its time; calls: main 1, blocked_thread 1, wait_for_release 1,
 * compute_thread 1, compute 1.
 *
 * Built -O1 -fno-inline -finstrument-functions like every test program; functions are
 * noinline and write a volatile sink so nothing is merged or removed.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static volatile unsigned long waiter_sink;
static pthread_mutex_t release_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t release_cond = PTHREAD_COND_INITIALIZER;
static int released;
static double compute_ratio;

__attribute__((no_instrument_function)) static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void wait_for_release(void)
{
    pthread_mutex_lock(&release_lock);
    while (!released)
        pthread_cond_wait(&release_cond, &release_lock);
    pthread_mutex_unlock(&release_lock);
    waiter_sink++;
}

__attribute__((noinline)) static void *blocked_thread(void *arg)
{
    (void)arg;
    wait_for_release();
    return NULL;
}

__attribute__((noinline)) static void compute(void)
{
    double cpu0 = seconds(CLOCK_THREAD_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
    double cpu = cpu0;
    while (cpu - cpu0 < 0.2) {
        for (unsigned i = 0; i < 20000; i++)
            waiter_sink += i;
        cpu = seconds(CLOCK_THREAD_CPUTIME_ID);
    }
    compute_ratio = (cpu - cpu0) / (seconds(CLOCK_MONOTONIC) - wall0);
}

__attribute__((noinline)) static void *compute_thread(void *arg)
{
    (void)arg;
    compute();
    return NULL;
}

int main(void)
{
    double start = seconds(CLOCK_MONOTONIC);
    pthread_t blocked, computing;
    if (pthread_create(&blocked, NULL, blocked_thread, NULL) != 0)
        return 1;
    if (pthread_create(&computing, NULL, compute_thread, NULL) != 0)
        return 1;
    pthread_join(computing, NULL);
    double left = 1.0 - (seconds(CLOCK_MONOTONIC) - start);
    if (left > 0) {
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&release_lock);
    released = 1;
    pthread_cond_signal(&release_cond);
    pthread_mutex_unlock(&release_lock);
    pthread_join(blocked, NULL);
    printf("compute_oncpu %.3f\n", compute_ratio);
    return 0;
}
