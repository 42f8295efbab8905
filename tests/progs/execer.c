/* tests/progs/execer.c: a program that replaces itself with another instrumented program,
 * for the collector's exec test.
 *
 * Usage: execer PROGRAM [ARGS...]
 * Behaviour: main calls before_exec() twice, then execv(PROGRAM, ARGS). On exec failure
 * prints one line on stderr and exits 127.
 * Expected profile: the execer image's run (before_exec 2 calls, left incomplete since the
 * image never exits normally) and a new run for PROGRAM when the collector is preloaded.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static volatile unsigned long execer_sink;

__attribute__((noinline)) static void before_exec(void)
{
    execer_sink++;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "execer: usage: execer PROGRAM [ARGS...]\n");
        return 2;
    }
    before_exec();
    before_exec();
    execv(argv[1], argv + 1);
    fprintf(stderr, "execer: cannot execute %s: %s\n", argv[1], strerror(errno));
    return 127;
}
