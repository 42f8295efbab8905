/* tools/lib/diff_core.h: the analysis behind pscope-diff — loading runs and deciding verdicts.
 *
 * A diff_run is one run read from a database with the SQL of sql/diff_*.sql: its header, its
 * functions keyed by name + module basename (never by address), each function's exact
 * figures, its per-call duration histogram and, when the run stored every call and there are
 * few enough of them, its raw per-call durations.
 *
 * diff_compare() matches the functions of a base side and a current side (one or several
 * runs each) and gives every function a row with both sides' figures, the relative change of
 * the chosen metric, its share of run time, a p-value and a verdict:
 *   regression / improvement  significant AND |delta| >= threshold AND share >= min_share
 *   unchanged ("~")           anything else that could be tested
 *   new / removed             present on one side only
 *   not assessed              no test possible
 * Two methods (diff_opts.method):
 *   robust (default)  the run is the unit of replication. Per function and run: a robust
 *                     per-call location (trimmed mean or median of per-call self time, from
 *                     raw rows or function_self_hist) and the exact call count. The change
 *                     splits into "calls" (counted: exact) and "time per call" (a Welch t
 *                     test on the log locations, or Mann-Whitney + Hodges-Lehmann), with the
 *                     ratio's confidence interval and Benjamini-Hochberg adjusted p-values
 *                     over the functions above the noise floor. One run per side: time per
 *                     call is judged on magnitude only (single_threshold), with a warning.
 *   classic           the earlier gate: Mann-Whitney on per-call durations (one run per
 *                     side) or on the per-run values of the metric, no multiplicity control.
 * docs/diff.md is the user's copy.
 *
 * Ownership: diff_run_load fills a diff_run the caller releases with diff_run_free;
 * diff_compare fills a diff_result the caller releases with diff_result_free. Rows point to
 * names owned by the runs, so the runs must outlive the result.
 */
#ifndef PSCOPE_DIFF_CORE_H
#define PSCOPE_DIFF_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "mannwhitney.h"
#include "ptool.h"

/* Default limit of raw call rows per run read for the per-call test: above it (or when the
 * run did not store every call) the exact histograms are used instead. */
#define DIFF_RAW_LIMIT_DEFAULT 200000u

typedef struct diff_func {
    char *name;            /* function name (owned) */
    char *module;          /* module basename, "" when unknown (owned) */
    uint64_t calls;        /* completed calls */
    int64_t total_dur;     /* inclusive time, ns (recursion counted once) */
    int64_t self_dur;      /* exclusive time, ns */
    int64_t sum_dur;       /* sum of every call's duration, ns (mean = sum_dur / calls) */
    uint32_t *bucket;      /* function_hist buckets, ascending (owned; NULL if none) */
    uint64_t *count;       /* their counts */
    size_t nbucket;
    double *raw_dur;       /* raw inclusive per-call durations, ascending (owned; NULL unless run->raw) */
    double *raw_self;      /* raw exclusive per-call durations, ascending */
    size_t nraw;
    uint32_t *self_bucket; /* function_self_hist buckets, ascending (owned; NULL if none) */
    uint64_t *self_count;  /* their counts */
    size_t nself_bucket;
    double thread_self_share;  /* max over threads of self time / the thread's own time; NAN
                                  when the run has no thread_stat rows */
    double thread_total_share; /* the same for inclusive time */
} diff_func;

typedef struct diff_run {
    pt_run info;           /* the run's header from the shared run resolution (owned) */
    char *source;          /* how the run is named in output, "DB:ID" (owned) */
    int64_t thread_time;   /* sum of all functions' self time, ns (base of shares) */
    int raw;               /* 1 when every call's raw row was loaded into the functions */
    int has_self_hist;     /* 1 when the database has function_self_hist (schema >= 2) */
    int has_thread_stat;   /* 1 when the run has per-thread figures (the thread share basis) */
    diff_func *func;       /* sorted by (name, module), byte order; keys unique */
    size_t nfunc;
} diff_run;

/* Read the run described by *info from db into *out, moving *info into out->info (*info
 * is zeroed). `source` is copied. Raw call rows are loaded when the run stored every call
 * and calls_stored <= raw_limit (0 disables them). Returns 0, or PT_EXIT_DATA after a
 * message (query failed); *out is then empty. Allocation failure exits (ptool). */
int diff_run_load(pt_db *db, pt_run *info, const char *source, uint64_t raw_limit,
                  diff_run *out);

