/* libcollect/internal.h: the collector's internal structures, shared by its files.
 *
 * Data flow: the hooks (hooks.c) append 16-byte records to a per-thread single-producer
 * single-consumer ring (struct psc_ring). The writer thread (writer.c) drains every ring,
 * rebuilds each thread's call stack and keeps exact aggregates; every flush interval it
 * writes them, with the raw call rows kept under the budget, to SQLite (store.c) in one
 * short transaction. collector.c owns the run lifecycle (load, start, stop, exit, fork).
 * Nothing in libcollect is compiled with -finstrument-functions, and every function is
 * additionally marked PSC_NOINSTR so the static library stays safe if it ever is.
 */
#ifndef PSCOPE_INTERNAL_H
#define PSCOPE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "hist.h"
#include "pscope.h"

#define PSC_NOINSTR __attribute__((no_instrument_function))
#define PSC_API __attribute__((visibility("default"), no_instrument_function))
#define PSC_LIKELY(x) __builtin_expect(!!(x), 1)
#define PSC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- hot-path records -------------------------------------------------------------- */

#define PSC_EXIT_BIT (1ull << 63)        /* record kind: set = function exit, clear = entry */
#define PSC_ADDR_MASK ((1ull << 56) - 1)  /* user-space addresses fit in 56 bits */

typedef struct psc_record {
    uint64_t addr_kind; /* function address | PSC_EXIT_BIT on exit */
    uint64_t tick;      /* raw clock value (TSC ticks, or CLOCK_MONOTONIC ns) */
} psc_record;

#define PSC_RING_BITS 16u       /* first ring of a thread: 64 Ki records, 1 MiB, touched lazily */
#define PSC_RING_MAX_BITS 22u   /* rings double up to 4 Mi records (64 MiB) before back-pressure */

struct psc_wthread; /* writer-side per-thread state (writer.c) */

/* One segment of a thread's event buffer: a single-producer single-consumer ring. The
 * owning thread is the only producer (head), the writer the only consumer (tail). When a
 * ring is full and the writer is behind (descheduled, or slower for a while), the thread
 * does not wait: it allocates a ring twice the size, publishes it as `successor` (after
 * its final head) and goes on there; the writer drains the old ring, follows the link
 * and frees it. Only at PSC_RING_MAX_BITS does the thread wait for the writer. */
typedef struct psc_ring {
    _Atomic uint64_t head;  /* next record index the producer will write (release-published) */
    char pad0[56];
    _Atomic uint64_t tail;  /* next record index the consumer will read */
    char pad1[56];
    _Atomic uint64_t lost;  /* events dropped by the producer (re-entrancy, stopping) */
    _Atomic int closed;     /* set by the thread at exit: no more records will come */
    struct psc_ring *_Atomic successor; /* the bigger ring the producer moved to; head final */
    uint64_t mask;          /* capacity - 1 (capacity a power of two) */
    pid_t tid;              /* OS thread id */
    int is_main;            /* 1 for the thread that started the run */
    char name[32];          /* thread name at registration / exit */
    uint64_t first_tick;    /* tick at registration */
    struct psc_ring *next;  /* registry link (protected by the registry mutex) */
    psc_record rec[];       /* mask + 1 records */
} psc_ring;

/* ---- clock ------------------------------------------------------------------------- */

typedef struct psc_clock {
    int use_tsc;          /* 1: rdtsc ticks; 0: CLOCK_MONOTONIC ns */
    uint64_t tick0;       /* tick at run start */
    uint64_t mono0;       /* CLOCK_MONOTONIC ns at run start */
    int64_t wall0;        /* CLOCK_REALTIME ns at run start */
    double ns_per_tick;   /* 0 until calibrated (writer), 1.0 with monotonic */
    uint64_t mult32;      /* ns_per_tick * 2^32, for integer conversion on the writer */
} psc_clock;

/* CLOCK_MONOTONIC in ns (clock.c); out of line so the TSC path stays register-light. */
PSC_NOINSTR uint64_t psc_tick_monotonic(void);

PSC_NOINSTR static inline uint64_t psc_tick(int use_tsc)
{
#if defined(__x86_64__) || defined(__i386__)
    if (PSC_LIKELY(use_tsc))
        return __builtin_ia32_rdtsc();
#else
    (void)use_tsc;
#endif
    return psc_tick_monotonic();
}

/* Choose the clock (TSC when the CPU has constant and nonstop TSC and the kernel uses
 * it, else monotonic) and record the run's origin. */
PSC_NOINSTR void psc_clock_init(psc_clock *c);
/* Calibrate ns_per_tick from the time elapsed since psc_clock_init (waits until at least
 * min_ms have elapsed since then). Idempotent once calibrated. */
