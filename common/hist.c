/* common/hist.c: log-linear duration histogram (see hist.h for the bucketing contract).
 * Used by the collector's writer thread and by the tools (the collector's hot path has its own lock-free blocks in libcollect/cct.c, same buckets). */
#include "hist.h"

#include <math.h>
#include <stdlib.h>

uint64_t pscope_hist_bucket_lo(uint32_t b)
{
    if (b < PSCOPE_HIST_SUB)
        return b;
    uint32_t k = b / PSCOPE_HIST_SUB;       /* block >= 1: e = k + 6 */
    uint32_t sub = b % PSCOPE_HIST_SUB;
    unsigned e = k + 6u;
    return ((uint64_t)PSCOPE_HIST_SUB + sub) << (e - 7u);
}

uint64_t pscope_hist_bucket_hi(uint32_t b)
{
    if (b + 1 >= PSCOPE_HIST_BUCKETS)
        return UINT64_MAX;
    return pscope_hist_bucket_lo(b + 1);
}

double pscope_hist_bucket_mid(uint32_t b)
{
    if (b < PSCOPE_HIST_SUB)
        return (double)b;
    double lo = (double)pscope_hist_bucket_lo(b);
    double hi = b + 1 >= PSCOPE_HIST_BUCKETS ? lo * (1.0 + 1.0 / PSCOPE_HIST_SUB)
                                             : (double)pscope_hist_bucket_lo(b + 1);
    return (lo + hi) / 2.0;
}

int pscope_hist_alloc_block(pscope_hist *h, uint32_t k)
{
    h->block[k] = calloc(PSCOPE_HIST_SUB, sizeof(uint64_t));
    return h->block[k] ? 0 : -1;
}

int pscope_hist_add_count(pscope_hist *h, uint32_t b, uint64_t n)
{
    uint32_t k = b / PSCOPE_HIST_SUB;
    if (!h->block[k] && pscope_hist_alloc_block(h, k) != 0)
        return -1;
    h->block[k][b % PSCOPE_HIST_SUB] += n;
    h->count += n;
    return 0;
}

uint64_t pscope_hist_get(const pscope_hist *h, uint32_t b)
{
    if (b >= PSCOPE_HIST_BUCKETS)
        return 0;
    const uint64_t *blk = h->block[b / PSCOPE_HIST_SUB];
    return blk ? blk[b % PSCOPE_HIST_SUB] : 0;
}

void pscope_hist_clear(pscope_hist *h)
{
    for (unsigned k = 0; k < PSCOPE_HIST_BLOCKS; k++) {
        free(h->block[k]);
        h->block[k] = NULL;
    }
    h->count = 0;
}

/* The k-th smallest value (0-based) of the histogram's `total` values, read as its
 * bucket's midpoint; the smallest is `min` and the largest `max` when those are known
 * (not NAN), and every value is clamped to [min, max] (the true ones lie there). */
static double order_statistic(const uint32_t *buckets, const uint64_t *counts, size_t n,
                              uint64_t total, uint64_t k, double min, double max)
{
    if (k == 0 && !isnan(min))
        return min;
    if (k + 1 == total && !isnan(max))
        return max;
    double v = pscope_hist_bucket_mid(buckets[n - 1]);
    uint64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += counts[i];
        if (cum > k) {
            v = pscope_hist_bucket_mid(buckets[i]);
            break;
        }
    }
    if (!isnan(min) && v < min)
        v = min;
    if (!isnan(max) && v > max)
        v = max;
    return v;
}

double pscope_hist_percentile_range(const uint32_t *buckets, const uint64_t *counts, size_t n,
                                    double q, double min, double max)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    if (total == 0)
        return NAN;
    if (!(q > 0))
        q = 0;
    if (q > 1)
        q = 1;
    double h = q * (double)(total - 1);
    uint64_t lo = (uint64_t)floor(h);
    if (lo > total - 1)
        lo = total - 1;
    double frac = h - (double)lo;
    double a = order_statistic(buckets, counts, n, total, lo, min, max);
    if (frac <= 0 || lo + 1 >= total)
        return a;
    double b = order_statistic(buckets, counts, n, total, lo + 1, min, max);
    return a + frac * (b - a);
}

double pscope_hist_percentile(const uint32_t *buckets, const uint64_t *counts, size_t n, double q)
{
    return pscope_hist_percentile_range(buckets, counts, n, q, NAN, NAN);
}
