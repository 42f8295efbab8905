/* tests/unit/test_mannwhitney.c: CUnit tests of tools/lib/mannwhitney.c.
 *
 * Expected values were worked out by hand (the derivations are in the comments) and are
 * asserted exactly where the method is exact; the normal approximation is checked against
 * its closed formula evaluated by hand to 1e-9 relative. A brute-force enumeration of all
 * C(N, n1) splits cross-checks the exact path on random small samples with ties.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "mannwhitney.h"

#define ASSERT_REL(got, want, rel) \
    CU_ASSERT(fabs((got) - (want)) <= (rel) * fabs(want) + 1e-300)

/* {1,2} vs {3,4}: U1 = 0; of the C(4,2) = 6 splits U takes 0,1,2,2,3,4, so
 * P(U <= 0) = 1/6 and the two-sided p is 2/6 = 1/3. */
static void test_exact_two_by_two(void)
{
    double x[] = { 1, 2 }, y[] = { 3, 4 };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 2, y, 2, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_EXACT);
    CU_ASSERT_EQUAL(r.u1, 0.0);
    CU_ASSERT_EQUAL(r.p, 1.0 / 3.0);
    CU_ASSERT_EQUAL(r.n1, 2);
    CU_ASSERT_EQUAL(r.n2, 2);
    CU_ASSERT_FALSE(r.has_ties);
    CU_ASSERT(isnan(r.z));
}

/* Complete separation: p = 2 / C(2n, n): 2/20 for n = 3, 2/70 for n = 4. */
static void test_exact_separated(void)
{
    double x3[] = { 1, 2, 3 }, y3[] = { 4, 5, 6 };
    double x4[] = { 1, 2, 3, 4 }, y4[] = { 5, 6, 7, 8 };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x3, 3, y3, 3, &r), 0);
    CU_ASSERT_EQUAL(r.p, 2.0 / 20.0);
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(y4, 4, x4, 4, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 16.0);
    CU_ASSERT_EQUAL(r.effect, 1.0);
    CU_ASSERT_EQUAL(r.p, 2.0 / 70.0);
}

/* {1,3,5} vs {2,4,6}: U1 = 1 (3 > 2) + 2 (5 > 2, 4) = 3; mean 4.5. For n1 = n2 = 3 the
 * number of splits with U = 0..9 is 1,1,2,3,3,3,3,2,1,1 (partitions of u into at most 3
 * parts each <= 3). |U - 4.5| >= 1.5 means U <= 3 or U >= 6: 1+1+2+3 + 3+2+1+1 = 14 of 20,
 * p = 0.7. */
static void test_exact_interleaved(void)
{
    double x[] = { 5, 1, 3 }, y[] = { 6, 2, 4 };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 3, y, 3, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 3.0);
    CU_ASSERT_EQUAL(r.p, 14.0 / 20.0);
}

/* Ties: {1,2,2} vs {2,3,3}. Groups 1:(1,0), 2:(2,1), 3:(0,2); mid-ranks 1, 3, 5.5.
 * R1 = 1 + 3 + 3 = 7, U1 = 7 - 6 = 1, mean n1 n2 / 2 = 4.5, distance 3.5. Splits
 * (k1, k2, k3) taken from the groups, ways C(1,k1) C(3,k2) C(2,k3), U = R - 6:
 *   (1,2,0) 3 ways U=1;  (1,1,1) 6 ways U=3.5; (1,0,2) 1 way U=6;
 *   (0,3,0) 1 way  U=3;  (0,2,1) 6 ways U=5.5; (0,1,2) 3 ways U=8.   (20 in all)
 * |U - 4.5| >= 3.5 only for U = 1 and U = 8: 6 of 20, p = 0.3. */
