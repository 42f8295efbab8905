/* tests/unit/test_model.c: unit tests of the scaling-model library (tools/lib/model.h)
 * on synthetic data with exact expected values: a hand-computed 5-point example (LOO
 * SMAPE, adjusted R², coefficients), recovery of every model family with and without a
 * constant term and with deterministic noise, the fixed cost never scaled, the 0.05% term
 * rule, the 1.3 ratio rule and the noise rule, the fitted aggregate (mean/median/min), the 1/2/3-scale fallbacks, prediction intervals, class
 * and model text, class expectations and crossovers. */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#define ASSERT_REL(a, b, tol) CU_ASSERT(fabs((double)(a) - (double)(b)) <= (tol) * fabs((double)(b)))

static const double N6[] = { 1000, 2000, 4000, 8000, 16000, 32000 };

static double termf(double n, double i, int j)
{
    return pow(n, i) * pow(log2(n), j);
}

/* Fit y = c0 + c1·term(n) sampled exactly at N6 (reps copies with factors noise[]). */
static void fit_family(double i, int j, double c0, double c1, const double *noise,
                       size_t reps, model_points *p, model_fit *f)
{
    double n[6 * 8], y[6 * 8];
    size_t m = 0;
    for (size_t a = 0; a < 6; a++)
        for (size_t r = 0; r < reps; r++) {
            n[m] = N6[a];
            y[m] = (c0 + c1 * termf(N6[a], i, j)) * (noise ? noise[(a * reps + r) % 7] : 1);
            m++;
        }
    model_group(n, y, m, MODEL_AGG_MEAN, p);
    model_fit_points(p, f);
}

/* Hand-computed example: n = 1,2,4,8,16, y = 3,5,9.5,17,33, hypothesis c0 + c1·n.
 * Least squares on all five: Sxx = 151.2, Sxy = 301.28 -> c1 = 1.99260752688172,
 * c0 = 13.5 - 6.2·c1 = 1.14583333333334. Leave-one-out predictions of the left-out point:
 * 3.22391304347826, 5.19230769230769, 9 (without n=4 the other four lie exactly on 1+2n),
 * 17.1113989637306, 33.1782608695652; SMAPE terms 2|p-y|/(p+y): 0.0719524973803704,
 * 0.0377358490566036, 0.0540540540540541, 0.0065314802156909, 0.0053872938703109;
 * mean·100 = 3.51322349154060 %. R² = 1 - RSS/TSS = 0.999675349780762, adjusted with
 * 5 points and 1 predictor: 1 - (1-R²)·4/3 = 0.999567133041015. The constant model's LOO
 * SMAPE is 85.7209707507548 %. */
static void test_hand_example(void)
{
    double n[] = { 1, 2, 4, 8, 16 }, y[] = { 3, 5, 9.5, 17, 33 };
    model_points p;
    model_group(n, y, 5, MODEL_AGG_MEAN, &p);
    CU_ASSERT_EQUAL(p.nscales, 5);
    model_fit f;
    model_fit_hypothesis(&p, 1, 0, &f);
    CU_ASSERT_EQUAL(f.kind, MODEL_FULL);
    ASSERT_REL(f.c1, 1.99260752688172, 1e-12);
    ASSERT_REL(f.c0, 1.14583333333334, 1e-12);
    ASSERT_REL(f.smape, 3.51322349154060, 1e-12);
    ASSERT_REL(f.adj_r2, 0.999567133041015, 1e-12);
    ASSERT_REL(f.smape_const, 85.7209707507548, 1e-12);
    model_fit g;
    model_fit_points(&p, &g); /* the search agrees: linear */
    CU_ASSERT_EQUAL(g.i, 1);
    CU_ASSERT_EQUAL(g.j, 0);
    model_points_free(&p);
}

