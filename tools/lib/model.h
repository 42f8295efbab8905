/* tools/lib/model.h: empirical scaling models — one-term performance models fitted to a
 * metric measured at several problem sizes n, and projections to a larger n with an
 * interval. Pure computation: data in, structures out, nothing printed, no database.
 * pscope-extrapolate projects with it and pscope-html draws the same models.
 *
 * Method (docs/extrapolate.md is the user's copy):
 *  - Observations (n, y) are grouped by distinct n (model_group); repetitions at one n are
 *    summarised by their mean (or median or minimum: model_agg), which is fitted, and
 *    their min, max and standard deviation.
 *  - Model normal form with one term: y(n) = c0 + c1·n^i·log2(n)^j, fitted by ordinary
 *    least squares on the per-scale values, over Extra-P's default hypothesis set (>= 5
 *    scales): i in {1/4,1/3,1/2,2/3,3/4,4/5,1,5/4,4/3,3/2,5/3,7/4,2,9/4,7/3,5/2,8/3,11/4,3},
 *    j in {0,1,2} for i in {1/4,1/3,1/2,2/3,3/4,1,3/2,2,5/2}, j in {0,1} for {5/4,4/3,3},
 *    j = 0 otherwise; plus log2(n), log2(n)^2 (i = 0) and the constant model (c1 = 0).
 *    3–4 scales: i in {0,1/2,1,3/2,2,3}, j in {0,1} ("low confidence").
 *  - A hypothesis is rejected when its fitted c1 is negative (a cost that shrinks with n
 *    is not extrapolated) or when its term contributes less than 0.05% of the fitted value
 *    at every measured scale, or (with repetitions) when its growth over the measured
 *    range, c1·(term(n_max) − term(n_min)), is below 4 standard errors of a scale's value
 *    (pooled repetition standard deviation / sqrt(fewest repetitions)): growth within the
 *    noise is no growth. The rest are ranked by leave-one-out cross-validated SMAPE
 *    (each scale left out in turn, the hypothesis refitted on the others, the left-out
 *    value predicted; SMAPE = mean of 2|pred − y|/(|pred| + |y|), in percent); ties (within
 *    1e-9 %) go to the simpler hypothesis. The best one is kept only if the constant
 *    model's LOO SMAPE divided by its own is >= 1.3; otherwise the constant model is used.
 *  - 2 scales: c0 + c1·n through both values ("two scales"). 1 scale: the naive per-unit
 *    projection y·N/n ("naive"), which scales fixed costs too — labelled as such.
 *  - Prediction interval at the target (model_predict): the union of (a) the predictions
 *    of the leave-one-out refits of the chosen hypothesis, (b) the 2.5–97.5 percentile of
 *    a bootstrap over repetitions (each scale's repetitions resampled with replacement,
 *    values refitted; 400 resamples from a fixed seed, so output is reproducible) when some
 *    scale has >= 2 repetitions, and (c) the point prediction ± the root-mean-square
 *    relative residual of the fit, which keeps single-repetition data honest; the low end
 *    is clamped at 0 when no observation was negative (times, counts). It is an
 *    empirical interval, not a calibrated 95% one; docs/extrapolate.md shows measured
 *    coverage.
 */
#ifndef PSCOPE_MODEL_H
#define PSCOPE_MODEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the repetitions at one scale are summarised into the value that is fitted: the
 * mean (default), the median, or the minimum (robust when noise only adds time, as on a
 * busy machine). */
typedef enum model_agg { MODEL_AGG_MEAN = 0, MODEL_AGG_MEDIAN, MODEL_AGG_MIN } model_agg;

/* Observations grouped by distinct scale, ascending n. */
typedef struct model_points {
    size_t nscales;
    model_agg agg;   /* how `value` summarises the repetitions */
    double *n;       /* distinct scales, ascending (> 0) */
    double *value;   /* the repetitions' aggregate at each scale (what is fitted) */
    double *mean;    /* mean of the repetitions at each scale */
    double *min, *max, *sd; /* spread of the repetitions (sd 0 with one repetition) */
    size_t *nrep;    /* repetitions per scale */
    size_t *first;   /* index of each scale's first repetition in rep[] */
    double *rep;     /* every observation, grouped by scale (nobs values) */
    size_t nobs;
} model_points;