static void test_exact_ties(void)
{
    double x[] = { 1, 2, 2 }, y[] = { 2, 3, 3 };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 3, y, 3, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_EXACT);
    CU_ASSERT_TRUE(r.has_ties);
    CU_ASSERT_EQUAL(r.u1, 1.0);
    CU_ASSERT_EQUAL(r.p, 6.0 / 20.0);
    /* Swapping the samples: U1' = 9 - 1 = 8, same p. */
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(y, 3, x, 3, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 8.0);
    CU_ASSERT_EQUAL(r.p, 6.0 / 20.0);
}

/* The same tied samples given as (value, count) pairs, unordered, with a repeated value
 * and a zero count, give the same answer. */
static void test_weighted_matches_plain(void)
{
    pscope_mw_wvalue x[] = { { 2, 1 }, { 1, 1 }, { 9, 0 }, { 2, 1 } };
    pscope_mw_wvalue y[] = { { 3, 2 }, { 2, 1 } };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_weighted(x, 4, y, 2, &r), 0);
    CU_ASSERT_EQUAL(r.n1, 3);
    CU_ASSERT_EQUAL(r.n2, 3);
    CU_ASSERT_EQUAL(r.u1, 1.0);
    CU_ASSERT_EQUAL(r.p, 0.3);
}

/* Every observation equal: U1 = n1 n2 / 2, p = 1 (exact) and p = 1 (normal, sigma = 0). */
static void test_all_equal(void)
{
    double x[] = { 5, 5 }, y[] = { 5, 5, 5 };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 2, y, 3, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 3.0);
    CU_ASSERT_EQUAL(r.p, 1.0);
    pscope_mw_wvalue wx[] = { { 7, 1000 } }, wy[] = { { 7, 3000 } };
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_weighted(wx, 1, wy, 1, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_NORMAL);
    CU_ASSERT_EQUAL(r.p, 1.0);
    CU_ASSERT_EQUAL(r.effect, 0.5);
}

/* Normal approximation without ties: x = 0,2,..,50, y = 1,3,..,51 (26 each, N = 52).
 * U1 = sum_{i=0}^{25} i = 325; mu = 338; sigma^2 = 676 * 53 / 12 = 2985.667;
 * z = (13 - 0.5) / 54.6413 = 0.2287648805; p = erfc(z / sqrt 2) = 0.8190516643. */
static void test_normal_no_ties(void)
{
    double x[26], y[26];
    for (int i = 0; i < 26; i++) {
        x[i] = 2.0 * i;
        y[i] = 2.0 * i + 1;
    }
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 26, y, 26, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_NORMAL);
    CU_ASSERT_EQUAL(r.u1, 325.0);
    ASSERT_REL(r.z, 0.2287648804956185, 1e-9);
    ASSERT_REL(r.p, 0.8190516642751772, 1e-9);
}

/* Normal approximation with ties, weighted like histogram buckets:
 * x = 30 x 10 + 30 x 20, y = 30 x 20 + 30 x 30 (N = 120).
 * U1 = 30 * (0 + 30/2) = 450; mu = 1800;
 * tie term (2 (30^3 - 30) + (60^3 - 60)) / (120 * 119) = 269880 / 14280 = 18.89916;
 * sigma^2 = 3600 / 12 * (121 - 18.89916) = 30630.25; z = 1349.5 / 175.0150 = 7.710767412;
 * p = erfc(z / sqrt 2) = 1.250634065e-14. */
static void test_normal_ties_weighted(void)
{
    pscope_mw_wvalue x[] = { { 10, 30 }, { 20, 30 } };
    pscope_mw_wvalue y[] = { { 20, 30 }, { 30, 30 } };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_weighted(x, 2, y, 2, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_NORMAL);
    CU_ASSERT_TRUE(r.has_ties);
    CU_ASSERT_EQUAL(r.u1, 450.0);
    ASSERT_REL(r.z, 7.710767412378064, 1e-9);
    ASSERT_REL(r.p, 1.2506340653890158e-14, 1e-6);
}

