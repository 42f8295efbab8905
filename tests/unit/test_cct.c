/* tests/unit/test_cct.c: CUnit tests of the per-thread calling-context tree
 * (libcollect/cct.c), fed synthetic enter/exit sequences with made-up timestamps, so
 * every figure has one exact expected value. cct.c is compiled into this test with
 * PSCOPE_CHECKS, so its invariant assertions are on whatever the build flags.
 */
#define PSCOPE_CHECKS 1
#include "../../libcollect/cct.c"

#include <CUnit/Basic.h>
#include <pthread.h>
#include <stdlib.h>

#define A_MAIN 0x1000u
#define A_A 0x2000u
#define A_B 0x3000u
#define A_C 0x4000u
#define A_EXCL 0x5000u
#define A_F 0x6000u

static const cct_params plain = {0};

/* Node of the path given by addresses from the root, or 0 if absent. */
static uint32_t path_node(const cct_ctx *c, const uint64_t *path, int n)
{
    uint32_t cur = 0;
    for (int k = 0; k < n; k++) {
        uint32_t found = 0;
        for (uint32_t i = 1; i < cct_node_count(c) && !found; i++) {
            uint64_t addr;
            uint32_t parent, func;
            int excl;
            cct_node_info(c, i, &addr, &parent, &func, &excl);
            if (parent == cur && addr == path[k])
                found = i;
        }
        if (!found)
            return 0;
        cur = found;
    }
    return cur;
}

static cct_figures fig_of(const cct_ctx *c, const uint64_t *path, int n)
{
    cct_figures f = {0};
    uint32_t i = path_node(c, path, n);
    CU_ASSERT_FATAL(i != 0);
    cct_node_read(c, i, &f);
    return f;
}

/* Function index of addr, or UINT32_MAX. */
static uint32_t func_of(const cct_ctx *c, uint64_t addr)
{
    for (uint32_t i = 0; i < cct_func_count(c); i++)
        if (cct_func_addr(c, i) == addr)
            return i;
    return UINT32_MAX;
}

/* Count in the histogram bucket of value v of function addr. */
static uint64_t hist_count(const cct_ctx *c, uint64_t addr, int self, uint64_t v)
{
    uint32_t fi = func_of(c, addr);
    uint64_t blk[PSCOPE_HIST_SUB];
    uint32_t b = pscope_hist_bucket(v);
    if (fi == UINT32_MAX || !cct_func_hist_block(c, fi, self, b / PSCOPE_HIST_SUB, blk))
        return 0;
    return blk[b % PSCOPE_HIST_SUB];
}

static uint64_t hist_total(const cct_ctx *c, uint64_t addr, int self)
{
    uint32_t fi = func_of(c, addr);
    uint64_t blk[PSCOPE_HIST_SUB], sum = 0;
    for (uint32_t k = 0; k < PSCOPE_HIST_BLOCKS; k++)
        if (cct_func_hist_block(c, fi, self, k, blk))
            for (uint32_t j = 0; j < PSCOPE_HIST_SUB; j++)
                sum += blk[j];
    return sum;
}

