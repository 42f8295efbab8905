/* libcollect/hooks.c: the hot path. __cyg_profile_func_enter/exit append one 16-byte
 * record (address|kind, raw tick) to the calling thread's ring and publish it with a
 * release store; nothing else happens per call. These definitions override glibc's
 * no-op hooks both when the program links -lpscope and when libpscope.so is
 * LD_PRELOADed.
 *
 * Invariants:
 *  - a thread's ring is written only by that thread (single producer);
 *  - `busy` makes the append re-entrancy safe: an event raised while the same thread is
 *    inside the collector (a signal handler interrupting an append, or instrumented code
 *    called by the collector) is dropped and counted, never interleaved. Because a signal
 *    handler's enter and exit both fall inside such a window or both outside it, the
 *    stack the writer rebuilds stays balanced;
 *  - when the ring is full the thread waits for the writer (back-pressure, bounded
 *    sleeps), unless the run is stopping, in which case the event is dropped;
 *  - the head index is published (release store) after every record, so the writer
 *    always sees a thread's current stack (the sampler's attribution depends on it: a
 *    thread that enters a function and computes for a second without further events
 *    must be seen inside it). The store stays an L1 hit because the writer polls a
 *    ring's head only between batches (it sleeps while fewer than PSC_WRITER_BATCH
 *    records are waiting), so the cache line does not bounce per record.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct psc_tls {
    psc_ring *ring;       /* this thread's ring, or NULL */
    uint64_t head;        /* producer's private head: records written so far */
    uint64_t tail_cache;  /* last tail seen; refreshed only when the ring looks full */
    unsigned gen;         /* generation the ring is registered with */
    int use_tsc;          /* copy of the run's clock choice */
    volatile int busy;    /* inside the collector on this thread */
    int ignored;          /* internal thread (writer/sampler): never record */
} psc_tls;

static __thread psc_tls tls __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

PSC_NOINSTR static void thread_exit_destructor(void *arg)
{
    psc_ring *r = arg;
    tls.busy = 1;
    if (r && r == tls.ring) {
        prctl(PR_GET_NAME, r->name, 0, 0, 0);
        atomic_store_explicit(&r->closed, 1, memory_order_release);
        tls.ring = NULL;
    }
}

PSC_NOINSTR static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit_destructor);
}

PSC_NOINSTR void psc_hooks_ignore_thread(void)
{
    tls.ignored = 1;
}

PSC_NOINSTR int psc_hooks_thread_is_internal(void)
{
    return tls.ignored;
}

PSC_NOINSTR void psc_hooks_after_fork_child(void)
{
    /* The parent's ring (copied into the child) belongs to the parent's run; the child
     * registers a fresh one on its next event. The copy is left allocated: it may be
     * referenced from the copied registry, which the child discards wholesale. */
    tls.ring = NULL;
    tls.gen = 0;
}

/* Register a ring for the calling thread with the current run. Called with busy set. */
PSC_NOINSTR __attribute__((noinline, cold)) static psc_ring *attach_ring(void)
{
    unsigned gen = atomic_load_explicit(&psc_state.gen, memory_order_acquire);
    psc_ring *r = tls.ring;
    if (r && tls.gen != gen) {
        /* A ring of a finished run: that run's writer was joined before the generation
         * changed and the new run's registry never saw this ring, so it is ours to free. */
        free(r);
        r = NULL;
        tls.ring = NULL;
    }
    if (!r) {
        r = aligned_alloc(64, sizeof *r);
        if (!r)
            return NULL;
        memset(r, 0, offsetof(psc_ring, rec));
        r->tid = (pid_t)syscall(SYS_gettid);
        r->is_main = r->tid == getpid();
        prctl(PR_GET_NAME, r->name, 0, 0, 0);
        r->first_tick = psc_tick(psc_state.clock.use_tsc);
        pthread_once(&exit_key_once, make_exit_key);
        pthread_setspecific(exit_key, r);
        pthread_mutex_lock(&psc_state.reg_lock);
        r->next = psc_state.pending_rings;
        psc_state.pending_rings = r;
        pthread_mutex_unlock(&psc_state.reg_lock);
    }
    tls.ring = r;
    tls.gen = gen;
    tls.head = atomic_load_explicit(&r->head, memory_order_relaxed);
    tls.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    tls.use_tsc = psc_state.clock.use_tsc;
    return r;
}

PSC_NOINSTR psc_ring *psc_thread_ring(void)
{
    if (!atomic_load_explicit(&psc_state.active, memory_order_acquire) || tls.ignored)
        return NULL;
    if (tls.ring && tls.gen == atomic_load_explicit(&psc_state.gen, memory_order_relaxed))
        return tls.ring;
    return attach_ring();
}

/* Wait for room in a full ring. Returns 0 when there is room, -1 to drop the event. */
PSC_NOINSTR __attribute__((noinline, cold)) static int wait_for_room(psc_ring *r)
{
    for (unsigned spins = 0;; spins++) {
        tls.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (tls.head - tls.tail_cache < PSC_RING_CAP)
            return 0;
        if (!atomic_load_explicit(&psc_state.active, memory_order_acquire) ||
            atomic_load_explicit(&psc_state.stop_requested, memory_order_relaxed))
            return -1;
        if (spins == 0)
            psc_writer_wake();
        if (spins < 16) {
            sched_yield();
        } else {
            struct timespec ts = {0, spins < 1000 ? 20000 : 200000};
            nanosleep(&ts, NULL);
        }
    }
}

PSC_NOINSTR __attribute__((always_inline)) static inline void record_event(uint64_t addr_kind)
{
    if (PSC_UNLIKELY(!atomic_load_explicit(&psc_state.active, memory_order_relaxed)))
        return;
    psc_tls *t = &tls;
    if (PSC_UNLIKELY(t->busy | t->ignored)) {
        if (t->ring && !t->ignored)
            atomic_fetch_add_explicit(&t->ring->lost, 1, memory_order_relaxed);
        return;
    }
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    psc_ring *r = t->ring;
    if (PSC_UNLIKELY(!r || t->gen != atomic_load_explicit(&psc_state.gen, memory_order_relaxed))) {
        r = attach_ring();
        if (!r)
            goto out;
    }
    uint64_t h = t->head;
    if (PSC_UNLIKELY(h - t->tail_cache >= PSC_RING_CAP) && wait_for_room(r) != 0) {
        atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
        goto out;
    }
    psc_record *rec = &r->rec[h & PSC_RING_MASK];
    uint64_t tick = psc_tick(t->use_tsc);
    rec->addr_kind = addr_kind;
    rec->tick = tick;
    t->head = h + 1;
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
out:
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

PSC_API void __cyg_profile_func_enter(void *this_fn, void *call_site)
{
    (void)call_site;
    record_event((uint64_t)(uintptr_t)this_fn & PSC_ADDR_MASK);
}

PSC_API void __cyg_profile_func_exit(void *this_fn, void *call_site)
{
    (void)call_site;
    record_event(((uint64_t)(uintptr_t)this_fn & PSC_ADDR_MASK) | PSC_EXIT_BIT);
}