/* Counts of millions (a fib(32)-sized histogram) neither overflow nor lose the answer. */
static void test_large_counts(void)
{
    pscope_mw_wvalue x[] = { { 100, 7000000 } }, y[] = { { 101, 7000000 } };
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_weighted(x, 1, y, 1, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 0.0);
    CU_ASSERT_EQUAL(r.n1, 7000000);
    ASSERT_REL(r.z, 3741.6572531432416, 1e-9);
    CU_ASSERT_EQUAL(r.p, 0.0);
    pscope_mw_wvalue y2[] = { { 100, 3500000 }, { 99, 3500000 } };
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_weighted(x, 1, y2, 2, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 7e6 * 3.5e6 + 7e6 * 3.5e6 / 2);
}

/* At the boundary N = 50 the exact path still runs: complete separation of 25 vs 25 has
 * p = 2 / C(50, 25) = 2 / 126410606437752. One more observation switches to normal. */
static void test_exact_boundary(void)
{
    double x[26], y[25];
    for (int i = 0; i < 25; i++) {
        x[i] = i;
        y[i] = 100 + i;
    }
    x[25] = 25;
    pscope_mw_result r;
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 25, y, 25, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_EXACT);
    CU_ASSERT_EQUAL(r.p, 2.0 / 126410606437752.0);
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, 26, y, 25, &r), 0);
    CU_ASSERT_EQUAL(r.method, PSCOPE_MW_NORMAL);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sorted entry point gives exactly the answers of the copying one, exact and normal,
 * and refuses input that is not ascending. */
static void test_sorted_entry(void)
{
    srand(777);
    for (int trial = 0; trial < 200; trial++) {
        size_t nx = 1 + (size_t)(rand() % (trial < 100 ? 20 : 400));
        size_t ny = 1 + (size_t)(rand() % (trial < 100 ? 20 : 400));
        double *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
        for (size_t i = 0; i < nx; i++)
            x[i] = rand() % 50;
        for (size_t i = 0; i < ny; i++)
            y[i] = rand() % 50 + (trial % 2);
        pscope_mw_result a, b;
        CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, nx, y, ny, &a), 0);
        qsort(x, nx, sizeof *x, cmp_dbl);
        qsort(y, ny, sizeof *y, cmp_dbl);
        CU_ASSERT_EQUAL_FATAL(pscope_mw_test_sorted(x, nx, y, ny, &b), 0);
        CU_ASSERT_EQUAL(a.u1, b.u1);
        CU_ASSERT_EQUAL(a.p, b.p);
        CU_ASSERT_EQUAL(a.method, b.method);
        CU_ASSERT_EQUAL(a.has_ties, b.has_ties);
        free(x);
        free(y);
    }
    double up[] = { 1, 2, 3 }, down[] = { 3, 1, 2 }, nan_in[] = { 1, NAN, 3 };
    pscope_mw_result r;
    errno = 0;
    CU_ASSERT_EQUAL(pscope_mw_test_sorted(down, 3, up, 3, &r), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_EQUAL(pscope_mw_test_sorted(nan_in, 3, up, 3, &r), -1);
    CU_ASSERT_EQUAL(pscope_mw_test_sorted(up, 0, up, 3, &r), -1);
    /* The hand-computed tie case through the sorted path. */
    double tx[] = { 1, 2, 2 }, ty[] = { 2, 3, 3 };
    CU_ASSERT_EQUAL_FATAL(pscope_mw_test_sorted(tx, 3, ty, 3, &r), 0);
    CU_ASSERT_EQUAL(r.u1, 1.0);
    CU_ASSERT_EQUAL(r.p, 0.3);
}