static void test_families_exact(void)
{
    struct { double i; int j; double c1; } fam[] = {
        { 0, 1, 3e5 }, { 0, 2, 2e4 }, { 0.25, 0, 5e4 }, { 0.5, 0, 2e4 }, { 0.5, 1, 3e3 },
        { 1, 0, 500 }, { 1, 1, 40 }, { 1, 2, 3 }, { 4.0 / 3, 0, 60 }, { 1.5, 0, 10 },
        { 2, 0, 0.3 }, { 2, 1, 0.02 }, { 2.5, 0, 0.01 }, { 3, 0, 1e-5 },
    };
    for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++)
        for (int withc0 = 0; withc0 <= 1; withc0++) {
            double c0 = withc0 ? 5e6 : 0;
            model_points p;
            model_fit f;
            fit_family(fam[k].i, fam[k].j, c0, fam[k].c1, NULL, 1, &p, &f);
            CU_ASSERT_EQUAL(f.kind, MODEL_FULL);
            CU_ASSERT(fabs(f.i - fam[k].i) < 1e-9);
            CU_ASSERT_EQUAL(f.j, fam[k].j);
            ASSERT_REL(f.c1, fam[k].c1, 1e-6);
            CU_ASSERT(fabs(f.c0 - c0) <= 1e-6 * (c0 + fam[k].c1 * termf(32000, fam[k].i, fam[k].j)));
            CU_ASSERT(f.smape < 1e-6);
            CU_ASSERT(f.adj_r2 > 1 - 1e-9);
            if (fabs(f.i - fam[k].i) >= 1e-9 || f.j != fam[k].j)
                fprintf(stderr, "\nfamily n^%g log^%d (c0 %g): got n^%g log^%d\n", fam[k].i,
                        fam[k].j, c0, f.i, f.j);
            model_points_free(&p);
        }
}

/* ±2% multiplicative noise, 5 repetitions per scale: the family and c1 within 5%. */
static void test_families_noisy(void)
{
    static const double noise[7] = { 1.02, 0.98, 1.01, 0.99, 1.015, 0.985, 1.0 };
    struct { double i; int j; double c1; } fam[] = {
        { 1, 0, 500 }, { 2, 0, 0.3 }, { 3, 0, 1e-5 }, { 0.5, 0, 2e4 }, { 1, 1, 40 },
    };
    for (size_t k = 0; k < sizeof fam / sizeof fam[0]; k++) {
        model_points p;
        model_fit f;
        fit_family(fam[k].i, fam[k].j, 1e6, fam[k].c1, noise, 5, &p, &f);
        CU_ASSERT_EQUAL(p.nscales, 6);
        CU_ASSERT_EQUAL(p.nrep[0], 5);
        CU_ASSERT(fabs(f.i - fam[k].i) < 1e-9);
        CU_ASSERT_EQUAL(f.j, fam[k].j);
        ASSERT_REL(f.c1, fam[k].c1, 0.05);
        if (fabs(f.i - fam[k].i) >= 1e-9 || f.j != fam[k].j)
            fprintf(stderr, "\nnoisy n^%g log^%d: got n^%g log^%d\n", fam[k].i, fam[k].j, f.i,
                    f.j);
        /* the interval contains the true value at 8x the largest scale */
        model_prediction pr;
        model_predict(&p, &f, 256000, &pr);
        double truth = 1e6 + fam[k].c1 * termf(256000, fam[k].i, fam[k].j);
        CU_ASSERT(pr.lo <= truth && truth <= pr.hi);
        CU_ASSERT(pr.lo < pr.value && pr.value < pr.hi);
        ASSERT_REL(pr.factor, 8, 1e-12);
        model_points_free(&p);
    }
}

/* A fixed 50 ms cost is never multiplied by the scale factor. */
static void test_fixed_cost(void)
{
    static const double noise[7] = { 1.001, 0.999, 1.0005, 0.9995, 1.0, 1.0002, 0.9998 };
    model_points p;
    model_fit f;
    fit_family(0, 0, 50e6, 0, noise, 3, &p, &f);
    CU_ASSERT(model_is_constant(&f));
    ASSERT_REL(model_eval(&f, 1e9), 50e6, 1e-3);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(model_class(&f, buf, sizeof buf), "O(1)");
    model_points_free(&p);
    /* 50 ms + 100 ns·n: at 1e7 the projection is 50 ms + 1 s, not 32000x-scaled 50 ms */
    fit_family(1, 0, 50e6, 100, NULL, 1, &p, &f);
    ASSERT_REL(model_eval(&f, 1e7), 50e6 + 100 * 1e7, 1e-9);
    model_points_free(&p);
}

