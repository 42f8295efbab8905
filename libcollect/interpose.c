/* libcollect/interpose.c: the few libc functions the collector must see before the
 * program does (they override libc's when libpscope is preloaded or linked).
 *
 *  - _exit, _Exit: a process that ends without exit() (forked children, daemons, Redis'
 *    BGSAVE child) would lose everything since the last commit and leave its run
 *    incomplete; the run is finished first (psc_finish_before_exit), then the process
 *    ends with the exit_group system call, as glibc's _exit does.
 *  - swapcontext: coroutines run on stacks of their own; the thread's shadow stack is
 *    switched with them (psc_hooks_switch_context), so one coroutine's calls never nest
 *    under another's.
 *  - dlclose: before a library is unmapped, the writer drains every ring and resolves
 *    the symbols of every address seen so far (pscope_flush), so functions of a
 *    dlclose'd instrumented library keep their names.
 *  - close, close_range, closefrom: a program that closes "all" descriptors (daemons,
 *    sandboxes) would also close the database's descriptors; worse, a descriptor number
 *    reused by the program would then receive SQLite's writes, and closing any
 *    descriptor of the file drops the process's POSIX locks on it. Descriptors that refer
 *    to the run database (and its -wal/-shm) are therefore kept: close() of one returns 0
 *    without closing it, and ranges skip them. The collector's own threads close freely.
 */
#include "internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PSC_MAX_PROTECTED 16

static _Atomic int protected_fds[PSC_MAX_PROTECTED]; /* -1 or 0 = free slot (fd 0 never ours) */
static _Atomic int nprotected;
static __thread int allow_close;
static int extra_fd = -1; /* a long-lived collector descriptor outside the database (statm) */
static __thread int in_close_wrapper; /* a signal handler closing inside our close() */

/* Held by the collector's threads while they have short-lived descriptors open (the
 * sampler reading /proc, the writer resolving symbols) and by the program's close()
 * calls: so the program cannot close such a descriptor mid-read and have its number
 * reused under the collector (which would then read, or close, the program's file). */
pthread_mutex_t psc_io_lock = PTHREAD_MUTEX_INITIALIZER;

typedef int (*close_fn)(int);
typedef int (*close_range_fn)(unsigned, unsigned, int);
typedef void (*closefrom_fn)(int);
typedef int (*dlclose_fn)(void *);

PSC_NOINSTR static int is_protected(int fd)
{
    int n = atomic_load_explicit(&nprotected, memory_order_acquire);
    for (int i = 0; i < n; i++)
        if (atomic_load_explicit(&protected_fds[i], memory_order_relaxed) == fd)
            return 1;
    return 0;
}

PSC_NOINSTR void psc_protect_db_fds(const char *db_path)
{
    char real_db[PATH_MAX];
    if (!db_path || !realpath(db_path, real_db))
        return;
    size_t dblen = strlen(real_db);
    int found[PSC_MAX_PROTECTED], n = 0;
    if (extra_fd >= 0)
        found[n++] = extra_fd;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < PSC_MAX_PROTECTED) {
        int fd = atoi(e->d_name);
        if (fd <= 0 || fd == dirfd(d))
            continue;
        char link[64], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strncmp(target, real_db, dblen) == 0 &&
            (target[dblen] == '\0' || strcmp(target + dblen, "-wal") == 0 ||
             strcmp(target + dblen, "-shm") == 0 || strcmp(target + dblen, "-journal") == 0))
            found[n++] = fd;
    }
    if (d)
        closedir(d);
    for (int i = 0; i < n; i++)
        atomic_store_explicit(&protected_fds[i], found[i], memory_order_relaxed);
    atomic_store_explicit(&nprotected, n, memory_order_release);
}

PSC_NOINSTR void psc_unprotect_fds(void)
{
    atomic_store_explicit(&nprotected, extra_fd >= 0 ? 1 : 0, memory_order_release);
    if (extra_fd >= 0)
        atomic_store_explicit(&protected_fds[0], extra_fd, memory_order_relaxed);
}

PSC_NOINSTR void psc_protect_fd(int fd)
{
    extra_fd = fd;
    int n = atomic_load(&nprotected);
    if (n < PSC_MAX_PROTECTED) {
        atomic_store_explicit(&protected_fds[n], fd, memory_order_relaxed);
        atomic_store_explicit(&nprotected, n + 1, memory_order_release);
    }
}

PSC_NOINSTR void psc_allow_close(int allow)
{
    allow_close = allow;
}

