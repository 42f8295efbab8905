/* libcollect/stage.c: the explicit stage API (pscope_stage_*), counters and gauges.
 *
 * A stage handle belongs to the thread that began it. Begin and end each queue one
 * small message for the writer (a mutex-protected list: stages are per batch or per
 * step, not per call); the writer inserts the span row at begin (so a crash leaves the
 * span with dur NULL) and completes it at end. Per-record marks only touch the handle:
 * the latency since the previous mark goes into the handle's log-linear histogram
 * (memory bounded by the number of distinct powers of two, never by the record count).
 * Times use the calibrated TSC (CLOCK_MONOTONIC before calibration or without a TSC),
 * relative to the run's origin: the same time base as the function timestamps.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "stage_internal.h"
#include "store.h"

struct pscope_stage {
    char *name;
    struct pscope_stage *parent;   /* enclosing stage on this thread */
    unsigned gen;                  /* run generation it belongs to */
    int tid;
    uint64_t ts, dur;              /* ns since run start */
    uint64_t last_mark;            /* ns since run start */
    uint64_t records_in, records_out, marks;
    int has_records;
    int64_t cpu_begin, cpu_ns;
    int64_t rss_begin, rss_end;
    int64_t minflt, majflt;        /* at begin; deltas after end */
    pscope_hist hist;
    int64_t db_id;                 /* writer-owned */
    int ended;
    int orphaned;                  /* ended by the run's end: the thread still owns it */
    struct pscope_stage *open_next;/* writer's list of spans begun but not ended */
};

enum msg_kind { MSG_BEGIN, MSG_END, MSG_COUNTER, MSG_GAUGE };

typedef struct psc_msg {
    enum msg_kind kind;
    struct pscope_stage *stage;
    char *name;
    int tid;
    uint64_t ts;
    double value;
    struct psc_msg *next;
} psc_msg;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static psc_msg *q_head, *q_tail;
static __thread struct pscope_stage *tls_current __attribute__((tls_model("initial-exec")));

/* writer-side state */
typedef struct counter_total { char *name; double total; struct counter_total *next; } counter_total;
static counter_total *totals;
static struct pscope_stage *open_stages;

PSC_NOINSTR static uint64_t now_ns(void)
{
    /* The calibrated TSC when there is one (a per-record mark is then ~20 ns cheaper
     * than a clock_gettime here); CLOCK_MONOTONIC before calibration and without TSC.
     * Both count from the run's origin. */
    const psc_clock *c = &psc_state.clock;
    if (c->use_tsc && c->mult32)
        return psc_tick_to_ns(c, psc_tick(1));
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t m = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    return m > psc_state.clock.mono0 ? m - psc_state.clock.mono0 : 0;
}

PSC_NOINSTR static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* /proc/self/statm stays open for the run and is re-read with pread (one system call
 * instead of fopen/fscanf/fclose); its descriptor is protected like the database's. */
static _Atomic int statm_fd = -1;
static __thread int tls_tid;

PSC_NOINSTR static int64_t rss_bytes(void)
{
    int fd = atomic_load(&statm_fd);
    if (fd < 0) {
        int opened = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        if (opened < 0)
            return -1;
        int expected = -1;
        if (atomic_compare_exchange_strong(&statm_fd, &expected, opened)) {
            psc_protect_fd(opened);
            fd = opened;
        } else {
            psc_allow_close(1);
            close(opened);
            psc_allow_close(0);
            fd = expected;
        }
    }
    char buf[128];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    long pages = 0, rss = 0;
    if (sscanf(buf, "%ld %ld", &pages, &rss) != 2)
        return -1;
    return (int64_t)rss * sysconf(_SC_PAGESIZE);
}

PSC_NOINSTR static int current_tid(void)
{
    if (!tls_tid)
        tls_tid = (int)syscall(SYS_gettid);
    return tls_tid;
}

PSC_NOINSTR static void enqueue(psc_msg *m)
{
    m->next = NULL;
    pthread_mutex_lock(&q_lock);
    if (q_tail)
        q_tail->next = m;
    else
        q_head = m;
    q_tail = m;
    pthread_mutex_unlock(&q_lock);
}

PSC_API pscope_stage *pscope_stage_begin(const char *name)
{
    if (!atomic_load(&psc_state.active) || !name)
        return NULL;
    psc_thread_register(); /* so the thread has a row even in a stage-only program */
    pscope_stage *s = calloc(1, sizeof *s);
    psc_msg *m = calloc(1, sizeof *m);
    if (!s || !m || !(s->name = strdup(name))) {
        if (s)
            free(s->name);
        free(s);
        free(m);
        return NULL;
    }
    s->gen = atomic_load(&psc_state.gen);
    s->tid = current_tid();
    s->parent = tls_current && tls_current->gen == s->gen ? tls_current : NULL;
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        s->minflt = ru.ru_minflt;
        s->majflt = ru.ru_majflt;
    }
    s->rss_begin = rss_bytes();
    s->cpu_begin = thread_cpu_ns();
    s->ts = s->last_mark = now_ns();
    tls_current = s;
    m->kind = MSG_BEGIN;
    m->stage = s;
    enqueue(m);
    return s;
}

