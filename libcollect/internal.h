/* libcollect/internal.h: the collector's internal structures, shared by its files.
 *
 * Data flow: the hooks (hooks.c) keep, in the program's own thread, a shadow stack and a
 * calling-context tree with exact figures (cct.c), and, while the raw-row budget lasts,
 * append call rows to a per-thread chain of row blocks. The writer thread (writer.c)
 * wakes every flush interval, snapshots every thread's tree, merges the trees, drains
 * the rows and writes everything to SQLite (store.c) in one short transaction.
 * collector.c owns the run lifecycle (load, start, stop, exit, fork).
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

#include "cct.h"
#include "config.h"
#include "hist.h"
#include "pscope.h"

#define PSC_NOINSTR __attribute__((no_instrument_function))
#define PSC_API __attribute__((visibility("default"), no_instrument_function))
#define PSC_LIKELY(x) __builtin_expect(!!(x), 1)
#define PSC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- per-thread state --------------------------------------------------------------- */

/* One block of raw call rows: written by its thread (count published with release), read
 * and unmapped by the writer. Blocks form a chain through `next`. */
typedef struct psc_rowblock {
    _Atomic uint32_t count;              /* rows written */
    uint32_t cap;                        /* rows that fit */
    struct psc_rowblock *_Atomic next;   /* set once this block is full */
    cct_row row[];
} psc_rowblock;

#define PSC_ROWBLOCK_ROWS 2048u  /* rows per block (96 KiB) */
#define PSC_ROW_TABLE 1u         /* cct_row.flags: the call gets a `call` row (within the budget) */
#define PSC_ROWBLOCK_MAX 64u     /* blocks a thread may have waiting before it waits */
#define PSC_FRAME_POS_SLOTS 256u /* per-thread cache: function -> its return-address slot offset */

/* A program thread registered with the current run (hooks.c). Mapped with mmap (the
 * hooks never call malloc). The thread owns cct and the row chain's tail; the writer
 * reads cct, drains rows from row_read and, once `closed`, unmaps the record. */
typedef struct psc_thread_rec {
    cct_ctx *cct;                  /* the thread's stack and calling-context tree */
    _Atomic int in_hook;           /* 1 while the thread is inside cct (run end waits) */
    _Atomic int closed;            /* set at thread exit, after its frames were closed */
    _Atomic uint64_t lost;         /* events dropped (re-entrancy) */
    _Atomic uint64_t rows_dropped; /* rows lost for want of memory */
    _Atomic uint64_t row_blocks;   /* row blocks not yet unmapped by the writer */
    unsigned gen;                  /* run generation */
    pid_t tid;
    int is_main;
    char name[32];
    uint64_t first_ns;             /* registration time, ns since run start */
    psc_rowblock *row_write;       /* thread: block being filled */
    psc_rowblock *_Atomic row_first; /* thread: its first block (set once, release) */
    psc_rowblock *row_read;        /* writer: block being drained ... */
    uint32_t row_read_pos;         /* ... and rows of it already taken */
    int adopted;                   /* writer: has a writer-side record */
    struct { uint64_t addr, delta; } frame_pos[PSC_FRAME_POS_SLOTS]; /* thread: see hooks.c */
    struct psc_thread_rec *next;   /* registry link (psc_state.reg_lock) */
} psc_thread_rec;

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
    pthread_mutex_t reg_lock;  /* protects the thread registry */
    psc_thread_rec *threads;   /* registered threads of this run, newest first */
    _Atomic uint64_t rows_claimed; /* raw rows taken from the budget so far */
    _Atomic int rows_spent;    /* the raw-row budget is used up */
    _Atomic uint64_t next_call_id; /* next free call id (blocks of CCT_ID_BLOCK) */
    int classify_on;           /* include/exclude patterns given */
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

/* hooks.c: in a forked child, before its run starts: forget the parent's registration
 * (the inherited stack is kept for psc_hooks_fork_resume). */
PSC_NOINSTR void psc_hooks_after_fork_child(void);
/* hooks.c: in a forked child whose run has started: register the thread and enter its
 * inherited open frames at the current time. */
PSC_NOINSTR void psc_hooks_fork_resume(void);
/* hooks.c: the calling thread's record for the current run, registering it if needed;
 * NULL when not active or out of memory. Not for the hot path. */
PSC_NOINSTR psc_thread_rec *psc_thread_register(void);
/* hooks.c: what thread tid is running now: its record and the node of its innermost
 * frame (0 when none); returns 0 when tid is not registered. For the sampler. */
PSC_NOINSTR int psc_hooks_top_of(int tid, const void **rec, uint32_t *node);
/* hooks.c: unmap a record and everything it owns (writer, once the thread is gone). */
PSC_NOINSTR void psc_thread_rec_free(psc_thread_rec *r);
/* classify.c: 1 if the function at addr is excluded by the include/exclude patterns.
 * Resolves the symbol on first sight (cold; any thread); results are cached. */
PSC_NOINSTR int psc_classify(void *arg, uint64_t addr);
/* classify.c: compile the patterns of cfg (validated already) for a new run. */
PSC_NOINSTR void psc_classify_start(const psc_config *cfg);
/* classify.c: forget the cache and patterns (run end). */
PSC_NOINSTR void psc_classify_stop(void);
/* classify.c: re-initialise the lock in a forked child. */
PSC_NOINSTR void psc_classify_after_fork_child(void);
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
/* hooks.c: mark the calling thread internal (1) or not (0); returns the previous state. */
PSC_NOINSTR int psc_hooks_set_internal(int internal);
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
/* writer.c: wake the writer (rows waiting, flush, stop). Async-signal unsafe. */
PSC_NOINSTR void psc_writer_wake(void);

/* collector.c: the process is about to end without exit() (_exit, _Exit): finish the run
 * (open frames closed now, everything written, run complete) unless that could deadlock
 * (called inside a hook, or while this thread holds the lifecycle lock). */
PSC_NOINSTR void psc_finish_before_exit(void);
/* hooks.c: the calling thread switches from user context `from` to `to` (swapcontext):
 * each context keeps a shadow stack of its own (cct_switch). */
PSC_NOINSTR void psc_hooks_switch_context(const void *from, const void *to);
/* hooks.c: 1 while the calling thread is inside a hook (e.g. in a signal handler that
 * interrupted one). */
PSC_NOINSTR int psc_hooks_in_hook(void);

/* follow.c: the environment to give a program started with envp: envp plus this process's
 * libpscope preload entry and PSCOPE_* settings (malloc'd array), or NULL to pass envp
 * unchanged (not preloaded, opted out with PSCOPE_FOLLOW=0, or no memory). */
PSC_NOINSTR char **psc_follow_env(char *const *envp);

/* Print one warning line "pscope: ..." on stderr (printf format). */
PSC_NOINSTR void psc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