static void test_chain(void)
{
    cct_ctx *c = cct_create(&plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    cct_enter(c, A_MAIN, 0, 0);
    cct_enter(c, A_A, 10, 0);
    cct_enter(c, A_B, 20, 0);
    cct_enter(c, A_C, 30, 0);
    cct_exit(c, A_C, 40);
    cct_exit(c, A_B, 55);
    cct_exit(c, A_A, 60);
    cct_exit(c, A_MAIN, 100);
    CU_ASSERT_EQUAL(cct_node_count(c), 5);
    uint64_t p[] = {A_MAIN, A_A, A_B, A_C};
    cct_figures f = fig_of(c, p, 4);
    CU_ASSERT_EQUAL(f.calls, 1);
    CU_ASSERT_EQUAL(f.total, 10);
    CU_ASSERT_EQUAL(f.self, 10);
    CU_ASSERT_EQUAL(f.min, 10);
    CU_ASSERT_EQUAL(f.max, 10);
    CU_ASSERT_EQUAL(f.sum_sq, 100.0);
    f = fig_of(c, p, 3);
    CU_ASSERT_EQUAL(f.total, 35);
    CU_ASSERT_EQUAL(f.self, 25);
    f = fig_of(c, p, 2);
    CU_ASSERT_EQUAL(f.total, 50);
    CU_ASSERT_EQUAL(f.self, 15);
    f = fig_of(c, p, 1);
    CU_ASSERT_EQUAL(f.total, 100);
    CU_ASSERT_EQUAL(f.self, 50);
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.calls, 4);
    CU_ASSERT_EQUAL(k.max_depth_seen, 4);
    CU_ASSERT_EQUAL(k.depth, 0);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    CU_ASSERT_EQUAL(k.last_ts, 100);
    /* histograms: c's inclusive and self are both 10; main 100 inclusive, 50 self */
    CU_ASSERT_EQUAL(hist_count(c, A_C, 0, 10), 1);
    CU_ASSERT_EQUAL(hist_count(c, A_C, 1, 10), 1);
    CU_ASSERT_EQUAL(hist_count(c, A_MAIN, 0, 100), 1);
    CU_ASSERT_EQUAL(hist_count(c, A_MAIN, 1, 50), 1);
    CU_ASSERT_EQUAL(hist_count(c, A_MAIN, 1, 100), 0);
    CU_ASSERT_EQUAL(cct_func_calls(c, func_of(c, A_B)), 1);
    cct_destroy(c);
}

static void test_repeated_min_max(void)
{
    cct_ctx *c = cct_create(&plain);
    uint64_t t = 0;
    cct_enter(c, A_MAIN, t, 0);
    /* foo(A) twice, each with 3 loop(B) calls of 1, 2, 3 ns (second foo: 4, 5, 6 ns) */
    uint64_t d = 1;
    for (int i = 0; i < 2; i++) {
        cct_enter(c, A_A, ++t, 0);
        for (int j = 0; j < 3; j++) {
            cct_enter(c, A_B, ++t, 0);
            t += d++;
            cct_exit(c, A_B, t);
        }
        cct_exit(c, A_A, ++t);
    }
    cct_exit(c, A_MAIN, ++t);
    uint64_t p[] = {A_MAIN, A_A, A_B};
    cct_figures f = fig_of(c, p, 3);
    CU_ASSERT_EQUAL(f.calls, 6);
    CU_ASSERT_EQUAL(f.total, 21);
    CU_ASSERT_EQUAL(f.min, 1);
    CU_ASSERT_EQUAL(f.max, 6);
    CU_ASSERT_EQUAL(f.sum_sq, 91.0);
    f = fig_of(c, p, 2);
    CU_ASSERT_EQUAL(f.calls, 2);
    /* foo 1 runs 1..11: loops of 1+2+3 ns, 1 ns of gap before each and at the end (10
     * ns, self 4); foo 2 runs 12..31: loops of 4+5+6 ns (19 ns, self 4) */
    CU_ASSERT_EQUAL(f.total, 29);
    CU_ASSERT_EQUAL(f.self, 8);
    CU_ASSERT_EQUAL(f.min, 10);
    CU_ASSERT_EQUAL(f.max, 19);
    CU_ASSERT_EQUAL(hist_total(c, A_B, 0), 6);
    CU_ASSERT_EQUAL(hist_total(c, A_B, 1), 6);
    CU_ASSERT_EQUAL(hist_count(c, A_B, 0, 4), 1);
    CU_ASSERT_EQUAL(cct_node_count(c), 4);
    cct_destroy(c);
}