/* The 0.05% rule and the 1.3 ratio rule keep the constant model. */
static void test_rules(void)
{
    model_points p;
    model_fit f;
    /* term worth 32 ns of 1 s at the largest scale: below 0.05%, rejected */
    fit_family(1, 0, 1e9, 1e-3, NULL, 1, &p, &f);
    CU_ASSERT(model_is_constant(&f));
    model_points_free(&p);
    /* 1% jitter with no trend: a growing model would fit the jitter, the ratio rule
     * refuses it */
    double n[6], y[6] = { 100, 101, 99.5, 100.8, 99.2, 100.3 };
    memcpy(n, N6, sizeof n);
    model_group(n, y, 6, MODEL_AGG_MEAN, &p);
    model_fit_points(&p, &f);
    CU_ASSERT(model_is_constant(&f));
    ASSERT_REL(f.c0, 100.1333333333333, 1e-12);
    CU_ASSERT(f.smape_const / f.smape < 1.3 + 1e-12);
    model_points_free(&p);
}

/* The noise rule: means growing exactly linearly by 3.1 over the range, with repetitions
 * spread ±10 (standard error 5.77): growth within the noise, so constant. The same means
 * without repetitions: nothing says it is noise, so O(n). */
static void test_noise_rule(void)
{
    double n[18], y[18];
    for (size_t a = 0; a < 6; a++)
        for (size_t r = 0; r < 3; r++) {
            n[a * 3 + r] = N6[a];
            y[a * 3 + r] = 100 + 1e-4 * N6[a] + (r == 0 ? -10.0 : r == 1 ? 0.0 : 10.0);
        }
    model_points p;
    model_fit f;
    model_group(n, y, 18, MODEL_AGG_MEAN, &p);
    ASSERT_REL(p.sd[0], 10, 1e-12);
    model_fit_points(&p, &f);
    CU_ASSERT(model_is_constant(&f));
    model_points_free(&p);
    for (size_t a = 0; a < 6; a++) {
        n[a] = N6[a];
        y[a] = 100 + 1e-4 * N6[a];
    }
    model_group(n, y, 6, MODEL_AGG_MEAN, &p);
    model_fit_points(&p, &f);
    CU_ASSERT_EQUAL(f.i, 1);
    CU_ASSERT_EQUAL(f.j, 0);
    ASSERT_REL(f.c1, 1e-4, 1e-6);
    model_points_free(&p);
}

static void test_fallbacks(void)
{
    model_points p;
    model_fit f;
    model_prediction pr;
    double n1[] = { 100, 100 }, y1[] = { 10e6, 12e6 };
    model_group(n1, y1, 2, MODEL_AGG_MEAN, &p);
    CU_ASSERT_EQUAL(p.nscales, 1);
    model_fit_points(&p, &f);
    CU_ASSERT_EQUAL(f.kind, MODEL_NAIVE);
    ASSERT_REL(model_eval(&f, 1000), 110e6, 1e-12);
    CU_ASSERT(isnan(f.smape) && isnan(f.adj_r2));
    model_predict(&p, &f, 1000, &pr);
    ASSERT_REL(pr.factor, 10, 1e-12);
    CU_ASSERT(pr.lo >= 100e6 - 1 && pr.hi <= 120e6 + 1 && pr.lo < pr.hi);
    char buf[96];
    CU_ASSERT_STRING_EQUAL(model_format(&f, 1, buf, sizeof buf), "110 µs·n (naive)");
    model_points_free(&p);

    double n2[] = { 100, 200 }, y2[] = { 3e6, 5e6 };
    model_group(n2, y2, 2, MODEL_AGG_MEAN, &p);
    model_fit_points(&p, &f);
    CU_ASSERT_EQUAL(f.kind, MODEL_TWO);
    ASSERT_REL(f.c0, 1e6, 1e-12);
    ASSERT_REL(f.c1, 2e4, 1e-12);
    ASSERT_REL(model_eval(&f, 1000), 21e6, 1e-12);
    CU_ASSERT_STRING_EQUAL(model_format(&f, 1, buf, sizeof buf), "1.00 ms + 20.0 µs·n");
    model_points_free(&p);

    double n3[] = { 100, 200, 400, 800 }, y3[4];
    for (int k = 0; k < 4; k++)
        y3[k] = 1000 + 3 * n3[k] * n3[k];
    model_group(n3, y3, 4, MODEL_AGG_MEAN, &p);
    model_fit_points(&p, &f);
    CU_ASSERT_EQUAL(f.kind, MODEL_LOW);
    CU_ASSERT_EQUAL(f.i, 2);
    CU_ASSERT_EQUAL(f.j, 0);
    ASSERT_REL(f.c1, 3, 1e-9);
    model_points_free(&p);

    model_group(n3, y3, 0, MODEL_AGG_MEAN, &p);
    model_fit_points(&p, &f);
    CU_ASSERT_EQUAL(f.kind, MODEL_NONE);
    CU_ASSERT(isnan(model_eval(&f, 10)));
    model_points_free(&p);
}

