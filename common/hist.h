/* common/hist.h: the log-linear duration histogram shared by the collector and tools.
 *
 * Bucketing (fixed by schema version 1, documented in docs/schema.md):
 *   v < 128 ns             -> bucket v (exact, width 1 ns)
 *   2^e <= v < 2^(e+1)     -> bucket 128 + (e-7)*128 + ((v >> (e-7)) - 128), e >= 7
 * so each power of two above 128 ns is cut into 128 equal buckets and a bucket's width
 * is at most 1/128 (0.78%) of its lower bound. Values are uint64 nanoseconds; the
 * largest bucket index is PSCOPE_HIST_BUCKETS - 1.
 *
 * pscope_hist is a sparse in-memory histogram: one 128-counter block per touched power
 * of two, allocated on first use, so a function whose calls all take about the same
 * time costs about 1 KiB.
 */
#ifndef PSCOPE_HIST_H
#define PSCOPE_HIST_H

#include <stdint.h>
#include <stddef.h>

#define PSCOPE_HIST_SUB 128u                      /* buckets per power of two */
#define PSCOPE_HIST_BLOCKS 58u                    /* block 0: v < 128; block k: e = k + 6 */
#define PSCOPE_HIST_BUCKETS (PSCOPE_HIST_BLOCKS * PSCOPE_HIST_SUB) /* 7424 */

#define PSCOPE_NOINSTR_FN __attribute__((no_instrument_function))

/* Bucket index of duration v (ns). Total function, never fails. */
PSCOPE_NOINSTR_FN static inline uint32_t pscope_hist_bucket(uint64_t v)
{
    if (v < PSCOPE_HIST_SUB)
        return (uint32_t)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* 7..63 */
    uint64_t sub = (v >> (e - 7u)) - PSCOPE_HIST_SUB; /* 0..127 */
    return (uint32_t)(PSCOPE_HIST_SUB + (e - 7u) * PSCOPE_HIST_SUB + sub);
}

/* Smallest value in bucket b (inclusive). b must be < PSCOPE_HIST_BUCKETS. */
PSCOPE_NOINSTR_FN uint64_t pscope_hist_bucket_lo(uint32_t b);

/* End of bucket b (exclusive); UINT64_MAX for the last bucket. */
PSCOPE_NOINSTR_FN uint64_t pscope_hist_bucket_hi(uint32_t b);

/* Representative value of bucket b: its midpoint (exact for b < 128), within 0.4% of
 * any value in the bucket. */
PSCOPE_NOINSTR_FN double pscope_hist_bucket_mid(uint32_t b);

typedef struct pscope_hist {
    uint64_t *block[PSCOPE_HIST_BLOCKS]; /* NULL until a value lands in the block */
    uint64_t count;                      /* total values added */
} pscope_hist;

/* Allocate block k of h (cold path of pscope_hist_add). Returns 0 or -1 (no memory). */
PSCOPE_NOINSTR_FN int pscope_hist_alloc_block(pscope_hist *h, uint32_t k);

/* Add one value. Returns 0, or -1 if a block could not be allocated (the value is then
 * not counted). Inline: cheap enough for per-call use. */
PSCOPE_NOINSTR_FN static inline int pscope_hist_add(pscope_hist *h, uint64_t v)
{
    uint32_t b = pscope_hist_bucket(v);
    uint32_t k = b / PSCOPE_HIST_SUB;
    if (__builtin_expect(!h->block[k], 0) && pscope_hist_alloc_block(h, k) != 0)
        return -1;
    h->block[k][b % PSCOPE_HIST_SUB]++;
    h->count++;
    return 0;
}

/* Add n values to bucket b (< PSCOPE_HIST_BUCKETS). Returns 0, or -1 if the block could
 * not be allocated (nothing is counted then). */
PSCOPE_NOINSTR_FN int pscope_hist_add_count(pscope_hist *h, uint32_t b, uint64_t n);

/* Count stored in bucket b. */
PSCOPE_NOINSTR_FN uint64_t pscope_hist_get(const pscope_hist *h, uint32_t b);

/* Free the blocks; the histogram is empty and reusable afterwards. */
PSCOPE_NOINSTR_FN void pscope_hist_clear(pscope_hist *h);

/* Percentile q (0..1) from sparse (bucket, count) pairs sorted by bucket ascending, with
 * the same definition as the exact percentiles over raw rows (type 7, numpy's default):
 * h = q * (total - 1), then linear interpolation between the order statistics floor(h)
 * and floor(h) + 1 (0-based), each read as its bucket's midpoint. With the exact extremes
 * known (min, max not NAN): the smallest order statistic is min, the largest max, and
 * every one is clamped to [min, max]. Each order statistic is then within 0.4% of the
 * true one, so the result is within 0.4% of the exact type-7 percentile (for a function
 * called 4 times {2, 2, 200, 200 µs}, p50 = 101.002 µs against 101 µs exact). Returns
 * NAN when total is 0. */
PSCOPE_NOINSTR_FN double pscope_hist_percentile_range(const uint32_t *buckets, const uint64_t *counts,
                                                      size_t n, double q, double min, double max);

/* pscope_hist_percentile_range without known extremes (min = max = NAN). */
PSCOPE_NOINSTR_FN double pscope_hist_percentile(const uint32_t *buckets, const uint64_t *counts,
                                                size_t n, double q);

#endif