PSC_API void pscope_stage_end(pscope_stage *s)
{
    if (!s || s->ended)
        return;
    uint64_t end = now_ns();
    s->cpu_ns = thread_cpu_ns() - s->cpu_begin;
    s->dur = end > s->ts ? end - s->ts : 0;
    s->rss_end = rss_bytes();
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        s->minflt = ru.ru_minflt - s->minflt;
        s->majflt = ru.ru_majflt - s->majflt;
    }
    if (tls_current == s)
        tls_current = s->parent;
    s->ended = 1;
    if (s->gen != atomic_load(&psc_state.gen) || !atomic_load(&psc_state.active)) {
        /* The run it belonged to is over: its writer already closed the row. */
        return;
    }
    psc_msg *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->kind = MSG_END;
    m->stage = s;
    enqueue(m);
}

PSC_API void pscope__stage_cleanup(pscope_stage **s)
{
    if (s && *s)
        pscope_stage_end(*s);
}

PSC_API pscope_stage *pscope_stage_current(void)
{
    return tls_current;
}

PSC_API void pscope_stage_records(pscope_stage *s, uint64_t in, uint64_t out)
{
    if (!s)
        return;
    s->records_in += in;
    s->records_out += out;
    s->has_records = 1;
}

PSC_API void pscope_stage_record(pscope_stage *s)
{
    if (!s || s->ended)
        return;
    uint64_t t = now_ns();
    pscope_hist_add(&s->hist, t > s->last_mark ? t - s->last_mark : 0);
    s->last_mark = t;
    s->marks++;
}

PSC_NOINSTR static void counter_msg(enum msg_kind kind, const char *name, double v)
{
    if (!atomic_load(&psc_state.active) || !name || !isfinite(v))
        return;
    psc_thread_register();
    psc_msg *m = calloc(1, sizeof *m);
    if (!m || !(m->name = strdup(name))) {
        free(m);
        return;
    }
    m->kind = kind;
    m->tid = current_tid();
    m->ts = now_ns();
    m->value = v;
    enqueue(m);
}

PSC_API void pscope_counter_add(const char *name, double v)
{
    counter_msg(MSG_COUNTER, name, v);
}

PSC_API void pscope_gauge_set(const char *name, double v)
{
    counter_msg(MSG_GAUGE, name, v);
}

/* ---- writer side -------------------------------------------------------------------- */

PSC_NOINSTR static void bind_opt(sqlite3_stmt *st, int i, int64_t v, int present)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

PSC_NOINSTR static int run_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

PSC_NOINSTR static int write_end(psc_store *st, pscope_stage *s)
{
    sqlite3_stmt *u = st->upd_stage;
    sqlite3_bind_int64(u, 1, (int64_t)s->dur);
    bind_opt(u, 2, (int64_t)s->records_in, s->has_records);
    bind_opt(u, 3, (int64_t)s->records_out, s->has_records);
    sqlite3_bind_int64(u, 4, (int64_t)s->marks);
    sqlite3_bind_int64(u, 5, s->cpu_ns);
    bind_opt(u, 6, s->rss_begin, s->rss_begin >= 0);
    bind_opt(u, 7, s->rss_end, s->rss_end >= 0);
    sqlite3_bind_int64(u, 8, s->minflt);
    sqlite3_bind_int64(u, 9, s->majflt);
    sqlite3_bind_int64(u, 10, s->db_id);
    if (run_stmt(u))
        return -1;
    for (uint32_t blk = 0; blk < PSCOPE_HIST_BLOCKS; blk++) {
        if (!s->hist.block[blk])
            continue;
        for (uint32_t j = 0; j < PSCOPE_HIST_SUB; j++) {
            uint64_t c = s->hist.block[blk][j];
            if (!c)
                continue;
            uint32_t b = blk * PSCOPE_HIST_SUB + j;
            sqlite3_stmt *h = st->ups_shist;
            sqlite3_bind_int64(h, 1, s->db_id);
            sqlite3_bind_int(h, 2, (int)b);
            sqlite3_bind_int64(h, 3, (int64_t)pscope_hist_bucket_lo(b));
            uint64_t hi = pscope_hist_bucket_hi(b);
            sqlite3_bind_int64(h, 4, hi > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)hi);
            sqlite3_bind_int64(h, 5, (int64_t)c);
            if (run_stmt(h))
                return -1;
        }
    }
    return 0;
}

