/* bench/runstat.c: run one command and report its wall time and resource usage.
 *
 * The timing helper of scripts/bench.sh: forks, execs ARGV (stdout/stderr inherited),
 * waits with wait4 and writes one line to the file named by -o (stdout when absent):
 *     wall_ns=<ns> user_us=<us> sys_us=<us> maxrss_kb=<kB> status=<exit code or 128+sig>
 * Wall time is CLOCK_MONOTONIC from just before fork to just after wait4; user/sys/maxrss
 * are the child's rusage (including its own waited-for children). Exit status of
 * runstat: 0 when it could report (whatever the child's status), 2 on usage error,
 * 127 when exec failed.
 * Usage: runstat [-o FILE] [--] PROG [ARGS...]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *out = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
        out = argv[i + 1];
        i += 2;
    }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc) {
        fprintf(stderr, "usage: runstat [-o FILE] [--] PROG [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("runstat: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[i], &argv[i]);
        fprintf(stderr, "runstat: exec %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("runstat: wait4");
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long wall = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    long long user = (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
    long long sys = (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror("runstat: open output");
        return 2;
    }
    fprintf(f, "wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld status=%d\n", wall, user, sys,
            ru.ru_maxrss, code);
    if (out)
        fclose(f);
    return code == 127 ? 127 : 0;
}
