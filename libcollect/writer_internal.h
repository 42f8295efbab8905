/* libcollect/writer_internal.h: the writer's in-memory model, shared by writer.c (merging
 * the threads' trees, the thread loop) and writer_db.c (writing it to SQLite). Only the
 * writer thread touches any of it.
 *
 * Model: W.funcs (one per function address seen in any thread, with symbols and the
 * merged histograms) and W.cps (the merged calling-context tree, index 0 the virtual
 * root). Each program thread has a psc_wthread that maps the nodes of its own tree onto
 * W.cps and remembers the figures it has already added (the figures only grow, so each
 * snapshot adds the difference); per thread and function, the thread_stat figures.
 */
#ifndef PSCOPE_WRITER_INTERNAL_H
#define PSCOPE_WRITER_INTERNAL_H

#include "internal.h"
#include "sampler.h"
#include "store.h"
#include "symbols.h"
#include "trace.h"

typedef struct wfunc {
    uint64_t addr;
    int64_t db_id;          /* 0 until inserted */
    uint64_t calls, primitive, total, self, sum, min, max;
    double sum_sq;
    pscope_hist hist;       /* per-call inclusive durations */
    pscope_hist self_hist;  /* per-call self durations */
    psc_syminfo sym;        /* resolved at first sight */
    int dirty;
} wfunc;

typedef struct wcp {
    uint32_t parent;        /* 0 = root (index 0 is a sentinel) */
    uint32_t func;
    uint32_t depth;
    uint8_t dirty;
    uint8_t recursive;      /* the function also appears among the path's ancestors */
    int64_t db_id;
    uint64_t calls, total, self, min, max;
    double sum_sq;          /* sum of squared durations of the calls on this path */
} wcp;

#define CP_TRANSPARENT 0x80000000u /* map flag: the thread node is an excluded function's */
#define WF_NONE UINT32_MAX         /* thread function not (yet) mapped to a W function */

typedef struct tstat { uint64_t calls, total, self; } tstat;

/* What was already added from one node of a thread's tree. */
typedef struct wseen { uint64_t calls, total, self; double sum_sq; } wseen;

/* What was already added from one function of a thread's tree. */
typedef struct wfseen {
    uint32_t func;          /* W function, WF_NONE for an excluded one */
    uint64_t calls;
    pscope_hist hist[2];    /* counts already added: inclusive, self */
} wfseen;

struct psc_wthread {
    psc_thread_rec *rec;    /* NULL once the thread is gone and its record unmapped */
    const void *rec_id;     /* the record's address, to match samples */
    int64_t db_id;
    uint32_t *map;          /* thread node -> W.cps index (| CP_TRANSPARENT) */
    wseen *seen;
    uint32_t nmapped, map_cap;
    wfseen *fseen;
    uint32_t nfmapped, fseen_cap;
    tstat *ts;              /* per W function */
    uint32_t nfunc_cap;
    uint32_t *touched;      /* W function indices with changed tstat */
    uint32_t ntouched, touched_cap;
    uint8_t *touched_flag;
    cct_counters k;         /* the thread's counters at the last snapshot */
    uint64_t lost, rows_dropped;
    uint64_t first_ns, last_ns;
    int dirty;
    int closed;
    pid_t tid;
    int is_main;
    char name[32];
    psc_trace *trace;       /* full trace: the thread's open and waiting blocks (trace.c) */
    struct psc_wthread *next;
};

typedef struct wrow {
    uint64_t seq, parent_seq, ts, dur, self;
    struct psc_wthread *th;
    uint32_t cp, func, depth;
} wrow;

/* open addressing hash: key (parent cp, addr) -> cp index */
typedef struct cpslot { uint64_t addr; uint32_t parent; uint32_t val; } cpslot;
/* addr -> function index */
typedef struct fnslot { uint64_t addr; uint32_t val; uint32_t used; } fnslot;

typedef struct writer {
    psc_symbols *syms;
    wfunc *funcs; uint32_t nfuncs, funcs_cap;
    wcp *cps; uint32_t ncps, cps_cap;
    uint32_t cps_inserted;         /* cps[1..cps_inserted) have db ids */
    uint32_t funcs_inserted;
    cpslot *cpt; uint64_t cpt_cap, cpt_used;
    fnslot *fnt; uint64_t fnt_cap, fnt_used;
    uint32_t *dirty_funcs; uint32_t ndirty_funcs, dirty_funcs_cap;
    uint32_t *dirty_cps; uint32_t ndirty_cps, dirty_cps_cap;
    struct psc_wthread *threads;
    wrow *rows; size_t nrows, rows_cap; /* FIFO of rows not yet inserted: [rows_head, nrows) */
    size_t rows_head;
    uint64_t calls_stored, rows_dropped;
    int db_failed;
    int fds_protected;
    psc_sample *samples; size_t nsamples, samples_cap; /* attributed, not yet inserted */
} writer;

extern writer W __attribute__((visibility("hidden")));

/* writer.c: grow an array of elem-sized items to hold need items (zeroing the new part);
 * aborts the process profile with a warning when out of memory. */
PSC_NOINSTR void *psc_wgrow(void *p, size_t elem, uint32_t *cap, uint32_t need);

/* writer.c: queue function idx for the next write of function figures. */
PSC_NOINSTR void psc_wmark_dirty_func(uint32_t idx);

enum flush_kind {
    FLUSH_ROWS,  /* a slice of pending raw rows (plus any new thread/function/path rows) */
    FLUSH_FULL,  /* every changed aggregate, the run row, and a slice of rows */
    FLUSH_FINAL  /* everything, and mark the run complete */
};

/* writer_db.c: write in one transaction what `kind` says, at most row_slice raw rows
 * (all of them for FLUSH_FINAL). On a database error the profile is switched off (one
 * warning) and the program goes on. */
PSC_NOINSTR void psc_wflush(enum flush_kind kind, size_t row_slice);

#endif