static void test_unmatched(void)
{
    cct_ctx *c = cct_create(&plain);
    cct_exit(c, A_A, 5); /* empty stack */
    cct_enter(c, A_MAIN, 10, 0);
    cct_exit(c, A_C, 11); /* no such frame: unmatched, nothing changes */
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.unmatched, 2);
    CU_ASSERT_EQUAL(k.depth, 1);
    /* main -> a -> b -> c, then an exit of a (frames b and c abandoned): they close at
     * that instant, then a closes */
    cct_enter(c, A_A, 20, 0);
    cct_enter(c, A_B, 30, 0);
    cct_enter(c, A_C, 40, 0);
    cct_exit(c, A_A, 70);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.depth, 1);
    CU_ASSERT_EQUAL(k.calls, 3);
    CU_ASSERT_EQUAL(k.unwound, 2);
    uint64_t p[] = {A_MAIN, A_A, A_B, A_C};
    CU_ASSERT_EQUAL(fig_of(c, p, 4).total, 30);
    CU_ASSERT_EQUAL(fig_of(c, p, 3).total, 40);
    CU_ASSERT_EQUAL(fig_of(c, p, 3).self, 10);
    CU_ASSERT_EQUAL(fig_of(c, p, 2).total, 50);
    CU_ASSERT_EQUAL(fig_of(c, p, 2).self, 10);
    cct_exit(c, A_MAIN, 100);
    CU_ASSERT_EQUAL(fig_of(c, p, 1).self, 40);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.unmatched, 2);
    cct_destroy(c);
}

static int classify_excl(void *arg, uint64_t addr)
{
    (*(int *)arg)++;
    return addr == A_EXCL;
}

typedef struct rows_seen {
    cct_row row[64];
    int n;
    uint64_t next_block;
} rows_seen;

static void keep_row(void *arg, const cct_row *r)
{
    rows_seen *s = arg;
    if (s->n < 64)
        s->row[s->n++] = *r;
}

static uint64_t give_ids(void *arg)
{
    rows_seen *s = arg;
    uint64_t first = s->next_block;
    s->next_block += CCT_ID_BLOCK;
    return first;
}

static void test_excluded_folded(void)
{
    int classified = 0;
    rows_seen rows = {.next_block = 1};
    cct_params p = {.classify = classify_excl, .classify_arg = &classified, .on_row = keep_row,
                    .row_arg = &rows, .id_block = give_ids, .id_arg = &rows};
    cct_ctx *c = cct_create(&p);
    cct_set_rows(c, 1);
    /* main(0..100) -> outer(10..90) -> excl(20..80) -> inner(30..40), inner(50..60) */
    cct_enter(c, A_MAIN, 0, 0);
    cct_enter(c, A_A, 10, 0);
    for (int rep = 0; rep < 2; rep++) {
        cct_enter(c, A_EXCL, rep ? 45 : 20, 0);
        cct_enter(c, A_C, rep ? 50 : 30, 0);
        cct_exit(c, A_C, rep ? 60 : 40);
        cct_exit(c, A_EXCL, rep ? 80 : 42);
    }
    cct_exit(c, A_A, 90);
    cct_exit(c, A_MAIN, 100);
    CU_ASSERT_EQUAL(classified, 4); /* each function classified once */
    uint64_t pe[] = {A_MAIN, A_A, A_EXCL, A_C};
    uint32_t en = path_node(c, pe, 3);
    CU_ASSERT_FATAL(en != 0);
    uint64_t addr;
    uint32_t parent, func;
    int excl;
    cct_node_info(c, en, &addr, &parent, &func, &excl);
    CU_ASSERT_EQUAL(excl, 1);
    cct_figures f;
    cct_node_read(c, en, &f);
    CU_ASSERT_EQUAL(f.calls, 0);
    /* inner is below the excluded node; its time is outer's callee time */
    f = fig_of(c, pe, 4);
    CU_ASSERT_EQUAL(f.calls, 2);
    CU_ASSERT_EQUAL(f.total, 20);
    f = fig_of(c, pe, 2);
    CU_ASSERT_EQUAL(f.total, 80);
    CU_ASSERT_EQUAL(f.self, 60); /* 80 - inner's 20: excl's own time is outer's */
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.calls, 4);
    CU_ASSERT_EQUAL(k.max_depth_seen, 4);
    CU_ASSERT_EQUAL(hist_total(c, A_EXCL, 0), 0);
    /* rows: inner x2, outer, main; inner's parent is outer, outer's is main */
    CU_ASSERT_EQUAL_FATAL(rows.n, 4);
    CU_ASSERT_EQUAL(rows.row[3].parent_id, 0);
    CU_ASSERT_EQUAL(rows.row[2].parent_id, rows.row[3].id);
    CU_ASSERT_EQUAL(rows.row[0].parent_id, rows.row[2].id);
    CU_ASSERT_EQUAL(rows.row[1].parent_id, rows.row[2].id);
    CU_ASSERT_EQUAL(rows.row[0].ts, 30);
    CU_ASSERT_EQUAL(rows.row[0].dur, 10);
    CU_ASSERT_EQUAL(rows.row[2].self, 60);
    CU_ASSERT(rows.row[0].id != rows.row[1].id);
    cct_destroy(c);
}

