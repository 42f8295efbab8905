/* tools/lib/diff_stats.h: the pure statistics behind pscope-diff's run-level comparison
 * (docs/diff.md, "Statistics"). No I/O, no allocation the caller must free.
 *
 *   per-run location    trimmed mean or median of a function's per-call times, from sorted
 *                       raw values or from histogram buckets (common/hist.h);
 *   Welch test          on the logarithms of the per-run locations: the effect is a ratio
 *                       with a Student-t confidence interval;
 *   Hodges-Lehmann      the ratio estimate and exact distribution-free confidence interval
 *                       that go with the Mann-Whitney test;
 *   Benjamini-Hochberg  adjusted p-values over a family of tests;
 *   runs needed         runs per side for a given change at a given power.
 * Distribution functions: Student t (regularised incomplete beta by continued fraction),
 * the standard normal quantile, and the exact null distribution of U without ties.
 */
#ifndef PSCOPE_DIFF_STATS_H
#define PSCOPE_DIFF_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Fraction of calls cut from EACH end for the trimmed-mean location. */
#define DIFF_TRIM 0.10

/* Two-sided p of Student's t with df > 0 degrees of freedom: P(|T| >= |t|). */
double diff_t_p2(double t, double df);

/* Quantile of Student's t: the x with P(T <= x) = prob, prob in (0, 1), df > 0. */
double diff_t_quantile(double prob, double df);

/* Quantile of the standard normal distribution, prob in (0, 1). */
double diff_norm_quantile(double prob);

/* Trimmed mean of sorted v[0..n): the mean of the calls between the `trim` and 1 - trim
 * fractions of the count (fractional weights at the edges); trim 0.5 gives the median
 * (type-7 interpolation). NAN when n == 0. */
double diff_trimmed_sorted(const double *v, size_t n, double trim);

/* The same from a histogram: buckets (ascending) with counts; each bucket's calls are
 * spread evenly over [lo, hi) of common/hist.h, so the result is continuous in the data
 * rather than snapped to bucket midpoints. trim 0.5 gives the interpolated median. */
double diff_trimmed_hist(const uint32_t *bucket, const uint64_t *count, size_t n, double trim);

typedef struct diff_shift {
    double estimate;  /* log ratio current / base (difference of the log locations) */
    double lo, hi;    /* confidence interval of the log ratio; NAN when none exists */
    double p;         /* two-sided p-value */
    double df;        /* Welch degrees of freedom (NAN for the rank test) */
    double sd;        /* pooled standard deviation of one run's log location */
} diff_shift;

/* Welch's two-sample t test on x[0..nx) and y[0..ny) (log locations), nx, ny >= 1 and
 * nx + ny >= 3. Each side's standard deviation is at least sd_floor (the resolution of a
 * location); a side of one run takes the other side's deviation (prediction form,
 * se = s * sqrt(1 + 1/n), df = n - 1). CI at level 1 - alpha. Returns 0, or -1 when the
 * sizes do not allow a test. */
int diff_welch(const double *x, size_t nx, const double *y, size_t ny, double sd_floor,
               double alpha, diff_shift *out);

/* Hodges-Lehmann shift of y against x (median of the nx*ny differences y_j - x_i) with the
 * exact distribution-free confidence interval [D_(k), D_(nx ny + 1 - k)], k the largest
 * with P(U <= k - 1) <= alpha / 2 under no change (no ties; normal approximation above
 * 400 pairs). p is not set (the Mann-Whitney test gives it). lo/hi are NAN when even the
 * extreme differences do not reach the level. Returns 0, or -1 on a size of 0. */
int diff_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double alpha,
                        diff_shift *out);

/* Benjamini-Hochberg adjusted p-values: q[i] = min over j with p_(j) >= p[i] of
 * p_(j) m / rank(j), capped at 1, over the non-NAN entries of p[0..n) (m = their number);
 * NAN entries stay NAN. q may alias p. */
void diff_bh_adjust(const double *p, size_t n, double *q);

/* Runs per side for a two-sample test at two-sided level alpha to detect a log shift of
 * log(1 + change) with the given power when one run's log location has standard deviation
 * sd: n = 2 sd^2 (t_{1-alpha/2} + t_{power})^2 / shift^2 with t quantiles at 2n - 2 degrees
 * of freedom (iterated), at least 2. `rank_test` divides by the rank test's efficiency
 * 3/pi and also requires the exact Mann-Whitney test to reach alpha (2 / C(2n, n) <= alpha).
 * Capped at 10000; NAN when sd is NAN. */
double diff_runs_needed(double sd, double change, double alpha, double power, int rank_test);

#endif
