/* tests/progs/bgsave.c: a forked child that does its work and ends with _exit(), the way
 * Redis ends its BGSAVE children and most daemons their forked workers.
 *
 * Usage: bgsave [CHUNKS] (default 500).
 * Behaviour: main calls prepare() once and forks. The child calls save(), which calls
 * chunk() CHUNKS times (each spins ~1 ms of CPU time by CLOCK_THREAD_CPUTIME_ID, read by
 * the uninstrumented cpu_ns(), so the work takes about CHUNKS ms of CPU however loaded the machine is), then calls _exit(0)
 * from inside save(). The parent waits for the child, calls after() once and returns 0
 * (1 if the child failed).
 * Expected profile (exact): parent run: main 1, prepare 1, after 1. Child run (complete):
 * save 1, chunk CHUNKS, and main 1 (entered in the parent, open at the fork, closed at
 * _exit); the child's thread row has as many calls as its run's calls_seen.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long bgsave_sink;

__attribute__((no_instrument_function)) static long long cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

__attribute__((noinline)) static void prepare(void)
{
    bgsave_sink++;
}

__attribute__((noinline)) static void chunk(void)
{
    long long until = cpu_ns() + 1000000;
    while (cpu_ns() < until)
        bgsave_sink++;
}

__attribute__((noinline)) static void save(long chunks)
{
    for (long i = 0; i < chunks; i++)
        chunk();
    _exit(0);
}

__attribute__((noinline)) static void after(void)
{
    bgsave_sink++;
}

int main(int argc, char **argv)
{
    long chunks = argc > 1 ? atol(argv[1]) : 500;
    prepare();
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0)
        save(chunks);
    int status = 0;
    if (waitpid(child, &status, 0) != child)
        return 1;
    after();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
