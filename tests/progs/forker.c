/* tests/progs/forker.c: a process that forks, for the collector's fork tests.
 *
 * Behaviour: main calls work() once, then fork()s.
 *   child:  calls child_work() 3 times, then exit(0) (atexit handlers run).
 *   parent: waitpid()s for the child, then calls parent_work() 2 times; exits 0 when the
 *           child exited with status 0, 1 otherwise (or if fork/waitpid fails).
 * No arguments; prints nothing.
 *
 * Expected profile (exact), two runs:
 *   parent run: main 1, work 1, parent_work 2; call paths main, main/work,
 *               main/parent_work; 1 thread.
 *   child run (its own run, parent_run_id = the parent's run): child_work 3 calls,
 *               nothing else completed in the child. work() finished before the fork and
 *               belongs to the parent run only; parent_work never runs in the child. main
 *               was entered before the fork: the child inherits it as an open frame, and
 *               the collector decides whether it shows (the current one starts the child
 *               with an empty stack, so child_work is a root at depth 0 there).
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions;
 * every function is noinline and writes a volatile sink so nothing is merged or removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long forker_sink;

__attribute__((noinline)) static void work(void)
{
    for (unsigned i = 0; i < 10000; i++)
        forker_sink += i;
}

__attribute__((noinline)) static void child_work(void)
{
    for (unsigned i = 0; i < 10000; i++)
        forker_sink += i * 3u;
}

__attribute__((noinline)) static void parent_work(void)
{
    for (unsigned i = 0; i < 10000; i++)
        forker_sink += i * 5u;
}

int main(void)
{
    work();
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        perror("forker: fork");
        return EXIT_FAILURE;
    }
    if (child == 0) {
        for (int k = 0; k < 3; k++)
            child_work();
        exit(EXIT_SUCCESS);
    }
    int status = 0;
    pid_t waited;
    do
        waited = waitpid(child, &status, 0);
    while (waited < 0 && errno == EINTR);
    if (waited < 0) {
        perror("forker: waitpid");
        return EXIT_FAILURE;
    }
    for (int k = 0; k < 2; k++)
        parent_work();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