static void test_depth_growth(void)
{
    /* no limit: 100,000 frames, far beyond the first stack mapping */
    cct_ctx *c = cct_create(&plain);
    const uint32_t n = 100000;
    for (uint32_t i = 0; i < n; i++)
        cct_enter(c, A_F + (i % 2), i, 0);
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.depth, n);
    CU_ASSERT_EQUAL(k.overflow, 0);
    CU_ASSERT_EQUAL(cct_node_count(c), n + 1);
    for (uint32_t i = n; i-- > 0;)
        cct_exit(c, A_F + (i % 2), 2 * n - i);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.calls, n);
    CU_ASSERT_EQUAL(k.max_depth_seen, n);
    cct_figures f;
    cct_node_read(c, 1, &f);
    CU_ASSERT_EQUAL(f.total, 2 * n);
    CU_ASSERT_EQUAL(f.self, 2);
    cct_node_read(c, n, &f);
    CU_ASSERT_EQUAL(f.total, 2);
    CU_ASSERT(cct_mapped_bytes(c) < (size_t)n * 256);
    cct_destroy(c);

    /* max_depth 100: deeper frames counted as overflow and folded */
    cct_params lim = {.max_depth = 100};
    c = cct_create(&lim);
    for (uint32_t i = 0; i < 150; i++)
        cct_enter(c, A_F, i, 0);
    for (uint32_t i = 0; i < 150; i++)
        cct_exit(c, A_F, 200 + i);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.overflow, 50);
    CU_ASSERT_EQUAL(k.calls, 100);
    CU_ASSERT_EQUAL(k.max_depth_seen, 100);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    CU_ASSERT_EQUAL(k.depth, 0);
    cct_destroy(c);
}

static void test_recursion(void)
{
    /* fib-like: f(3) -> f(2) -> f(1), f(0); f(1) — one node per depth */
    cct_ctx *c = cct_create(&plain);
    cct_enter(c, A_F, 0, 0);     /* f3 */
    cct_enter(c, A_F, 1, 0);     /* f2 */
    cct_enter(c, A_F, 2, 0);     /* f1 */
    cct_exit(c, A_F, 4);
    cct_enter(c, A_F, 5, 0);     /* f0 */
    cct_exit(c, A_F, 6);
    cct_exit(c, A_F, 8);
    cct_enter(c, A_F, 9, 0);     /* f1 */
    cct_exit(c, A_F, 12);
    cct_exit(c, A_F, 13);
    uint64_t p[] = {A_F, A_F, A_F};
    CU_ASSERT_EQUAL(cct_node_count(c), 4);
    cct_figures f1 = fig_of(c, p, 1), f2 = fig_of(c, p, 2), f3 = fig_of(c, p, 3);
    CU_ASSERT_EQUAL(f1.calls, 1);
    CU_ASSERT_EQUAL(f1.total, 13);
    CU_ASSERT_EQUAL(f2.calls, 2);
    CU_ASSERT_EQUAL(f2.total, 7 + 3);
    CU_ASSERT_EQUAL(f3.calls, 2);
    CU_ASSERT_EQUAL(f3.total, 3);
    /* recursion counted once: the outermost path's inclusive time is the sum of every
     * frame's self time */
    CU_ASSERT_EQUAL(f1.self + f2.self + f3.self, f1.total);
    CU_ASSERT_EQUAL(cct_func_calls(c, 0), 5);
    CU_ASSERT_EQUAL(hist_total(c, A_F, 0), 5);
    CU_ASSERT_EQUAL(cct_func_count(c), 1);
    cct_destroy(c);
}

