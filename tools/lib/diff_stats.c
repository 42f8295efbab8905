/* tools/lib/diff_stats.c: pscope-diff's run-level statistics (see diff_stats.h).
 *
 * Student's t goes through the regularised incomplete beta function,
 *   P(|T| >= t) = I_{df / (df + t^2)}(df / 2, 1 / 2),
 * evaluated by its continued fraction (modified Lentz), which converges in well under 200
 * terms for the degrees of freedom met here (1 .. a few hundred). Quantiles are found by
 * bisection on the distribution functions: slow in theory, microseconds in practice, and
 * exact to double precision. The exact null distribution of U (no ties) is the coefficient
 * list of the Gaussian binomial [m + n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i),
 * built factor by factor in doubles (exact below 2^53, i.e. far beyond 20 runs per side).
 */
#include "diff_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "ptool.h"

/* Continued fraction of the incomplete beta function (for x < (a + 1) / (a + b + 2)). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15)
            break;
    }
    return h;
}

/* Regularised incomplete beta I_x(a, b), x in [0, 1]. */
static double inc_beta(double a, double b, double x)
{
    if (x <= 0)
        return 0.0;
    if (x >= 1)
        return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(lbt) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lbt) * beta_cf(b, a, 1.0 - x) / b;
}

double diff_t_p2(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return 0.0;
    double p = inc_beta(df / 2.0, 0.5, df / (df + t * t));
    return p > 1.0 ? 1.0 : p < 0.0 ? 0.0 : p;
}

double diff_t_quantile(double prob, double df)
{
    if (!(prob > 0 && prob < 1) || !(df > 0))
        return NAN;
    if (prob == 0.5)
        return 0.0;
    double tail2 = 2.0 * (prob > 0.5 ? 1.0 - prob : prob); /* two-sided tail to reach */
    double lo = 0.0, hi = 1.0;
    while (diff_t_p2(hi, df) > tail2 && hi < 1e12)
        hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (diff_t_p2(mid, df) > tail2)
            lo = mid;
        else
            hi = mid;
    }
    double x = 0.5 * (lo + hi);
    return prob > 0.5 ? x : -x;
}

double diff_norm_quantile(double prob)
{
    if (!(prob > 0 && prob < 1))
        return NAN;
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < prob)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double diff_trimmed_sorted(const double *v, size_t n, double trim)
{
    if (n == 0)
        return NAN;
    if (trim >= 0.5)
        return pt_percentile7(v, n, 0.5);
    double lo = trim * (double)n, hi = (1.0 - trim) * (double)n, sum = 0.0;
    for (size_t i = (size_t)floor(lo); i < n && (double)i < hi; i++) {
        double a = fmax((double)i, lo), b = fmin((double)i + 1.0, hi);
        if (b > a)
            sum += (b - a) * v[i];
    }
    return sum / (hi - lo);
}

/* Value range of bucket b as a continuous interval: exact values below 128 ns. */
static void bucket_range(uint32_t b, double *lo, double *hi)
{
    *lo = (double)pscope_hist_bucket_lo(b);
    if (b < PSCOPE_HIST_SUB) {
        *hi = *lo;
        return;
    }
    uint64_t h = pscope_hist_bucket_hi(b);
    *hi = h == UINT64_MAX ? *lo * (1.0 + 1.0 / PSCOPE_HIST_SUB) : (double)h;
}

double diff_trimmed_hist(const uint32_t *bucket, const uint64_t *count, size_t n, double trim)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += (double)count[i];
    if (total <= 0)
        return NAN;
    if (trim > 0.5)
        trim = 0.5;
    double from = trim * total, to = (1.0 - trim) * total, below = 0.0, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = (double)count[i], lo, hi;
        if (c <= 0)
            continue;
        bucket_range(bucket[i], &lo, &hi);
        if (to <= from) { /* the median: the value at mass `from` */
            if (below + c >= from)
                return lo + (hi - lo) * (from - below) / c;
        } else {
            double a = fmax(below, from), b = fmin(below + c, to);
            if (b > a) /* calls spread evenly over [lo, hi): mean of the kept slice */
                sum += (b - a) * (lo + (hi - lo) * ((a - below) + (b - below)) / (2.0 * c));
        }
        below += c;
    }
    if (to <= from) { /* rounding at the very end: the last bucket's top */
        double lo, hi;
        bucket_range(bucket[n - 1], &lo, &hi);
        return hi;
    }
    return sum / (to - from);
}

static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += v[i];
    m /= (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
}