/* Without repetitions and on an exact fit the interval has no width; LOO refits widen it
 * when the points scatter. */
static void test_interval(void)
{
    model_points p;
    model_fit f;
    model_prediction pr;
    fit_family(1, 0, 1e6, 100, NULL, 1, &p, &f);
    model_predict(&p, &f, 64000, &pr);
    ASSERT_REL(pr.value, 1e6 + 100 * 64000.0, 1e-9);
    ASSERT_REL(pr.lo, pr.value, 1e-9);
    ASSERT_REL(pr.hi, pr.value, 1e-9);
    model_points_free(&p);
    double n[] = { 1, 2, 4, 8, 16 }, y[] = { 3, 5, 9.5, 17, 33 };
    model_group(n, y, 5, MODEL_AGG_MEAN, &p);
    model_fit_hypothesis(&p, 1, 0, &f);
    model_predict(&p, &f, 32, &pr);
    /* the five points scatter around the line: the leave-one-out refits and the residual
     * scatter give the interval width around the point prediction */
    CU_ASSERT(pr.lo < pr.value && pr.value < pr.hi);
    ASSERT_REL(pr.value, 1.14583333333334 + 32 * 1.99260752688172, 1e-12);
    model_points_free(&p);
}

/* The aggregate of repetitions that is fitted: mean, median or minimum. */
static void test_aggregate(void)
{
    double n[] = { 10, 10, 10, 20, 20, 20 }, y[] = { 5, 1, 3, 9, 30, 8 };
    model_points p;
    model_group(n, y, 6, MODEL_AGG_MIN, &p);
    CU_ASSERT_EQUAL(p.nscales, 2);
    CU_ASSERT_EQUAL(p.value[0], 1);
    CU_ASSERT_EQUAL(p.value[1], 8);
    ASSERT_REL(p.mean[1], 47.0 / 3, 1e-12);
    CU_ASSERT_EQUAL(p.min[1], 8);
    CU_ASSERT_EQUAL(p.max[1], 30);
    ASSERT_REL(p.sd[0], 2, 1e-12);
    model_fit f;
    model_fit_points(&p, &f);
    ASSERT_REL(model_eval(&f, 30), 15, 1e-12); /* the line through (10, 1) and (20, 8) */
    model_points_free(&p);
    model_group(n, y, 6, MODEL_AGG_MEDIAN, &p);
    CU_ASSERT_EQUAL(p.value[0], 3);
    CU_ASSERT_EQUAL(p.value[1], 9);
    model_points_free(&p);
    /* NaN, infinite and non-positive scales are left out */
    double bn[] = { 0, -1, NAN, 5, 5 }, by[] = { 1, 1, 1, INFINITY, 2 };
    model_group(bn, by, 5, MODEL_AGG_MEAN, &p);
    CU_ASSERT_EQUAL(p.nscales, 1);
    CU_ASSERT_EQUAL(p.nobs, 1);
    CU_ASSERT_EQUAL(p.value[0], 2);
    model_points_free(&p);
}

static void test_text(void)
{
    struct { double i; int j; const char *cls, *txt; } cases[] = {
        { 0, 1, "O(log n)", "1.00 ms + 2.00 µs·log2(n)" },
        { 0, 2, "O(log² n)", "1.00 ms + 2.00 µs·log2(n)^2" },
        { 1, 0, "O(n)", "1.00 ms + 2.00 µs·n" },
        { 1, 1, "O(n log n)", "1.00 ms + 2.00 µs·n·log2(n)" },
        { 2, 2, "O(n² log² n)", "1.00 ms + 2.00 µs·n^2·log2(n)^2" },
        { 1.5, 0, "O(n^(3/2))", "1.00 ms + 2.00 µs·n^(3/2)" },
        { 0.5, 1, "O(n^(1/2) log n)", "1.00 ms + 2.00 µs·n^(1/2)·log2(n)" },
        { 3, 0, "O(n³)", "1.00 ms + 2.00 µs·n^3" },
    };
    char a[64], b[96];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        model_fit f = { MODEL_FULL, cases[k].i, cases[k].j, 1e6, 2e3, 0, 0, 1, 6 };
        CU_ASSERT_STRING_EQUAL(model_class(&f, a, sizeof a), cases[k].cls);
        CU_ASSERT_STRING_EQUAL(model_format(&f, 1, b, sizeof b), cases[k].txt);
    }
    model_fit g = { MODEL_FULL, 1, 0, -3e5, 2.1e3, 0, 0, 1, 6 };
    CU_ASSERT_STRING_EQUAL(model_format(&g, 1, b, sizeof b), "2.10 µs·n - 300 µs");
    model_fit c = { MODEL_FULL, 1, 0, 12, 0.5, 0, 0, 1, 6 };
    CU_ASSERT_STRING_EQUAL(model_format(&c, 0, b, sizeof b), "12 + 0.5·n");
    model_fit k0 = { MODEL_FULL, 0, 0, 5e7, 0, 0, 0, 1, 6 };
    CU_ASSERT_STRING_EQUAL(model_format(&k0, 1, b, sizeof b), "50.0 ms");
}

