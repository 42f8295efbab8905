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
    uint64_t mask;        /* ring->mask of the current ring */
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

/* A zeroed ring of 2^bits records, or NULL. */
PSC_NOINSTR static psc_ring *ring_alloc(unsigned bits)
{
    size_t bytes = sizeof(psc_ring) + ((size_t)1 << bits) * sizeof(psc_record);
    bytes = (bytes + 63) & ~(size_t)63;
    psc_ring *r = aligned_alloc(64, bytes);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->mask = ((uint64_t)1 << bits) - 1;
    return r;
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
        r = ring_alloc(PSC_RING_BITS);
        if (!r)
            return NULL;
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
    tls.mask = r->mask;
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

/* The current ring is full. Move to a ring twice the size if the cap allows, else wait
 * for the writer. Returns the ring to append to, or NULL to drop the event (stopping). */
PSC_NOINSTR __attribute__((noinline, cold)) static psc_ring *make_room(psc_ring *r)
{
    tls.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (tls.head - tls.tail_cache <= tls.mask)
        return r;
    if (r->mask + 1 < ((uint64_t)1 << PSC_RING_MAX_BITS)) {
        unsigned bits = (unsigned)__builtin_ctzll(r->mask + 1) + 1;
        psc_ring *bigger = ring_alloc(bits);
        if (bigger) {
            bigger->tid = r->tid;
            bigger->is_main = r->is_main;
            memcpy(bigger->name, r->name, sizeof r->name);
            bigger->first_tick = r->first_tick;
            /* head of r is final (published per record); the link is the release point */
            atomic_store_explicit(&r->successor, bigger, memory_order_release);
            pthread_setspecific(exit_key, bigger);
            tls.ring = bigger;
            tls.head = 0;
            tls.tail_cache = 0;
            tls.mask = bigger->mask;
            psc_writer_wake();
            return bigger;
        }
    }
    for (unsigned spins = 0;; spins++) {
        tls.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (tls.head - tls.tail_cache <= tls.mask)
            return r;
        if (!atomic_load_explicit(&psc_state.active, memory_order_acquire) ||
            atomic_load_explicit(&psc_state.stop_requested, memory_order_relaxed))
            return NULL;
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
    if (PSC_UNLIKELY(t->head - t->tail_cache > t->mask)) {
        psc_ring *room = make_room(r);
        if (!room) {
            atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
            goto out;
        }
        r = room;
    }
    uint64_t h = t->head;
    psc_record *rec = &r->rec[h & t->mask];
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