/* Release what diff_run_load allocated; *r is zeroed. NULL-safe. */
void diff_run_free(diff_run *r);

/* The function of run r with key (name, module), or NULL. Binary search: O(log nfunc). */
diff_func *diff_run_find(const diff_run *r, const char *name, const char *module);

typedef enum diff_metric {
    DIFF_METRIC_SELF = 0,  /* exclusive time (default): localises a change to its function */
    DIFF_METRIC_TOTAL,     /* inclusive time */
    DIFF_METRIC_MEAN,      /* mean per-call duration */
    DIFF_METRIC_P50,       /* median per-call duration */
    DIFF_METRIC_P95        /* 95th percentile per-call duration */
} diff_metric;

typedef enum diff_verdict {
    DIFF_REGRESSION = 0,
    DIFF_IMPROVEMENT,
    DIFF_UNCHANGED,
    DIFF_NEW,
    DIFF_REMOVED,
    DIFF_NOT_ASSESSED,
    DIFF_NVERDICT
} diff_verdict;

/* The method's own choices live in diff_method_opts (below), not in diff_opts, so that a
 * caller initialising diff_opts positionally keeps compiling; every enum's default is 0. */
typedef enum diff_method {
    DIFF_METHOD_ROBUST = 0, /* run-level locations, calls vs time per call, BH (default) */
    DIFF_METHOD_CLASSIC     /* the earlier gate (per-call or per-run-value Mann-Whitney) */
} diff_method;

typedef enum diff_test {
    DIFF_TEST_WELCH = 0,   /* Welch t on log locations, t CI of the ratio (default) */
    DIFF_TEST_MW           /* exact Mann-Whitney, Hodges-Lehmann ratio with exact CI */
} diff_test;

typedef enum diff_location {
    DIFF_LOC_TRIMMED = 0,  /* 10% trimmed mean of per-call times (default) */
    DIFF_LOC_MEDIAN        /* median of per-call times */
} diff_location;

typedef enum diff_share_basis {
    DIFF_BASIS_THREAD = 0, /* share of the busiest thread's own time that ran it (default) */
    DIFF_BASIS_ALL         /* share of all threads' time together (the run_time view) */
} diff_share_basis;

/* Default threshold of the time-per-call change with one run per side (magnitude only):
 * measured here, two runs of one binary on a loaded machine differ by up to 47% in one
 * function's trimmed-mean time per call (docs/accuracy-diff.md). */
#define DIFF_SINGLE_THRESHOLD_DEFAULT 0.50
/* With one run per side, time per call is judged only for functions with at least this
 * many calls in both runs (the 10% trim then removes at least 2 calls per side). */
#define DIFF_SINGLE_MIN_CALLS 20
/* Power and change for the runs-needed estimate: the threshold at this power. */
#define DIFF_POWER 0.80
/* Resolution floor of one run's log location (0.1%): no zero spread from quantised data. */
#define DIFF_SD_FLOOR 0.001

typedef struct diff_opts {
    diff_metric metric;
    double alpha;          /* significance level, (0, 1); default 0.05 */
    double threshold;      /* minimum |relative change|, e.g. 0.05 for 5% */
    double min_share;      /* noise floor: minimum share of run time, e.g. 0.01 */
    const pt_filter *filter; /* --filter/--exclude on function names; NULL keeps all */
} diff_opts;

/* How to compare (diff_compare_ex); all-zero means the defaults. */
typedef struct diff_method_opts {
    diff_method method;    /* robust (default) or classic */
    diff_test test;        /* robust: Welch (default) or Mann-Whitney on the runs */
    diff_location location;/* robust: per-run location of per-call times */
    diff_share_basis basis;/* what a share is a share of (robust and classic) */
    double single_threshold; /* robust, one run per side: minimum |time per call change|;
                                0 = DIFF_SINGLE_THRESHOLD_DEFAULT */
    int show_runs_needed;  /* report: a RUNS NEEDED column and note in human formats */
} diff_method_opts;

/* Figures of one side: with several runs, the median over the side's runs (a run without
 * the function counts 0 calls and 0 time; per-call figures skip it). NAN when unknown. */
typedef struct diff_side {
    int present;           /* the function appears in at least one run of the side */
    double calls, self, total, mean, p50, p95; /* ns; p50/p95 from raw rows or histogram */
    double metric;         /* the compared value (per call when the scales differ) */
    double share;          /* self (or, for other metrics, inclusive) time / thread time */
} diff_side;