/* Group the m observations (n[k], y[k]) by n, summarising each scale's repetitions with
 * `agg` into value[]. Observations with n <= 0 or a non-finite
 * n or y are left out. *out is filled (release with model_points_free); nscales may be
 * 0. Allocation failure exits (ptool). */
void model_group(const double *n, const double *y, size_t m, model_agg agg,
                 model_points *out);

/* Release; *p is zeroed. NULL-safe. */
void model_points_free(model_points *p);

typedef enum model_kind {
    MODEL_NONE = 0,  /* no data */
    MODEL_FULL,      /* >= 5 scales: full hypothesis search */
    MODEL_LOW,       /* 3–4 scales: restricted search, low confidence */
    MODEL_TWO,       /* 2 scales: c0 + c1·n through both values */
    MODEL_NAIVE      /* 1 scale: y·N/n, fixed costs scaled too */
} model_kind;

/* A fitted model y(n) = c0 + c1·n^i·log2(n)^j (the constant model has c1 = 0, i = j = 0). */
typedef struct model_fit {
    model_kind kind;
    double i;        /* exponent of n */
    int j;           /* exponent of log2(n) */
    double c0, c1;
    double smape;    /* LOO cross-validated SMAPE of the chosen model, percent; NAN below 3 scales */
    double smape_const; /* the same for the constant model */
    double adj_r2;   /* adjusted R² on the per-scale values; NAN when undefined (too few scales) */
    size_t nscales;
} model_fit;

/* Fit a model to the grouped points (see the method above). Always fills *out; with no
 * scales kind is MODEL_NONE. */
void model_fit_points(const model_points *p, model_fit *out);

/* Fit one given hypothesis (i, j) by least squares to the values, without selection; the
 * constant model is i = 0, j = 0. Fills c0, c1 (smape/adj_r2 computed as above). Used by
 * tests and by callers that want a fixed class. kind is set from the number of scales. */
void model_fit_hypothesis(const model_points *p, double i, int j, model_fit *out);

/* Value of the model at n (> 0). */
double model_eval(const model_fit *f, double n);

/* 1 if the model is constant (no growing term). */
int model_is_constant(const model_fit *f);

typedef struct model_prediction {
    double value;    /* model_eval at the target */
    double lo, hi;   /* interval (see the method above); lo <= value <= hi */
    double factor;   /* extrapolation factor: target / largest measured scale */
} model_prediction;

/* Predict the fitted model at `target` with its interval. */
void model_predict(const model_points *p, const model_fit *f, double target,
                   model_prediction *out);

/* Complexity class text: "O(1)", "O(log n)", "O(log² n)", "O(n)", "O(n log n)",
 * "O(n² log² n)", "O(n^(3/2))", "O(n^(1/2) log n)". Writes into buf; returns buf. */
char *model_class(const model_fit *f, char *buf, size_t size);

/* Readable model text: "0.800 ms + 2.10 µs·n·log2(n)" when `is_time` (coefficients in ns
 * formatted with automatic units), "3 + 2·n" otherwise (3 significant digits); a negative
 * c0 is written last ("2.10 µs·n - 0.300 ms"), a constant as its value, the naive model
 * as "0.500 µs·n (naive)". Writes into buf; returns buf. */
char *model_format(const model_fit *f, int is_time, char *buf, size_t size);

/* Parse a class expectation such as "O(n log n)", "O(n^2)", "O(n^(3/2))", "O(n^1.5)",
 * "O(sqrt(n))", "O(log n)", "O(1)", "O(n*log2(n)^2)", "O(n²)" into (i, j). Returns 0, or
 * -1 when the text is not understood. */
int model_class_parse(const char *text, double *i, int *j);

/* Compare growth: > 0 when (i1, j1) grows faster than (i2, j2), 0 when equal, < 0 when
 * slower (exponents compared with a 1e-9 tolerance, then log exponents). */
int model_class_cmp(double i1, int j1, double i2, int j2);

/* Smallest n in [lo, hi] where a(n) >= b(n), given a(lo) < b(lo); found by bisection on
 * log n (relative precision 1e-6). Returns NAN when a stays below b on [lo, hi] or when
 * a(lo) >= b(lo) already. */
double model_crossover(const model_fit *a, const model_fit *b, double lo, double hi);

#ifdef __cplusplus
}
#endif
#endif /* PSCOPE_MODEL_H */
