/* libcollect/hooks.c: the hot path. __cyg_profile_func_enter/exit read the clock, turn
 * it into ns since run start and update the calling thread's own shadow stack and
 * calling-context tree (cct.c): no lock, no shared cache line, no malloc. While the raw
 * row budget lasts, each completed call also becomes a row in the thread's own chain of
 * row blocks, which the writer drains. These definitions override glibc's no-op hooks
 * both when the program links -lpscope and when libpscope.so is LD_PRELOADed.
 *
 * Invariants:
 *  - a thread's record (psc_thread_rec) and tree are written only by that thread, except
 *    at run end, when the writer closes the open frames of threads that are still
 *    running after it has seen them outside the hooks (in_hook == 0, with recording off);
 *  - `busy` makes the hooks re-entrancy safe: an event raised while the same thread is
 *    inside the collector (a signal handler interrupting a hook, or instrumented code
 *    called by the collector) is dropped and counted, never interleaved. Because a signal
 *    handler's enter and exit both fall inside such a window or both outside it, the
 *    stack stays balanced;
 *  - every libc call made on a program thread (registration, mmap, waits for the writer
 *    when rows pile up) preserves errno;
 *  - records are mmap'd and freed by the writer once the thread has closed them, or by
 *    the thread itself when it finds a record of an older run (that run's writer has
 *    been joined, and left the record to its thread).
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct psc_tls {
    psc_thread_rec *rec;  /* this thread's record, or NULL */
    unsigned gen;         /* generation the record is registered with */
    int use_tsc;          /* copies of the run's clock, taken at registration */
    uint64_t tick0;
    uint64_t mult32;
    volatile int busy;    /* inside the collector on this thread */
    int ignored;          /* internal thread (writer/sampler): never record */
} psc_tls;

static __thread psc_tls tls __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static psc_thread_rec *fork_inherited; /* the parent's record, in a forked child */

PSC_NOINSTR static inline uint64_t now_ns(const psc_tls *t)
{
    uint64_t tick = psc_tick(t->use_tsc);
    if (PSC_UNLIKELY(tick <= t->tick0))
        return 0;
    return (uint64_t)(((unsigned __int128)(tick - t->tick0) * t->mult32) >> 32);
}

PSC_NOINSTR static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

PSC_NOINSTR static size_t rowblock_bytes(void)
{
    return sizeof(psc_rowblock) + PSC_ROWBLOCK_ROWS * sizeof(cct_row);
}

PSC_NOINSTR void psc_thread_rec_free(psc_thread_rec *r)
{
    if (!r)
        return;
    int saved = errno;
    psc_rowblock *b = r->row_read ? r->row_read : atomic_load_explicit(&r->row_first, memory_order_acquire);
    while (b) {
        psc_rowblock *next = atomic_load_explicit(&b->next, memory_order_acquire);
        munmap(b, rowblock_bytes());
        b = next;
    }
    cct_destroy(r->cct);
    munmap(r, sizeof *r);
    errno = saved;
}

PSC_NOINSTR static void thread_exit_destructor(void *arg)
{
    psc_thread_rec *r = arg;
    tls.busy = 1;
    if (r && r == tls.rec) {
        int saved = errno;
        prctl(PR_GET_NAME, r->name, 0, 0, 0);
        errno = saved;
        /* Open frames (pthread_exit or cancellation from inside them) close now, at the
         * thread's end: a thread cancelled while blocked was inside them until now. */
        cct_close_all(r->cct, now_ns(&tls));
        atomic_store_explicit(&r->closed, 1, memory_order_release);
        tls.rec = NULL;
    }
    tls.busy = 0;
}

PSC_NOINSTR static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit_destructor);
}

PSC_NOINSTR void psc_hooks_ignore_thread(void)
{
    tls.ignored = 1;
}

PSC_NOINSTR int psc_hooks_set_internal(int internal)
{
    int was = tls.ignored;
    tls.ignored = internal;
    return was;
}

PSC_NOINSTR int psc_hooks_in_hook(void)
{
    return tls.busy;
}

PSC_NOINSTR int psc_hooks_thread_is_internal(void)
{
    return tls.ignored;
}

/* ---- raw rows ------------------------------------------------------------------------ */