static void test_class_parse(void)
{
    struct { const char *s; double i; int j; } ok[] = {
        { "O(1)", 0, 0 },          { "O(n)", 1, 0 },          { "O(n log n)", 1, 1 },
        { "O(n*log2(n))", 1, 1 },  { "O(n·log2(n)^2)", 1, 2 }, { "O(n^2)", 2, 0 },
        { "O(n²)", 2, 0 },         { "O(n^(3/2))", 1.5, 0 },  { "O(n^1.5)", 1.5, 0 },
        { "O(sqrt(n))", 0.5, 0 },  { "O(log n)", 0, 1 },      { "O(log² n)", 0, 2 },
        { "n log n", 1, 1 },       { " O(n^3/2 log n) ", 1.5, 1 }, { "O(n^2 log(n)^2)", 2, 2 },
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        double i = -1;
        int j = -1;
        CU_ASSERT_EQUAL(model_class_parse(ok[k].s, &i, &j), 0);
        CU_ASSERT(fabs(i - ok[k].i) < 1e-12);
        CU_ASSERT_EQUAL(j, ok[k].j);
        if (fabs(i - ok[k].i) >= 1e-12 || j != ok[k].j)
            fprintf(stderr, "\n'%s' -> %g %d\n", ok[k].s, i, j);
    }
    const char *bad[] = { "", "O()", "O(m)", "O(n^)", "O(n^(1/0))", "O(log m)", "O(2^n)",
                          "O(n!)" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        double i;
        int j;
        CU_ASSERT_EQUAL(model_class_parse(bad[k], &i, &j), -1);
    }
    CU_ASSERT(model_class_cmp(2, 0, 1, 1) > 0);
    CU_ASSERT(model_class_cmp(1, 1, 1, 0) > 0);
    CU_ASSERT(model_class_cmp(1, 1, 1, 1) == 0);
    CU_ASSERT(model_class_cmp(1.0 / 3, 0, 0.5, 0) < 0);
    CU_ASSERT(model_class_cmp(1, 0, 1 + 1e-12, 0) == 0);
}

static void test_crossover(void)
{
    model_fit a = { MODEL_FULL, 1, 0, 1000, 1, 0, 0, 1, 6 };
    model_fit b = { MODEL_FULL, 0, 0, 1e6, 0, 0, 0, 1, 6 };
    ASSERT_REL(model_crossover(&a, &b, 10, 1e9), 999000, 1e-5);
    CU_ASSERT(isnan(model_crossover(&b, &a, 10, 1e9))); /* b already above at 10 */
    CU_ASSERT(isnan(model_crossover(&a, &b, 10, 1e5)));  /* not within range */
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite("model", NULL, NULL);
    CU_add_test(s, "hand_example", test_hand_example);
    CU_add_test(s, "families_exact", test_families_exact);
    CU_add_test(s, "families_noisy", test_families_noisy);
    CU_add_test(s, "fixed_cost", test_fixed_cost);
    CU_add_test(s, "rules", test_rules);
    CU_add_test(s, "noise_rule", test_noise_rule);
    CU_add_test(s, "fallbacks", test_fallbacks);
    CU_add_test(s, "interval", test_interval);
    CU_add_test(s, "aggregate", test_aggregate);
    CU_add_test(s, "text", test_text);
    CU_add_test(s, "class_parse", test_class_parse);
    CU_add_test(s, "crossover", test_crossover);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
