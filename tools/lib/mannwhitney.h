/* tools/lib/mannwhitney.h: two-sided Mann-Whitney U test (Wilcoxon rank-sum) for pscope-diff.
 *
 * Three entry points feed one computation:
 *   pscope_mw_test          - plain samples of doubles (per-run totals);
 *   pscope_mw_test_sorted   - plain samples already sorted (raw call rows, sorted once);
 *   pscope_mw_test_weighted - (value, count) pairs, e.g. the buckets of a function_hist,
 *                             where every value of a bucket counts as one tied observation.
 * Both reduce the pooled sample to groups of equal values (ascending), with a_g values from
 * the first sample and b_g from the second, and take U of the first sample as
 *   U1 = sum_g a_g * (B_below_g + b_g / 2)
 * i.e. the number of pairs (x, y) with x > y plus half the tied pairs (mid-ranks).
 *
 * p-value (two-sided), chosen by the pooled size N = n1 + n2:
 *   N <= PSCOPE_MW_EXACT_MAX_N: exact permutation distribution of the mid-rank sum. Every
 *     choice of which n1 of the N pooled observations belong to the first sample is equally
 *     likely; a dynamic programme over the tie groups counts, for each value of the rank sum,
 *     the number of such choices (taking k of a group of t ways C(t, k)), in exact 64-bit
 *     integers. p = P(|U - n1 n2 / 2| >= |U1 - n1 n2 / 2|). Without ties this is the classic
 *     exact Mann-Whitney distribution, symmetric, so p = 2 min(P(U <= u), P(U >= u)) capped at 1
 *     (scipy's method="exact"); with ties it is the exact conditional (permutation) test.
 *   otherwise: normal approximation with tie and continuity correction,
 *     sigma^2 = n1 n2 / 12 * ((N + 1) - sum_g (t_g^3 - t_g) / (N (N - 1))),
 *     z = max(0, |U1 - n1 n2 / 2| - 1/2) / sigma, p = erfc(z / sqrt 2);
 *     p = 1 when sigma = 0 (every observation equal).
 * Counts may be large (millions of calls per bucket): sums are kept in long double.
 *
 * Nothing here allocates on behalf of the caller; results are returned by value in a struct.
 */
#ifndef PSCOPE_MANNWHITNEY_H
#define PSCOPE_MANNWHITNEY_H

#include <stddef.h>
#include <stdint.h>

/* Pooled sizes up to this use the exact distribution (see above). At 50 the number of
 * arrangements C(50, 25) = 1.26e14 fits 64-bit integers exactly and the programme costs
 * well under a millisecond. */
#define PSCOPE_MW_EXACT_MAX_N 50

typedef enum pscope_mw_method {
    PSCOPE_MW_EXACT = 1,  /* exact permutation distribution (with or without ties) */
    PSCOPE_MW_NORMAL = 2  /* normal approximation, tie and continuity corrected */
} pscope_mw_method;

/* One weighted observation: `count` observations all equal to `value`. */
typedef struct pscope_mw_wvalue {
    double value;
    uint64_t count;
} pscope_mw_wvalue;

typedef struct pscope_mw_result {
    uint64_t n1, n2;         /* sizes of the first and second sample (sums of counts) */
    double u1;               /* U of the first sample (pairs x > y plus half of x == y) */
    double p;                /* two-sided p-value in [0, 1] */
    double z;                /* normal-approximation z (>= 0, continuity corrected); NAN if exact */
    double effect;           /* u1 / (n1 n2): P(x > y) + P(x == y) / 2, 0.5 under no change */
    int has_ties;            /* 1 if some value occurs more than once in the pooled sample */
    pscope_mw_method method; /* how p was computed */
} pscope_mw_result;

/* Test x[0..nx) against y[0..ny). The arrays are not modified (copies are sorted).
 * Returns 0 and fills *r; returns -1 (errno EINVAL) if nx or ny is 0 or a value is NaN, or
 * -1 (errno ENOMEM) if memory runs out; *r is then unspecified. */
int pscope_mw_test(const double *x, size_t nx, const double *y, size_t ny, pscope_mw_result *r);

/* Same test for samples already sorted ascending (no copy, no sort: O(nx + ny)), e.g.
 * raw call durations sorted once. Returns -1 (EINVAL) if a side is empty, contains NaN or
 * is not ascending; -1 (ENOMEM) on allocation failure. */
int pscope_mw_test_sorted(const double *x, size_t nx, const double *y, size_t ny,
                          pscope_mw_result *r);

/* Same test for weighted samples: x[i] stands for x[i].count observations equal to
 * x[i].value. Pairs may come in any order and values may repeat (their counts add); pairs
 * with count 0 are ignored. Returns -1 (EINVAL) if a side's total count is 0, a counted
 * value is NaN, or a side's total overflows 2^63; -1 (ENOMEM) on allocation failure. */
int pscope_mw_test_weighted(const pscope_mw_wvalue *x, size_t nx, const pscope_mw_wvalue *y,
                            size_t ny, pscope_mw_result *r);

/* Name of a method for output: "exact" or "normal". */
const char *pscope_mw_method_name(pscope_mw_method m);

#endif