PSC_NOINSTR static uint64_t take_ids(void *arg)
{
    (void)arg;
    return atomic_fetch_add_explicit(&psc_state.next_call_id, CCT_ID_BLOCK, memory_order_relaxed);
}

PSC_NOINSTR __attribute__((cold)) static void wake_writer_keep_errno(void)
{
    int saved = errno;
    psc_writer_wake();
    errno = saved;
}

/* Wait (errno kept) until the writer has taken some of r's row blocks, or the run ends. */
PSC_NOINSTR __attribute__((cold)) static void wait_for_writer(psc_thread_rec *r)
{
    int saved = errno;
    for (unsigned spins = 0; atomic_load_explicit(&r->row_blocks, memory_order_acquire) >= PSC_ROWBLOCK_MAX;
         spins++) {
        if (!atomic_load_explicit(&psc_state.active, memory_order_acquire) ||
            atomic_load_explicit(&psc_state.stop_requested, memory_order_relaxed))
            break;
        if (spins == 0)
            psc_writer_wake();
        struct timespec ts = {0, spins < 100 ? 50000 : 500000};
        nanosleep(&ts, NULL);
    }
    errno = saved;
}

/* cct row callback: apply min_duration and the budget, then append to the chain. With
 * the full trace on (config trace: full), every completed call goes to the chain for the
 * writer's trace blocks, and only those within min_duration and the budget are marked
 * PSC_ROW_TABLE for a `call` row. */
PSC_NOINSTR static void on_row(void *arg, const cct_row *row)
{
    psc_thread_rec *r = arg;
    const psc_config *cfg = &psc_state.cfg;
    int to_table = row->dur >= cfg->min_duration_ns;
    if (!to_table && !cfg->trace_full)
        return;
    if (to_table && cfg->max_calls > 0) {
        if (atomic_load_explicit(&psc_state.rows_spent, memory_order_relaxed) ||
            atomic_fetch_add_explicit(&psc_state.rows_claimed, 1, memory_order_relaxed) >=
                (uint64_t)cfg->max_calls) {
            atomic_store_explicit(&psc_state.rows_spent, 1, memory_order_relaxed);
            to_table = 0;
            if (!cfg->trace_full) {
                cct_set_rows(r->cct, 0); /* no more ids, no more rows on this thread */
                return;
            }
        }
    }
    psc_rowblock *b = r->row_write;
    uint32_t n = b ? atomic_load_explicit(&b->count, memory_order_relaxed) : 0;
    if (!b || n == b->cap) {
        uint64_t waiting = atomic_load_explicit(&r->row_blocks, memory_order_relaxed);
        if ((cfg->max_calls == 0 || cfg->trace_full) && waiting >= PSC_ROWBLOCK_MAX)
            wait_for_writer(r);
        else if (waiting >= 8 && (waiting & 7) == 0)
            wake_writer_keep_errno(); /* rows pile up: the writer may be asleep for a while */
        int saved = errno;
        psc_rowblock *nb = map_zeroed(rowblock_bytes());
        errno = saved;
        if (!nb) {
            atomic_fetch_add_explicit(&r->rows_dropped, 1, memory_order_relaxed);
            return;
        }
        nb->cap = PSC_ROWBLOCK_ROWS;
        atomic_fetch_add_explicit(&r->row_blocks, 1, memory_order_relaxed);
        if (b)
            atomic_store_explicit(&b->next, nb, memory_order_release);
        else
            atomic_store_explicit(&r->row_first, nb, memory_order_release);
        r->row_write = b = nb;
        n = 0;
    }
    b->row[n] = *row;
    b->row[n].flags = to_table ? PSC_ROW_TABLE : 0;
    atomic_store_explicit(&b->count, n + 1, memory_order_release);
}

/* ---- registration ------------------------------------------------------------------------ */