PSC_NOINSTR static void free_stage(pscope_stage *s)
{
    pscope_hist_clear(&s->hist);
    free(s->name);
    free(s);
}

PSC_NOINSTR static void open_remove(pscope_stage *s)
{
    for (pscope_stage **p = &open_stages; *p; p = &(*p)->open_next)
        if (*p == s) {
            *p = s->open_next;
            return;
        }
}

PSC_NOINSTR int psc_stage_flush(psc_store *st, int64_t run_id)
{
    pthread_mutex_lock(&q_lock);
    psc_msg *m = q_head;
    q_head = q_tail = NULL;
    pthread_mutex_unlock(&q_lock);
    int rc = 0;
    while (m) {
        psc_msg *next = m->next;
        if (rc == 0) {
            if (m->kind == MSG_BEGIN) {
                pscope_stage *s = m->stage;
                sqlite3_stmt *ins = st->ins_stage;
                sqlite3_bind_int64(ins, 1, run_id);
                bind_opt(ins, 2, s->parent ? s->parent->db_id : 0, s->parent && s->parent->db_id);
                int64_t tid = psc_writer_thread_db_id(s->tid);
                bind_opt(ins, 3, tid, tid != 0);
                sqlite3_bind_text(ins, 4, s->name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(ins, 5, (int64_t)s->ts);
                rc = run_stmt(ins);
                s->db_id = sqlite3_last_insert_rowid(st->db);
                s->open_next = open_stages;
                open_stages = s;
            } else if (m->kind == MSG_END) {
                rc = write_end(st, m->stage);
                open_remove(m->stage);
                /* Children that are still open keep a pointer to their parent only
                 * until their own begin was written, which happened before this. A span
                 * ended by the run's end stays allocated: its thread still holds it. */
                if (!m->stage->orphaned)
                    free_stage(m->stage);
            } else {
                double value = m->value;
                if (m->kind == MSG_COUNTER) {
                    counter_total *c = totals;
                    while (c && strcmp(c->name, m->name) != 0)
                        c = c->next;
                    if (!c && (c = calloc(1, sizeof *c)) && (c->name = strdup(m->name))) {
                        c->next = totals;
                        totals = c;
                    }
                    if (c && c->name) {
                        c->total += m->value;
                        value = c->total;
                    }
                }
                sqlite3_stmt *ins = st->ins_counter;
                sqlite3_bind_int64(ins, 1, run_id);
                int64_t tid = psc_writer_thread_db_id(m->tid);
                bind_opt(ins, 2, tid, tid != 0);
                sqlite3_bind_text(ins, 3, m->name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(ins, 4, m->kind == MSG_COUNTER ? "counter" : "gauge", -1, SQLITE_STATIC);
                sqlite3_bind_int64(ins, 5, (int64_t)m->ts);
                sqlite3_bind_double(ins, 6, value);
                rc = run_stmt(ins);
            }
        }
        free(m->name);
        free(m);
        m = next;
    }
    return rc;
}

PSC_NOINSTR void psc_stage_close_all(uint64_t end_ns)
{
    /* Spans still open at the end of the run: give them the end instant, queue their
     * end so the final flush writes it. The handles stay valid for their threads
     * (pscope_stage_end on them later is a no-op for the database). */
    for (pscope_stage *s = open_stages; s; s = s->open_next) {
        if (s->ended)
            continue; /* its thread ended it: that END is queued and written next */
        psc_msg *m = calloc(1, sizeof *m);
        if (!m)
            continue;
        s->orphaned = 1;
        s->dur = end_ns > s->ts ? end_ns - s->ts : 0;
        m->kind = MSG_END;
        m->stage = s;
        enqueue(m);
    }
    open_stages = NULL;
}

PSC_NOINSTR void psc_stage_reset(void)
{
    counter_total *c = totals;
    while (c) {
        counter_total *next = c->next;
        free(c->name);
        free(c);
        c = next;
    }
    totals = NULL;
}

PSC_NOINSTR void psc_stage_after_fork_child(void)
{
    /* The queue belongs to the parent's run; its nodes are copies in our memory. */
    pthread_mutex_init(&q_lock, NULL);
    q_head = q_tail = NULL;
    open_stages = NULL;
    totals = NULL;
    tls_current = NULL;
    tls_tid = 0; /* the forking thread has a new id in the child */
    /* the inherited descriptor reads the parent's /proc/<pid>/statm: open our own */
    atomic_store(&statm_fd, -1);
}
