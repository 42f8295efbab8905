/* tools/lib/mannwhitney.c: two-sided Mann-Whitney U test, exact and normal (see mannwhitney.h).
 *
 * Both entry points build one tagged array (value, count, side), sort it by value and sweep
 * it into tie groups (a_g from the first sample, b_g from the second). From the groups:
 *   - U1 and the tie term sum(t^3 - t) in one pass;
 *   - for small pooled sizes, the exact permutation distribution of twice the mid-rank sum
 *     S = sum_g k_g (2 c_g + t_g + 1) (c_g = observations below group g), counted by a
 *     dynamic programme ways[j][s] = number of ways to pick j observations with sum s.
 * Invariants: groups are in ascending value order and have t_g = a_g + b_g >= 1; the DP's
 * counts never exceed C(N, j) <= C(50, 25), so uint64 arithmetic is exact.
 */
#include "mannwhitney.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct tagged {
    double value;
    uint64_t count;
    int side; /* 0 = first sample, 1 = second */
} tagged;

typedef struct group {
    uint64_t a, b; /* observations of the first and second sample equal to this value */
} group;

static int cmp_tagged(const void *pa, const void *pb)
{
    const tagged *a = pa, *b = pb;
    return (a->value > b->value) - (a->value < b->value);
}

const char *pscope_mw_method_name(pscope_mw_method m)
{
    return m == PSCOPE_MW_EXACT ? "exact" : "normal";
}

/* Exact two-sided p-value from the tie groups (N = n1 + n2 <= PSCOPE_MW_EXACT_MAX_N).
 * s_obs is twice the observed rank sum of the first sample. Returns NAN on ENOMEM. */
static double exact_p(const group *g, size_t ng, uint64_t n1, uint64_t n2, uint64_t s_obs)
{
    uint64_t n = n1 + n2;
    assert(n <= PSCOPE_MW_EXACT_MAX_N);
    /* Pick the smaller side to enumerate: the statistic of the other side is determined
     * (S2 = N(N+1) - S1) and the distance from the mean is the same, so p is unchanged. */
    int swap = n1 > n2;
    uint64_t m = swap ? n2 : n1;
    if (swap)
        s_obs = n * (n + 1) - s_obs;

    /* Binomial coefficients up to N (Pascal's triangle, exact in uint64 for N <= 62). */
    uint64_t binom[PSCOPE_MW_EXACT_MAX_N + 1][PSCOPE_MW_EXACT_MAX_N + 1];
    memset(binom, 0, sizeof binom);
    for (uint64_t i = 0; i <= n; i++) {
        binom[i][0] = 1;
        for (uint64_t k = 1; k <= i; k++)
            binom[i][k] = binom[i - 1][k - 1] + (k < i ? binom[i - 1][k] : 0);
    }

    size_t smax = (size_t)(m * (2 * n - m + 1)); /* twice the largest possible rank sum */
    size_t width = smax + 1;
    uint64_t *cur = calloc((m + 1) * width, sizeof *cur);
    uint64_t *nxt = calloc((m + 1) * width, sizeof *nxt);
    if (!cur || !nxt) {
        free(cur);
        free(nxt);
        return NAN;
    }
    cur[0] = 1;
    uint64_t below = 0;
    for (size_t i = 0; i < ng; i++) {
        uint64_t t = g[i].a + g[i].b;
        uint64_t r2 = 2 * below + t + 1; /* twice the group's mid-rank */
        memset(nxt, 0, (m + 1) * width * sizeof *nxt);
        for (uint64_t j = 0; j <= m; j++) {
            for (size_t s = 0; s < width; s++) {
                uint64_t w = cur[j * width + s];
                if (!w)
                    continue;
                for (uint64_t k = 0; k <= t && j + k <= m; k++) {
                    size_t s2 = s + (size_t)(k * r2);
                    assert(s2 < width);
                    nxt[(j + k) * width + s2] += w * binom[t][k];
                }
            }
        }
        uint64_t *tmp = cur;
        cur = nxt;
        nxt = tmp;
        below += t;
    }
    /* Distance from the mean of S, m (N + 1), in the same doubled units (integers). */
    uint64_t mean2 = m * (n + 1);
    uint64_t d_obs = s_obs > mean2 ? s_obs - mean2 : mean2 - s_obs;
    uint64_t total = 0, tail = 0;
    for (size_t s = 0; s < width; s++) {
        uint64_t w = cur[m * width + s];
        if (!w)
            continue;
        total += w;
        uint64_t d = s > mean2 ? s - mean2 : mean2 - s;
        if (d >= d_obs)
            tail += w;
    }
    free(cur);
    free(nxt);
    assert(total == binom[n][m]);
    double p = (double)tail / (double)total;
    return p > 1.0 ? 1.0 : p;
}

static int test_groups(group *g, size_t ng, uint64_t n1, uint64_t n2, pscope_mw_result *r);

/* Sort the tagged observations, group ties, compute U1 and p. Takes ownership of nothing;
 * `t` is sorted in place. */