/* Register the calling thread with the current run. Called with busy set; errno kept. */
PSC_NOINSTR __attribute__((noinline, cold)) static psc_thread_rec *attach(void)
{
    int saved = errno;
    unsigned gen = atomic_load_explicit(&psc_state.gen, memory_order_acquire);
    psc_thread_rec *r = tls.rec;
    if (r && tls.gen != gen) {
        /* A record of a finished run: that run's writer was joined before the generation
         * changed and left records of live threads to them. */
        psc_thread_rec_free(r);
        tls.rec = NULL;
    }
    r = map_zeroed(sizeof *r);
    if (!r) {
        errno = saved;
        return NULL;
    }
    cct_params p = {
        .max_depth = psc_state.cfg.max_depth,
        .classify = psc_state.classify_on ? psc_classify : NULL,
        .on_row = on_row,
        .row_arg = r,
        .id_block = take_ids,
    };
    r->cct = cct_create(&p);
    if (!r->cct) {
        munmap(r, sizeof *r);
        errno = saved;
        return NULL;
    }
    cct_set_rows(r->cct, psc_state.cfg.trace_full ||
                             !atomic_load_explicit(&psc_state.rows_spent, memory_order_relaxed));
    r->gen = gen;
    r->tid = (pid_t)syscall(SYS_gettid);
    r->is_main = r->tid == getpid();
    prctl(PR_GET_NAME, r->name, 0, 0, 0);
    tls.use_tsc = psc_state.clock.use_tsc;
    tls.tick0 = psc_state.clock.tick0;
    tls.mult32 = psc_state.clock.mult32;
    r->first_ns = now_ns(&tls);
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, r);
    pthread_mutex_lock(&psc_state.reg_lock);
    r->next = psc_state.threads;
    psc_state.threads = r;
    pthread_mutex_unlock(&psc_state.reg_lock);
    tls.rec = r;
    tls.gen = gen;
    errno = saved;
    return r;
}

PSC_NOINSTR psc_thread_rec *psc_thread_register(void)
{
    if (!atomic_load_explicit(&psc_state.active, memory_order_acquire) || tls.ignored)
        return NULL;
    if (tls.rec && tls.gen == atomic_load_explicit(&psc_state.gen, memory_order_relaxed))
        return tls.rec;
    tls.busy = 1;
    psc_thread_rec *r = attach();
    tls.busy = 0;
    return r;
}

PSC_NOINSTR int psc_hooks_top_of(int tid, const void **rec, uint32_t *node)
{
    int found = 0;
    pthread_mutex_lock(&psc_state.reg_lock);
    for (psc_thread_rec *r = psc_state.threads; r; r = r->next)
        if (r->tid == tid && !atomic_load_explicit(&r->closed, memory_order_acquire)) {
            *rec = r;
            *node = cct_top_node(r->cct);
            found = 1;
            break;
        }
    pthread_mutex_unlock(&psc_state.reg_lock);
    return found;
}

PSC_NOINSTR void psc_hooks_after_fork_child(void)
{
    /* The parent's record (copied into the child) belongs to the parent's run; its stack
     * is entered into the child's first record once the child's run has started. The
     * records of the parent's other threads are left mapped: they are unreachable here. */
    fork_inherited = tls.rec && tls.gen == atomic_load(&psc_state.gen) ? tls.rec : NULL;
    tls.rec = NULL;
    tls.gen = 0;
}

PSC_NOINSTR void psc_hooks_fork_resume(void)
{
    psc_thread_rec *old = fork_inherited;
    fork_inherited = NULL;
    if (!old)
        return;
    psc_thread_rec *r = psc_thread_register();
    if (r) {
        tls.busy = 1;
        cct_copy_stack(r->cct, old->cct, now_ns(&tls));
        tls.busy = 0;
    }
    psc_thread_rec_free(old);
}

/* ---- stack positions -------------------------------------------------------------------- */

/* A frame's stack position is the address of its return-address slot (its CFA - 8 on
 * x86-64): the same for every function called from the same place, lower for every
 * callee. The hook finds it from its own frame address plus an offset fixed per function
 * (the function's prologue pushes and locals before it calls the hook): found once per
 * function and thread by looking, just above the hook's frame, for the word equal to the
 * function's return address (call_site), then cached by function address. The hook's
 * frame address alone differs between sibling functions by their prologue sizes. */
#define PSC_POS_SCAN_WORDS 8192u       /* 64 KiB: functions with more locals have no position */
#define PSC_POS_UNKNOWN UINT64_MAX

/* The scan stops at the slot, which lies inside the instrumented function's own frame (the
 * call that entered it pushed it), so it never reads beyond the stack. It reads other
 * frames' sanitizer redzones on the way: not sanitized itself. */