int diff_welch(const double *x, size_t nx, const double *y, size_t ny, double sd_floor,
               double alpha, diff_shift *out)
{
    if (nx == 0 || ny == 0 || nx + ny < 3)
        return -1;
    double mx, sx, my, sy, se, df;
    mean_sd(x, nx, &mx, &sx);
    mean_sd(y, ny, &my, &sy);
    if (nx >= 2 && ny >= 2) {
        sx = fmax(sx, sd_floor);
        sy = fmax(sy, sd_floor);
        double vx = sx * sx / (double)nx, vy = sy * sy / (double)ny;
        se = sqrt(vx + vy);
        df = (vx + vy) * (vx + vy)
             / (vx * vx / (double)(nx - 1) + vy * vy / (double)(ny - 1));
        out->sd = sqrt(((double)(nx - 1) * sx * sx + (double)(ny - 1) * sy * sy)
                       / (double)(nx + ny - 2));
    } else { /* one side has one run: the other side's spread, prediction form */
        size_t nn = nx >= 2 ? nx : ny;
        double s = fmax(nx >= 2 ? sx : sy, sd_floor);
        se = s * sqrt(1.0 + 1.0 / (double)nn);
        df = (double)(nn - 1);
        out->sd = s;
    }
    double d = my - mx;
    out->estimate = d;
    out->df = df;
    out->p = diff_t_p2(d / se, df);
    double q = diff_t_quantile(1.0 - alpha / 2.0, df);
    out->lo = d - q * se;
    out->hi = d + q * se;
    return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* k of the exact CI: the number of u with P(U <= u) <= alpha/2 under no change. */
static size_t hl_rank(size_t m, size_t n, double alpha)
{
    size_t npairs = m * n;
    if (npairs > 400) {
        double z = diff_norm_quantile(1.0 - alpha / 2.0);
        double c = (double)npairs / 2.0 - z * sqrt((double)npairs * (double)(m + n + 1) / 12.0);
        return c < 1.0 ? 0 : (size_t)floor(c);
    }
    size_t deg = npairs + m + n + 1;
    double *c = pt_xcalloc(deg + 1, sizeof *c);
    c[0] = 1.0;
    for (size_t i = 1; i <= m; i++) {
        for (size_t u = deg; u >= n + i; u--) /* times (1 - q^(n+i)) */
            c[u] -= c[u - (n + i)];
        for (size_t u = i; u <= deg; u++)     /* divided by (1 - q^i) */
            c[u] += c[u - i];
    }
    double total = 0.0;
    for (size_t u = 0; u <= npairs; u++)
        total += c[u];
    size_t k = 0;
    double cum = 0.0;
    for (size_t u = 0; u <= npairs; u++) {
        cum += c[u];
        if (cum / total > alpha / 2.0 + 1e-12)
            break;
        k = u + 1;
    }
    free(c);
    return k;
}

int diff_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny, double alpha,
                        diff_shift *out)
{
    if (nx == 0 || ny == 0)
        return -1;
    size_t np = nx * ny;
    double *d = pt_xmalloc(np * sizeof *d);
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            d[i * ny + j] = y[j] - x[i];
    qsort(d, np, sizeof *d, cmp_dbl);
    out->estimate = pt_percentile7(d, np, 0.5);
    size_t k = hl_rank(nx, ny, alpha);
    out->lo = k >= 1 ? d[k - 1] : NAN;
    out->hi = k >= 1 ? d[np - k] : NAN;
    out->df = NAN;
    double mx, sx, my, sy;
    mean_sd(x, nx, &mx, &sx);
    mean_sd(y, ny, &my, &sy);
    out->sd = nx + ny > 2 ? sqrt(((nx > 1 ? (double)(nx - 1) * sx * sx : 0.0)
                                  + (ny > 1 ? (double)(ny - 1) * sy * sy : 0.0))
                                 / (double)(nx + ny - 2))
                          : NAN;
    free(d);
    return 0;
}

typedef struct p_index {
    double p;
    size_t i;
} p_index;

static int cmp_p_index(const void *a, const void *b)
{
    const p_index *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

void diff_bh_adjust(const double *p, size_t n, double *q)
{
    p_index *v = pt_xmalloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]))
            v[m++] = (p_index){ p[i], i };
    qsort(v, m, sizeof *v, cmp_p_index);
    double run = 1.0;
    for (size_t k = m; k-- > 0;) {
        double adj = v[k].p * (double)m / (double)(k + 1);
        if (adj < run)
            run = adj;
        v[k].p = run;
    }
    for (size_t i = 0; i < n; i++)
        if (isnan(p[i]))
            q[i] = NAN;
    for (size_t k = 0; k < m; k++)
        q[v[k].i] = v[k].p;
    free(v);
}

double diff_runs_needed(double sd, double change, double alpha, double power, int rank_test)
{
    if (isnan(sd) || !(change > 0) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
        return NAN;
    double shift = log1p(change), s2 = sd * sd;
    double z = diff_norm_quantile(1.0 - alpha / 2.0) + diff_norm_quantile(power);
    double n = 2.0 * s2 * z * z / (shift * shift);
    for (int it = 0; it < 30; it++) {
        double df = fmax(2.0 * ceil(n) - 2.0, 1.0);
        double t = diff_t_quantile(1.0 - alpha / 2.0, df) + diff_t_quantile(power, df);
        n = 2.0 * s2 * t * t / (shift * shift);
        if (n > 10000)
            break;
    }
    if (rank_test)
        n *= M_PI / 3.0;
    n = fmax(2.0, ceil(n - 1e-9));
    if (rank_test)
        for (;;) { /* the exact test's smallest p, 2 / C(2n, n), must reach alpha */
            double c = 1.0;
            for (double i = 1; i <= n; i++)
                c = c * (n + i) / i;
            if (2.0 / c <= alpha || n >= 10000)
                break;
            n += 1.0;
        }
    return fmin(n, 10000.0);
}