PSC_NOINSTR static int may_close(int fd)
{
    return allow_close || psc_hooks_thread_is_internal() || !is_protected(fd);
}

/* Serialise a program-side close with the collector's short-lived descriptors. Returns
 * 1 if the lock was taken (release with io_unlock). */
PSC_NOINSTR static int io_lock(void)
{
    if (in_close_wrapper || psc_hooks_thread_is_internal() || !atomic_load(&psc_state.active))
        return 0;
    in_close_wrapper = 1;
    pthread_mutex_lock(&psc_io_lock);
    return 1;
}

PSC_NOINSTR static void io_unlock(int locked)
{
    if (locked) {
        pthread_mutex_unlock(&psc_io_lock);
        in_close_wrapper = 0;
    }
}

PSC_API int close(int fd)
{
    static close_fn real;
    if (!may_close(fd))
        return 0; /* the program asked to close the profiler's database: keep it */
    if (!real)
        real = (close_fn)dlsym(RTLD_NEXT, "close");
    int locked = io_lock();
    int rc = real ? real(fd) : (int)syscall(SYS_close, fd);
    int saved = errno;
    io_unlock(locked);
    errno = saved;
    return rc;
}

PSC_NOINSTR static int real_close_range(unsigned first, unsigned last, int flags)
{
    static close_range_fn real;
    if (!real)
        real = (close_range_fn)dlsym(RTLD_NEXT, "close_range");
    return real ? real(first, last, flags) : (int)syscall(SYS_close_range, first, last, flags);
}

/* Close [first, last] except the protected descriptors: the sub-ranges between them. */
PSC_NOINSTR static int close_range_skipping(unsigned first, unsigned last, int flags)
{
    unsigned keep[PSC_MAX_PROTECTED];
    int nkeep = 0, n = atomic_load(&nprotected);
    for (int i = 0; i < n; i++) {
        int p = atomic_load(&protected_fds[i]);
        if (p >= 0 && (unsigned)p >= first && (unsigned)p <= last)
            keep[nkeep++] = (unsigned)p;
    }
    for (int i = 1; i < nkeep; i++) /* insertion sort: at most a handful */
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            unsigned t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    int rc = 0;
    unsigned from = first;
    for (int i = 0; i < nkeep; i++) {
        if (keep[i] > from && real_close_range(from, keep[i] - 1, flags) != 0)
            rc = -1;
        from = keep[i] + 1;
        if (keep[i] == UINT_MAX)
            return rc;
    }
    if (from <= last && real_close_range(from, last, flags) != 0)
        rc = -1;
    return rc;
}

PSC_API int close_range(unsigned first, unsigned last, int flags)
{
    if (allow_close || psc_hooks_thread_is_internal() || atomic_load(&nprotected) == 0)
        return real_close_range(first, last, flags);
    int locked = io_lock();
    int rc = close_range_skipping(first, last, flags);
    int saved = errno;
    io_unlock(locked);
    errno = saved;
    return rc;
}

PSC_API void closefrom(int lowfd)
{
    if (lowfd < 0)
        lowfd = 0;
    if (close_range((unsigned)lowfd, UINT_MAX, 0) != 0) {
        /* no close_range in this kernel: close one by one (close() skips ours) */
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = lowfd; fd < (max > 0 ? max : 1024); fd++)
            close((int)fd);
    }
}

PSC_API int dlclose(void *handle)
{
    static dlclose_fn real;
    if (!real)
        real = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
    if (atomic_load(&psc_state.active) && !psc_hooks_thread_is_internal())
        pscope_flush(); /* symbols of the library are resolved while it is still mapped */
    return real ? real(handle) : -1;
}

PSC_NOINSTR __attribute__((noreturn)) static void end_process(int status)
{
    psc_finish_before_exit();
    for (;;)
        syscall(SYS_exit_group, status);
}

PSC_API void _exit(int status)
{
    end_process(status);
}

PSC_API void _Exit(int status)
{
    end_process(status);
}

typedef int (*swapcontext_fn)(ucontext_t *, const ucontext_t *);

PSC_API int swapcontext(ucontext_t *oucp, const ucontext_t *ucp)
{
    static swapcontext_fn real;
    if (!real)
        real = (swapcontext_fn)dlsym(RTLD_NEXT, "swapcontext");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    /* Switched before the jump: the next event comes from ucp's stack. When ucp later
     * swaps back to oucp, that call switches the shadow stacks back. */
    psc_hooks_switch_context(oucp, ucp);
    return real(oucp, ucp);
}
