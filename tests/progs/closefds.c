/* tests/progs/closefds.c: a program that closes every file descriptor it did not open
 * itself (as daemons and sandboxes do), for the collector's descriptor-safety test.
 *
 * Usage: closefds OUTFILE
 * Behaviour: calls work() 5 times; closes descriptors 3..1023 one by one with close(),
 * then closefrom(3) again; opens OUTFILE (creating it), writes "program data\n" 1000 times
 * with write(2), closes it; calls work() 5 more times; exits 0. Prints nothing.
 * Expected: OUTFILE holds exactly its 1000 lines (the profiler never writes into a reused
 * descriptor); profile: work 10 calls, run complete.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long closefds_sink;

__attribute__((noinline)) static void work(void)
{
    for (unsigned i = 0; i < 1000; i++)
        closefds_sink += i;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "closefds: usage: closefds OUTFILE\n");
        return 2;
    }
    for (int i = 0; i < 5; i++)
        work();
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    closefrom(3);
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0)
        return 1;
    static const char line[] = "program data\n";
    for (int i = 0; i < 1000; i++)
        if (write(out, line, strlen(line)) != (ssize_t)strlen(line))
            return 1;
    close(out);
    for (int i = 0; i < 5; i++)
        work();
    return 0;
}