static int test_tagged(tagged *t, size_t nt, pscope_mw_result *r)
{
    uint64_t n1 = 0, n2 = 0;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].count == 0)
            continue;
        if (isnan(t[i].value)) {
            errno = EINVAL;
            return -1;
        }
        uint64_t *side = t[i].side ? &n2 : &n1;
        if (t[i].count > (UINT64_C(1) << 63) - *side) {
            errno = EINVAL;
            return -1;
        }
        *side += t[i].count;
    }
    if (n1 == 0 || n2 == 0) {
        errno = EINVAL;
        return -1;
    }
    /* Drop zero counts so that equal neighbours after sorting are exactly the ties. */
    size_t kept = 0;
    for (size_t i = 0; i < nt; i++)
        if (t[i].count)
            t[kept++] = t[i];
    nt = kept;
    qsort(t, nt, sizeof *t, cmp_tagged);

    group *g = malloc(nt * sizeof *g);
    if (!g) {
        errno = ENOMEM;
        return -1;
    }
    size_t ng = 0;
    for (size_t i = 0; i < nt; i++) {
        if (i == 0 || t[i].value != t[i - 1].value)
            g[ng++] = (group){ 0, 0 };
        if (t[i].side)
            g[ng - 1].b += t[i].count;
        else
            g[ng - 1].a += t[i].count;
    }

    return test_groups(g, ng, n1, n2, r);
}

/* U1, tie term and p from the tie groups g[0..ng) (ascending values); frees g. */
static int test_groups(group *g, size_t ng, uint64_t n1, uint64_t n2, pscope_mw_result *r)
{
    long double n = (long double)n1 + (long double)n2;
    long double u1 = 0, tie = 0, bbelow = 0;
    int has_ties = 0;
    uint64_t s2_obs = 0, below = 0; /* twice the first sample's rank sum (exact path only) */
    int small = n1 + n2 <= PSCOPE_MW_EXACT_MAX_N;
    for (size_t i = 0; i < ng; i++) {
        uint64_t tg = g[i].a + g[i].b;
        u1 += (long double)g[i].a * (bbelow + (long double)g[i].b / 2.0L);
        bbelow += (long double)g[i].b;
        if (tg > 1) {
            has_ties = 1;
            long double tl = (long double)tg;
            /* (t^3 - t) / (N (N - 1)) summed term by term: no overflow for huge t. */
            tie += (tl / n) * ((tl - 1.0L) / (n - 1.0L)) * (tl + 1.0L);
        }
        if (small) {
            s2_obs += g[i].a * (2 * below + tg + 1);
            below += tg;
        }
    }

    r->n1 = n1;
    r->n2 = n2;
    r->u1 = (double)u1;
    long double nn = (long double)n1 * (long double)n2;
    r->effect = (double)(u1 / nn);
    r->has_ties = has_ties;
    if (small) {
        double p = exact_p(g, ng, n1, n2, s2_obs);
        free(g);
        if (isnan(p)) {
            errno = ENOMEM;
            return -1;
        }
        r->method = PSCOPE_MW_EXACT;
        r->p = p;
        r->z = NAN;
        return 0;
    }
    free(g);
    long double mu = nn / 2.0L;
    long double var = nn / 12.0L * ((n + 1.0L) - tie);
    r->method = PSCOPE_MW_NORMAL;
    if (!(var > 0)) {
        r->z = 0;
        r->p = 1.0;
        return 0;
    }
    long double dev = fabsl(u1 - mu) - 0.5L;
    if (dev < 0)
        dev = 0;
    long double z = dev / sqrtl(var);
    r->z = (double)z;
    double p = (double)erfcl(z / sqrtl(2.0L));
    r->p = p > 1.0 ? 1.0 : p;
    return 0;
}

int pscope_mw_test(const double *x, size_t nx, const double *y, size_t ny, pscope_mw_result *r)
{
    if (nx == 0 || ny == 0) {
        errno = EINVAL;
        return -1;
    }
    tagged *t = malloc((nx + ny) * sizeof *t);
    if (!t) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < nx; i++)
        t[i] = (tagged){ x[i], 1, 0 };
    for (size_t i = 0; i < ny; i++)
        t[nx + i] = (tagged){ y[i], 1, 1 };
    int rc = test_tagged(t, nx + ny, r);
    free(t);
    return rc;
}

int pscope_mw_test_weighted(const pscope_mw_wvalue *x, size_t nx, const pscope_mw_wvalue *y,
                            size_t ny, pscope_mw_result *r)
{
    if (nx == 0 || ny == 0) {
        errno = EINVAL;
        return -1;
    }
    tagged *t = malloc((nx + ny) * sizeof *t);
    if (!t) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < nx; i++)
        t[i] = (tagged){ x[i].value, x[i].count, 0 };
    for (size_t i = 0; i < ny; i++)
        t[nx + i] = (tagged){ y[i].value, y[i].count, 1 };
    int rc = test_tagged(t, nx + ny, r);
    free(t);
    return rc;
}

int pscope_mw_test_sorted(const double *x, size_t nx, const double *y, size_t ny,
                          pscope_mw_result *r)
{
    if (nx == 0 || ny == 0 || isnan(x[0]) || isnan(x[nx - 1]) || isnan(y[0]) || isnan(y[ny - 1])) {
        errno = EINVAL;
        return -1;
    }
    group *g = malloc((nx + ny) * sizeof *g);
    if (!g) {
        errno = ENOMEM;
        return -1;
    }
    /* Merge the two ascending arrays, one group per distinct value. */
    size_t i = 0, j = 0, ng = 0;
    double prev = -INFINITY;
    while (i < nx || j < ny) {
        double v = j >= ny || (i < nx && x[i] <= y[j]) ? x[i] : y[j];
        group cur = { 0, 0 };
        if (ng > 0 && !(v > prev)) { /* not ascending */
            free(g);
            errno = EINVAL;
            return -1;
        }
        prev = v;
        while (i < nx && x[i] == v) {
            cur.a++;
            i++;
        }
        while (j < ny && y[j] == v) {
            cur.b++;
            j++;
        }
        if (cur.a + cur.b == 0) { /* not ascending (or NaN inside): refuse */
            free(g);
            errno = EINVAL;
            return -1;
        }
        g[ng++] = cur;
    }
    return test_groups(g, ng, nx, ny, r);
}
