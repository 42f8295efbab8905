/* tests/progs/signals.c: an instrumented signal handler firing while the program is
 * inside the collector's hooks, for the re-entrancy tests.
 *
 * Usage: signals [CALLS]   CALLS in 1..100000000, default 2000000.
 * Behaviour: a SIGALRM handler (on_alarm, instrumented, calls handler_work once) is armed
 * with a 50 us interval timer; main calls work() CALLS times, then disarms the timer and
 * prints "signals: calls=C delivered=D" (D = handler invocations) on stdout; exit 0.
 *
 * Expected profile: work exactly CALLS calls (the handler can interrupt a hook, never
 * lose the interrupted event); on_alarm calls + (events dropped by re-entrancy) / 2 = D,
 * and handler_work likewise; no unmatched exits, no crash.
 *
 * Built -O1 -fno-inline -fno-ipa-cp -fno-optimize-sibling-calls -finstrument-functions.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile unsigned long signals_sink;
static volatile sig_atomic_t delivered;

__attribute__((noinline)) static void handler_work(void)
{
    signals_sink += 3;
}

__attribute__((noinline)) static void on_alarm(int sig)
{
    (void)sig;
    delivered++;
    handler_work();
}

__attribute__((noinline)) static void work(unsigned long i)
{
    signals_sink += i;
}

int main(int argc, char **argv)
{
    unsigned long calls = 2000000;
    if (argc > 1) {
        char *end;
        errno = 0;
        calls = strtoul(argv[1], &end, 10);
        if (errno || *end || calls < 1 || calls > 100000000) {
            fprintf(stderr, "signals: bad CALLS '%s' (expected 1..100000000)\n", argv[1]);
            return 2;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 50}, {0, 50}};
    setitimer(ITIMER_REAL, &it, NULL);
    for (unsigned long i = 0; i < calls; i++)
        work(i);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_IGN);
    printf("signals: calls=%lu delivered=%ld\n", calls, (long)delivered);
    return 0;
}
