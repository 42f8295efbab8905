/* tests/progs/spawner.c: starts instrumented programs with an explicit environment that
 * lacks the collector's variables, for the collector's follow test.
 *
 * Usage: spawner PROGRAM   Behaviour: main calls launch() twice: the first posix_spawn()s
 * PROGRAM, the second fork()s and execve()s it, each time with the environment
 * {"SPAWNER=1", NULL} only, and waits for it. Exits 0 when both children exited 0.
 * Expected profile with the collector preloaded: three runs (spawner, and one per
 * child, each a complete run of PROGRAM); launch 2 calls in spawner's run.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static int launch(const char *prog, int how)
{
    char *argv[] = {(char *)prog, NULL};
    char *envp[] = {"SPAWNER=1", NULL};
    pid_t pid;
    if (how == 0) {
        if (posix_spawn(&pid, prog, NULL, NULL, argv, envp) != 0)
            return -1;
    } else {
        pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            execve(prog, argv, envp);
            _exit(127);
        }
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    int a = launch(argv[1], 0);
    int b = launch(argv[1], 1);
    return a == 0 && b == 0 ? 0 : 1;
}
