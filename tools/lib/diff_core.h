/* tools/lib/diff_core.h: the analysis behind pscope-diff — loading runs and deciding verdicts.
 *
 * A diff_run is one run read from a database with the SQL of sql/diff_*.sql: its header, its
 * functions keyed by name + module basename (never by address), each function's exact
 * figures, its per-call duration histogram and, when the run stored every call and there are
 * few enough of them, its raw per-call durations.
 *
 * diff_compare() matches the functions of a base side and a current side (one or several
 * runs each) and gives every function a row with both sides' figures, the relative change of
 * the chosen metric, its share of run time, a two-sided Mann-Whitney p-value and a verdict:
 *   regression / improvement  p <= alpha AND |delta| >= threshold AND share >= min_share
 *   unchanged ("~")           anything else that could be tested
 *   new / removed             present on one side only
 *   not assessed              no test possible (one run per side and only totals, or too
 *                             few repeated runs for any p to reach alpha)
 * The samples of the test are, with one run per side, the per-call durations of the function
 * (raw rows when both runs have them, else the histogram buckets as tied values) and, with
 * several runs on a side, the per-run values of the metric. docs/diff.md is the user's copy.
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
} diff_func;

typedef struct diff_run {
    pt_run info;           /* the run's header from the shared run resolution (owned) */
    char *source;          /* how the run is named in output, "DB:ID" (owned) */
    int64_t thread_time;   /* sum of all functions' self time, ns (base of shares) */
    int raw;               /* 1 when every call's raw row was loaded into the functions */
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

typedef struct diff_opts {
    diff_metric metric;
    double alpha;          /* significance level, (0, 1); default 0.05 */
    double threshold;      /* minimum |relative change|, e.g. 0.05 for 5% */
    double min_share;      /* noise floor: minimum share of run time, e.g. 0.01 */
    const pt_filter *filter; /* --filter/--exclude on function names; NULL keeps all */
} diff_opts;

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
} diff_result;

/* Compare base[0..nbase) with cur[0..ncur) (each >= 1 run; opts non-NULL) into *out.
 * Never fails: allocation failure exits (ptool). */
void diff_compare(const diff_run *base, size_t nbase, const diff_run *cur, size_t ncur,
                  const diff_opts *opts, diff_result *out);

/* Release a diff_result's rows; NULL-safe. */
void diff_result_free(diff_result *r);

/* Stable machine names: "regression", "improvement", "~", "new", "removed", "n/a". */
const char *diff_verdict_name(diff_verdict v);

/* "self", "total", "mean", "p50", "p95"; and the reverse (returns -1 for an unknown name). */
const char *diff_metric_name(diff_metric m);
int diff_metric_parse(const char *s, diff_metric *out);

#endif
