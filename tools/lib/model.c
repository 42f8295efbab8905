/* tools/lib/model.c: one-term scaling models (see model.h for the method and contracts):
 * grouping observations by scale, least squares per hypothesis, leave-one-out SMAPE
 * selection with the 0.05% term rule and the 1.3 ratio rule, fallbacks for few scales,
 * prediction intervals, class and model text, class expectations, crossovers.
 *
 * Invariants: model_points scales are distinct, positive and ascending; a fitted
 * hypothesis has c1 >= 0; every function here is pure (no I/O, no global state; the
 * bootstrap's generator is seeded per call). */
#include "model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptool.h"

/* ---- grouping ----------------------------------------------------------------------- */

typedef struct obs {
    double n, y;
} obs;

static int obs_cmp(const void *a, const void *b)
{
    const obs *x = a, *y = b;
    return (x->n > y->n) - (x->n < y->n);
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The aggregate of v[0..r) (r >= 1); v is not changed. */
static double agg_of(model_agg agg, const double *v, size_t r)
{
    double out = v[0];
    if (agg == MODEL_AGG_MIN) {
        for (size_t k = 1; k < r; k++)
            out = fmin(out, v[k]);
    } else if (agg == MODEL_AGG_MEDIAN) {
        double small[16], *w = r <= 16 ? small : pt_xmalloc(r * sizeof *w);
        memcpy(w, v, r * sizeof *w);
        qsort(w, r, sizeof *w, dbl_cmp);
        out = pt_percentile7(w, r, 0.5);
        if (w != small)
            free(w);
    } else {
        double sum = 0;
        for (size_t k = 0; k < r; k++)
            sum += v[k];
        out = sum / (double)r;
    }
    return out;
}

void model_group(const double *n, const double *y, size_t m, model_agg agg, model_points *out)
{
    memset(out, 0, sizeof *out);
    obs *o = pt_xmalloc((m ? m : 1) * sizeof *o);
    size_t k = 0;
    for (size_t a = 0; a < m; a++)
        if (isfinite(n[a]) && n[a] > 0 && isfinite(y[a]))
            o[k++] = (obs){ n[a], y[a] };
    qsort(o, k, sizeof *o, obs_cmp); /* stable enough: ties keep no meaning */
    size_t ns = 0;
    for (size_t a = 0; a < k; a++)
        if (a == 0 || o[a].n != o[a - 1].n)
            ns++;
    size_t cap = ns ? ns : 1;
    out->n = pt_xcalloc(cap, sizeof *out->n);
    out->mean = pt_xcalloc(cap, sizeof *out->mean);
    out->value = pt_xcalloc(cap, sizeof *out->value);
    out->agg = agg;
    out->min = pt_xcalloc(cap, sizeof *out->min);
    out->max = pt_xcalloc(cap, sizeof *out->max);
    out->sd = pt_xcalloc(cap, sizeof *out->sd);
    out->nrep = pt_xcalloc(cap, sizeof *out->nrep);
    out->first = pt_xcalloc(cap, sizeof *out->first);
    out->rep = pt_xcalloc(k ? k : 1, sizeof *out->rep);
    out->nobs = k;
    size_t s = 0;
    for (size_t a = 0; a < k;) {
        size_t b = a;
        double sum = 0, lo = o[a].y, hi = o[a].y;
        while (b < k && o[b].n == o[a].n) {
            out->rep[b] = o[b].y;
            sum += o[b].y;
            lo = fmin(lo, o[b].y);
            hi = fmax(hi, o[b].y);
            b++;
        }
        size_t r = b - a;
        double mean = sum / (double)r, ss = 0;
        for (size_t c = a; c < b; c++)
            ss += (o[c].y - mean) * (o[c].y - mean);
        out->n[s] = o[a].n;
        out->mean[s] = mean;
        out->min[s] = lo;
        out->max[s] = hi;
        out->sd[s] = r > 1 ? sqrt(ss / (double)(r - 1)) : 0;
        out->nrep[s] = r;
        out->first[s] = a;
        out->value[s] = agg_of(agg, out->rep + a, r);
        s++;
        a = b;
    }
    out->nscales = ns;
    free(o);
}

void model_points_free(model_points *p)
{
    if (!p)
        return;
    free(p->n);
    free(p->mean);
    free(p->value);
    free(p->min);
    free(p->max);
    free(p->sd);
    free(p->nrep);
    free(p->first);
    free(p->rep);
    memset(p, 0, sizeof *p);
}

/* ---- hypotheses ---------------------------------------------------------------------- */

typedef struct hyp {
    double i;
    int j;
} hyp;

#define MAX_HYP 64
/* A model's growth over the measured range must exceed this many standard errors of a
 * scale's value (when there are repetitions). */
#define NOISE_SE 4.0

/* Extra-P's default single-parameter set (without the constant), simplest first. */
static size_t full_set(hyp *h)
{
    static const double is[] = { 0.25, 1.0 / 3, 0.5, 2.0 / 3, 0.75, 0.8, 1, 1.25, 4.0 / 3,
                                 1.5, 5.0 / 3, 1.75, 2, 2.25, 7.0 / 3, 2.5, 8.0 / 3, 2.75, 3 };
    size_t k = 0;
    h[k++] = (hyp){ 0, 1 };
    h[k++] = (hyp){ 0, 2 };
    for (size_t a = 0; a < sizeof is / sizeof is[0]; a++) {
        double i = is[a];
        int jmax = 0;
        static const double j2[] = { 0.25, 1.0 / 3, 0.5, 2.0 / 3, 0.75, 1, 1.5, 2, 2.5 };
        static const double j1[] = { 1.25, 4.0 / 3, 3 };
        for (size_t b = 0; b < sizeof j2 / sizeof j2[0]; b++)
            if (fabs(i - j2[b]) < 1e-12)
                jmax = 2;
        for (size_t b = 0; b < sizeof j1 / sizeof j1[0]; b++)
            if (fabs(i - j1[b]) < 1e-12)
                jmax = 1;
        for (int j = 0; j <= jmax; j++)
            h[k++] = (hyp){ i, j };
    }
    return k;
}

/* The restricted set for 3–4 scales. */
static size_t low_set(hyp *h)
{
    static const double is[] = { 0, 0.5, 1, 1.5, 2, 3 };
    size_t k = 0;
    for (size_t a = 0; a < sizeof is / sizeof is[0]; a++)
        for (int j = 0; j <= 1; j++)
            if (is[a] > 0 || j > 0)
                h[k++] = (hyp){ is[a], j };
    return k;
}

static double term(double n, double i, int j)
{
    double t = i == 0 ? 1.0 : pow(n, i);
    if (j > 0) {
        double l = log2(n);
        t *= j == 1 ? l : pow(l, j);
    }
    return t;
}

/* Least squares of y = c0 + c1·x over the points whose index is not `skip` (SIZE_MAX: none).
 * A constant x (or fewer than 2 points) gives c1 = 0, c0 = mean; returns 0 then, else 1. */
static int ls_fit(const double *x, const double *y, size_t m, size_t skip, double *c0,
                  double *c1)
{
    double sx = 0, sy = 0;
    size_t k = 0;
    for (size_t a = 0; a < m; a++)
        if (a != skip) {
            sx += x[a];
            sy += y[a];
            k++;
        }
    double xm = k ? sx / (double)k : 0, ym = k ? sy / (double)k : 0;
    double sxx = 0, sxy = 0;
    for (size_t a = 0; a < m; a++)
        if (a != skip) {
            sxx += (x[a] - xm) * (x[a] - xm);
            sxy += (x[a] - xm) * (y[a] - ym);
        }
    if (k < 2 || !(sxx > 0)) {
        *c0 = ym;
        *c1 = 0;
        return 0;
    }
    *c1 = sxy / sxx;
    *c0 = ym - *c1 * xm;
    return 1;
}

static double smape_term(double pred, double y)
{
    double d = fabs(pred) + fabs(y);
    return d > 0 ? 2.0 * fabs(pred - y) / d : 0.0;
}

/* LOO SMAPE (percent) of y = c0 + c1·x (constant model when x is NULL). */
static double loo_smape(const double *x, const double *y, size_t m)
{
    double sum = 0;
    for (size_t k = 0; k < m; k++) {
        double c0, c1;
        if (x) {
            ls_fit(x, y, m, k, &c0, &c1);
            sum += smape_term(c0 + c1 * x[k], y[k]);
        } else {
            double s = 0;
            for (size_t a = 0; a < m; a++)
                if (a != k)
                    s += y[a];
            sum += smape_term(s / (double)(m - 1), y[k]);
        }
    }
    return 100.0 * sum / (double)m;
}

/* Adjusted R² of a fit with p predictors on the means. */
static double adj_r2(const double *x, const double *y, size_t m, double c0, double c1,
                     int p)
{
    if (m < (size_t)p + 2)
        return NAN;
    double ym = 0;
    for (size_t a = 0; a < m; a++)
        ym += y[a];
    ym /= (double)m;
    double rss = 0, tss = 0;
    for (size_t a = 0; a < m; a++) {
        double f = c0 + c1 * (x ? x[a] : 0);
        rss += (y[a] - f) * (y[a] - f);
        tss += (y[a] - ym) * (y[a] - ym);
    }
    double r2 = tss > 0 ? 1.0 - rss / tss : 1.0;
    return 1.0 - (1.0 - r2) * (double)(m - 1) / (double)(m - (size_t)p - 1);
}

static model_kind kind_for(size_t nscales)
{
    return nscales >= 5 ? MODEL_FULL : nscales >= 3 ? MODEL_LOW : nscales == 2 ? MODEL_TWO
           : nscales == 1 ? MODEL_NAIVE : MODEL_NONE;
}

/* Coefficients of hypothesis (i, j) for means y at scales n (kind decides the naive case). */
static void coeffs(model_kind kind, const double *n, const double *y, size_t m, double i,
                   int j, double *x, double *c0, double *c1)
{
    if (kind == MODEL_NAIVE) {
        *c0 = 0;
        *c1 = y[0] / n[0];
        return;
    }
    if (i == 0 && j == 0) {
        double s = 0;
        for (size_t a = 0; a < m; a++)
            s += y[a];
        *c0 = s / (double)m;
        *c1 = 0;
        return;
    }
    for (size_t a = 0; a < m; a++)
        x[a] = term(n[a], i, j);
    ls_fit(x, y, m, SIZE_MAX, c0, c1);
}

void model_fit_hypothesis(const model_points *p, double i, int j, model_fit *out)
{
    memset(out, 0, sizeof *out);
    size_t m = p->nscales;
    out->kind = kind_for(m);
    out->nscales = m;
    out->smape = out->smape_const = out->adj_r2 = NAN;
    if (m == 0)
        return;
    if (out->kind == MODEL_NAIVE) {
        i = 1;
        j = 0;
    }
    out->i = i;
    out->j = j;
    double *x = pt_xmalloc(m * sizeof *x);
    coeffs(out->kind, p->n, p->value, m, i, j, x, &out->c0, &out->c1);
    int constant = i == 0 && j == 0;
    if (m >= 3) {
        out->smape = loo_smape(constant ? NULL : x, p->value, m);
        out->smape_const = loo_smape(NULL, p->value, m);
    }
    if (out->kind != MODEL_NAIVE && out->kind != MODEL_TWO)
        out->adj_r2 = adj_r2(constant ? NULL : x, p->value, m, out->c0, out->c1,
                             constant ? 0 : 1);
    free(x);
}

void model_fit_points(const model_points *p, model_fit *out)
{
    size_t m = p->nscales;
    if (m < 3) {
        model_fit_hypothesis(p, 1, 0, out); /* two scales: c0 + c1·n; one: naive */
        return;
    }
    hyp h[MAX_HYP];
    size_t nh = m >= 5 ? full_set(h) : low_set(h);
    /* the noise rule: with repetitions, the standard error of a scale's value */
    double ss = 0, se = 0;
    size_t nsd = 0, minrep = SIZE_MAX;
    for (size_t a = 0; a < m; a++)
        if (p->nrep[a] >= 2) {
            ss += p->sd[a] * p->sd[a];
            nsd++;
            minrep = p->nrep[a] < minrep ? p->nrep[a] : minrep;
        }
    if (nsd)
        se = sqrt(ss / (double)nsd) / sqrt((double)minrep);
    double *x = pt_xmalloc(m * sizeof *x);
    double best_smape = INFINITY;
    hyp best = { 0, 0 };
    for (size_t k = 0; k < nh; k++) {
        for (size_t a = 0; a < m; a++)
            x[a] = term(p->n[a], h[k].i, h[k].j);
        double c0, c1;
        if (!ls_fit(x, p->value, m, SIZE_MAX, &c0, &c1) || c1 < 0)
            continue;
        /* the 0.05% rule: a term that contributes next to nothing is no model */
        double contrib = 0;
        for (size_t a = 0; a < m; a++) {
            double f = c0 + c1 * x[a];
            if (f != 0)
                contrib = fmax(contrib, fabs(c1 * x[a] / f));
            else if (c1 * x[a] != 0)
                contrib = INFINITY;
        }
        if (contrib < 0.0005)
            continue;
        /* growth over the measured range within the repetitions' noise is no growth */
        if (c1 * (x[m - 1] - x[0]) < NOISE_SE * se)
            continue;
        double s = loo_smape(x, p->value, m);
        if (s < best_smape - 1e-9) {
            best_smape = s;
            best = h[k];
        }
    }
    free(x);
    double sc = loo_smape(NULL, p->value, m);
    int keep = isfinite(best_smape) &&
               (best_smape > 0 ? sc / best_smape >= 1.3 : sc > 0);
    model_fit_hypothesis(p, keep ? best.i : 0, keep ? best.j : 0, out);
}

double model_eval(const model_fit *f, double n)
{
    if (f->kind == MODEL_NONE)
        return NAN;
    if (f->c1 == 0)
        return f->c0;
    return f->c0 + f->c1 * term(n, f->i, f->j);
}

int model_is_constant(const model_fit *f)
{
    return f->kind != MODEL_NAIVE && (f->c1 == 0 || (f->i == 0 && f->j == 0));
}

/* ---- prediction interval ---------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

#define BOOT_N 400

void model_predict(const model_points *p, const model_fit *f, double target,
                   model_prediction *out)
{
    size_t m = p->nscales;
    out->value = model_eval(f, target);
    out->lo = out->hi = out->value;
    out->factor = m ? target / p->n[m - 1] : NAN;
    if (m == 0 || !isfinite(out->value))
        return;
    double *x = pt_xmalloc(m * sizeof *x);
    double *y = pt_xmalloc(m * sizeof *y);
    double c0, c1, lo = out->value, hi = out->value;
    int constant = model_is_constant(f);
    /* (a) leave-one-out refits of the chosen hypothesis */
    if (m >= 3 && f->kind != MODEL_NAIVE) {
        for (size_t a = 0; a < m; a++)
            x[a] = term(p->n[a], f->i, f->j);
        double tt = term(target, f->i, f->j);
        for (size_t k = 0; k < m; k++) {
            if (constant) {
                double s = 0;
                for (size_t a = 0; a < m; a++)
                    if (a != k)
                        s += p->value[a];
                c0 = s / (double)(m - 1);
                c1 = 0;
            } else {
                ls_fit(x, p->value, m, k, &c0, &c1);
            }
            double v = c0 + c1 * tt;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    /* (b) bootstrap over repetitions */
    int reps = 0;
    for (size_t a = 0; a < m; a++)
        if (p->nrep[a] >= 2)
            reps = 1;
    if (reps) {
        double *v = pt_xmalloc(BOOT_N * sizeof *v);
        size_t maxrep = 1;
        for (size_t a = 0; a < m; a++)
            maxrep = p->nrep[a] > maxrep ? p->nrep[a] : maxrep;
        double *draw = pt_xmalloc(maxrep * sizeof *draw);
        uint64_t seed = 0x9E3779B97F4A7C15ull;
        double tt = f->kind == MODEL_NAIVE ? target : term(target, f->i, f->j);
        for (size_t b = 0; b < BOOT_N; b++) {
            for (size_t a = 0; a < m; a++) {
                for (size_t r = 0; r < p->nrep[a]; r++)
                    draw[r] = p->rep[p->first[a] + rng_next(&seed) % p->nrep[a]];
                y[a] = agg_of(p->agg, draw, p->nrep[a]);
            }
            coeffs(f->kind, p->n, y, m, constant ? 0 : f->i, constant ? 0 : f->j, x, &c0,
                   &c1);
            v[b] = c0 + c1 * (constant ? 0 : tt);
        }
        free(draw);
        qsort(v, BOOT_N, sizeof *v, dbl_cmp);
        lo = fmin(lo, pt_percentile7(v, BOOT_N, 0.025));
        hi = fmax(hi, pt_percentile7(v, BOOT_N, 0.975));
        free(v);
    }
    /* (c) the relative scatter of the fitted values around the fit */
    if (m >= 3) {
        double ss = 0;
        size_t k = 0;
        for (size_t a = 0; a < m; a++) {
            double fa = model_eval(f, p->n[a]);
            if (fa != 0) {
                ss += ((p->value[a] - fa) / fa) * ((p->value[a] - fa) / fa);
                k++;
            }
        }
        double r = k ? sqrt(ss / (double)k) : 0;
        lo = fmin(lo, out->value * (1 - r));
        hi = fmax(hi, out->value * (1 + r));
    }
    /* a quantity that was never negative is not predicted negative */
    int nonneg = 1;
    for (size_t a = 0; a < p->nobs; a++)
        if (p->rep[a] < 0)
            nonneg = 0;
    out->lo = nonneg ? fmax(lo, 0) : lo;
    out->hi = hi;
    free(x);
    free(y);
}

/* ---- text ------------------------------------------------------------------------------- */

/* "p/q" of an exponent with a small denominator, or "%g". */
static void frac_text(double i, char *buf, size_t size)
{
    for (int q = 1; q <= 12; q++) {
        double pn = round(i * q);
        if (fabs(pn / q - i) < 1e-9) {
            if (q == 1)
                snprintf(buf, size, "%.0f", pn);
            else
                snprintf(buf, size, "%.0f/%d", pn, q);
            return;
        }
    }
    snprintf(buf, size, "%g", i);
}

char *model_class(const model_fit *f, char *buf, size_t size)
{
    if (f->kind == MODEL_NONE) {
        snprintf(buf, size, "-");
        return buf;
    }
    if (model_is_constant(f)) {
        snprintf(buf, size, "O(1)");
        return buf;
    }
    char np[32] = "", lp[16] = "", fr[16];
    if (fabs(f->i - 1) < 1e-9)
        snprintf(np, sizeof np, "n");
    else if (fabs(f->i - 2) < 1e-9)
        snprintf(np, sizeof np, "n²");
    else if (fabs(f->i - 3) < 1e-9)
        snprintf(np, sizeof np, "n³");
    else if (f->i != 0) {
        frac_text(f->i, fr, sizeof fr);
        snprintf(np, sizeof np, "n^(%s)", fr);
    }
    if (f->j == 1)
        snprintf(lp, sizeof lp, "log n");
    else if (f->j == 2)
        snprintf(lp, sizeof lp, "log² n");
    snprintf(buf, size, "O(%s%s%s)", np, *np && *lp ? " " : "", lp);
    return buf;
}

static void num_text(double v, int is_time, char *buf, size_t size)
{
    if (is_time)
        pt_fmt_dur(v, buf, size);
    else
        snprintf(buf, size, "%.3g", v);
}

char *model_format(const model_fit *f, int is_time, char *buf, size_t size)
{
    char c0[PT_DUR_BUFSZ], c1[PT_DUR_BUFSZ], t[48] = "", fr[16];
    if (f->kind == MODEL_NONE) {
        snprintf(buf, size, "-");
        return buf;
    }
    num_text(f->c0, is_time, c0, sizeof c0);
    if (model_is_constant(f)) {
        snprintf(buf, size, "%s", c0);
        return buf;
    }
    num_text(f->c1, is_time, c1, sizeof c1);
    size_t k = 0;
    if (fabs(f->i - 1) < 1e-9)
        k += (size_t)snprintf(t + k, sizeof t - k, "·n");
    else if (f->i != 0) {
        frac_text(f->i, fr, sizeof fr);
        k += (size_t)snprintf(t + k, sizeof t - k, strchr(fr, '/') ? "·n^(%s)" : "·n^%s", fr);
    }
    if (f->j == 1)
        snprintf(t + k, sizeof t - k, "·log2(n)");
    else if (f->j >= 2)
        snprintf(t + k, sizeof t - k, "·log2(n)^%d", f->j);
    if (f->kind == MODEL_NAIVE)
        snprintf(buf, size, "%s%s (naive)", c1, t);
    else if (f->c0 < 0) {
        num_text(-f->c0, is_time, c0, sizeof c0);
        snprintf(buf, size, "%s%s - %s", c1, t, c0);
    }
    else
        snprintf(buf, size, "%s + %s%s", c0, c1, t);
    return buf;
}

/* ---- class expectations ----------------------------------------------------------------- */

static const char *skip_sep(const char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '*' || *s == '\t')
            s++;
        else if (!strncmp(s, "·", strlen("·")))
            s += strlen("·");
        else if (!strncmp(s, "⋅", strlen("⋅")))
            s += strlen("⋅");
        else
            return s;
    }
}