static void test_errors(void)
{
    double x[] = { 1, NAN }, y[] = { 2 };
    pscope_mw_result r;
    errno = 0;
    CU_ASSERT_EQUAL(pscope_mw_test(x, 0, y, 1, &r), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    errno = 0;
    CU_ASSERT_EQUAL(pscope_mw_test(x, 2, y, 1, &r), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    pscope_mw_wvalue wx[] = { { 1, 0 } }, wy[] = { { 2, 3 } };
    errno = 0;
    CU_ASSERT_EQUAL(pscope_mw_test_weighted(wx, 1, wy, 1, &r), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    /* A NaN with count 0 is ignored. */
    pscope_mw_wvalue wx2[] = { { NAN, 0 }, { 1, 1 } };
    CU_ASSERT_EQUAL(pscope_mw_test_weighted(wx2, 2, wy, 1, &r), 0);
    CU_ASSERT_STRING_EQUAL(pscope_mw_method_name(PSCOPE_MW_EXACT), "exact");
    CU_ASSERT_STRING_EQUAL(pscope_mw_method_name(PSCOPE_MW_NORMAL), "normal");
}

/* Brute force: enumerate all splits of the pooled sample (bit masks) and count those whose
 * mid-rank sum is at least as far from its mean as the observed one. */
static double brute_p(const double *x, int nx, const double *y, int ny)
{
    int n = nx + ny;
    double pool[32], r2[32];
    for (int i = 0; i < nx; i++)
        pool[i] = x[i];
    for (int i = 0; i < ny; i++)
        pool[nx + i] = y[i];
    for (int i = 0; i < n; i++) { /* twice the mid-rank: 2 * below + equal + 1 */
        int below = 0, equal = 0;
        for (int j = 0; j < n; j++) {
            below += pool[j] < pool[i];
            equal += pool[j] == pool[i];
        }
        r2[i] = 2.0 * below + equal + 1;
    }
    double obs = 0;
    for (int i = 0; i < nx; i++)
        obs += r2[i];
    double mean = (double)nx * (n + 1);
    long total = 0, tail = 0;
    for (uint32_t m = 0; m < (1u << n); m++) {
        if (__builtin_popcount(m) != nx)
            continue;
        double s = 0;
        for (int i = 0; i < n; i++)
            if (m & (1u << i))
                s += r2[i];
        total++;
        tail += fabs(s - mean) >= fabs(obs - mean);
    }
    return (double)tail / (double)total;
}

static void test_exact_vs_brute_force(void)
{
    srand(12345);
    for (int trial = 0; trial < 300; trial++) {
        int nx = 1 + rand() % 8, ny = 1 + rand() % 8;
        int levels = 2 + rand() % 6; /* few levels: many ties */
        double x[8], y[8];
        for (int i = 0; i < nx; i++)
            x[i] = rand() % levels;
        for (int i = 0; i < ny; i++)
            y[i] = rand() % levels + (trial % 3 == 0);
        pscope_mw_result r;
        CU_ASSERT_EQUAL_FATAL(pscope_mw_test(x, (size_t)nx, y, (size_t)ny, &r), 0);
        CU_ASSERT_EQUAL(r.method, PSCOPE_MW_EXACT);
        double want = brute_p(x, nx, y, ny);
        CU_ASSERT(fabs(r.p - want) < 1e-12);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("mannwhitney", NULL, NULL);
    CU_add_test(s, "exact 2x2", test_exact_two_by_two);
    CU_add_test(s, "exact separated", test_exact_separated);
    CU_add_test(s, "exact interleaved", test_exact_interleaved);
    CU_add_test(s, "exact with ties", test_exact_ties);
    CU_add_test(s, "weighted = plain", test_weighted_matches_plain);
    CU_add_test(s, "all equal", test_all_equal);
    CU_add_test(s, "normal without ties", test_normal_no_ties);
    CU_add_test(s, "normal with ties (weighted)", test_normal_ties_weighted);
    CU_add_test(s, "large counts", test_large_counts);
    CU_add_test(s, "exact boundary N = 50", test_exact_boundary);
    CU_add_test(s, "sorted entry = plain", test_sorted_entry);
    CU_add_test(s, "errors", test_errors);
    CU_add_test(s, "exact vs brute force", test_exact_vs_brute_force);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