static void test_snapshot_mid_call(void)
{
    cct_ctx *c = cct_create(&plain);
    cct_enter(c, A_MAIN, 0, 0);
    cct_enter(c, A_A, 10, 0);
    cct_exit(c, A_A, 20);
    cct_enter(c, A_B, 30, 0);
    /* main and b are open: they count nothing yet; a is complete */
    uint64_t pa[] = {A_MAIN, A_A}, pb[] = {A_MAIN, A_B};
    CU_ASSERT_EQUAL(fig_of(c, pa, 1).calls, 0);
    CU_ASSERT_EQUAL(fig_of(c, pa, 1).min, UINT64_MAX);
    CU_ASSERT_EQUAL(fig_of(c, pa, 2).calls, 1);
    CU_ASSERT_EQUAL(fig_of(c, pb, 2).calls, 0);
    CU_ASSERT_EQUAL(cct_top_node(c), path_node(c, pb, 2));
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.depth, 2);
    CU_ASSERT_EQUAL(k.calls, 1);
    /* run end: open frames close at the end instant */
    cct_close_all(c, 100);
    CU_ASSERT_EQUAL(fig_of(c, pb, 2).total, 70);
    CU_ASSERT_EQUAL(fig_of(c, pa, 1).total, 100);
    CU_ASSERT_EQUAL(fig_of(c, pa, 1).self, 20);
    CU_ASSERT_EQUAL(cct_top_node(c), 0);
    cct_destroy(c);
}

typedef struct race { cct_ctx *c; _Atomic int done; uint64_t calls; } race;

static void *owner_loop(void *arg)
{
    race *r = arg;
    uint64_t t = 0;
    cct_enter(r->c, A_MAIN, t, 0);
    for (uint64_t i = 0; i < r->calls; i++) {
        cct_enter(r->c, A_A, t, 0);
        t += 3;
        cct_exit(r->c, A_A, t);
    }
    atomic_store(&r->done, 1);
    return NULL;
}

static void test_concurrent_reader(void)
{
    /* A reader snapshots the node while the owner completes calls of exactly 3 ns:
     * every read must be one consistent state (total = self = 3 * calls, sum of squares
     * 9 * calls), and counts never go down. */
    race r = {.c = cct_create(&plain), .calls = 3000000};
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, owner_loop, &r), 0);
    uint64_t last = 0, reads = 0, bad = 0;
    while (!atomic_load(&r.done)) {
        if (cct_node_count(r.c) < 3)
            continue;
        cct_figures f;
        cct_node_read(r.c, 2, &f);
        if (f.total != 3 * f.calls || f.self != f.total || f.sum_sq != 9.0 * (double)f.calls || f.calls < last)
            bad++;
        last = f.calls;
        reads++;
    }
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(bad, 0);
    cct_figures f;
    cct_node_read(r.c, 2, &f);
    CU_ASSERT_EQUAL(f.calls, r.calls);
    CU_ASSERT_EQUAL(f.max, 3);
    cct_destroy(r.c);
}