/* An exponent after a factor: "^2", "^1.5", "^(3/2)", "^3/2", "²", "³"; *e = 1 when none.
 * Returns the text after it, or NULL on a malformed exponent. */
static const char *parse_exp(const char *s, double *e)
{
    *e = 1;
    if (!strncmp(s, "²", strlen("²"))) {
        *e = 2;
        return s + strlen("²");
    }
    if (!strncmp(s, "³", strlen("³"))) {
        *e = 3;
        return s + strlen("³");
    }
    if (*s != '^')
        return s;
    s++;
    int paren = *s == '(';
    if (paren)
        s++;
    char *end;
    double a = strtod(s, &end);
    if (end == s)
        return NULL;
    s = end;
    if (*s == '/') {
        double b = strtod(s + 1, &end);
        if (end == s + 1 || b == 0)
            return NULL;
        a /= b;
        s = end;
    }
    if (paren) {
        if (*s != ')')
            return NULL;
        s++;
    }
    *e = a;
    return s;
}

int model_class_parse(const char *text, double *i, int *j)
{
    const char *s = text;
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ')
        len--;
    char buf[128];
    if ((s[0] == 'O' || s[0] == 'o') && s[1] == '(' && len >= 3 && s[len - 1] == ')') {
        if (len - 3 >= sizeof buf)
            return -1;
        memcpy(buf, s + 2, len - 3);
        buf[len - 3] = '\0';
    } else {
        if (len >= sizeof buf)
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
    }
    double ii = 0, jj = 0;
    int any = 0;
    s = skip_sep(buf);
    while (*s) {
        double e;
        if (!strncmp(s, "1", 1) && !any && !*skip_sep(s + 1)) {
            s = skip_sep(s + 1);
            any = 1;
            continue;
        }
        if (!strncmp(s, "sqrt(n)", 7)) {
            ii += 0.5;
            s += 7;
        } else if (!strncmp(s, "log", 3)) {
            s += 3;
            if (*s == '2')
                s++;
            else if (!strncmp(s, "_2", 2))
                s += 2;
            double e1, e2;
            s = parse_exp(s, &e1);
            if (!s)
                return -1;
            while (*s == ' ')
                s++;
            if (!strncmp(s, "(n)", 3))
                s += 3;
            else if (*s == 'n')
                s++;
            else
                return -1;
            s = parse_exp(s, &e2);
            if (!s)
                return -1;
            jj += e1 * e2;
        } else if (*s == 'n') {
            s = parse_exp(s + 1, &e);
            if (!s)
                return -1;
            ii += e;
        } else {
            return -1;
        }
        any = 1;
        s = skip_sep(s);
    }
    if (!any || jj != floor(jj) || jj < 0 || jj > 16 || ii < 0)
        return -1;
    *i = ii;
    *j = (int)jj;
    return 0;
}

int model_class_cmp(double i1, int j1, double i2, int j2)
{
    if (fabs(i1 - i2) > 1e-9)
        return i1 > i2 ? 1 : -1;
    return (j1 > j2) - (j1 < j2);
}

double model_crossover(const model_fit *a, const model_fit *b, double lo, double hi)
{
    if (!(lo > 0) || !(hi > lo) || model_eval(a, lo) >= model_eval(b, lo))
        return NAN;
    const int steps = 256;
    double l0 = log(lo), l1 = log(hi), prev = l0;
    for (int k = 1; k <= steps; k++) {
        double cur = l0 + (l1 - l0) * k / steps;
        double n = exp(cur);
        if (model_eval(a, n) >= model_eval(b, n)) {
            double x = prev, y = cur; /* a < b at x, a >= b at y */
            while (y - x > 1e-6) {
                double mid = 0.5 * (x + y), nm = exp(mid);
                if (model_eval(a, nm) >= model_eval(b, nm))
                    y = mid;
                else
                    x = mid;
            }
            return exp(y);
        }
        prev = cur;
    }
    return NAN;
}
