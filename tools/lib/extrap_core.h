/* tools/lib/extrap_core.h: the analysis of pscope-extrapolate — a scaling model per
 * function (and for the whole run), projections at the target scale, shares and Amdahl
 * rankings now and at the target, crossovers, and the CI checks (--expect, --budget).
 *
 * Input is an ex_data (extrap_data.h); models come from model.h. Values per scale are the
 * runs' values of the chosen metric (repetitions at one scale are fitted by their mean).
 * Shares: of time metrics, the share of the run's thread time (sum of every function's
 * self time; at the target, the sum of every function's projected self time, so
 * self shares add up to 1); of calls, the share of all calls.
 *
 * Ownership: ex_analyse fills an ex_result the caller releases with ex_result_free; rows
 * point to functions owned by the ex_data, which must outlive the result.
 */
#ifndef PSCOPE_EXTRAP_CORE_H
#define PSCOPE_EXTRAP_CORE_H

#include <stddef.h>

#include "extrap_data.h"
#include "model.h"

typedef enum ex_metric { EX_METRIC_SELF = 0, EX_METRIC_TOTAL, EX_METRIC_CALLS } ex_metric;

/* "self", "total", "calls" -> metric; returns 0 or -1. */
int ex_metric_parse(const char *s, ex_metric *out);
const char *ex_metric_name(ex_metric m);

/* One class expectation: functions matching `pattern` must not grow faster than (i, j). */
typedef struct ex_expect {
    char *text;        /* as given, "REGEX=O(...)" (owned) */
    char *pattern;     /* the REGEX part (owned) */
    char *cls;         /* the class part (owned) */
    double i;
    int j;
    pt_filter *filter; /* compiled pattern (owned) */
} ex_expect;

/* Parse "REGEX=CLASS" (split at the last '='). Returns 0, or PT_EXIT_USAGE after a
 * message naming --expect. */
int ex_expect_parse(const char *text, ex_expect *out);
void ex_expect_free(ex_expect *e);

typedef struct ex_opts {
    ex_metric metric;
    model_agg agg;          /* how repetitions at one scale are summarised (default mean) */
    double target;          /* target n (> 0) */
    const pt_filter *filter;/* functions shown (NULL: all); checks see every function */
    const ex_expect *expect;
    size_t nexpect;
    double budget;          /* projected run wall time limit, ns; NAN: none */
} ex_opts;

/* A modelled series: one function's metric or a run-level figure. */
typedef struct ex_series {
    const ex_func *func;    /* NULL for run-level series */
    const char *name;       /* function name or "(run wall time)" etc. */
    model_points pts;
    model_fit fit;
    model_prediction pred;
    double measured;        /* the fitted aggregate (mean by default) at the largest scale */
    double share_measured;  /* of the measured base at the largest scale */
    double share_target;    /* of the projected base at the target */
    size_t rank_measured, rank_target; /* 1-based among shown functions */
    double crossover_n;     /* n where it overtakes the measured top function; NAN if none */
} ex_series;

typedef enum ex_check_kind { EX_CHECK_EXPECT, EX_CHECK_BUDGET } ex_check_kind;

/* One CI check outcome. */
typedef struct ex_check {
    ex_check_kind kind;
    char *subject;          /* function name, or "run wall time" (owned) */
    char *expected;         /* "O(n log n)" / "30.0 s" (owned) */
    char *got;              /* "O(n²)" / "41.2 s [38.0 s, 44.1 s]" (owned) */
    int failed;
    char *reason;           /* one line saying why (owned) */
} ex_check;

typedef struct ex_result {
    ex_metric metric;
    model_agg agg;
    double target;
    size_t nscales;
    double *scales;         /* distinct scales, ascending (owned) */
    size_t *runs_per_scale; /* (owned) */
    model_kind kind;        /* fit kind that follows from nscales */
    ex_series *rows;        /* shown functions, by projected value, descending (owned) */
    size_t nrows;
    ex_series wall;         /* run wall time, one-term model of the runs' durations */
    /* Run wall time as the sum of every function's self-time projection plus a model of
     * the time outside instrumented functions (wall - thread time): a sum of one-term
     * models follows a mix of growth rates that one term cannot; the time outside them
     * (start-up, exit, the collector) is given at most linear growth. Used when wall time >=
     * thread time in every run (one busy thread at a time); otherwise sum_used is 0 and
     * the one-term model is the projection. */
    int sum_used;
    double sum_value, sum_lo, sum_hi;
    char sum_class[32];     /* class of the function with the largest projected self time */
    double base_measured;   /* share base at the largest scale: thread time or all calls */
    double base_target;     /* the same at the target: sum of every function's projection */
    ex_check *checks;
    size_t nchecks;
    int failed;             /* some check failed */
} ex_result;

/* Analyse d (d->nrun > 0) with opts into *res. Never fails (allocation failure exits). */
void ex_analyse(const ex_data *d, const ex_opts *opts, ex_result *res);

/* Release; *r is zeroed. NULL-safe. */
void ex_result_free(ex_result *r);

#endif /* PSCOPE_EXTRAP_CORE_H */