PSC_NOINSTR __attribute__((noinline, cold, no_sanitize_address)) static uint64_t
frame_delta_slow(psc_thread_rec *r, uint64_t addr, uintptr_t fp, uintptr_t call_site)
{
    uint64_t delta = PSC_POS_UNKNOWN;
#if defined(__x86_64__)
    const uintptr_t *w = (const uintptr_t *)fp;
    for (unsigned i = 2; i < PSC_POS_SCAN_WORDS; i++)
        if (w[i] == call_site) {
            delta = (uint64_t)i * sizeof(uintptr_t);
            break;
        }
#else
    (void)fp;
    (void)call_site;
#endif
    r->frame_pos[(addr >> 4) % PSC_FRAME_POS_SLOTS].addr = addr;
    r->frame_pos[(addr >> 4) % PSC_FRAME_POS_SLOTS].delta = delta;
    return delta;
}

PSC_NOINSTR static inline uintptr_t frame_pos(psc_thread_rec *r, uint64_t addr, uintptr_t fp, uintptr_t call_site)
{
    const uint32_t k = (uint32_t)((addr >> 4) % PSC_FRAME_POS_SLOTS);
    uint64_t delta = PSC_LIKELY(r->frame_pos[k].addr == addr) ? r->frame_pos[k].delta
                                                              : frame_delta_slow(r, addr, fp, call_site);
    return PSC_LIKELY(delta != PSC_POS_UNKNOWN) ? fp + (uintptr_t)delta : 0;
}

/* ---- user contexts ---------------------------------------------------------------------- */

PSC_NOINSTR void psc_hooks_switch_context(const void *from, const void *to)
{
    if (!atomic_load_explicit(&psc_state.active, memory_order_relaxed) || tls.busy || tls.ignored)
        return;
    psc_thread_rec *r = tls.rec;
    if (!r || tls.gen != atomic_load_explicit(&psc_state.gen, memory_order_relaxed))
        return; /* nothing recorded on this thread yet: nothing to set aside */
    tls.busy = 1;
    atomic_store_explicit(&r->in_hook, 1, memory_order_relaxed);
    if (atomic_load_explicit(&psc_state.active, memory_order_relaxed))
        cct_switch(r->cct, (uintptr_t)from, (uintptr_t)to);
    atomic_store_explicit(&r->in_hook, 0, memory_order_release);
    tls.busy = 0;
}

/* ---- the hooks ------------------------------------------------------------------------ */

PSC_NOINSTR __attribute__((always_inline)) static inline void on_event(uint64_t addr, int is_exit,
                                                                       uintptr_t fp, uintptr_t call_site)
{
    if (PSC_UNLIKELY(!atomic_load_explicit(&psc_state.active, memory_order_relaxed)))
        return;
    psc_tls *t = &tls;
    if (PSC_UNLIKELY(t->busy | t->ignored)) {
        if (t->rec && !t->ignored)
            atomic_fetch_add_explicit(&t->rec->lost, 1, memory_order_relaxed);
        return;
    }
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    psc_thread_rec *r = t->rec;
    if (PSC_UNLIKELY(!r || t->gen != atomic_load_explicit(&psc_state.gen, memory_order_relaxed))) {
        r = attach();
        if (!r)
            goto out;
    }
    atomic_store_explicit(&r->in_hook, 1, memory_order_relaxed);
    /* Checked again after in_hook is set: the writer clears `active` and then waits for
     * in_hook to be 0 before it closes the frames of threads still running. */
    if (PSC_LIKELY(atomic_load_explicit(&psc_state.active, memory_order_relaxed))) {
        uint64_t now = now_ns(t);
        if (is_exit)
            cct_exit(r->cct, addr, now);
        else
            cct_enter(r->cct, addr, now, frame_pos(r, addr, fp, call_site));
    }
    atomic_store_explicit(&r->in_hook, 0, memory_order_release);
out:
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

PSC_API void __cyg_profile_func_enter(void *this_fn, void *call_site)
{
    on_event((uint64_t)(uintptr_t)this_fn, 0, (uintptr_t)__builtin_frame_address(0), (uintptr_t)call_site);
}

PSC_API void __cyg_profile_func_exit(void *this_fn, void *call_site)
{
    (void)call_site;
    on_event((uint64_t)(uintptr_t)this_fn, 1, 0, 0);
}