PSC_NOINSTR void psc_clock_calibrate(psc_clock *c, unsigned min_ms);
/* Ticks -> ns since run start (clamped at 0). Requires calibration. */
PSC_NOINSTR static inline uint64_t psc_tick_to_ns(const psc_clock *c, uint64_t tick)
{
    if (tick <= c->tick0)
        return 0;
    /* fixed point: one 64x64->128 multiply, no floating point per event */
    return (uint64_t)(((unsigned __int128)(tick - c->tick0) * c->mult32) >> 32);
}
PSC_NOINSTR uint64_t psc_now_ns(const psc_clock *c); /* now, ns since run start */

/* ---- run state --------------------------------------------------------------------- */

struct psc_store;

/* Everything about the active run. One global instance (psc_run_state in collector.c). */
typedef struct psc_run {
    _Atomic int active;        /* hooks record while 1 */
    _Atomic unsigned gen;      /* run generation: rings of older generations re-register */
    psc_config cfg;            /* effective configuration (owned) */
    psc_clock clock;
    pthread_t writer;          /* writer thread */
    int writer_running;
    _Atomic int stop_requested;/* writer: drain, close frames, final flush, exit */
    _Atomic int writer_ready;  /* set by the writer once its start-up (and allocations) is done */
    pthread_mutex_t reg_lock;  /* protects ring registry and pending_rings */
    psc_ring *pending_rings;   /* registered since the writer last looked */
    pthread_mutex_t wake_lock; /* writer sleep/wake */
    pthread_cond_t wake_cond;
    _Atomic uint64_t flush_req;  /* pscope_flush(): requested sequence */
    _Atomic uint64_t flush_done; /* last sequence the writer completed */
    struct psc_store *store;   /* SQLite side (writer-owned after start) */
    char *label;               /* pending label (under meta_lock) */
    double scale;              /* pending scale, NAN if unset (under meta_lock) */
    int meta_dirty;
    pthread_mutex_t meta_lock;
    int64_t run_id;            /* run.id in the database */
    int64_t parent_run_id;     /* 0 unless a forked child */
    pid_t pid;
} psc_run;

extern psc_run psc_state __attribute__((visibility("hidden")));
/* Held by the writer whenever it is not sleeping (draining, resolving, writing), and by
 * fork's prepare handler: a fork then happens while the writer holds no lock, not even
 * one inside the allocator (ASan's allocator takes none around fork, glibc's does). */
extern pthread_mutex_t psc_busy_lock;

/* hooks.c: drop the calling thread's ring binding (after fork in the child). */
PSC_NOINSTR void psc_hooks_after_fork_child(void);
/* hooks.c: ring of the calling thread for the current generation, registering it if
 * needed; NULL when not active or out of memory. Not for the hot path. */
PSC_NOINSTR psc_ring *psc_thread_ring(void);
/* hooks.c: 1 on the collector's own threads (writer, sampler). */
PSC_NOINSTR int psc_hooks_thread_is_internal(void);
/* interpose.c: keep the descriptors of the database at db_path (and -wal/-shm) from
 * being closed by the program; call after opening and after the first write. */
PSC_NOINSTR void psc_protect_db_fds(const char *db_path);
/* interpose.c: see there; taken by collector threads around short-lived descriptors. */
extern pthread_mutex_t psc_io_lock;
/* interpose.c: protect one more long-lived collector descriptor (kept across runs). */
PSC_NOINSTR void psc_protect_fd(int fd);
/* interpose.c: forget the protected descriptors (the database is being closed). */
PSC_NOINSTR void psc_unprotect_fds(void);
/* interpose.c: let the calling thread close protected descriptors (store close). */
PSC_NOINSTR void psc_allow_close(int allow);
/* hooks.c: mark the calling thread as internal (writer, sampler): its events are ignored. */
PSC_NOINSTR void psc_hooks_ignore_thread(void);

/* collector.c: pthread_create with every signal blocked in the new thread, so the
 * program's signal handlers never run on the collector's own threads (where their
 * events could not be recorded). Same contract as pthread_create. */
PSC_NOINSTR int psc_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg);

/* collector.c: wait (at most ~1 s) until *flag is set by a new collector thread, so a
 * fork right after start-up never catches that thread inside the allocator. */
PSC_NOINSTR void psc_wait_ready(_Atomic int *flag);

/* writer.c: the writer thread's body; arg unused. */
PSC_NOINSTR void *psc_writer_main(void *arg);
/* writer.c: wake the writer (ring full, flush, stop). Async-signal unsafe. */
PSC_NOINSTR void psc_writer_wake(void);

/* Print one warning line "pscope: ..." on stderr (printf format). */
PSC_NOINSTR void psc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