typedef struct diff_row {
    const char *name;      /* borrowed from a run */
    const char *module;    /* borrowed from a run; "" when unknown */
    diff_side base, cur;
    double delta;          /* (cur.metric - base.metric) / base.metric; +/-INFINITY from 0; NAN if unknown */
    double share;          /* max(base.share, cur.share) */
    double impact;         /* signed time change, ns (metric change x current calls for per-call metrics) */
    double p;              /* two-sided p-value; NAN when not tested */
    const char *test;      /* "raw" (per-call rows), "hist" (per-call histogram), "runs" (per-run values), or NULL */
    pscope_mw_result mw;   /* the test's details when p is not NAN */
    diff_verdict verdict;
    char note[192];        /* why a verdict is what it is, when not obvious; "" otherwise */
    /* Robust method (NAN / 0 / NULL otherwise): */
    double loc_base, loc_cur;  /* per-call location, geometric mean over the side's runs, ns */
    double ratio;          /* time per call, current / base (estimate of the test) */
    double ratio_lo, ratio_hi; /* its confidence interval at 1 - alpha; NAN if none */
    double q;              /* Benjamini-Hochberg adjusted p; NAN outside the family */
    double calls_delta;    /* relative change of the (median) call count */
    int calls_exact;       /* 1 when each side's runs have one call count (counted exactly) */
    int calls_significant; /* the call count changed by >= threshold: exactly counted, or
                              (counts varying between runs) every current run beyond every
                              base run */
    double impact_calls;   /* part of impact from the calls: (calls_cur - calls_base) x base
                              self (or total) time per call, ns */
    double impact_per_call;/* part from the time per call: calls_cur x base time per call x
                              (ratio - 1), ns */
    const char *cause;     /* "calls", "time per call", "both", or NULL when not significant */
    double spread;         /* standard deviation of one run's log location (pooled); NAN */
    double runs_needed;    /* runs per side to detect a `threshold` change at 80% power */
} diff_row;

typedef struct diff_result {
    diff_row *rows;        /* every function of either side, sorted by |impact| descending */
    size_t nrows;
    diff_row wall;         /* whole-run line: wall time (name "[wall time]") */
    size_t count[DIFF_NVERDICT]; /* functions per verdict (the wall line not included) */
    int per_call;          /* 1 when the runs' scales differ: per-call figures compared */
    int repeated;          /* 1 when a side has several runs: per-run samples */
    size_t nbase, ncur;    /* runs per side */
    double min_p;          /* smallest p the repeated-runs test can give (no ties); 0 if single */
    diff_opts opts;
    /* Added with the robust method: */
    diff_method_opts mopts;  /* the method's choices (single_threshold resolved, never 0) */
    int single;            /* 1 with one run per side: cannot separate change from noise */
    size_t family;         /* functions in the Benjamini-Hochberg family (tested, above floor) */
    double runs_needed;    /* largest runs_needed over the family; NAN when unknown */
    const char *runs_needed_fn; /* the function that needs them (borrowed); NULL */
    int no_self_hist;      /* some run's database has no function_self_hist (version 1) */
    int basis_fallback;    /* some run has no thread_stat: its shares use all threads' time */
} diff_result;

/* Compare base[0..nbase) with cur[0..ncur) (each >= 1 run; opts non-NULL) into *out with
 * the default method (robust, Welch, trimmed mean, thread basis): diff_compare_ex with
 * m = NULL. Never fails: allocation failure exits (ptool). */
void diff_compare(const diff_run *base, size_t nbase, const diff_run *cur, size_t ncur,
                  const diff_opts *opts, diff_result *out);

/* The same with the method's choices m (NULL: the defaults). */
void diff_compare_ex(const diff_run *base, size_t nbase, const diff_run *cur, size_t ncur,
                     const diff_opts *opts, const diff_method_opts *m, diff_result *out);

/* Release a diff_result's rows; NULL-safe. */
void diff_result_free(diff_result *r);

/* Stable machine names: "regression", "improvement", "~", "new", "removed", "n/a". */
const char *diff_verdict_name(diff_verdict v);

/* The one-run-per-side warning every format carries (static text). */
const char *diff_single_warning(void);

/* "self", "total", "mean", "p50", "p95"; and the reverse (returns -1 for an unknown name). */
const char *diff_metric_name(diff_metric m);
int diff_metric_parse(const char *s, diff_metric *out);

#endif