static void test_copy_stack(void)
{
    cct_ctx *src = cct_create(&plain), *dst = cct_create(&plain);
    cct_enter(src, A_MAIN, 0, 0x7000);
    cct_enter(src, A_A, 5, 0x6f00);
    cct_enter(src, A_B, 7, 0x6e00);
    cct_exit(src, A_B, 9);
    cct_copy_stack(dst, src, 500);
    cct_counters k;
    cct_read_counters(dst, &k);
    CU_ASSERT_EQUAL(k.depth, 2);
    CU_ASSERT_EQUAL(k.calls, 0);
    cct_exit(dst, A_A, 600);
    cct_exit(dst, A_MAIN, 700);
    uint64_t p[] = {A_MAIN, A_A};
    CU_ASSERT_EQUAL(fig_of(dst, p, 2).total, 100);
    CU_ASSERT_EQUAL(fig_of(dst, p, 1).total, 200);
    CU_ASSERT_EQUAL(fig_of(dst, p, 1).self, 100);
    cct_read_counters(dst, &k);
    CU_ASSERT_EQUAL(k.calls, 2);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    /* the source is unchanged */
    cct_read_counters(src, &k);
    CU_ASSERT_EQUAL(k.depth, 2);
    CU_ASSERT_EQUAL(k.calls, 1);
    cct_destroy(src);
    cct_destroy(dst);
}

static void test_many_paths_memory(void)
{
    /* 100,000 distinct paths (1000 functions under each of 100 callers) */
    cct_ctx *c = cct_create(&plain);
    uint64_t t = 0;
    for (uint64_t i = 0; i < 100; i++) {
        cct_enter(c, 0x100000 + i * 16, t++, 0);
        for (uint64_t j = 0; j < 1000; j++) {
            cct_enter(c, 0x200000 + j * 16, t++, 0);
            cct_exit(c, 0x200000 + j * 16, t++);
        }
        cct_exit(c, 0x100000 + i * 16, t++);
    }
    CU_ASSERT_EQUAL(cct_node_count(c), 1 + 100 + 100000);
    CU_ASSERT_EQUAL(cct_func_count(c), 1100);
    size_t bytes = cct_mapped_bytes(c);
    CU_ASSERT(bytes < 64u * 1024 * 1024);
    printf("\n  100,100 nodes: %zu bytes mapped, %.0f bytes/node ", bytes, (double)bytes / 100101.0);
    cct_destroy(c);
}


static void test_longjmp_detected(void)
{
    /* main (sp 10000) -> c1 (9000) -> c2 (8000) -> c3 (7000), then longjmp back into
     * main: the next c1 enters at 9000 again. Repeated 1000 times. */
    cct_ctx *c = cct_create(&plain);
    uint64_t t = 0;
    cct_enter(c, A_MAIN, t++, 10000);
    for (int i = 0; i < 1000; i++) {
        cct_enter(c, A_A, t++, 9000);
        cct_enter(c, A_B, t++, 8000);
        cct_enter(c, A_C, t++, 7000);
        t += 10;
    }
    cct_exit(c, A_MAIN, t);
    cct_counters k;
    cct_read_counters(c, &k);
    /* the last c1..c3 are closed by main's exit (a stray exit of an outer frame) */
    CU_ASSERT_EQUAL(k.unwound, 3000);
    CU_ASSERT_EQUAL(k.calls, 3001);
    CU_ASSERT_EQUAL(k.max_depth_seen, 4);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    CU_ASSERT_EQUAL(cct_node_count(c), 5); /* root, main, c1, c2, c3: no phantom depth */
    uint64_t p[] = {A_MAIN, A_A, A_B, A_C};
    CU_ASSERT_EQUAL(fig_of(c, p, 4).calls, 1000);
    CU_ASSERT_EQUAL(fig_of(c, p, 4).total, 1000 * 11); /* closed when the next c1 entered */
    CU_ASSERT_EQUAL(fig_of(c, p, 2).total, 1000 * 13);
    CU_ASSERT_EQUAL(fig_of(c, p, 1).total, t);

    /* a signal handler on an alternate stack far above: nested, not an unwinding */
    cct_enter(c, A_MAIN, t, 10000);
    cct_enter(c, A_A, t + 1, 9000);
    cct_enter(c, A_F, t + 2, 50000000);
    cct_exit(c, A_F, t + 3);
    cct_exit(c, A_A, t + 4);
    cct_exit(c, A_MAIN, t + 5);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.unwound, 3000);
    uint64_t ph[] = {A_MAIN, A_A, A_F};
    CU_ASSERT_EQUAL(fig_of(c, ph, 3).calls, 1);
    /* siblings at the same position: the second one's entry closes nothing open */
    cct_enter(c, A_MAIN, t + 10, 10000);
    cct_enter(c, A_A, t + 11, 9000);
    cct_exit(c, A_A, t + 12);
    cct_enter(c, A_B, t + 13, 9000);
    cct_exit(c, A_B, t + 14);
    cct_exit(c, A_MAIN, t + 15);
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.unwound, 3000);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    cct_destroy(c);
}


static void test_switch_contexts(void)
{
    /* main (context 1) switches to a new context 2 running B, back, and 2 is left open */
    cct_ctx *c = cct_create(&plain);
    cct_enter(c, A_MAIN, 0, 0);
    CU_ASSERT_EQUAL(cct_switch(c, 1, 2), 0);
    cct_enter(c, A_B, 10, 0);
    cct_enter(c, A_C, 11, 0);
    cct_exit(c, A_C, 12);
    CU_ASSERT_EQUAL(cct_switch(c, 2, 1), 0);
    cct_enter(c, A_A, 20, 0); /* under main again */
    cct_exit(c, A_A, 25);
    CU_ASSERT_EQUAL(cct_switch(c, 1, 1), -1);
    cct_close_all(c, 100);
    uint64_t pm[] = {A_MAIN, A_A}, pb[] = {A_B, A_C};
    CU_ASSERT_EQUAL(fig_of(c, pm, 2).calls, 1);
    CU_ASSERT_EQUAL(fig_of(c, pm, 1).total, 100);
    CU_ASSERT_EQUAL(fig_of(c, pb, 2).calls, 1);
    CU_ASSERT_EQUAL(fig_of(c, pb, 1).total, 90); /* B: a root of its own, closed at the end */
    uint64_t bad[] = {A_MAIN, A_B};
    CU_ASSERT_EQUAL(path_node(c, bad, 2), 0);
    cct_counters k;
    cct_read_counters(c, &k);
    CU_ASSERT_EQUAL(k.calls, 4);
    CU_ASSERT_EQUAL(k.unmatched, 0);
    cct_destroy(c);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("cct", NULL, NULL);
    CU_add_test(s, "main->a->b->c figures and histograms", test_chain);
    CU_add_test(s, "repeated calls: min, max, sum of squares", test_repeated_min_max);
    CU_add_test(s, "unmatched and stray exits", test_unmatched);
    CU_add_test(s, "excluded function folded into its caller; rows", test_excluded_folded);
    CU_add_test(s, "stack grows to 100,000 frames; max_depth overflow", test_depth_growth);
    CU_add_test(s, "recursion: one node per depth, counted once", test_recursion);
    CU_add_test(s, "snapshot mid-call, close at end", test_snapshot_mid_call);
    CU_add_test(s, "reader during 3 M calls sees consistent figures", test_concurrent_reader);
    CU_add_test(s, "forked child's copy of the stack", test_copy_stack);
    CU_add_test(s, "100,000 paths stay under 64 MB", test_many_paths_memory);
    CU_add_test(s, "longjmp: abandoned frames closed by stack position", test_longjmp_detected);
    CU_add_test(s, "user contexts keep their own stacks", test_switch_contexts);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
